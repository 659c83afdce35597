"""awaitify from Python: `check` audits, `fix` rewrites (a dry run unless `write=True`).

    from awaitify import api

    report = api.check(["src"])
    for finding in report.findings:
        print(finding.path, finding.line, finding.code, finding.message)

    result = api.fix(["src"], select=["sleep"])
    print(result.patch_text)            # what `awaitify fix --select sleep src` prints

These run exactly what the command line runs (awaitify.commands: the same settings, rule selection
and engine; the CLI is a front on the same functions), print nothing, and return frozen
dataclasses (awaitify.api_results). Errors are the exceptions of awaitify.api_errors, with the
message the command line would print. See docs/api.md.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Union

from awaitify import commands, errors
from awaitify.api_errors import AwaitifyError, ConfigError, Interrupted, UsageError, VerifyError, WriteError
from awaitify.api_results import (Change, Diagnostic, FileChange, FileError, Finding, FixResult, Link, Remark,
                                  Report)
from awaitify.commands import choice as _choice
from awaitify.config import PROPAGATE_POLICIES, Config, parse_table

if TYPE_CHECKING:
    from awaitify.apply import ApplyReport
    from awaitify.audit.results import CheckResult
    from awaitify.runner import RunResult

StrPath = Union[str, "os.PathLike[str]"]
# a file (pyproject.toml, or a TOML file of bare awaitify keys), a `[tool.awaitify]` table as a
# mapping, or None: the nearest pyproject.toml with a [tool.awaitify] table, as the CLI finds it
ConfigArg = Union[StrPath, Mapping[str, object], None]

VERIFY_TIMEOUT = 600.0  # seconds, as `--verify-timeout`


def check(
    paths: StrPath | Iterable[StrPath] = ".",
    *,
    config: ConfigArg = None,
    select: Iterable[str] | None = None,
    ignore: Iterable[str] | None = None,
    propagate: str | None = None,
    changed_since: str | None = None,
    jobs: int = 0,
    cache: bool = True,
) -> Report:
    """`awaitify check`: blocking calls in code async functions run. `select`/`ignore` take codes,
    code prefixes, names or flake8-async codes; `changed_since` a git revision (only the findings
    on lines changed since, or whose chain passes through one, as `awaitify check --changed-since`). `jobs`: worker processes (0: every core); `cache`: read and write
    `.awaitify_cache/` beside the settings. Raises UsageError or ConfigError."""
    with _as_api_errors():
        given = _paths(paths)
        settings = _settings(config, given).with_overrides(propagate=_choice("propagate", propagate, PROPAGATE_POLICIES))
        result = commands.run_check(given, settings, _selectors(select, "select"), _selectors(ignore, "ignore"),
                                    changed_since=changed_since, jobs=_jobs(jobs), use_cache=cache)
    return _report(result)


def fix(
    paths: StrPath | Iterable[StrPath] = ".",
    *,
    config: ConfigArg = None,
    select: Iterable[str] | None = None,
    ignore: Iterable[str] | None = None,
    write: bool = False,
    unsafe_fixes: bool = False,
    propagate: str | None = None,
    target: str | None = None,
    http_client: str | None = None,
    lifespan_merge: bool | None = None,
    subprocess: str | None = None,
    changed_since: str | None = None,
    allow_dirty: bool = False,
    verify_cmd: str | None = None,
    verify_timeout: float = VERIFY_TIMEOUT,
    verify_allow_failing_baseline: bool = False,
    jobs: int = 0,
    cache: bool = True,
) -> FixResult:
    """`awaitify fix`: a dry run, or with `write=True` the files written (atomically, one by one,
    only inside the current directory's tree, never over uncommitted changes unless `allow_dirty`).
    The options are the command's flags (None: the settings' value). Raises UsageError or
    ConfigError before anything is written; with `write=True`, WriteError, VerifyError or
    Interrupted after (each carries the FixResult)."""
    from awaitify.rules import without_fix

    with _as_api_errors():
        given = _paths(paths)
        settings = commands.fix_settings(_settings(config, given), str, propagate=propagate, target=target,
                                         http_client=http_client, lifespan_merge=lifespan_merge,
                                         subprocess=subprocess, unsafe_fixes=unsafe_fixes)
        chosen = _selectors(select, "select")
        rules = commands.fix_rules(settings, chosen, _selectors(ignore, "ignore"))
        if verify_timeout <= 0:
            raise UsageError(f"verify_timeout must be more than 0 seconds; got {verify_timeout!r}")
        result = commands.run_fix(given, settings, rules, changed_since=changed_since, jobs=_jobs(jobs), use_cache=cache,
                                  reported=commands.reported_codes(settings, chosen, _selectors(ignore, "ignore")))
        outcome = _fix_result(result, settings, tuple(without_fix(chosen)))  # before the writes mark failures
        if not write:
            return outcome
        from awaitify.apply import apply_results

        applied = apply_results(result.changed, Path.cwd(), allow_dirty, verify_cmd, verify_timeout=verify_timeout,
                                allow_failing_baseline=verify_allow_failing_baseline)
    outcome = replace(outcome, written=tuple(r.display for r in applied.written),
                      not_written=tuple(FileError(r.display, why) for r, why in (*applied.failed, *applied.restore_failed)),
                      verify_output=applied.verify_output)
    _raise_for_writes(applied, outcome)
    return outcome


# --- arguments ---------------------------------------------------------------------------------------
@contextmanager
def _as_api_errors() -> Iterator[None]:
    """The engine's UsageError/ConfigError as the API's (which are subclasses of both): same message."""
    try:
        yield
    except AwaitifyError:
        raise
    except errors.ConfigError as exc:
        raise ConfigError(str(exc)) from None
    except errors.UsageError as exc:
        raise UsageError(str(exc)) from None


def _paths(paths: StrPath | Iterable[StrPath]) -> list[Path]:
    # one path given as a string is one path, not an iterable of one-letter paths
    given = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    for path in given:
        if not isinstance(path, (str, os.PathLike)):
            raise UsageError(f"paths must be str or os.PathLike; got {type(path).__name__}")
    if not given:
        raise UsageError("no paths given (pass \".\" for the current directory)")
    if any(os.fspath(p) == "-" for p in given):
        raise UsageError("`-` (stdin) is the command line's; pass the files' paths")
    return [Path(p) for p in given]


def _settings(config: ConfigArg, paths: list[Path]) -> Config:
    if isinstance(config, Mapping):
        # a [tool.awaitify] table, validated as a file's would be (errors name "config argument" and
        # the key); its paths are relative to the current directory
        return replace(parse_table(dict(config), Path("config argument")), source=None, root=Path.cwd())
    return commands.load_settings(None if config is None else Path(config), paths)


def _selectors(values: Iterable[str] | None, name: str) -> tuple[str, ...]:
    if values is None:
        return ()
    if isinstance(values, str):  # "AW101,sleep", as the flag takes it
        values = [values]
    found = []
    for value in values:
        if not isinstance(value, str):
            raise UsageError(f"{name} takes rule codes, prefixes or names as strings; got {type(value).__name__}")
        found += [v.strip() for v in value.split(",") if v.strip()]
    return tuple(found)


def _jobs(jobs: int) -> int:
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 0:
        raise UsageError(f"jobs must be a number of processes, 0 or more (0: every core); got {jobs!r}")
    return jobs


# --- results -----------------------------------------------------------------------------------------
def _report(result: CheckResult) -> Report:
    from awaitify.rules import check_by_code

    by_code = check_by_code()
    findings = tuple(
        Finding(path=f.path, line=f.line, column=f.column, code=f.code, name=by_code[f.code].name if f.code in by_code else "",
                message=f.message, fixable=f.fixable,
                chain=tuple(Link(k.function, k.path, k.line, k.is_async) for k in f.chain),
                function=f.function, end_line=f.end_line, end_column=f.end_column)
        for f in result.findings
    )
    return Report(findings=findings, errors=tuple(FileError(p, why) for p, why in result.errors),
                  files_scanned=result.scanned, suppressed=result.suppressed)


def _fix_result(result: RunResult, settings: Config, without_fix: tuple[str, ...]) -> FixResult:
    from awaitify.change_report import missing_dependencies
    from awaitify.diff import patch_base, patch_name, unified_diff

    base = patch_base([(str(r.path), r.display) for r in result.changed])  # as the CLI's patch names them
    files = tuple(
        FileChange(path=r.display, rules=tuple(sorted({c.code for c in r.changes})),
                   changes=tuple(Change(c.line, c.column, c.code, c.message, c.safety) for c in r.changes),
                   old=r.old, new=r.new, patch=unified_diff(r.old, r.new, patch_name(str(r.path), r.display, base)))
        for r in result.changed
    )
    return FixResult(
        patch=b"".join(f.patch for f in files),
        files=files,
        diagnostics=tuple(Diagnostic(d.path, d.line, d.column, d.code, d.message) for d in result.diagnostics),
        needs_review=tuple(Remark(*item) for item in result.plan.needs_review),
        unsafe_not_applied=tuple(Remark(*item) for item in result.plan.unsafe_not_applied),
        skipped=tuple(FileError(r.display, r.error or "") for r in result.skipped),
        explanations=tuple(result.plan.explanations),
        dependencies=tuple(missing_dependencies(result, settings)),
        outside_scope=tuple(r.display for r in result.outside_scope),
        selectors_without_fix=without_fix,
        files_scanned=result.scanned,
    )


def _raise_for_writes(applied: ApplyReport, outcome: FixResult) -> None:
    """What makes `fix --write` exit 130, 3 or 1, raised in that order (as the command decides)."""
    if applied.interrupted or applied.verify_problem == "interrupted":
        raise Interrupted(f"interrupted: wrote {len(outcome.written)} of {len(outcome.files)} files completely; "
                          "the others are untouched", outcome)
    if applied.failed or applied.restore_failed:
        names = ", ".join(f"{e.path}: {e.reason}" for e in outcome.not_written)
        raise WriteError(f"{len(outcome.not_written)} of {len(outcome.files)} files not written ({names})", outcome)
    if applied.restored:
        raise VerifyError(f"the verify command {applied.verify_problem} after the rewrite; restored "
                          f"{len(outcome.written)} written files", outcome)


__all__ = [
    "AwaitifyError", "Change", "ConfigError", "Diagnostic", "FileChange", "FileError", "Finding", "FixResult",
    "Interrupted", "Link", "Remark", "Report", "UsageError", "VerifyError", "WriteError", "check", "fix",
]
