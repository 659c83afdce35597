"""The worker pool: summaries, outlines, scans and transforms of many files at once.

Light on purpose: `check` uses it without importing libcst. Workers are forked from the run (on
Linux), so they start with everything it imported.

Work that can crash the interpreter (libcst's parser is native code with no recursion guard:
`isolate=True`) always runs in a worker, even with `--jobs 1` or a single file: a segfault then
costs that file, not the run. `ast` work (summaries, scans) has Python's own guard and stays here. Workers
die with the run (awaitify.lifeline), and an interrupted run cancels the work still queued.
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Callable

from awaitify.engine.gc_tuning import in_worker
from awaitify.engine.idle_work import Gate, IdleBatch, chunks_by_size
from awaitify.lifeline import die_with_parent
from awaitify.summary import ModuleSummary, summarize, summarize_focused, summary_or_none

# Past this resident size, workers are not forked again for a module the work needs (`with_module`).
REFORK_LIMIT_MB = 256
# Below this many files a worker pool costs more than it saves.
POOL_THRESHOLD = 2
# Up to this many items with known sizes go to the workers one at a time, largest first; more are
# sent in chunks (a round trip per item costs more than the imbalance then).
_ONE_BY_ONE = 500

Progress = Callable[[str, int, int], None]  # (stage, done, total)


class Pool:
    """A process pool made only when enough work arrives; `map` keeps input order."""

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs or os.cpu_count() or 1
        self.executor: ProcessPoolExecutor | None = None
        self._forked_with: frozenset[str] = frozenset()  # what this process had imported then
        self.gate = Gate()  # the batches the run waits for, which idle work gives way to
        self._idle: list[IdleBatch] = []

    def map(self, fn, items: list, progress: Progress | None, stage: str, on_crash=None,
            size: Callable[[object], int] | None = None, isolate: bool = False) -> list:
        return self.start(fn, items, progress, stage, on_crash, size, isolate)()

    def start(self, fn, items: list, progress: Progress | None, stage: str, on_crash=None,
              size: Callable[[object], int] | None = None, isolate: bool = False) -> Callable[[], list]:
        """Hands the items to the workers now and returns what waits for their results, in input
        order: this process can work meanwhile. `on_crash(item)` gives the result for an item whose
        worker process died (killed, out of memory, a crash in native code): that item is reported,
        the run goes on. `size(item)`: its rough cost (a file's length); the largest go first, one
        at a time, so that no worker is left with a big file while the other idles."""
        isolate = isolate and on_crash is not None
        if (self._pooled(items) or isolate) and size is not None and len(items) <= _ONE_BY_ONE:
            order = sorted(range(len(items)), key=lambda i: -size(items[i]))
            collect = self._start([items[i] for i in order], fn, progress, stage, on_crash, chunk=1, isolate=isolate)

            def in_input_order() -> list:
                out: list = [None] * len(items)
                for i, value in zip(order, collect()):
                    out[i] = value
                return out
            return in_input_order
        return self._start(items, fn, progress, stage, on_crash, chunk=max(1, len(items) // (self.jobs * 8)), isolate=isolate)

    def _start(self, items: list, fn, progress: Progress | None, stage: str, on_crash, chunk: int,
               isolate: bool = False) -> Callable[[], list]:
        if not items or not (self._pooled(items) or isolate):
            return lambda: self._here(items, fn, progress, stage)
        executor = self._executor()
        self.gate.enter()  # idle work waits until this batch is collected
        results = executor.map(fn, items, chunksize=chunk)  # every chunk is submitted here
        collected = False

        def collect() -> list:
            nonlocal collected
            try:
                return gather()
            finally:
                if not collected:
                    collected = True
                    self.gate.leave()

        def gather() -> list:
            out: list = []
            try:
                for value in results:
                    out.append(value)
                    if progress:
                        progress(stage, len(out), len(items))
            except BrokenProcessPool:
                if on_crash is None:
                    raise
                self.executor = None  # a broken pool takes no more work
                for item in items[len(out):]:  # one by one, each in a fresh worker: only the culprit fails
                    out.append(self._isolated(fn, item, on_crash))
                    if progress:
                        progress(stage, len(out), len(items))
            return out
        return collect

    def when_idle(self, fn, items: list, stage: str, size: Callable[[object], int],
                  skip: Callable[[object], bool] | None = None) -> Callable[[], list]:
        """Hands the items to the workers only in the moments no batch the run waits for is in hand
        (`awaitify.engine.idle_work`), and returns what waits for their results, in input order. For
        work whose answer is wanted late (`fn` must not crash the interpreter: no `on_crash`).
        `skip(item)`, asked as the item is handed over: the run no longer wants its answer (None)."""
        if not self._pooled(items):
            return lambda: self._here_unskipped(items, fn, stage, skip)
        # this process works meanwhile (why the batch is left to idle moments): a core is left to it
        batch = IdleBatch(self._executor(), self.gate, max(1, self.jobs - 1), fn, chunks_by_size(items, size), skip)
        self._idle.append(batch)
        return batch.collect

    def _here_unskipped(self, items: list, fn, stage: str, skip: Callable[[object], bool] | None) -> list:
        skipped = [skip is not None and skip(item) for item in items]
        done = iter(self._here([item for item, s in zip(items, skipped) if not s], fn, None, stage))
        return [None if s else next(done) for s in skipped]

    def _executor(self) -> ProcessPoolExecutor:
        """The executor, its workers started from this thread (forking from idle work's feeding thread
        could copy a lock another thread holds)."""
        if self.executor is None:
            self.executor = _executor(self.jobs)
            self._forked_with = frozenset(sys.modules)
            self.executor.submit(int)  # with fork, the first submit starts every worker
        return self.executor

    def _pooled(self, items: list) -> bool:
        return self.jobs > 1 and len(items) >= POOL_THRESHOLD

    @staticmethod
    def _here(items: list, fn, progress: Progress | None, stage: str) -> list:
        out = []
        for i, item in enumerate(items):
            out.append(fn(item))
            if progress:
                progress(stage, i + 1, len(items))
        return out

    @staticmethod
    def _isolated(fn, item, on_crash):
        with _executor(1) as single:
            try:
                return single.submit(fn, item).result()
            except BrokenProcessPool:
                return on_crash(item)

    def with_module(self, module: str) -> None:
        """The work that follows needs `module` (libcst: half a second to import). It is imported
        here, and workers forked before it was are replaced by new ones that start with it: unless
        this process has grown past `REFORK_LIMIT_MB`, since a worker forked now would start as
        large (on the standard library the plan leaves 360 MB, and the transform workers peaked
        above 500). Then the workers already running are kept and import it themselves, on their
        first item, side by side: fresh workers fault in less memory (a tenth less CPU on a
        change-heavy tree), which is why small runs still replace them. Work handed over and not
        collected yet (idle work included) is finished by the workers it was handed to, while the
        module is imported here."""
        if self.executor is None or module in self._forked_with:
            importlib.import_module(module)
        elif resident_mb() < REFORK_LIMIT_MB:
            # the workers are replaced only once their work is done: idle work not handed over yet
            # goes to them now, so that they do it while the module is imported here
            for batch in self._idle:
                batch.hand_over()
            importlib.import_module(module)
            self.close()

    def close(self) -> None:
        for batch in self._idle:  # nothing more handed over: what is left is done here if asked for
            batch.stop()
        self._idle = []
        if self.executor is not None:
            # Closed while an exception (Ctrl-C, SIGTERM) unwinds the run: the work still queued is
            # cancelled, not waited for. Otherwise (`with_module` between batches) a batch handed
            # over but not yet collected must still be done.
            self.executor.shutdown(wait=True, cancel_futures=sys.exc_info()[0] is not None)
            self.executor = None  # a later `map` starts a new one


def resident_mb() -> float:
    """This process's resident memory, in MB; 0 where /proc cannot say (the pool's old behaviour)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return 0.0


def _worker_start(parent: int) -> None:
    die_with_parent(parent)
    in_worker()


def _executor(jobs: int) -> ProcessPoolExecutor:
    forks = multiprocessing.get_start_method() == "fork"
    return ProcessPoolExecutor(max_workers=jobs, mp_context=_worker_forks() if forks else None,
                               initializer=_worker_start, initargs=(os.getpid(),))


# A worker forked while another thread of the program reads stdin (an editor plugin, a REPL, a bot
# reading commands) inherits stdin with that thread's lock held, and no thread of the worker will
# ever release it; multiprocessing closes each child's stdin first thing, so the worker waited
# forever, and the run with it. Our workers leave that copy alone (kept, never closed or collected)
# and take /dev/null, as multiprocessing gives them next anyway; the program's other forks are not
# touched, and forking stays what makes the pool cheap.
_forking_worker = False
_LEFT_BEHIND: list[object] = []
_FORKS: list[multiprocessing.context.BaseContext] = []


def _worker_forks() -> multiprocessing.context.BaseContext:
    """The fork context, its processes marked as our workers while they fork."""
    if not _FORKS:
        fork = multiprocessing.get_context("fork")

        class WorkerProcess(fork.Process):  # type: ignore[name-defined,misc]
            def start(self) -> None:
                global _forking_worker
                _forking_worker = True
                try:
                    super().start()
                finally:
                    _forking_worker = False

        class WorkerForks(type(fork)):  # type: ignore[misc]
            Process = WorkerProcess

        os.register_at_fork(after_in_child=_leave_stdin_behind)
        _FORKS.append(WorkerForks())
    return _FORKS[0]


def _leave_stdin_behind() -> None:
    """In a child just forked: if it is one of our workers, its stdin becomes /dev/null."""
    if _forking_worker and sys.stdin is not None:
        _LEFT_BEHIND.append(sys.stdin)
        sys.stdin = open(os.devnull, encoding="utf-8")  # noqa: SIM115 - multiprocessing closes it


def summarize_one(item: tuple[str, str], outline: bool = False) -> tuple[str, ModuleSummary | None]:
    path, text = item
    return path, summary_or_none(summarize, path, text, outline=outline)


def outline_one(item: tuple[str, str]) -> tuple[str, ModuleSummary | None]:
    return summarize_one(item, outline=True)


def focus_one(item: tuple[str, str, str]) -> tuple[str, ModuleSummary | None]:
    path, text, word = item
    return path, summary_or_none(summarize_focused, path, text, word)


def pool_mapper(pool: Pool, read=summarize_one, progress: Progress | None = None):
    """Summaries (or, with `outline_one`, outlines) of many files, in the pool: what
    `SummaryStore.prefetch` and `prefetch_outlines` hand a batch to. A file whose worker died has none."""
    start = pool_starter(pool, read, progress)
    return lambda items: start(items)()


def pool_starter(pool: Pool, read=summarize_one, progress: Progress | None = None):
    """As `pool_mapper`, but hands the batch over and returns at once what collects it."""
    return lambda items: pool.start(read, items, progress, "index", on_crash=lambda item: (item[0], None), size=text_size)


def text_size(item: tuple) -> int:
    """The size of a (path, text, ...) work item."""
    return len(item[1])
