"""Offloads `shutil` file-tree operations inside `async def` to a thread: `shutil.copy`, `copy2`,
`copyfile`, `copytree`, `move`, `rmtree`, `make_archive` and `unpack_archive` become
`await asyncio.to_thread(shutil.copytree, src, dst, dirs_exist_ok=True)`. Same arguments, same result,
same exceptions, raised at the `await`.
"""

from __future__ import annotations

from awaitify.codemod_base import OffloadCodemod
from awaitify.rules.shutil_io import RULE as SHUTIL_IO
from awaitify.rules.shutil_io.detect import wants


RULE = SHUTIL_IO
CALLS = frozenset(RULE.offload_fixes)



class OffloadShutil(OffloadCodemod):
    RULE = RULE
    DESCRIPTION = __doc__
    CALLS = CALLS
