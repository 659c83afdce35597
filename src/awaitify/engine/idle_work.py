"""Work for the pool's idle moments: a batch handed to the workers a chunk at a time, and only while
no other batch is waiting for them, so that what the run needs now never queues behind it.

While this process plans (one core, asking the workers only now and then), the workers would
otherwise sit idle; a batch whose answer is wanted only at the end of the run (the syntax check of the
files no rule reads) fills those moments. A feeding thread hands over the next chunk whenever fewer
than one per worker are out and the pool has no other batch in hand; asking for the answer makes the
rest go at once.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Callable

# A chunk should take a worker a few hundredths of a second: the longest a batch the run needs now
# can wait behind one.
CHUNK_CHARS = 600_000


def _run_chunk(fn: Callable, items: list) -> list:
    return [fn(item) for item in items]


def chunks_by_size(items: list, size: Callable[[object], int], limit: int = CHUNK_CHARS) -> list[list]:
    """`items` in order, cut into runs of about `limit` (by `size`), at least one item each."""
    out: list[list] = []
    current: list = []
    total = 0
    for item in items:
        if current and total + size(item) > limit:
            out.append(current)
            current, total = [], 0
        current.append(item)
        total += size(item)
    if current:
        out.append(current)
    return out


class Gate:
    """How busy the pool is with batches the run waits for (`busy`), and the lock idle work checks
    that under."""

    def __init__(self) -> None:
        self.changed = threading.Condition()
        self.busy = 0

    def enter(self) -> None:
        with self.changed:
            self.busy += 1

    def leave(self) -> None:
        with self.changed:
            self.busy -= 1
            self.changed.notify_all()


class IdleBatch:
    """`fn` over `items` in `executor`'s idle moments (see the module's docstring); `collect()` gives
    the results in input order, waiting for them (and no longer holding any chunk back)."""

    def __init__(self, executor: ProcessPoolExecutor, gate: Gate, workers: int, fn: Callable, chunks: list[list],
                 skip: Callable[[object], bool] | None = None) -> None:
        self.executor, self.gate, self.workers, self.fn = executor, gate, workers, fn
        self.chunks = chunks
        # `skip(item)`: its answer is no longer wanted, asked once, as its chunk is handed over (or
        # done here): its answer is None
        self.skip = skip
        self.skipped: list[list[bool]] = []  # per chunk handed over, which of its items were skipped
        self.futures: list[Future] = []
        self.out = 0  # chunks handed over and not done
        self.urgent = False  # the answer is wanted now: hand over the rest
        self.stopped = False  # the run is ending: hand over nothing more
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._feed, name="awaitify-idle-work", daemon=True)
        self.thread.start()

    def _may_send(self) -> bool:
        return self.stopped or self.urgent or (self.gate.busy == 0 and self.out < self.workers)

    def _feed(self) -> None:
        changed = self.gate.changed
        try:
            for chunk in self.chunks:
                with changed:
                    while not self._may_send():
                        changed.wait()
                    if self.stopped:
                        return
                    self.out += 1
                skipped = self._skipped(chunk)
                try:
                    future = self.executor.submit(_run_chunk, self.fn, [item for item, s in zip(chunk, skipped) if not s])
                except (BrokenProcessPool, RuntimeError):  # a worker died, or the pool was shut down
                    return  # `collect` does what was not handed over
                future.add_done_callback(self._done)
                self.skipped.append(skipped)
                self.futures.append(future)
        except BaseException as exc:  # noqa: BLE001 - reported by `collect`, in the run's thread
            self.error = exc

    def _done(self, _future: Future) -> None:
        with self.gate.changed:
            self.out -= 1
            self.gate.changed.notify_all()

    def _release(self, stop: bool) -> None:
        with self.gate.changed:
            self.urgent = True
            self.stopped = self.stopped or stop
            self.gate.changed.notify_all()
        self.thread.join()

    def hand_over(self) -> None:
        """Hand every chunk left to the workers now, without waiting for the results (`collect`
        gives them): the pool is about to be closed with its work done (`Pool.with_module`)."""
        self._release(stop=False)

    def collect(self) -> list:
        """The results; a chunk the pool never took or lost (the batch was stopped, its future
        cancelled by the pool's shutdown, a worker died) is done here."""
        self._release(stop=False)
        if self.error is not None:
            raise self.error
        results: list = []
        for i, chunk in enumerate(self.chunks):
            future = self.futures[i] if i < len(self.futures) else None
            skipped = self.skipped[i] if i < len(self.skipped) else self._skipped(chunk)
            try:
                done = None if future is None or future.cancelled() else future.result()
            except BrokenProcessPool:  # another batch's worker died (and the pool with it): not this work's fault
                done = None
            if done is None:
                done = _run_chunk(self.fn, [item for item, s in zip(chunk, skipped) if not s])
            answers = iter(done)
            results.extend(None if s else next(answers) for s in skipped)
        return results

    def _skipped(self, chunk: list) -> list[bool]:
        return [False] * len(chunk) if self.skip is None else [bool(self.skip(item)) for item in chunk]

    def stop(self) -> None:
        """The run is ending: nothing more is handed over (what is out is cancelled or finished by
        the pool's shutdown)."""
        self._release(stop=True)
