"""What `awaitify check` returns, and the last result of an unchanged tree: plain data, in a module
that imports no libcst, so a warm run reads it back (and prints it) without loading the codemods."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Mapping

from awaitify.audit.reach import Link
from awaitify.engine.cache import Cache, load_last, stat_key
from awaitify.config import Config
from awaitify.discovery import Discovered, discover
from awaitify.rule import Rule
from awaitify.rules import check_by_code


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    column: int
    code: str
    message: str
    fixable: bool
    chain: tuple[Link, ...] = ()
    function: str = ""  # the enclosing function, as module.qualname
    pattern: str = ""
    repo_path: str = ""  # relative to the repository root (SARIF, GitHub annotations)
    end_line: int = 0  # where the finding's expression ends (0: not known)
    end_column: int = 0  # 1-based, just past its last character

    @property
    def check(self) -> Rule:
        return check_by_code()[self.code]


@dataclass(frozen=True)
class CheckOptions:
    jobs: int = 0  # worker processes (0: every core)
    use_cache: bool = True
    full_index: bool = False  # read every file that may hold a finding and search every caller (tests)
    scope: frozenset[str] | None = None  # `--changed-since`: report only in these files
    # path -> bytes read instead of the file on disk (an editor's unsaved buffers); a tree with an
    # overlay is never answered from, nor stored as, the last result of its file stats
    overlay: Mapping[Path, bytes] | None = field(default=None, compare=False)
    # a cache a long-running caller keeps in memory between runs (awaitify.server), used instead of
    # `.awaitify_cache/`: files whose content did not change are not scanned again
    warm: Cache | None = field(default=None, compare=False)


@dataclass
class CheckResult:
    findings: list[Finding] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    scanned: int = 0
    suppressed: int = 0


@dataclass
class LastCheck:
    """The files of a run, and the result stored for them when no file changed since (by stats)."""

    discovered: list[Discovered]
    key: str | None  # None: the cache is off (or a file cannot be stat'ed)
    result: CheckResult | None

    def scoped(self, result: CheckResult, scope: frozenset[str] | None) -> CheckResult:
        """`--changed-since`: the findings in those files (chains may start outside them)."""
        if scope is None:
            return result
        paths_in = {d.display for d in self.discovered if str(d.path) in scope}
        return replace(result, findings=[f for f in result.findings if f.path in paths_in])


def last_check(paths: list[Path], config: Config, selection: tuple, use_cache: bool) -> LastCheck:
    """`selection`: what chose the rules, as the caller has it (rule codes, or the flags as given:
    the CLI asks before loading the rules, which loads every codemod and libcst)."""
    discovered = discover(paths, config)
    key = None
    if use_cache:
        settings = repr((selection, [str(p) for p in paths], sorted((k, repr(v)) for k, v in vars(config).items())))
        key = stat_key("check", [d.path for d in discovered], settings)
    return LastCheck(discovered, key, load_last(config.root, "check", key))
