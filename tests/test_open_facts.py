"""The plan gives the blocking-open codemod thread-bound facts (and so work) only in a module whose
async code opens a file or calls a `Path` I/O method, not in one that merely spells `open(` and
`async def` (in strings: the standard library's pydoc topics)."""

from __future__ import annotations

from pathlib import Path

from awaitify.config import Config
from awaitify.rules import all_rules
from awaitify.runner import RunOptions, run

# 2,000 implicitly joined strings: a libcst walk of them goes deeper than Python's recursion limit
TOPICS = "topics = {'coroutines': " + "\n".join(f"    'async def f(): return open(p{i}).read()\\n'" for i in range(2000)) + "}\n"
SERVICE = '''\
import asyncio


async def handler(path):
    await asyncio.sleep(0)
    return "open(" + path
'''
OPENS = '''\
import asyncio


async def handler(path):
    with open(path) as f:
        data = f.read()
    await asyncio.sleep(0)
    return data
'''


def _run(tmp_path: Path):
    return run([tmp_path], Config(root=tmp_path), all_rules(), RunOptions(jobs=1, use_cache=False))


def test_a_data_module_spelling_open_is_not_transformed(tmp_path: Path) -> None:
    (tmp_path / "topics.py").write_text(TOPICS)
    (tmp_path / "service.py").write_text(SERVICE)
    result = _run(tmp_path)
    assert [(r.display, r.error) for r in result.results if r.error] == []
    assert result.changed == []


def test_a_module_opening_files_in_async_code_still_moves_them(tmp_path: Path) -> None:
    (tmp_path / "topics.py").write_text(TOPICS)
    (tmp_path / "opens.py").write_text(OPENS)
    result = _run(tmp_path)
    assert [r.path.name for r in result.changed] == ["opens.py"]
    new = next(r.new for r in result.changed).decode()
    assert "asyncio.to_thread" in new and "with open(path) as f:" in new
