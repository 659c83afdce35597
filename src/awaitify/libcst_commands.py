"""awaitify's single-file rules as libcst codemod commands, for `python -m libcst.tool codemod`:

    python -m libcst.tool codemod -x awaitify.libcst_commands.Sleep src/

or, with `modules: [awaitify]` in `.libcst.codemod.yaml`, `... codemod libcst_commands.Sleep src/`.

Each command runs one rule exactly as `awaitify fix --write --select <rule>` runs it on that file:
the same engine (awaitify.runner.fix_file, with its verification), the `[tool.awaitify]` settings
found above the file, its suppressions and per-file ignores, and the async runtime the project
uses. A file the rule refuses to rewrite fails loudly (libcst counts it as failed and prints why);
a refusal inside a file is a libcst warning, and the rest of the file is still fixed.

Not offered here: the rules whose decisions need the whole project. Propagation (AW401) makes a
helper async only once every caller, in every module, is awaited; requests-httpx (AW201) and
lifespan (AW301) plan across modules too; stripe-global-key (AW513) removes the process-global
`stripe.api_key`, which other modules may rely on. libcst hands a command one file at a time, so
for those run `awaitify fix` or `awaitify.api.fix` (docs/api.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import libcst as cst
from libcst.codemod import CodemodCommand, SkipFile

from awaitify import commands
from awaitify.config import Config
from awaitify.discovery import discover, display_path
from awaitify.errors import SourceError
from awaitify.rules import Rule, all_rules, ignored_here
from awaitify.runtime import with_detected_runtime
from awaitify.source import SourceFile, decode_source, read_all

# need every module: propagation's plan is made for the whole project (as is that of a rule with a
# `planner`); stripe-global-key replaces process-global state that any other module may read
_PROJECT_WIDE = ("propagation", "stripe-global-key")


class FileRefused(Exception):
    """The rule cannot rewrite this file safely: it is left as it was (libcst counts a failure)."""


def single_file_rules() -> tuple[Rule, ...]:
    """The rules a command can run on one file with the result `awaitify fix` gives on the project."""
    return tuple(r for r in all_rules() if r.name not in _PROJECT_WIDE and not r.planner)


@dataclass(frozen=True)
class _Project:
    settings: Config  # with the runtime the project's files use (trio, anyio or asyncio)
    files: frozenset[str]  # what `awaitify fix` on the project's folder reads


_projects: dict[tuple[str, str], _Project] = {}


def _project(path: Path) -> _Project:
    """The settings above `path` and the project they cover, once per process (libcst runs many
    files in each worker)."""
    settings = commands.load_settings(None, [path])
    key = (str(settings.source), str(settings.root))
    if key not in _projects:
        found = discover([settings.root], settings)
        if not settings.target_set:
            sources, _ = read_all(found, settings.max_file_size)
            settings = with_detected_runtime(settings, (s.text for s in sources))
        _projects[key] = _Project(settings, frozenset(str(f.path) for f in found))
    return _projects[key]


class AwaitifyCommand(CodemodCommand):
    """Runs `RULE_NAMES` on each file libcst hands it, through awaitify's own engine."""

    RULE_NAMES: ClassVar[tuple[str, ...]] = ()

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        from awaitify.planner import build_plan
        from awaitify.runner import fix_file, reported_diagnostics

        path = Path(self.context.filename or "stdin.py").absolute()
        project = _project(path)
        settings = project.settings
        if self.context.filename and str(path) not in project.files:
            raise SkipFile(f"awaitify does not fix this file: [tool.awaitify] exclude, a .gitignore or a virtualenv "
                           f"leaves it out of the project at {settings.root}")
        display = display_path(path, Path.cwd())
        rules = tuple(r for r in commands.fix_rules(settings, self.RULE_NAMES, ())
                      if not ignored_here(display, r, settings, path))
        if not rules:
            raise SkipFile("the rule is ignored here ([tool.awaitify] ignore or per-file-ignores)")
        raw = tree.bytes
        if settings.max_file_size and len(raw) > settings.max_file_size:  # as `awaitify fix` skips it, unread
            raise SkipFile(f"too large to transform ({len(raw):,} bytes > max-file-size {settings.max_file_size:,}); skipped")
        try:
            text, encoding = decode_source(raw, display)
        except SourceError as exc:
            raise FileRefused(f"{display}: {exc.reason}") from None
        source = SourceFile(path=path, display=display, raw=raw, text=text, encoding=encoding)
        plan = build_plan([source], rules, settings, [])
        result = fix_file(source, rules, settings, plan.for_file(str(path)))
        for diagnostic in reported_diagnostics(result, settings, commands.reported_codes(settings, (), ())):
            self.warn(diagnostic.render())  # the settings' selection, as `awaitify fix` shows them
        if result.error:
            raise FileRefused(f"{display}: {result.error}")
        if not result.changed:
            return tree
        new = cst.parse_module(result.new)
        if new.bytes != result.new:  # libcst would write other bytes than awaitify verified
            raise FileRefused(f"{display}: libcst does not give back the rewritten bytes exactly; file left unchanged")
        return new


def _class_name(rule: Rule) -> str:
    return "".join(part.capitalize() for part in re.split(r"[-_]", rule.name))


def _command(rule: Rule) -> type[AwaitifyCommand]:
    doc = f"awaitify {rule.code} {rule.name}: {rule.summary} (as `awaitify fix --write --select {rule.code}`)"
    return type(_class_name(rule), (AwaitifyCommand,), {
        "RULE_NAMES": (rule.code,), "DESCRIPTION": doc, "__doc__": doc, "__module__": __name__,
    })


COMMANDS: dict[str, type[AwaitifyCommand]] = {_class_name(r): _command(r) for r in single_file_rules()}
globals().update(COMMANDS)  # awaitify.libcst_commands.Sleep, .AsyncioRun, ...: what libcst imports by name

__all__ = ["AwaitifyCommand", "COMMANDS", "FileRefused", "single_file_rules"]
__all__ += list(COMMANDS)
