"""reviewdog's Diagnostic Format (rdjson: the `DiagnosticResult` message, reviewdog's
proto/rdf/reviewdog.proto), for `check --format rdjson` and `fix --format rdjson`.

`check` gives one diagnostic per finding; `fix` one per changed hunk, with the hunk as a line-wise
suggestion (reviewdog turns it into a GitHub review suggestion) and the reason for every change in
it as the message. Refused changes and files left alone are diagnostics without a suggestion, so a
reviewer sees what was not done and why. Paths are relative to the repository root, as reviewdog
matches them against the pull request's diff."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import TYPE_CHECKING

from awaitify.discovery import repo_relative
from awaitify.doc_urls import rule_page_url
from awaitify.hunks import Hunk, decode, line_hunks

if TYPE_CHECKING:
    from awaitify.audit.results import CheckResult, Finding
    from awaitify.findings import Change
    from awaitify.runner import FileResult, RunResult

SOURCE = {"name": "awaitify", "url": "https://pypi.org/project/awaitify/"}


@functools.lru_cache(maxsize=None)
def _pages() -> dict[str, str]:
    from awaitify.rules import every_rule

    return {r.code: r.doc_page for r in every_rule()}


def _code(code: str) -> dict:
    url = rule_page_url(_pages()[code]) if code in _pages() else None
    return {"value": code, **({"url": url} if url else {})}


def _document(diagnostics: list[dict]) -> str:
    return json.dumps({"source": SOURCE, "severity": "WARNING", "diagnostics": diagnostics}, indent=2, ensure_ascii=False) + "\n"


def _byte_column(lines: list[str], line: int, column: int) -> int:
    """The format counts columns in UTF-8 bytes; findings count characters."""
    if not 0 < line <= len(lines):
        return column
    return len(lines[line - 1][:column - 1].encode()) + 1


def _finding(f: "Finding", lines: list[str]) -> dict:
    start = {"line": f.line, "column": _byte_column(lines, f.line, f.column)}
    message = f.message + "".join(
        f"\n{'async ' if link.is_async else ''}{link.function} calls ({link.path}:{link.line})" for link in f.chain)
    diagnostic = {
        "message": message,
        "location": {"path": f.repo_path or f.path,
                     "range": {"start": start, **({"end": {"line": f.end_line, "column": _byte_column(lines, f.end_line, f.end_column)}}
                                              if f.end_line else {})}},
        "severity": "ERROR" if f.code == "AW000" else "WARNING",
        "source": SOURCE,
        "code": _code(f.code),
    }
    if f.chain:
        diagnostic["relatedLocations"] = [{
            "message": f"{'async ' if link.is_async else ''}{link.function} calls",
            "location": {"path": repo_relative(Path(link.path)), "range": {"start": {"line": link.line}}},
        } for link in f.chain]
    return diagnostic


def from_check(result: "CheckResult") -> str:
    texts: dict[str, list[str]] = {}
    for f in result.findings:
        if f.path not in texts:
            try:
                texts[f.path] = decode(Path(f.path).read_bytes()).splitlines()
            except (OSError, UnicodeDecodeError, SyntaxError):  # not readable (AW000 of an undecodable file): columns as they are
                texts[f.path] = []
    diagnostics = [_finding(f, texts[f.path]) for f in result.findings]
    diagnostics += [{"message": f"not audited: {reason}", "location": {"path": repo_relative(Path(path))}, "severity": "ERROR",
                     "source": SOURCE} for path, reason in result.errors]
    return _document(diagnostics)


def _range(hunk: Hunk) -> dict:
    """Line-wise: no columns, so reviewdog posts it as a GitHub suggestion on exactly those lines."""
    return {"start": {"line": hunk.start}, "end": {"line": hunk.end}}


def _reasons(hunks: list[Hunk], changes: list["Change"]) -> list[list["Change"]]:
    """Each hunk's changes: those on its lines; one on no hunk's line goes to the nearest hunk, so
    no reason is lost."""
    owned: list[list[Change]] = [[] for _ in hunks]
    for change in changes:
        distance = [0 if h.start <= change.line <= h.end else min(abs(change.line - h.start), abs(change.line - h.end))
                    for h in hunks]
        owned[distance.index(min(distance))].append(change)
    return owned


def _file_diagnostics(r: "FileResult") -> list[dict]:
    old, new = decode(r.old), decode(r.new)
    hunks = line_hunks(old, new)
    if not hunks:
        return []
    path = repo_relative(r.path)
    codes = sorted({c.code for c in r.changes})
    out = []
    for hunk, changes in zip(hunks, _reasons(hunks, r.changes)):
        if changes:
            message = "\n".join(f"{c.code}: {c.message}" + (" (unsafe: applied with --unsafe-fixes)" if c.safety == "unsafe" else "")
                                for c in changes)
        else:  # an import or a shared client the changes of this file need
            message = f"Needed by the other changes in this file ({', '.join(codes)})"
        diagnostic = {
            "message": message,
            "location": {"path": path, "range": _range(hunk)},
            "severity": "WARNING",
            "source": SOURCE,
            "code": _code(changes[0].code if changes else codes[0]) if codes else {"value": "awaitify"},
        }
        if hunk.line_wise:
            diagnostic["suggestions"] = [{"range": _range(hunk), "text": hunk.text}]
        else:  # a GitHub suggestion cannot say "and the file's last newline": no suggestion rather than a wrong one
            diagnostic["message"] += "\n(no suggestion: the change adds or removes the file's last newline; apply the patch)"
        out.append(diagnostic)
    return out


def from_fix(result: "RunResult") -> str:
    diagnostics = [d for r in result.changed for d in _file_diagnostics(r)]
    diagnostics += [{
        "message": f"{d.code}: {d.message} (not changed)",
        "location": {"path": repo_relative(Path(d.path)), "range": {"start": {"line": d.line, "column": d.column}}},
        "severity": "WARNING", "source": SOURCE, "code": _code(d.code),
    } for d in result.diagnostics]
    for kind, items in (("needs review", result.plan.needs_review), ("unsafe, not applied without --unsafe-fixes",
                                                                    result.plan.unsafe_not_applied)):
        diagnostics += [{"message": f"{why} ({kind})", "location": {"path": repo_relative(Path(path)),
                                                                    "range": {"start": {"line": line, "column": column}}},
                         "severity": "WARNING", "source": SOURCE} for path, line, column, why in items]
    diagnostics += [{"message": f"not fixed: {r.error}", "location": {"path": repo_relative(r.path)}, "severity": "ERROR",
                     "source": SOURCE} for r in result.skipped]
    return _document(diagnostics)
