"""`loop.run_until_complete(...)` in async code on a loop the fix cannot tell is the running one (a
parameter), or not handed one coroutine alone: fix leaves it and says why, whatever else the module
holds, and check reports it not fixable with that reason. check and fix agree line for line."""

from __future__ import annotations

from pathlib import Path

import pytest

from both_commands import check_and_fix

PARAMETERS = """\
import asyncio


async def given(loop, coro):
    return loop.run_until_complete(coro)


async def annotated(loop: asyncio.AbstractEventLoop, work):
    return loop.run_until_complete(work())


async def extra(work, args):
    asyncio.get_event_loop().run_until_complete(*args)
    return asyncio.get_event_loop().run_until_complete(work(), 1)
"""

# the same module with a call the fix does rewrite: what it says of the others must not change
WITH_A_GETTER = PARAMETERS + """

async def got(work):
    loop = asyncio.get_event_loop()
    return loop.run_until_complete(work())
"""


@pytest.mark.parametrize("text", [PARAMETERS, WITH_A_GETTER], ids=["alone", "with_a_getter"])
def test_fix_says_why_it_leaves_what_check_reports(tmp_path: Path, text: str) -> None:
    report, result = check_and_fix(tmp_path, text)
    left = [f for f in report.findings if f.code == "AW102" and not f.fixable]
    refusals = [d for d in result.diagnostics if d.code == "AW102"]
    assert [(f.line, f.column) for f in left] == [(d.line, d.column) for d in refusals] == [
        (5, 12), (9, 12), (13, 5), (14, 12)]
    # the reason check gives is the fix's diagnostic, word for word
    assert [f.message.partition("; not fixed: ")[2] for f in left[:2]] == [d.message for d in refusals[:2]]
    assert all("not fixed: loop.run_until_complete() on a loop awaitify cannot tell is the running one" in f.message
               for f in left[:2])
    assert all("not fixed: it is not handed one coroutine alone" in f.message for f in left[2:])
    fixable = [f.line for f in report.findings if f.code == "AW102" and f.fixable]
    assert fixable == ([] if text == PARAMETERS else [19])
    assert bool(result.files) == (text == WITH_A_GETTER)
