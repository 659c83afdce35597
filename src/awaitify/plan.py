"""The global decision, made once for the whole project before any file is transformed:
which functions become `async def`, which calls get `await` or are offloaded, and why.

Each file's codemods receive only their `FilePlan`. Call sites are named by where the called
expression ends in the original file (line, 0-based column in characters): unlike the start, which
`super()._get()` shares with `super()`, the end is unique per call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Position = tuple[int, int]


@dataclass
class FilePlan:
    # qualified name within the module ("Class.method", "outer.<locals>.inner") -> reason
    make_async: dict[str, str] = field(default_factory=dict)
    # call position -> reason; the call gets `await`
    await_calls: dict[Position, str] = field(default_factory=dict)
    # call position -> reason; the call becomes `await asyncio.to_thread(f, ...)`
    offload_calls: dict[Position, str] = field(default_factory=dict)
    # call position -> "generator" | "contextmanager" when the offloaded function hands back one: a
    # thread that only builds it moves none of the blocking (see codemods/propagation.py)
    offload_kinds: dict[Position, str] = field(default_factory=dict)
    # call position -> reason; a sync entry point calls a now-async function via `asyncio.run(...)`
    run_calls: dict[Position, str] = field(default_factory=dict)
    # functions made async, and calls awaited because of them, that change a library's public signature:
    # their changes are "unsafe" (made only with --unsafe-fixes)
    unsafe_async: set[str] = field(default_factory=set)
    unsafe_calls: set[Position] = field(default_factory=set)
    # rule name -> that codemod's own project-wide facts for this file (see `planner.build_plan`)
    extra: dict[str, Any] = field(default_factory=dict)

    def is_empty(self) -> bool:
        return not (self.make_async or self.await_calls or self.offload_calls or self.run_calls)

    def has_work_for(self, rule_name: str) -> bool:
        """The plan gives this rule something to do in the file, whatever its trigger tokens say."""
        return rule_name in self.extra or (rule_name == "propagation" and not self.is_empty())


@dataclass
class Plan:
    files: dict[str, FilePlan] = field(default_factory=dict)  # keyed by absolute path
    explanations: list[str] = field(default_factory=list)  # the chains, for `--explain`
    needs_review: list[tuple[str, int, int, str]] = field(default_factory=list)
    # (path, line, column, message): public signatures of a library that --unsafe-fixes would make async
    unsafe_not_applied: list[tuple[str, int, int, str]] = field(default_factory=list)
    # (first member's name, sorted absolute paths) of each closure made async: the files whose edits
    # must land in one change (awaitify.changesets)
    closures: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)

    def for_file(self, path: str) -> FilePlan:
        return self.files.get(path) or FilePlan()
