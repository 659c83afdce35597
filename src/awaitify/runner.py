"""One run, in one direction: discover -> pre-check -> index -> plan -> transform -> verify.

Returns results; printing and writing belong to the caller (the CLI), so the same run serves a
dry run, `--write`, `--check` and every output format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from awaitify.config import Config
from awaitify.discovery import Discovered, discover
from awaitify.errors import SourceError
from awaitify.findings import Change, Diagnostic
from awaitify.plan import Plan
from awaitify.planner import build_plan
from awaitify.rules import Rule
from awaitify.source import SourceFile, read_source
from awaitify.transform import FileOutcome, transform, verify


@dataclass
class FileResult:
    path: Path
    display: str
    old: bytes
    new: bytes
    changes: list[Change] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    error: str | None = None  # why the file was skipped; it is then left untouched

    @property
    def changed(self) -> bool:
        return self.error is None and self.new != self.old


@dataclass
class RunResult:
    scanned: int
    results: list[FileResult]
    plan: Plan

    @property
    def changed(self) -> list[FileResult]:
        return [r for r in self.results if r.changed]

    @property
    def skipped(self) -> list[FileResult]:
        return [r for r in self.results if r.error]

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return sorted(d for r in self.results for d in r.diagnostics)


def _ignored_here(display: str, rule: Rule, config: Config) -> bool:
    import fnmatch

    return any(
        fnmatch.fnmatch(display, glob) and any(rule.code.startswith(c.upper()) or rule.name == c for c in codes)
        for glob, codes in config.per_file_ignores.items()
    )


def fix_file(source: SourceFile, rules: tuple[Rule, ...], config: Config, plan: Plan) -> FileResult:
    result = FileResult(path=source.path, display=source.display, old=source.raw, new=source.raw)
    rules = tuple(r for r in rules if not _ignored_here(source.display, r, config))
    try:
        outcome: FileOutcome = transform(source, rules, config, plan.for_file(str(source.path)))
    except SourceError as exc:
        result.error = exc.reason
        return result
    result.changes, result.diagnostics = outcome.changes, outcome.diagnostics
    if outcome.new != source.raw:
        problem = verify(source, outcome.new)
        if problem:
            result.error = f"internal error: {problem}; file left unchanged (please report this)"
        else:
            result.new = outcome.new
    return result


def _read_all(files: list[Discovered]) -> tuple[list[SourceFile], list[FileResult]]:
    sources, failed = [], []
    for file in files:
        try:
            sources.append(read_source(file.path, file.display))
        except SourceError as exc:
            failed.append(FileResult(path=file.path, display=file.display, old=b"", new=b"", error=exc.reason))
    return sources, failed


def run(paths: list[Path], config: Config, rules: tuple[Rule, ...]) -> RunResult:
    files = discover(paths, config)
    sources, failed = _read_all(files)
    plan = build_plan(sources, rules, config, paths)
    results = [fix_file(source, rules, config, plan) for source in sources]
    results += failed
    results.sort(key=lambda r: r.display)
    return RunResult(scanned=len(files), results=results, plan=plan)
