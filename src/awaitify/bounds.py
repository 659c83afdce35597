"""Limits checked before libcst parses a file: what a hostile or generated file costs is one file.

libcst's native parser recurses once per nesting level and has no guard: 10,000 unary minus signs
(`x = ------...1`) or a 10,000-link attribute chain crash the interpreter with a segfault, and a
10,000-term sum or subscript chain runs for minutes. The standard `ast` parser has a guard
(RecursionError) and is ~10x quicker than libcst, so the file is read with it first and its nesting
measured without recursion; past MAX_NESTING the file is refused with a one-line reason. (Parsing
also runs in a child process, awaitify.engine.pool, so a crash this misses costs one file as well.)
"""

from __future__ import annotations

import ast
import re
import warnings

# Python's own parser stops at 200 nested brackets; code people write stays well under 100 levels.
MAX_NESTING = 200
_FORM_FEED_INDENT = re.compile(rb"^\f+[ \t]+\S", re.MULTILINE)


def nesting(tree: ast.AST) -> int:
    """The deepest node's depth, walked with a list (a recursive walk would hit the very limit)."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > deepest:
            deepest = depth
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


def parse_problem(raw: bytes) -> str | None:
    """Why libcst must not be given this source, or None. A file `ast` cannot read for another
    reason is left to libcst, which reports the syntax error itself."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(raw)
    except (RecursionError, MemoryError) as exc:
        return f"too deeply nested to transform safely ({type(exc).__name__} while parsing)"
    except (SyntaxError, ValueError):
        return None
    depth = nesting(tree)
    if depth > MAX_NESTING:
        return f"too deeply nested to transform safely (nesting depth {depth} > {MAX_NESTING})"
    found = _FORM_FEED_INDENT.search(raw)
    if found:  # libcst drops the form feed from a rewritten line: bytes nobody meant to change
        line = raw.count(b"\n", 0, found.start()) + 1
        return f"a form feed before the indentation of line {line} is not kept by the rewriter; not transformed"
    return None
