"""The rule registry. Each rule is a folder here, `awaitify.rules.<name>/`: its `__init__.py`
docstring is the rule's documentation and its `RULE` the rule's declaration (`awaitify.rule.Rule`:
what `check` reports, what `fix` reads), imported without libcst; its `fix.py`, when it has one, is
the libcst fix (imported only when a file is transformed). Folders are found, not listed: the codemod
table (`all_rules`), the check table (`checks`) and every list of rules are built from them.

Codes are stable (ruff-style: a prefix plus digits); `--select`/`--ignore` take a code, a code
prefix (`AW1`) or a rule name (`sleep`).
"""

from __future__ import annotations

import ast
import fnmatch
import importlib
import pkgutil
from functools import cache
from importlib import resources
from pathlib import Path
from types import ModuleType
from typing import Callable, Collection

from awaitify.config import Config, nearest
from awaitify.detector import Detector
from awaitify.errors import UsageError
from awaitify.rule import Rule

__all__ = ["Rule", "all_rules", "check_by_code", "checks", "codemod_modules", "detect_modules", "detectors", "doc_text",
           "every_rule", "find_rule", "find_rules", "ignored_here", "planner_modules", "reported", "select_rules", "unit",
           "wants_hooks", "without_fix"]


def unit_names() -> tuple[str, ...]:
    """The rules' folders (`awaitify.rules.<name>`), found, not listed: adding a rule is adding one."""
    return tuple(sorted(info.name for info in pkgutil.iter_modules(__path__) if info.ispkg))


@cache
def codemod_modules() -> tuple[ModuleType, ...]:
    """Each rule's libcst fix (`awaitify.rules.<name>.fix`), in the order the rules run: importing
    them imports libcst, so only a transform calls this."""
    return tuple(sorted((m for m in _unit_modules("fix") if hasattr(m, "RULE")), key=lambda m: m.RULE.order))


@cache
def detect_modules() -> tuple[ModuleType, ...]:
    """Each rule's detector (`awaitify.rules.<name>.detect`: its `DETECTOR`, and `wants` when its
    fix has a pre-check), by folder name: what `check`'s scan matches and `fix`'s pre-check asks.
    No libcst."""
    return _unit_modules("detect")


def _unit_modules(kind: str) -> tuple[ModuleType, ...]:
    """The `<kind>.py` module of every rule folder that has one, imported, by folder name."""
    return tuple(importlib.import_module(f"{__name__}.{name}.{kind}") for name in unit_names()
                 if resources.files(f"{__name__}.{name}").joinpath(f"{kind}.py").is_file())


def detectors() -> tuple[Detector, ...]:
    return tuple(module.DETECTOR for module in detect_modules())


@cache
def wants_hooks() -> dict[str, Callable]:
    """rule name -> its fix's `wants(summary, text)` pre-check (its detector's), for the fixes that
    have one: a file no selected fix wants is never parsed with libcst."""
    by_unit = {module.__name__.rsplit(".", 2)[1]: module for module in detect_modules()}
    return {rule.name: by_unit[unit].wants for rule in all_rules()
            if (unit := unit_module(rule).rpartition(".")[2]) in by_unit and hasattr(by_unit[unit], "wants")}


@cache
def refusal_hooks() -> dict[str, Callable]:
    """rule code -> its detector's `refused(text, config)`, for the fixes that leave a whole module
    alone for a reason `check`'s scan does not see (AW101 where `asyncio` names something else):
    why, or None. `check` marks such a module's direct findings not fixable, with the reason."""
    return {module.DETECTOR.code: module.refused for module in detect_modules() if hasattr(module, "refused")}


def planner_modules(rules: tuple[Rule, ...]) -> list[tuple[Rule, ModuleType]]:
    """The project-wide planners (`Rule.planner`) of these rules, imported: no libcst."""
    return [(rule, importlib.import_module(rule.planner)) for rule in sorted(rules, key=lambda r: r.order) if rule.planner]


def unit(name: str) -> ModuleType:
    """A rule's folder, imported (its declaration, no libcst): `unit("sleep")`, `unit("asyncio_run")`."""
    return importlib.import_module(f"{__name__}.{name.replace('-', '_')}")


@cache
def every_rule() -> tuple[Rule, ...]:
    """Every rule a folder declares (`RULE` in its `__init__.py`), by code."""
    return tuple(sorted((unit(name).RULE for name in unit_names()), key=lambda r: r.code))


@cache
def all_rules() -> tuple[Rule, ...]:
    """The rules `fix` rewrites (their folder has a fix.py), by code."""
    return tuple(r for r in every_rule() if r.fixable)


@cache
def checks() -> tuple[Rule, ...]:
    """The rules `check` reports (AW401 `propagation` is not one: it only follows the others), by code."""
    return tuple(r for r in every_rule() if r.is_check)


@cache
def check_by_code() -> dict[str, Rule]:
    return {r.code: r for r in checks()}


def _matches(rule: Rule, selector: str) -> bool:
    selector = selector.strip()
    upper = selector.upper()
    if upper.startswith("ASYNC") and upper[5:].isdigit():  # flake8-async codes, for teams coming from it
        return rule.is_check and any(code.startswith(upper) for code in rule.flake8_async)
    return rule.name == selector or rule.code.startswith(upper) or upper == "ALL"


def select_rules(select: tuple[str, ...], ignore: tuple[str, ...], checks: bool = False) -> tuple[Rule, ...]:
    """The rules `fix` (codemods) or `check` (every rule) runs. A selector must name some rule of
    either kind: `--select AW510` is valid for `fix` too, it just selects no codemod."""
    known = every_rule()
    for selector in (*select, *ignore):
        if not any(_matches(rule, selector) for rule in known):
            raise UsageError(f"unknown rule `{selector}` (see `awaitify rules`)")
    rules = known if checks else all_rules()
    chosen = [r for r in rules if not select or any(_matches(r, s) for s in select)]
    return tuple(r for r in chosen if not any(_matches(r, s) for s in ignore))


def without_fix(selectors: tuple[str, ...]) -> list[str]:
    """The selectors of `fix --select` that name only rules no codemod fixes (AW509, ASYNC220)."""
    codemods = {r.code for r in all_rules()}
    return [s for s in selectors if not any(_matches(r, s) for r in every_rule() if r.code in codemods)]


def find_rule(selector: str) -> Rule:
    for rule in every_rule():
        if selector.upper() == rule.code or selector == rule.name:
            return rule
    raise UsageError(f"unknown rule `{selector}` (see `awaitify rules`)")


def find_rules(selector: str) -> tuple[Rule, ...]:
    """The rule a code or name names, or the rules covering a flake8-async code (ASYNC210 is both
    AW201 for requests and AW501 for httpx/urllib3): for `awaitify explain`."""
    upper = selector.strip().upper()
    if upper.startswith("ASYNC") and upper[5:].isdigit():
        found = tuple(r for r in every_rule() if _matches(r, upper))
        if found:
            return found
    return (find_rule(selector),)


def unit_module(rule: Rule) -> str:
    """The rule's folder as a module name: `awaitify.rules.sleep` for `sleep`."""
    return f"{__name__}.{rule.name.replace('-', '_')}"


def doc_text(rule: Rule) -> str:
    """The rule's page: the docstring of its folder's `__init__.py` (docs/rules/ is generated from it
    by scripts/make_rule_docs.py, and a test fails when the two drift). Read, not imported: `python
    -OO` drops docstrings, and the page must not depend on it."""
    try:
        source = resources.files(unit_module(rule)).joinpath("__init__.py").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        source = ""
    text = ast.get_docstring(ast.parse(source), clean=False) if source else None
    return text or f"{rule.code} {rule.name}: {rule.summary}\n(no documentation page found)"


def _selected(rule: Rule, config: Config) -> bool:
    return (not config.select or any(_matches(rule, s) for s in config.select)) and \
        not any(_matches(rule, s) for s in config.ignore)


def ignored_here(display: str, rule: Rule, config: Config, path: Path | None = None) -> bool:
    """`per-file-ignores` globs are relative to the configuration's folder (ruff's rule), whatever
    the current directory is; the displayed path is also tried, for files outside that folder. With
    sub-projects, the nearest configuration's select, ignore and per-file-ignores decide."""
    if config.subconfigs:
        config = nearest(config, path)
        if not _selected(rule, config):
            return True
    if not config.per_file_ignores:
        return False
    names = {display}
    if path is not None:
        try:
            names.add(path.resolve().relative_to(config.root.resolve()).as_posix())
        except ValueError:
            pass
    return any(
        fnmatch.fnmatch(name, glob) and any(rule.code.startswith(c.upper()) or rule.name == c for c in codes)
        for glob, codes in config.per_file_ignores.items()
        for name in names
    )


def reported(code: str, display: str, config: Config, path: Path | None, selected: Collection[str]) -> bool:
    """Whether something found under `code` in this file is shown: the run selects the code
    (`selected`: the codes of `check`'s selection, awaitify.commands.check_rules) and the file's
    settings do not ignore it. `check`'s findings and `fix`'s diagnostics both pass here, so the
    two commands keep and drop the same codes (a codemod may speak under another rule's code:
    AW201's refusal of a `requests.Session()` is an AW514 diagnostic)."""
    if code not in selected:
        return False
    rule = _by_code().get(code)
    return rule is None or not ignored_here(display, rule, config, path)


@cache
def _by_code() -> dict[str, Rule]:
    return {r.code: r for r in every_rule()}
