"""One run, in one direction, for `check` and `fix` alike:

    discover -> pre-check -> index -> plan -> transform -> verify -> output

A job says what each stage does for its command (`awaitify.runner.FixJob`,
`awaitify.audit.engine.CheckJob`): a method per stage, named after it, that keeps what it made on
the job for the stages after it. `run` calls them in that order, each once, and times each. A job
without `transform` and `verify` (`check`) goes from its plan to its output. A stage that can answer
for the whole run (a warm run's result, read from the cache) returns it, and the stages after it
are skipped; `output` always answers.

How the stages keep their work small (the worker pool, the cache, lazy bodies, hidden bodies, fewer
garbage collections) stays inside them, in this package: rules see a summary store and an index that
behave as if every file had been read whole.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable

from awaitify.discovery import Discovered
from awaitify.source import Overlay, SourceFile, read_all

STAGES = ("discover", "pre-check", "index", "plan", "transform", "verify", "output")

# Called with (job, stage) as each stage starts: how the tests see the order the stages ran in.
Observer = Callable[[Any, str], None]
observers: list[Observer] = []


@dataclass(frozen=True)
class Tree:
    """What the discover stage found: the files read, and those that could not be (with why)."""
    sources: list[SourceFile]
    unreadable: list[tuple[Discovered, str]]


def read_tree(files: list[Discovered], max_file_size: int, overlay: Overlay | None = None) -> Tree:
    """The discover stage's reading, the same for both commands (and the same size limit); the files
    `overlay` holds (an editor's unsaved buffers) as it gives them."""
    sources, unreadable = read_all(files, max_file_size, overlay)
    return Tree(sources, unreadable)


def _method(stage: str) -> str:
    return stage.replace("-", "")


def run(job: Any, timings: dict[str, float] | None = None) -> Any:
    """The job's stages in order; what the first stage to answer returns. The job is closed (its
    worker pool stopped) however the run ends; an interrupted one first keeps what it can."""
    timings = {} if timings is None else timings
    try:
        for stage in STAGES:
            step = getattr(job, _method(stage), None)
            if step is None:
                continue
            for observe in observers:
                observe(job, stage)
            start = time.perf_counter()
            try:
                answer = step()
            finally:
                timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - start
            if answer is not None:
                return answer
        raise RuntimeError(f"{type(job).__name__}.output returned nothing")
    except KeyboardInterrupt:
        job.interrupted()
        raise
    finally:
        job.close()
