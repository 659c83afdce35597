"""Editor integration: one buffer read from stdin, fixed or checked, written to stdout.

The buffer is treated as the file it names (`--stdin-filename`): per-file settings apply, and the
plan is the project's, read from disk with the buffer in place of its file, so a helper other modules
call is never made async behind their back. Only the buffer is written, so a decision that needs
edits in other files is not made here: a propagation closure that crosses files is offloaded
instead, and a rule whose project-wide plan ties the buffer to other files (a lifespan taking hooks
from other modules, requests handlers in other modules) leaves the buffer alone, saying so. Run
`fix` on the project for those. Whatever happens, stdout gets a complete source: the fixed one, or
the original when it cannot be fixed (the reason goes to stderr), so an editor never loses the buffer.
"""

from __future__ import annotations

import ast
import importlib
import sys
from dataclasses import replace
from pathlib import Path

from awaitify.config import Config
from awaitify.diff import unified_diff
from awaitify.discovery import discover, display_path
from awaitify.errors import SourceError
from awaitify.plan import Plan
from awaitify.planner import build_plan
from awaitify.rules import Rule, ignored_here
from awaitify.runner import fix_file, reported_diagnostics
from awaitify.source import SourceFile, decode_source, read_all
from awaitify.summary import UNPARSABLE, parse_failure


def read_stdin(name: str) -> SourceFile:
    raw = sys.stdin.buffer.read()
    try:
        text, encoding = decode_source(raw, name)
    except SourceError as exc:
        print(f"{name}: {exc.reason}", file=sys.stderr)
        text, encoding = "", "utf-8"
    return SourceFile(path=Path(name).absolute(), display=name, raw=raw, text=text, encoding=encoding)


def _project_with(buffer: SourceFile, config: Config) -> tuple[list[SourceFile], SourceFile]:
    """The project's files as on disk, the buffer in place of its own (or added: a new file); and
    the buffer under the path discovery gives its file (the name may reach it through a link or
    `..`), so the plan's entries for it are found."""
    mine = _resolved(buffer.path)
    files = []
    for found in discover([config.root], config):
        if _resolved(found.path) == mine:
            buffer = replace(buffer, path=found.path)
        else:
            files.append(found)
    sources, _ = read_all(files, config.max_file_size)
    return [*sources, buffer], buffer


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path


def plan_for_buffer(buffer: SourceFile, rules: tuple[Rule, ...], config: Config
                    ) -> tuple[Plan, SourceFile, tuple[Rule, ...], list[str]]:
    """The project's plan for the buffer, narrowed to what editing the buffer alone can keep: the
    plan, the buffer under its file's discovered path, the rules that may run on it, and why the
    others do not (or what was offloaded instead)."""
    project, buffer = _project_with(buffer, config)
    path = str(buffer.path)
    plan = build_plan(project, rules, config, [config.root])
    notes = []
    crossing = [(name, paths) for name, paths in plan.closures if path in paths and paths != (path,)]
    if crossing:
        name, paths = crossing[0]
        others = ", ".join(display_path(Path(p), Path.cwd()) for p in paths if p != path)
        notes.append(f"making `{name}` async needs edits in other files ({others}): this buffer's blocking "
                     "calls are offloaded instead; run `awaitify fix` on the project to propagate")
        # one plan for the buffer: its own closures are offloaded too (safe; `fix` on the project
        # makes them async)
        plan = build_plan(project, rules, config.with_overrides(propagate="offload"), [config.root])
    kept = []
    for rule in rules:
        why = _tied_elsewhere(rule, plan, buffer, config)
        if why:
            notes.append(f"{rule.code} not applied to this buffer alone: {why}; run `awaitify fix` on the project")
        else:
            kept.append(rule)
    return plan, buffer, tuple(kept), notes


def _tied_elsewhere(rule: Rule, plan: Plan, buffer: SourceFile, config: Config) -> str | None:
    """Why a rule planned project-wide (`Rule.planner`) cannot fix the buffer alone: its plan edits
    other files together with it, or decides the buffer's edits from other files' (which stay as
    they are). A planner whose facts only ever concern the file they are given (`CONFINED`) is
    taken as it is."""
    if not rule.planner:
        return None
    module = importlib.import_module(rule.planner)
    if getattr(module, "CONFINED", False):
        return None
    path = str(buffer.path)
    facts = {p: fp.extra[rule.name] for p, fp in plan.files.items() if rule.name in fp.extra}
    narrow = getattr(module, "scope_facts", None)
    tied = narrow(facts, {path}) if narrow else facts
    others = sorted(p for p in tied if p != path)
    if others:
        return f"its plan also edits {display_path(Path(others[0]), Path.cwd())}"
    if facts.get(path) != module.plan_project([buffer], config).get(path):
        return "its plan for this file depends on other files of the project"
    return None


def fix_stdin(name: str, config: Config, rules: tuple[Rule, ...], check: bool, diff: bool, reported: frozenset[str]) -> int:
    """Exit code: 0, or 1 with --check when the buffer would change. `reported`: the codes whose
    diagnostics are printed (awaitify.commands.reported_codes)."""
    source = read_stdin(name)
    if not source.text and source.raw:
        sys.stdout.buffer.write(source.raw)
        return 0
    try:  # one buffer: a broken one is named even when no rule would read it (as black and ruff do)
        ast.parse(source.text, filename=name)
    except UNPARSABLE as exc:
        print(f"{name}: {parse_failure(exc)}", file=sys.stderr)
        sys.stdout.buffer.write(b"" if diff or check else source.raw)
        return 0
    rules = tuple(r for r in rules if not ignored_here(name, r, config, source.path))
    plan, source, rules, notes = plan_for_buffer(source, rules, config)
    for note in notes:
        print(f"{name}: {note}", file=sys.stderr)
    result = fix_file(source, rules, config, plan.for_file(str(source.path)))
    if result.error:
        print(f"{name}: {result.error}", file=sys.stderr)
    for diagnostic in reported_diagnostics(result, config, reported):
        print(diagnostic.render(), file=sys.stderr)
    if diff or check:
        sys.stdout.buffer.write(unified_diff(result.old, result.new, name) if diff else b"")
    else:
        sys.stdout.buffer.write(result.new)
    sys.stdout.buffer.flush()
    return 1 if check and result.changed else 0
