"""Merging a closure keeps the other's calls it lacks, in order, as the list membership test did."""

from __future__ import annotations

import itertools

from awaitify.index import Edge
from awaitify.planner import Closure
from awaitify.summary import ASYNC, SYNC, CallSite, Ref


def _edge(path: str, line: int, context: str = SYNC, dynamic: bool = False) -> Edge:
    return Edge(path, CallSite(Ref("own", "f"), line, 1, context, "g", False, (line, 3)), dynamic=dynamic)


def test_merge_adds_what_is_missing_in_order_and_keeps_duplicates_of_the_other() -> None:
    edges = [_edge(p, line, c, d) for p, line, c, d in itertools.product(("a.py", "b.py"), (1, 2), (SYNC, ASYNC), (False, True))]
    calls = [(e, ("a.py", "f")) for e in edges] + [(edges[0], ("a.py", "h"))]
    for mine, theirs in [(calls[:5], calls[3:]), (calls[::2], calls[1::2] + calls[1::2]), ([], calls), (calls, [])]:
        closure, other = Closure(awaits=list(mine), bridges=list(mine)), Closure(awaits=list(theirs), bridges=list(theirs))
        expected = list(mine) + [a for a in theirs if a not in mine]
        closure.merge(other)
        assert closure.awaits == expected and closure.bridges == expected
    # an equal edge built apart counts as present, as `==` says
    twin = (_edge("a.py", 1), ("a.py", "f"))
    closure = Closure(awaits=[calls[0]])
    closure.merge(Closure(awaits=[twin]))
    assert closure.awaits == [calls[0]]
