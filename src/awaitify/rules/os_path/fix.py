"""Offloads the `os.path` functions that touch the file system (`exists`, `isfile`, `isdir`,
`getsize`, `getmtime`, `realpath`, ...) inside `async def` to a thread:
`await asyncio.to_thread(os.path.exists, path)`. Pure path arithmetic (`join`, `basename`,
`splitext`, ...) does no I/O and is left alone.
"""

from __future__ import annotations

from awaitify.codemod_base import OffloadCodemod
from awaitify.rules.os_path import RULE as OS_PATH
from awaitify.rules.os_path.detect import wants


RULE = OS_PATH
CALLS = frozenset(RULE.offload_fixes)




class OffloadOsPath(OffloadCodemod):
    RULE = RULE
    DESCRIPTION = __doc__
    CALLS = CALLS
