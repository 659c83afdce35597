"""`check`'s findings as the protocol's diagnostics: the same code, message and range, the rule's
page as the code's description (where SARIF links it), and a propagation chain as related
information (each step's location, in whichever file it is)."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types

from awaitify.audit.results import CheckResult, Finding
from awaitify.doc_urls import rule_page_url
from awaitify.server.edits import UTF16, line_end, position, split_lines

SOURCE = "awaitify"


def absolute(display: str) -> Path:
    """A path as the engine shows it (relative to the current folder where it can be) made absolute."""
    return Path.cwd() / display


def by_file(result: CheckResult) -> dict[Path, tuple[list[Finding], list[str]]]:
    """The findings and the reasons a file was not audited, per absolute path."""
    files: dict[Path, tuple[list[Finding], list[str]]] = {}
    for finding in result.findings:
        files.setdefault(absolute(finding.path), ([], []))[0].append(finding)
    for display, reason in result.errors:
        files.setdefault(absolute(display), ([], []))[1].append(reason)
    return files


def diagnostics(findings: list[Finding], errors: list[str], text: str, encoding: str = UTF16) -> list[types.Diagnostic]:
    """The file's diagnostics; `text`: what the client has (positions are counted in it)."""
    lines = split_lines(text)
    out = [_diagnostic(f, lines, encoding) for f in findings]
    out += [types.Diagnostic(range=types.Range(start=types.Position(line=0, character=0), end=line_end(lines, 1, encoding)),
                             message=f"not audited: {reason}", severity=types.DiagnosticSeverity.Error, source=SOURCE)
            for reason in errors]
    return out


def _diagnostic(finding: Finding, lines: list[str], encoding: str) -> types.Diagnostic:
    start = position(lines, finding.line, finding.column, encoding)
    if finding.end_line:
        end = position(lines, finding.end_line, finding.end_column, encoding)
    else:  # where the engine does not know the end: the rest of the line
        end = line_end(lines, finding.line, encoding)
    if (end.line, end.character) < (start.line, start.character):
        end = start
    rule = finding.check if finding.code else None
    url = rule_page_url(rule.doc_page) if rule is not None else None
    return types.Diagnostic(
        range=types.Range(start=start, end=end),
        message=finding.message,
        severity=types.DiagnosticSeverity.Error if finding.code == "AW000" else types.DiagnosticSeverity.Warning,
        code=finding.code,
        code_description=types.CodeDescription(href=url) if url else None,
        source=SOURCE,
        related_information=[_step(link) for link in finding.chain] or None,
        data={"fixable": finding.fixable, "function": finding.function, "chain": len(finding.chain)},
    )


def _step(link) -> types.DiagnosticRelatedInformation:
    line = max(link.line - 1, 0)  # the whole line: no text to count characters in (the file may not be open)
    return types.DiagnosticRelatedInformation(
        location=types.Location(uri=absolute(link.path).as_uri(),
                                 range=types.Range(start=types.Position(line=line, character=0),
                                                   end=types.Position(line=line + 1, character=0))),
        message=f"{'async ' if link.is_async else ''}{link.function} calls",
    )
