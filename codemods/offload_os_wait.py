"""Offloads `os.wait`, `os.wait3`, `os.wait4`, `os.waitid` and `os.waitpid` inside `async def` to a
thread: `await asyncio.to_thread(os.waitpid, pid, 0)`. Same arguments and result; the loop runs on
while the child is waited for.
"""

from __future__ import annotations

from awaitify.codemod_base import OffloadCodemod, wants_calls
from awaitify.rules import Rule

CALLS = frozenset(f"os.{f}" for f in ("wait", "wait3", "wait4", "waitid", "waitpid"))

RULE = Rule(
    code="AW506",
    name="os-wait",
    summary="os.wait/waitpid and friends in async code -> await asyncio.to_thread(...)",
    triggers=("wait",),
    order=45,
    async_only=True,
    local_edits=True,
    async_by_trigger=True,
    offload_fixes=tuple(sorted(CALLS)),
)



wants = wants_calls(qualified=CALLS)

class OffloadOsWait(OffloadCodemod):
    RULE = RULE
    DESCRIPTION = __doc__
    CALLS = CALLS
