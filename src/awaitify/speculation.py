"""Transforms started before the plan is known.

While a large tree is planned, this process follows calls and the worker pool mostly waits. A file
the plan leaves alone is transformed afterwards from exactly what is known before it: its text,
the rules the pre-check chooses for it and an empty `FilePlan` (the same work key). So its
transform can start early, in one extra process that uses the core the planning leaves free. A
result is taken only for a work item with the same key; the others are dropped.
"""

from __future__ import annotations

from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Callable, Generic, TypeVar

from awaitify.gc_tuning import in_worker

Item = TypeVar("Item")
Result = TypeVar("Result")


class Speculation(Generic[Item, Result]):
    def __init__(self, fn: Callable[[Item], Result], items: list[tuple[str, Item]]) -> None:
        """`items`: (work key, item), the most worth starting early first."""
        self._executor = ProcessPoolExecutor(max_workers=1, initializer=in_worker)
        self._futures: dict[str, Future] = {key: self._executor.submit(fn, item) for key, item in items}

    def claim(self, keys: list[str]) -> set[str]:
        """Of these work keys, the ones started early, whose results are to be taken. The others are
        withdrawn, to be done with the rest of the work: one process must not hold up the pool."""
        started = set()
        for key in keys:
            future = self._futures.get(key)
            if future is not None and not future.cancel():
                started.add(key)
            elif future is not None:
                del self._futures[key]
        return started

    def take(self, key: str) -> Result | None:
        """The result for this work key, when it was started early (waits for it to finish)."""
        future = self._futures.pop(key, None)
        if future is None:
            return None
        try:
            return future.result()
        except BrokenProcessPool:  # the process died: the item is done again the usual way
            return None

    def close(self) -> None:
        """Drops what was not taken (a transform under way still finishes)."""
        for future in self._futures.values():
            future.cancel()
        self._executor.shutdown(wait=True)
