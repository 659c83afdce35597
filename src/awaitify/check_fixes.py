"""The fixes `check` can hand a bot with its findings (SARIF `fixes`): a dry `fix` run of the same
tree, each changed file's edits as whole-line hunks.

A fix is offered only where applying it alone keeps the program working: the whole of one file's
changes (one finding's edit alone may not be: `import time` becomes `import asyncio` only once
every sleep in the file is rewritten), and only when nothing outside the file has to change with
it. A file whose changes come from propagation (AW401: a helper made async, its callers awaited
elsewhere) or from a project-wide plan (a rule with a `planner`: shared clients, moved hooks)
gets none: its fix is the whole `awaitify fix`. Where unsure, no fix is offered."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from awaitify.discovery import repo_relative
from awaitify.hunks import Hunk, decode, line_hunks

if TYPE_CHECKING:
    from awaitify.runner import RunResult

CROSS_FILE = ("AW401",)  # propagation: the callers, in other modules, change with the callee


@dataclass(frozen=True)
class FileFix:
    repo_path: str
    codes: tuple[str, ...]  # the rules whose changes it makes
    hunks: tuple[Hunk, ...]


def self_contained_fixes(run: "RunResult") -> dict[str, FileFix]:
    """By the file's display path: the file's whole fix, for files whose fix stands alone."""
    from awaitify.rules import all_rules

    planned = {r.code for r in all_rules() if r.planner or r.plan_only}
    fixes = {}
    for r in run.changed:
        codes = {c.code for c in r.changes}
        if not codes or codes & (planned | set(CROSS_FILE)):
            continue
        try:
            old, new = decode(r.old), decode(r.new)
        except (UnicodeDecodeError, SyntaxError):  # an unknown encoding: no fix rather than a wrong one
            continue
        fixes[r.display] = FileFix(repo_relative(Path(r.path)), tuple(sorted(codes)), tuple(line_hunks(old, new)))
    return fixes


def dry_fix(paths: list[Path], settings, select: tuple[str, ...], ignore: tuple[str, ...], jobs: int, use_cache: bool):
    """The `fix` run the fixes come from: the same tree, settings and selection as the `check`.
    None when the selection has nothing `fix` can run."""
    from awaitify.errors import UsageError
    from awaitify.runner import RunOptions, run
    from awaitify.rules import select_rules

    try:
        rules = select_rules(select or settings.select, (*settings.ignore, *ignore))
    except UsageError:
        return None
    if not rules:
        return None
    return run(paths, settings, rules, RunOptions(jobs=jobs, use_cache=use_cache, isolate=True))
