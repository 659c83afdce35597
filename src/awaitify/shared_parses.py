"""One `ast` parse of a module's text for the plan's analyses that only read the tree.

The plan's readers each parsed the modules they read: the lifespan planner, the computed-name
accesses (`awaitify.dynamic_access`), the thread-bound facts and the requests planner. On a
194-file bot the plan parsed 51 of its modules two or three times (a third of a megabyte each, for
the largest): half of the plan's parsing. Within `shared()` (the plan), `parse` keeps each tree
for the next reader of the same text. None of these readers changes a tree's fields (the
thread-bound analysis adds a `_tb_parent` attribute, which no walk reads).

A text `ast` cannot read keeps its SyntaxError or ValueError, raised again for the next reader; a
RecursionError or MemoryError is not kept. Trees are kept up to `LIMIT` characters of source, the
least recently read going first.
"""

from __future__ import annotations

import ast
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

LIMIT = 8_000_000  # characters of source whose trees are kept (an `ast` tree takes ~10x its text)

_trees: OrderedDict[str, ast.Module | SyntaxError | ValueError] = OrderedDict()
_kept = [0, 0]  # [characters kept, how many `shared()` blocks are open]


@contextmanager
def shared() -> Iterator[None]:
    """Trees are kept for the next reader until the outermost block ends."""
    _kept[1] += 1
    try:
        yield
    finally:
        _kept[1] -= 1
        if not _kept[1]:
            _trees.clear()
            _kept[0] = 0


def parse(text: str) -> ast.Module:
    """`ast.parse(text)`, the same tree for every reader within `shared()`."""
    if not _kept[1]:
        return ast.parse(text)
    found = _trees.get(text)
    if found is None:
        try:
            found = ast.parse(text)
        except (SyntaxError, ValueError) as exc:
            found = exc
        _trees[text] = found
        _kept[0] += len(text)
        while _kept[0] > LIMIT and len(_trees) > 1:
            _kept[0] -= len(_trees.popitem(last=False)[0])
    else:
        _trees.move_to_end(text)
    if isinstance(found, (SyntaxError, ValueError)):
        raise found
    return found
