"""The lifespan planner's walk (`unmovable_hooks._walk`) meets every node in the order of the plain
recursive walk it replaced, each with the same enclosing functions and guard: the unmovable hook
registrations it reports, and their wording, depend on both."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import awaitify
from awaitify.rules.lifespan.unmovable_hooks import _FUNCS, _GUARDS, _walk

ROOT = Path(__file__).parent


def _recursive(node: ast.AST, funcs: list[ast.AST], guard: str):
    inner = [*funcs, node] if isinstance(node, _FUNCS) else funcs
    inner_guard = guard or _GUARDS.get(type(node).__name__, "")
    decorators = {id(d) for d in getattr(node, "decorator_list", ())}
    for child in ast.iter_child_nodes(node):
        scope, child_guard = (funcs, guard) if id(child) in decorators else (inner, inner_guard)
        yield child, scope, child_guard
        yield from _recursive(child, scope, child_guard)


def _sources() -> list[Path]:
    found = sorted((ROOT / "golden").rglob("*.py")) + sorted((ROOT.parent / "examples").rglob("*.py"))
    return found + sorted(Path(awaitify.__file__).parent.rglob("*.py"))[::10]


@pytest.mark.parametrize("path", _sources(), ids=lambda p: p.name)
def test_walk_matches_the_recursive_walk(path: Path) -> None:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (SyntaxError, UnicodeDecodeError):
        pytest.skip("not readable on this Python")

    def shape(walk):
        return [(id(node), [id(f) for f in funcs], guard) for node, funcs, guard in walk]

    assert shape(_walk(tree, [], "")) == shape(_recursive(tree, [], ""))
