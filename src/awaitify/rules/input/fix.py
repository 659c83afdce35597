"""Offloads `input()` inside `async def` to a thread: `await asyncio.to_thread(input, "name? ")`.
The prompt is printed and the line read as before; the loop keeps serving other tasks meanwhile.
"""

from __future__ import annotations

from awaitify.codemod_base import OffloadCodemod
from awaitify.rules.input import RULE as INPUT
from awaitify.rules.input.detect import wants

RULE = INPUT




class OffloadInput(OffloadCodemod):
    RULE = RULE
    DESCRIPTION = __doc__
    CALLS = frozenset({"builtins.input"})
