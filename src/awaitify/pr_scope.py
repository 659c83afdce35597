"""What `check` reports of what it found, for a pull request or a commit: the lines changed since a
revision (awaitify.changed_lines), the files given to a whole-project run (the pre-commit hook),
minus the findings a baseline knows (awaitify.baseline)."""

from __future__ import annotations

import os
from pathlib import Path

from awaitify.audit.results import CheckResult
from awaitify.baseline import hide_known, load
from awaitify.changed_lines import keep_in_files, keep_touched, touched_lines
from awaitify.config import Config
from awaitify.errors import UsageError


def project_paths(paths: list[Path], settings: Config) -> list[Path]:
    """`--whole-project`: the project's folder (its configuration's, else here), as a path relative
    to here when it can be, so findings are displayed as usual."""
    root = settings.root.resolve()
    for path in paths:  # a file the run would not read must not pass as one without findings
        if not path.exists():
            raise UsageError(f"{path}: no such file or directory")
        if not path.resolve().is_relative_to(root):
            raise UsageError(f"{path}: outside the project ({root}): --whole-project reports only inside it")
    try:
        return [Path(os.path.relpath(root))]
    except ValueError:  # another drive (Windows)
        return [root]


def narrowed(result: CheckResult, *, changed_since: str | None, report_in: list[Path] | None,
             baseline: Path | None) -> tuple[CheckResult, int]:
    """The findings to report, and how many the baseline hid."""
    if changed_since:
        result = keep_touched(result, touched_lines(changed_since, Path.cwd()))
    if report_in is not None:
        result = keep_in_files(result, report_in)
    if baseline is None:
        return result, 0
    return hide_known(result, load(baseline))


def sarif_fixes(result: CheckResult, paths: list[Path], settings: Config, select: tuple[str, ...], ignore: tuple[str, ...],
                jobs: int, use_cache: bool) -> dict | None:
    """The self-contained fixes of the files holding a fixable finding (awaitify.check_fixes), or
    None when there is none to look for."""
    if not any(f.fixable for f in result.findings):
        return None
    from awaitify.check_fixes import dry_fix, self_contained_fixes

    run = dry_fix(paths, settings, select, ignore, jobs, use_cache)
    return self_contained_fixes(run) if run is not None else None
