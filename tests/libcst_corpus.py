"""The files the libcst-level tests read every node of: the golden inputs, the examples and the
test apps (and, where a test asks, more), each parsed once; a file libcst cannot parse is left out.
And every node of a tree, as libcst's own `children` gives them (the reference the shortcuts are
compared with)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import libcst as cst

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = ("tests/golden", "examples", "tests/apps")


def corpus_paths() -> list[Path]:
    return [path for folder in FOLDERS for path in sorted((ROOT / folder).rglob("*.py"))]


def parsed(paths: Iterable[Path]) -> list[tuple[str, cst.Module]]:
    """(path, module) for each of `paths` libcst parses."""
    out = []
    for path in paths:
        try:
            out.append((str(path), cst.parse_module(path.read_bytes())))
        except cst.ParserSyntaxError:
            continue
    return out


def every_node(tree: cst.CSTNode) -> list[cst.CSTNode]:
    """`tree` and every node under it, as often as it stands there (libcst's `children`)."""
    found, stack = [], [tree]
    while stack:
        node = stack.pop()
        found.append(node)
        stack.extend(node.children)
    return found
