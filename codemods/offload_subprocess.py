"""Offloads `subprocess.run/call/check_call/check_output/getoutput/getstatusoutput`, `os.system` and
`os.posix_spawn[p]` inside `async def` to a thread: `await asyncio.to_thread(subprocess.run, [...],
check=True)`. Same arguments, same return value (`CompletedProcess`, exit status, output) and the
same exceptions (`CalledProcessError`, `TimeoutExpired`), raised at the `await`; the event loop keeps
running while the process does. Sync code is left alone; a sync helper that async code reaches is
offloaded at its async call sites by the planner.
"""

from __future__ import annotations

from awaitify.codemod_base import OffloadCodemod, wants_calls
from awaitify.rules import Rule

CALLS = frozenset({
    *(f"subprocess.{f}" for f in ("run", "call", "check_call", "check_output", "getoutput", "getstatusoutput")),
    "os.system", "os.posix_spawn", "os.posix_spawnp",
})

RULE = Rule(
    code="AW505",
    name="subprocess-run",
    summary="subprocess.run/call/check_*, os.system in async code -> await asyncio.to_thread(...)",
    triggers=("subprocess", "system", "posix_spawn"),
    order=45,
    offload_fixes=tuple(sorted(CALLS)),
)



wants = wants_calls(qualified=CALLS)

class OffloadSubprocess(OffloadCodemod):
    RULE = RULE
    DESCRIPTION = __doc__
    CALLS = CALLS
