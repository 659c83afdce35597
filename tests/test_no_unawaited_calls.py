"""Issue 22's end-to-end proof on the project-like trees in this repository (tests/apps/*, the
negative hook trees, examples/*, the golden inputs): after `fix --write` with every rule, no function
that became `async def` has a call site left that is neither awaited nor run by an event loop
(`asyncio.run(f())`, `trio.run(f, ...)`, `loop.run_until_complete(f())`). Checked with the project
index over the rewritten tree, independently of the planner that made the change; and the checker
itself is shown to catch a call left without `await`."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest

from awaitify.index import SummaryStore, build_index
from awaitify.summary import UNPARSABLE, char_column, summarize

from inprocess_cli import cli_here  # noqa: F401  (a fixture)

TESTS = Path(__file__).resolve().parent
SKIP = shutil.ignore_patterns("__pycache__", ".awaitify_cache", ".pytest_cache", "scenario.py", "*.out.py")
# what may hold a coroutine without awaiting it: running it, or scheduling it on the loop
RUNNERS = frozenset({"run", "run_until_complete", "create_task", "ensure_future", "gather", "wait_for", "shield",
                     "start_soon", "run_coroutine_threadsafe"})


def _trees() -> list:
    trees = [p for p in sorted((TESTS / "apps").iterdir()) if p.is_dir() and p.name not in ("_kit", "negative", "__pycache__")]
    trees += [p for p in sorted((TESTS / "apps" / "negative").iterdir()) if p.is_dir() and p.name != "__pycache__"]
    trees += [p for p in sorted((TESTS.parent / "examples").iterdir()) if p.is_dir()]
    trees += [p for p in sorted((TESTS / "golden").iterdir()) if p.is_dir() and p.name != "__pycache__"]
    return [pytest.param(p, id=str(p.relative_to(TESTS.parent))) for p in trees]


def _summaries(root: Path) -> dict[str, object]:
    found = {}
    for path in sorted(root.rglob("*.py")):
        try:
            found[str(path)] = summarize(str(path), path.read_text(encoding="utf-8"), lazy=False)
        except UNPARSABLE:
            continue
    return found


def unawaited_calls(original: Path, fixed: Path) -> tuple[int, list[str]]:
    """How many functions became async between the two trees, and every call site of one of them in
    `fixed` that nothing awaits or runs (as `path:line`)."""
    before, after = _summaries(original), _summaries(fixed)
    made_async = []
    for path, summary in after.items():
        old = before.get(str(original / Path(path).relative_to(fixed)))
        for qualname, info in summary.functions.items():
            if info.is_async and old is not None and qualname in old.functions and not old.functions[qualname].is_async:
                made_async.append((path, qualname))
    texts = {str(p): p.read_text(encoding="utf-8") for p in fixed.rglob("*.py")}
    index = build_index(SummaryStore(texts), [r for r in (fixed, fixed / "src") if r.is_dir()], full=True)
    left = []
    for fid in made_async:
        for edge in index.callers(fid):
            if edge.site.awaited or _run_by_a_loop(texts[edge.path], edge.site.key):
                continue
            left.append(f"{Path(edge.path).relative_to(fixed)}:{edge.site.line} calls {fid[1]} without await")
    return len(made_async), left


def _run_by_a_loop(text: str, key: tuple[int, int]) -> bool:
    """Is the call whose called expression ends at `key` an argument of asyncio.run / gather / ...?"""
    tree, lines = ast.parse(text), text.splitlines()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        for arg in node.args:
            inner = arg.value if isinstance(arg, ast.Starred) else arg
            if (isinstance(inner, ast.Call) and inner.func.end_lineno == key[0]
                    and char_column(lines, key[0], inner.func.end_col_offset or 0) == key[1]):
                name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                return name in RUNNERS
    return False


@pytest.mark.slow
@pytest.mark.parametrize("tree", _trees())
def test_no_function_made_async_is_left_called_without_await(tree: Path, tmp_path: Path, cli_here) -> None:
    original = tmp_path / "original"
    shutil.copytree(tree, original, ignore=SKIP)
    fixed = tmp_path / "fixed"
    shutil.copytree(original, fixed)
    code, _, err = cli_here("fix", "--write", "--allow-dirty", "--no-cache", ".", cwd=fixed)
    assert code == 0, err
    _, left = unawaited_calls(original, fixed)
    assert left == [], "\n".join(left)


def test_the_checker_finds_a_call_left_without_await(tmp_path: Path) -> None:
    """The measuring stick: a tree where a function became async and one caller was not changed."""
    original, fixed = tmp_path / "original", tmp_path / "fixed"
    for root, head in ((original, "def"), (fixed, "async def")):
        root.mkdir()
        (root / "app.py").write_text(f"import asyncio\n\n\n{head} load():\n    return 1\n\n\n"
                                     "async def good():\n    return await load()\n\n\n"
                                     "def bad():\n    return load()\n\n\n"
                                     "def main():\n    return asyncio.run(load())\n")
    made, left = unawaited_calls(original, fixed)
    assert made == 1
    assert left == ["app.py:13 calls load without await"]
