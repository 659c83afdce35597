"""What `awaitify check` returns: plain data, in a module that imports no libcst, so a warm run
can read the last result back (and print it) without loading the codemods."""

from __future__ import annotations

from dataclasses import dataclass, field

from awaitify.audit.catalog import BY_CODE, Check
from awaitify.audit.reach import Link


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

    @property
    def check(self) -> Check:
        return BY_CODE[self.code]


@dataclass(frozen=True)
class CheckOptions:
    jobs: int = 0  # worker processes (0: every core)
    use_cache: bool = True
    full_index: bool = False  # read every file that may hold a finding and search every caller (tests)
    scope: frozenset[str] | None = None  # `--changed-since`: report only in these files


@dataclass
class CheckResult:
    findings: list[Finding] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    scanned: int = 0
    suppressed: int = 0
