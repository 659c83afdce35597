"""What `check` and `fix` run, for both fronts: the command line (awaitify.cli) and the Python API
(awaitify.api). One path: the same settings, the same rule selection and the same run, whichever
front asked; the fronts only differ in what they do with the result (print it, or return it).

Nothing here prints. The engine, the codemods and libcst are imported by the functions that run
them: a warm `check` answers from the cache without them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Callable

from awaitify.audit.results import CheckOptions, CheckResult, last_check
from awaitify.config import HTTP_CLIENTS, PROPAGATE_POLICIES, SUBPROCESS_MODES, TARGETS, Config, load_file
from awaitify.errors import UsageError
from awaitify.nearest_config import discover as discover_config
from awaitify.rules import Rule, select_rules
from awaitify.scope import changed_since as changed_since_files

if TYPE_CHECKING:
    from awaitify.engine.pool import Progress
    from awaitify.runner import RunResult


def load_settings(config_file: Path | None, paths: list[Path]) -> Config:
    """`--config FILE`, else the nearest `[tool.awaitify]` above the first path (or here)."""
    if config_file is not None:
        return load_file(config_file)
    return discover_config(paths[0] if paths else Path.cwd())


def choice(spelled: str, value: str | None, options: tuple[str, ...]) -> str | None:
    """`value` when it is one of `options` (or None); `spelled` names the setting as the front
    spells it (`--target`, `target`)."""
    if value is not None and value not in options:
        raise UsageError(f"{spelled} must be one of {', '.join(options)}; got {value!r}")
    return value


def fix_settings(settings: Config, spell: Callable[[str], str], *, propagate: str | None = None,
                 target: str | None = None, http_client: str | None = None, lifespan_merge: bool | None = None,
                 subprocess: str | None = None, unsafe_fixes: bool = False) -> Config:
    """The settings with what the run was asked for instead (None: the settings' own), each choice
    checked; `spell` names an option as the front spells it (`http_client` -> `--http-client`)."""
    return settings.with_overrides(
        propagate=choice(spell("propagate"), propagate, PROPAGATE_POLICIES),
        target=choice(spell("target"), target, TARGETS),
        http_client=choice(spell("http_client"), http_client, HTTP_CLIENTS),
        lifespan_merge=lifespan_merge,
        subprocess=choice(spell("subprocess"), subprocess, SUBPROCESS_MODES),
        unsafe_fixes=True if unsafe_fixes else None,
    )


def fix_rules(settings: Config, select: tuple[str, ...], ignore: tuple[str, ...]) -> tuple[Rule, ...]:
    """The codemods `fix` runs: `select` replaces the settings' selection, `ignore` adds to theirs.
    Sub-projects' own selections join the run's (each file then gets its nearest configuration's)."""
    chosen = select_rules(select or settings.select, (*settings.ignore, *ignore))
    if select or not settings.subconfigs:
        return chosen
    more = {r for sub in settings.subconfigs for r in select_rules(sub.select, (*sub.ignore, *ignore))}
    return tuple(sorted(set(chosen) | more, key=lambda r: r.order))


def run_fix(paths: list[Path], settings: Config, rules: tuple[Rule, ...], *, changed_since: str | None = None,
            jobs: int = 0, use_cache: bool = True, progress: Progress | None = None,
            scope: frozenset[str] | None = None, reported: frozenset[str] | None = None) -> RunResult:
    """The whole `fix` run, nothing written: every file's new bytes, changes and refusals. `scope`:
    the files whose problems are fixed (awaitify.scope_filters), with those changed since `changed_since`.
    `reported`: the codes whose diagnostics are shown (`reported_codes`; None: every code)."""
    from awaitify.runner import RunOptions, run
    from awaitify.scope_filters import intersect

    scope = intersect(scope, changed_since_files(changed_since, Path.cwd()) if changed_since else None)
    # transforms in a worker process even with one job: a crash in libcst costs one file, not the run
    return run(paths, settings, rules, RunOptions(jobs=jobs, use_cache=use_cache, progress=progress, scope=scope,
                                                  isolate=True, reported=reported))


def run_check(paths: list[Path], settings: Config, select: tuple[str, ...], ignore: tuple[str, ...], *,
              changed_since: str | None = None, jobs: int = 0, use_cache: bool = True) -> CheckResult:
    """The whole `check` run. An unchanged tree is recognised from file stats and the selectors as
    given, before the rules (and with them the codemods and libcst) are loaded; unknown selectors
    never get this far. `changed_since`: only the findings on lines changed since that revision, or
    whose chain passes through one (awaitify.changed_lines); the run itself sees every file."""
    result = _check_all(paths, settings, select, ignore, jobs=jobs, use_cache=use_cache)
    if not changed_since:
        return result
    from awaitify.changed_lines import keep_touched, touched_lines

    return keep_touched(result, touched_lines(changed_since, Path.cwd()))


def _check_all(paths: list[Path], settings: Config, select: tuple[str, ...], ignore: tuple[str, ...], *,
               jobs: int, use_cache: bool) -> CheckResult:
    selectors = (select or settings.select, (*settings.ignore, *ignore))
    last = last_check(paths, settings, selectors, use_cache=use_cache)
    if last.result is not None:
        return last.result
    from awaitify.audit.engine import run_check as run_audit

    return run_audit(paths, settings, check_rules(settings, select, ignore), CheckOptions(jobs=jobs, use_cache=use_cache), last)


def check_rules(settings: Config, select: tuple[str, ...], ignore: tuple[str, ...]) -> tuple[Rule, ...]:
    """The checks `check` runs: `select` replaces the settings' selection, `ignore` adds to theirs;
    sub-projects' selections join (each file then gets its nearest configuration's)."""
    rules = select_rules(select or settings.select, (*settings.ignore, *ignore), checks=True)
    if settings.subconfigs and not select:
        more = {r for sub in settings.subconfigs for r in select_rules(sub.select, (*sub.ignore, *ignore), checks=True)}
        rules = tuple(r for r in select_rules((), (), checks=True) if r in set(rules) | more)
    return rules


def reported_codes(settings: Config, select: tuple[str, ...], ignore: tuple[str, ...]) -> frozenset[str]:
    """The codes `check` reports under this selection: `fix` shows its diagnostics under these
    only (awaitify.rules.reported). A refusal is kept whatever is shown: `--ignore AW514` hides why
    a `requests.Session()` stays sync, it does not convert it."""
    return frozenset(r.code for r in check_rules(settings, select, ignore))
