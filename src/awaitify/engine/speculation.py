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

import importlib
import multiprocessing
import os
from multiprocessing.connection import Connection
from typing import Callable, Generic, TypeVar

from awaitify.engine.gc_tuning import in_worker
from awaitify.lifeline import die_with_parent

Item = TypeVar("Item")
Result = TypeVar("Result")
_STOP = "stop"


def available() -> bool:
    """Only where the worker pool forks too (Linux up to Python 3.13): a process started any other
    way would import the user's main module again."""
    return multiprocessing.get_start_method(allow_none=False) == "fork"


def _named(target: Callable | str) -> Callable:
    """A callable, or one named "module:attribute" (imported here, in the forked process)."""
    if callable(target):
        return target
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


def _serve(conn: Connection, fn: Callable | str, warm: Callable[[], object] | str | None, other_end: Connection,
           parent: int) -> None:
    other_end.close()  # the run's end, inherited: held open here, it would hide the run closing its own
    # Pool workers forked later inherit the run's end too, so end-of-file alone may never come:
    # the process also dies with the run (awaitify.lifeline).
    die_with_parent(parent)
    in_worker()
    if warm is not None:  # while the run starts and reads the tree, a core is free
        _named(warm)()
    fn = _named(fn)
    try:
        message = conn.recv()
    except EOFError:  # forked early and never used (`start_early`)
        return
    results = {}
    if message != _STOP:
        for key, item in message:
            if conn.poll():  # asked to stop: what is done goes back, the rest is withdrawn
                break
            results[key] = fn(item)
        if conn.recv() != _STOP:
            return
    conn.send(results)
    try:  # then, maybe, a last batch to do whole (`finish`); `close` sends none
        last = conn.recv()
    except EOFError:
        return
    if last != _STOP:
        conn.send({key: fn(item) for key, item in last})


class Speculation(Generic[Item, Result]):
    def __init__(self, fn: Callable[[Item], Result] | str, warm: Callable[[], object] | str | None = None) -> None:
        """Forks the process now; `start` hands it the work later. `warm()` runs in it at once:
        what its work will load (libcst and the codemods). Either may be named "module:attribute"."""
        context = multiprocessing.get_context("fork")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child, fn, warm, self._conn, os.getpid()), daemon=True)
        self._process.start()
        child.close()
        self._results: dict[str, Result] | None = None
        self._finished = False

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
        self._finished = True
        try:
            self._conn.send(items)
            return self._conn.recv()
        except (EOFError, OSError):
            return None

    def kill(self) -> None:
        """Stop it at once: it was never handed work."""
        self._conn.close()
        self._process.kill()
        self._process.join(timeout=5)

    def close(self) -> None:
        if self._results is None:
            # the run ended before taking the results (an error, Ctrl-C, SIGTERM): nothing is
            # waited for. A message cut short by the interrupt would leave both ends reading.
            self.kill()
            return
        if not self._finished:
            try:
                self._conn.send(_STOP)  # no last batch: it may exit
            except OSError:
                pass
        self._conn.close()
        self._process.join(timeout=5)
        if self._process.is_alive():
            self._process.kill()


# A speculation process forked as the command starts (`start_early`), before anything is imported
# or parsed: loading libcst there then costs the run nothing. The run takes it, or it is stopped.
_early: Speculation | None = None


def start_early(fn: str, warm: str) -> None:
    """Fork the speculation process now, if this machine has a core to spare for it."""
    global _early
    if _early is None and available() and (os.cpu_count() or 1) >= 2:
        _early = Speculation(fn, warm)


def take_early() -> Speculation | None:
    """The process `start_early` forked, for the run to use (it closes it)."""
    global _early
    taken, _early = _early, None
    return taken


def drop_early() -> None:
    """Stop the early process if no run took it."""
    taken = take_early()
    if taken is not None:
        taken.kill()
