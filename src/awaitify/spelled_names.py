"""Every name spelled inside a libcst node, remembered for the length of one file's transform.

Codemods pick names for what they write (a helper, a client, a TLS context) that the module or the
function does not spell yet; several ask about the same module or def, once per call they rewrite,
and each question was a walk of the whole node. libcst nodes never change, so the answer for a node
object holds as long as the object lives: within `remembered()`, each node is walked once, and the
walk of a node records the answer for every `def` inside it too.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import libcst as cst

from awaitify.node_walk import names_by_function

# id(node) -> (the node, kept alive so that its id is not reused; the names it spells)
_Memo = dict[int, tuple[cst.CSTNode, frozenset[str]]]
_MEMO: ContextVar[_Memo | None] = ContextVar("awaitify_spelled_names", default=None)


@contextmanager
def remembered() -> Iterator[None]:
    """Answers of `names_in` kept until the block ends (one file's codemods)."""
    token = _MEMO.set({})
    try:
        yield
    finally:
        _MEMO.reset(token)


def names_in(node: cst.CSTNode) -> set[str]:
    """Every name spelled inside `node`: what a generated helper or client must not be called. A
    new set each time: callers add the names they take."""
    memo = _MEMO.get()
    if memo is not None:
        known = memo.get(id(node))
        if known is not None and known[0] is node:
            return set(known[1])
    return set(_walk(node, memo))


def _walk(node: cst.CSTNode, memo: _Memo | None) -> frozenset[str]:
    found, functions = names_by_function(node)
    if memo is not None:
        for function, names in functions:
            memo[id(function)] = (function, names)
        memo[id(node)] = (node, found)
    return found
