"""The files the libcst-level tests read every node of: the golden inputs, the examples and the
test apps (and, where a test asks, more), each parsed once; a file libcst cannot parse is left out.
And every node of a tree, as libcst's own `children` gives them (the reference the shortcuts are
compared with)."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from pathlib import Path

import libcst as cst

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = ("tests/golden", "examples", "tests/apps")


def corpus_paths() -> list[Path]:
    return [path for folder in FOLDERS for path in sorted((ROOT / folder).rglob("*.py"))]


@functools.cache
def _parse(path: Path) -> cst.Module | None:
    """One parse per file and test process: the modules collecting these tests share it (a libcst
    tree is immutable)."""
    try:
        return cst.parse_module(path.read_bytes())
    except cst.ParserSyntaxError:
        return None


def parsed(paths: Iterable[Path]) -> list[tuple[str, cst.Module]]:
    """(path, module) for each of `paths` libcst parses."""
    return [(str(path), module) for path in paths if (module := _parse(path)) is not None]


def every_node(tree: cst.CSTNode) -> list[cst.CSTNode]:
    """`tree` and every node under it, as often as it stands there (libcst's `children`)."""
    found, stack = [], [tree]
    while stack:
        node = stack.pop()
        found.append(node)
        stack.extend(node.children)
    return found
