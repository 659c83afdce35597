"""Rewritten code is run: it stops blocking the loop and returns what the original returned."""

from __future__ import annotations

import asyncio
import gc
import warnings
import textwrap
import time
import types
from pathlib import Path

import pytest

from awaitify.config import Config
from awaitify.plan import FilePlan
from awaitify.rules import all_rules
from awaitify.runner import fix_file
from awaitify.source import read_source


def rewrite(tmp_path: Path, code: str) -> tuple[types.ModuleType, types.ModuleType, str]:
    """(original module, rewritten module, rewritten text)."""
    path = tmp_path / "mod.py"
    path.write_text(textwrap.dedent(code))
    result = fix_file(read_source(path, "mod.py"), all_rules(), Config(root=tmp_path), FilePlan())
    assert result.error is None and result.changed
    modules = []
    for name, text in (("original", path.read_text()), ("rewritten", result.new.decode())):
        module = types.ModuleType(name)
        exec(compile(text, name, "exec"), module.__dict__)
        modules.append(module)
    return modules[0], modules[1], result.new.decode()


HANDLERS = """
    import time
    from time import sleep as nap

    async def handler(i):
        time.sleep(0.2)
        return i * 2

    async def other(i):
        nap(0.2)
        return [i for _ in range(1)]
    """


async def _gather(module: types.ModuleType) -> tuple[float, list]:
    start = time.perf_counter()
    results = await asyncio.gather(*[module.handler(i) for i in range(5)], *[module.other(i) for i in range(5)])
    return time.perf_counter() - start, results


def test_gathered_handlers_take_one_sleep_not_the_sum(tmp_path: Path) -> None:
    original, rewritten, text = rewrite(tmp_path, HANDLERS)
    slow, expected = asyncio.run(_gather(original))
    fast, got = asyncio.run(_gather(rewritten))
    assert slow >= 10 * 0.2 * 0.9  # the original blocks the loop: ten sleeps one after another
    assert fast < 0.2 * 2.5  # about one handler's sleep
    assert got == expected


RUNS = """
    import asyncio

    async def compute(x):
        await asyncio.sleep(0)
        return x + 1

    async def via_run(x):
        return asyncio.run(compute(x))

    async def via_loop(x):
        loop = asyncio.get_event_loop()
        return loop.run_until_complete(compute(x))

    async def via_chain(x):
        return await asyncio.run(compute(x)) * 2
    """


def test_rewritten_asyncio_run_works_under_a_running_loop(tmp_path: Path) -> None:
    original, rewritten, text = rewrite(tmp_path, RUNS)
    assert "asyncio.run" not in text and "run_until_complete" not in text

    async def call_all(module):
        return [await module.via_run(1), await module.via_loop(2), await module.via_chain(3)]

    assert asyncio.run(call_all(rewritten)) == [2, 3, 8]
    # what the original computes from sync code, it now computes under the loop
    assert [asyncio.run(original.compute(1)), asyncio.run(original.compute(2)), asyncio.run(original.compute(3)) * 2] == [2, 3, 8]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the refused coroutine is never awaited
        with pytest.raises(RuntimeError, match="running event loop"):
            asyncio.run(original.via_run(1))
        gc.collect()
