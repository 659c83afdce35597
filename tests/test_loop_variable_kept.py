"""AW102 drops `loop = asyncio.get_event_loop()` (or `new_event_loop()`) only when every use of
`loop` is a run_until_complete() it rewrote to `await`. A use it leaves (in a nested sync function,
with `*args`, in a nested async function that does not bind `loop` itself) keeps the variable:
before, the line went and the code left behind raised NameError. Differential: the original and
the fixed module, run, raise the same exception (or give the same result); with every rule on."""

from __future__ import annotations

import asyncio
import textwrap
import types
from pathlib import Path

import pytest

from awaitify.config import Config
from awaitify.plan import FilePlan
from awaitify.rules import all_rules
from awaitify.runner import fix_file
from awaitify.source import read_source

SOURCE = textwrap.dedent('''\
    import asyncio


    async def nested_sync(coro):
        loop = asyncio.new_event_loop()

        def inner():
            return loop.run_until_complete(coro)

        return inner()


    async def starred(coro):
        loop = asyncio.get_event_loop()
        return loop.run_until_complete(*[coro])


    async def nested_async(coro):
        loop = asyncio.get_event_loop()

        async def inner():
            return loop.run_until_complete(coro)

        return await inner()


    async def in_lambda(coro):
        loop = asyncio.get_event_loop()
        run = lambda: loop.run_until_complete(coro)
        return run()


    async def plain(coro):
        loop = asyncio.get_event_loop()
        return loop.run_until_complete(coro)
''')


def _fixed(tmp_path: Path) -> tuple[str, list[str]]:
    path = tmp_path / "loops.py"
    path.write_text(SOURCE)
    result = fix_file(read_source(path, "loops.py"), all_rules(), Config(root=tmp_path), FilePlan())
    assert result.error is None, result.error
    return result.new.decode(), [d.render() for d in result.diagnostics]


def _load(text: str) -> types.ModuleType:
    module = types.ModuleType("loops")
    exec(compile(text, "loops.py", "exec"), module.__dict__)
    return module


async def _value() -> int:
    return 7


def _outcome(module: types.ModuleType, name: str) -> object:
    async def main() -> object:
        coro = _value()
        try:
            return await getattr(module, name)(coro)
        except Exception as exc:  # noqa: BLE001 - the outcome compared
            return type(exc).__name__
        finally:
            coro.close()  # a coroutine a refused call never ran
    return asyncio.run(main())


@pytest.mark.parametrize("name", ["nested_sync", "starred", "nested_async", "in_lambda"])
def test_a_loop_variable_a_kept_call_uses_stays(tmp_path: Path, name: str) -> None:
    new, _ = _fixed(tmp_path)
    function = SOURCE[SOURCE.index(f"async def {name}("):].split("\n\n\n")[0]
    assert function in new  # left whole: the call is not rewritten, so its loop stays
    before, after = _outcome(_load(SOURCE), name), _outcome(_load(new), name)
    assert after == before and after != "NameError"


def test_a_loop_variable_only_rewritten_calls_use_goes(tmp_path: Path) -> None:
    new, _ = _fixed(tmp_path)
    assert "async def plain(coro):\n    return await coro\n" in new
    assert _outcome(_load(SOURCE), "plain") == "RuntimeError"  # the loop is already running
    assert _outcome(_load(new), "plain") == 7
