"""A blocking call the code already awaits (`await time.sleep(1)`: a TypeError when it runs): a fix
that rewrites it to an awaited call would write `await await`, so it leaves the call and says why;
`check` reports it not fixable, at the same place, with the same reason (it called it fixable, and
`check` after `fix --write` still did). asyncio-run's fix folds the two (`await coro`). All rules on."""

from __future__ import annotations

from pathlib import Path

from awaitify import api
from awaitify.nested_calls import ALREADY_AWAITED
from both_commands import check_and_fix, function_at, refusal_sets

TEXT = '''import asyncio
import os
import shutil
import subprocess
import time

import httpx


async def sleep():
    await time.sleep(1)


async def run():
    await subprocess.run(["ls"])


async def exists(p):
    return await os.path.exists(p)


async def ask():
    return await input("x")


async def copy(a, b):
    await shutil.copy(a, b)


async def fetch(u):
    return await httpx.get(u)


async def wait():
    return await os.wait()


async def nested(coro):
    return await asyncio.run(coro)
'''

CODES = ("AW101", "AW505", "AW510", "AW511", "AW515", "AW501", "AW506")


def test_an_awaited_blocking_call_is_left_by_both_commands_with_one_reason(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    report, result = check_and_fix(tmp_path, TEXT, write=True)
    for code in CODES:
        said, left = refusal_sets(report, result, code)
        assert said == left and len(left) == 1 and next(iter(left))[2] == ALREADY_AWAITED, code
    assert [function_at(TEXT, f.line) for f in report.findings if f.fixable] == ["nested"]
    after = api.check([tmp_path], config=str(tmp_path / "pyproject.toml"), cache=False, jobs=1)
    assert [f for f in after.findings if f.fixable] == []
