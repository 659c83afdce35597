"""Transforms started before the plan is known.

While a large tree is planned, this process follows calls and the worker pool mostly waits. A file
the plan leaves alone is transformed afterwards from exactly what is known before it: its text,
the rules the pre-check chooses for it and an empty `FilePlan` (the same work key). So its
transform can start early, in one extra process that uses the core the planning leaves free. A
result is taken only for a work item with the same key; the others are dropped.

The extra process is forked when the run starts, before the worker pool exists: forking once the
pool's thread runs could deadlock the child (Python 3.12 warns about it). It talks over a pipe and
keeps its results until it is asked to stop, so it never waits on this process while working.
"""

from __future__ import annotations

import multiprocessing
from multiprocessing.connection import Connection
from typing import Callable, Generic, TypeVar

from awaitify.gc_tuning import in_worker

Item = TypeVar("Item")
Result = TypeVar("Result")
_STOP = "stop"


def available() -> bool:
    """Only where the worker pool forks too (Linux up to Python 3.13): a process started any other
    way would import the user's main module again."""
    return multiprocessing.get_start_method(allow_none=False) == "fork"


def _serve(conn: Connection, fn: Callable, warm: Callable[[], object] | None) -> None:
    in_worker()
    if warm is not None:  # while the run reads the tree, a core is free
        warm()
    message = conn.recv()
    results = {}
    if message != _STOP:
        for key, item in message:
            if conn.poll():  # asked to stop: what is done goes back, the rest is withdrawn
                break
            results[key] = fn(item)
        if conn.recv() != _STOP:
            return
    conn.send(results)
    try:  # then, maybe, a last batch to do whole (`finish`)
        last = conn.recv()
    except EOFError:
        return
    conn.send({key: fn(item) for key, item in last})


class Speculation(Generic[Item, Result]):
    def __init__(self, fn: Callable[[Item], Result], warm: Callable[[], object] | None = None) -> None:
        """Forks the process now; `start` hands it the work later. `warm()` runs in it at once:
        what its work will load (libcst and the codemods)."""
        context = multiprocessing.get_context("fork")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child, fn, warm), daemon=True)
        self._process.start()
        child.close()
        self._results: dict[str, Result] | None = None

    def start(self, items: list[tuple[str, Item]]) -> None:
        """`items`: (work key, item), the most worth starting early first."""
        try:
            self._conn.send(items)
        except OSError:  # the process died: `claim` finds nothing done
            pass

    def claim(self) -> dict[str, Result]:
        """Stops the process after the transform under way and returns what it finished, by work
        key; what it did not start is done with the rest of the work."""
        if self._results is None:
            try:
                self._conn.send(_STOP)
                self._results = self._conn.recv()
            except (EOFError, OSError):  # the process died: everything is done the usual way
                self._results = {}
        return self._results

    def finish(self, items: list[tuple[str, Item]]) -> dict[str, Result] | None:
        """After `claim`: does these items too, all of them, in this process that has what the
        transforms load imported already. None if it died on the way (do them the usual way)."""
        self.claim()
        try:
            self._conn.send(items)
            return self._conn.recv()
        except (EOFError, OSError):
            return None

    def close(self) -> None:
        self.claim()
        self._conn.close()
        self._process.join(timeout=5)
        if self._process.is_alive():
            self._process.kill()
