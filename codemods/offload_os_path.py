"""Offloads the `os.path` functions that touch the file system (`exists`, `isfile`, `isdir`,
`getsize`, `getmtime`, `realpath`, ...) inside `async def` to a thread:
`await asyncio.to_thread(os.path.exists, path)`. Pure path arithmetic (`join`, `basename`,
`splitext`, ...) does no I/O and is left alone.
"""

from __future__ import annotations

from awaitify.codemod_base import OffloadCodemod, wants_calls
from awaitify.rules import Rule

IO_FUNCTIONS = ("exists", "lexists", "isfile", "isdir", "islink", "ismount", "getsize", "getatime", "getmtime",
                "getctime", "samefile", "sameopenfile", "realpath")
CALLS = frozenset(f"os.path.{f}" for f in IO_FUNCTIONS)

RULE = Rule(
    code="AW510",
    name="os-path",
    summary="os.path functions that touch the file system, in async code -> await asyncio.to_thread(...)",
    triggers=IO_FUNCTIONS,
    order=45,
    async_only=True,
    local_edits=True,
    async_by_trigger=True,
    offload_fixes=tuple(sorted(CALLS)),
)



wants = wants_calls(qualified=CALLS)

class OffloadOsPath(OffloadCodemod):
    RULE = RULE
    DESCRIPTION = __doc__
    CALLS = CALLS
