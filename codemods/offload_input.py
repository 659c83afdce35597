"""Offloads `input()` inside `async def` to a thread: `await asyncio.to_thread(input, "name? ")`.
The prompt is printed and the line read as before; the loop keeps serving other tasks meanwhile.
"""

from __future__ import annotations

from awaitify.codemod_base import OffloadCodemod, wants_calls
from awaitify.rules import Rule

RULE = Rule(
    code="AW511",
    name="input",
    summary="input() in async code -> await asyncio.to_thread(input, ...)",
    triggers=("input",),
    order=45,
    async_only=True,
    local_edits=True,
    async_by_trigger=True,
)


wants = wants_calls(unresolved=frozenset({"input"}))


class OffloadInput(OffloadCodemod):
    RULE = RULE
    DESCRIPTION = __doc__
    CALLS = frozenset({"builtins.input"})
