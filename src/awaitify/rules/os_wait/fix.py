"""Offloads `os.wait`, `os.wait3`, `os.wait4`, `os.waitid` and `os.waitpid` inside `async def` to a
thread: `await asyncio.to_thread(os.waitpid, pid, 0)`. Same arguments and result; the loop runs on
while the child is waited for.
"""

from __future__ import annotations

from awaitify.codemod_base import OffloadCodemod
from awaitify.rules.os_wait import RULE as OS_WAIT
from awaitify.rules.os_wait.detect import wants


RULE = OS_WAIT
CALLS = frozenset(RULE.offload_fixes)




class OffloadOsWait(OffloadCodemod):
    RULE = RULE
    DESCRIPTION = __doc__
    CALLS = CALLS
