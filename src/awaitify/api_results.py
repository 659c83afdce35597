"""What `awaitify.api` returns: frozen, typed, plain data (no engine objects), so a caller can keep,
compare and serialize it, and the engine can change inside without breaking callers.

Paths are shown as the command line shows them (relative to the current directory when below it);
lines and columns are 1-based, and always the original file's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Link:
    """One step of a propagation chain: `function` (in `path`) calls the next step at `line`."""

    function: str
    path: str
    line: int
    is_async: bool


@dataclass(frozen=True)
class Finding:
    """One finding of `check`: a blocking call that async code runs (or a file that does not parse:
    code AW000)."""

    path: str
    line: int
    column: int
    code: str  # AW101
    name: str  # sleep
    message: str
    fixable: bool  # `fix` rewrites it (with the same settings)
    chain: tuple[Link, ...] = ()  # from the async function down to the call, when it is reached through sync helpers
    function: str = ""  # the enclosing function, as module.qualname ("" at module level)
    end_line: int = 0  # where the finding's expression ends (0: not known)
    end_column: int = 0


@dataclass(frozen=True)
class FileError:
    """A file that was skipped (cannot be read, decoded or transformed) or not written: left as it was."""

    path: str
    reason: str


@dataclass(frozen=True)
class Report:
    """What `check` returns."""

    findings: tuple[Finding, ...]
    errors: tuple[FileError, ...]  # files that could not be read (a syntax error is a finding, AW000)
    files_scanned: int
    suppressed: int  # findings silenced by `# awaitify: ignore[...]` or `# noqa: ASYNC...`

    @property
    def ok(self) -> bool:
        """No finding: what makes `awaitify check` exit 0."""
        return not self.findings

    @property
    def fixable(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.fixable)


@dataclass(frozen=True)
class Change:
    """One edit `fix` made, with its rule and reason."""

    line: int
    column: int
    code: str
    message: str
    safety: str  # "safe", or "unsafe" (made only with unsafe_fixes=True; docs/safety.md)


@dataclass(frozen=True)
class Diagnostic:
    """Something a rule found and refused to rewrite, with the reason: the code stays as it was."""

    path: str
    line: int
    column: int
    code: str
    message: str


@dataclass(frozen=True)
class Remark:
    """A place the plan left for a person: a call that keeps blocking (needs review), or an unsafe
    fix not made without unsafe_fixes=True."""

    path: str
    line: int
    column: int
    message: str


@dataclass(frozen=True)
class FileChange:
    """One file `fix` changes (or changed, with write=True)."""

    path: str
    rules: tuple[str, ...]  # the codes of the rules that changed it, sorted
    changes: tuple[Change, ...]
    old: bytes  # the file's bytes before and after: encoding, BOM and line endings kept
    new: bytes
    patch: bytes  # this file's part of the unified diff


def fails_check(changed: bool, skip_reasons: Iterable[str]) -> bool:
    """`fix --check` fails when a file would change, or one does not parse (as `check` reports it,
    AW000): the one rule for the command and the API."""
    return changed or any(reason.startswith("cannot parse") for reason in skip_reasons)


@dataclass(frozen=True)
class FixResult:
    """What `fix` returns: the same run as `awaitify fix`, whether or not it wrote."""

    patch: bytes  # the unified diff of every file (what `awaitify fix` prints; `git apply` takes it)
    files: tuple[FileChange, ...]
    diagnostics: tuple[Diagnostic, ...]  # refusals, with reasons
    needs_review: tuple[Remark, ...]
    unsafe_not_applied: tuple[Remark, ...]
    skipped: tuple[FileError, ...]  # not transformed: each left byte for byte as it was
    explanations: tuple[str, ...]  # the propagation chains (`--explain`)
    dependencies: tuple[str, ...]  # packages the new code imports that the project does not declare
    outside_scope: tuple[str, ...]  # changed_since: files changed only because they call into the scope
    selectors_without_fix: tuple[str, ...]  # `select` entries naming only report-only rules
    files_scanned: int
    written: tuple[str, ...] = ()  # write=True: the files written
    not_written: tuple[FileError, ...] = ()  # write=True: the files that could not be, with why
    verify_output: str = ""  # write=True with verify_cmd: the tail of its output when it failed

    @property
    def changed(self) -> bool:
        """Some file would change (or changed)."""
        return bool(self.files)

    @property
    def check_fails(self) -> bool:
        """What makes `awaitify fix --check` exit 1 (`fails_check`)."""
        return fails_check(bool(self.files), (s.reason for s in self.skipped))

    @property
    def patch_text(self) -> str:
        """The patch as text (a file in another encoding than UTF-8 shows replacement characters)."""
        return self.patch.decode("utf-8", "replace")


__all__ = ["Change", "Diagnostic", "FileChange", "FileError", "Finding", "FixResult", "Link", "Remark", "Report"]
