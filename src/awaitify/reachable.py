"""Which sync functions async code reaches, found top-down.

Async functions are few (a file holding one spells `async def`), and what they reach is found by
following resolved calls down from them: only the files of the functions on the way are read. Both
users of the answer used to search upward from every function holding a blocking call, which reads
every file that spells the name of a caller — in a large tree, most of it. The answer is the same
either way (the tests compare both): a function is reached when a chain of resolved calls, each
standing in a sync body, leads to it from a call that runs in async code.
"""

from __future__ import annotations

from typing import Callable

from awaitify.index import Edge, FuncId, ProjectIndex
from awaitify.summary import SYNC, has_async_def

# a step down reaching fewer functions than this reads their files in this process; more are read
# in the worker pool at once (`SummaryStore.prefetch`)
_BATCH = 8


class AsyncReach:
    """`runs_in_async(edge)`: does this call run on the event loop (the root edges)?
    `barrier(fid)`: a function whose callees are not followed (listed in `blocking-calls`)."""

    def __init__(self, index: ProjectIndex, runs_in_async: Callable[[Edge], bool],
                 barrier: Callable[[FuncId], bool] = lambda fid: False) -> None:
        self.index = index
        self.runs_in_async = runs_in_async
        self.barrier = barrier
        self.reached: set[FuncId] = set()
        # the edges into each reached function from async code or from other reached functions:
        # every caller that matters for a chain up to async code
        self._into: dict[FuncId, list[Edge]] = {}
        self._walk()
        for edges in self._into.values():  # in the order `ProjectIndex.callers` gives them
            edges.sort(key=Edge.order)

    def callers(self, fid: FuncId) -> list[Edge]:
        """The callers of fid that async code reaches (or async code itself)."""
        return self._into.get(fid, [])

    def _walk(self) -> None:
        index = self.index
        async_files = [p for p, text in sorted(index.texts.items()) if has_async_def(text) or p in index.planned_paths]
        index.store.prefetch(async_files)
        index.prefetch_targets(async_in=async_files)
        todo: list[FuncId] = []
        self._step([(e, t) for path in async_files for e, t in index.async_edges(path) if self.runs_in_async(e)], todo)
        while todo:
            level, todo = todo, []
            if len(level) >= _BATCH:
                index.store.prefetch(sorted({fid[0] for fid in level}))
                index.prefetch_targets(level)
            self._step([(e, t) for fid in level if not self.barrier(fid) for e, t in index.calls_from(fid) if e.site.context == SYNC], todo)

    def _step(self, edges: list[tuple[Edge, FuncId]], todo: list[FuncId]) -> None:
        # the override searches of a whole step read their files in one batch
        self.index.prefetch_overriding([target for edge, target in edges if edge.dynamic and target not in self.reached])
        for edge, target in edges:
            self._reach(edge, target, todo)

    def _reach(self, edge: Edge, target: FuncId, todo: list[FuncId]) -> None:
        # `self.m()` may dispatch to an override in a subclass: it is called from here too
        for fid in [target, *(self.index.overriding(target) if edge.dynamic else ())]:
            self._into.setdefault(fid, []).append(edge)
            if fid not in self.reached:
                self.reached.add(fid)
                todo.append(fid)
