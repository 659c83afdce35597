"""The three outputs of `awaitify check`: text for people at a terminal (ruff's shape), JSON for
bots, and a markdown audit report a team lead can paste into a ticket (the seeds' tables)."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from awaitify.audit.results import CheckResult, Finding
from awaitify.discovery import repo_relative
from awaitify.rules import check_by_code, checks

FORMATS = ("text", "json", "markdown", "sarif", "github", "rdjson")


def _chain_lines(finding: Finding) -> list[str]:
    lines = []
    for link in finding.chain:
        lines.append(f"    {'async ' if link.is_async else ''}{link.function} calls ({link.path}:{link.line})")
    if finding.chain:
        lines.append(f"    -> {finding.function} ({finding.path}:{finding.line})")
    return lines


_BOLD, _RED, _CYAN, _DIM, _RESET = "\x1b[1m", "\x1b[1;31m", "\x1b[36m", "\x1b[2m", "\x1b[0m"


def text(result: CheckResult, color: bool = False) -> str:
    """`path:line:col CODE message [*]` a finding, its chain below; on a terminal the path bold, the
    code red and the fixable mark cyan, as ruff colours them."""
    out = []
    for f in result.findings:
        mark = " [*]" if f.fixable else ""
        if color:
            out.append(f"{_BOLD}{f.path}{_RESET}:{f.line}:{f.column} {_RED}{f.code}{_RESET} {f.message}"
                       f"{f' {_CYAN}[*]{_RESET}' if mark else ''}")
            out += [f"{_DIM}{line}{_RESET}" for line in _chain_lines(f)]
        else:
            out.append(f"{f.path}:{f.line}:{f.column} {f.code} {f.message}{mark}")
            out += _chain_lines(f)
    return "\n".join(out) + ("\n" if out else "")


def as_json(result: CheckResult) -> str:
    data = {
        "findings": [
            {
                "path": f.path, "line": f.line, "column": f.column, "code": f.code, "message": f.message,
                "fixable": f.fixable, "function": f.function,
                "chain": [{"function": l.function, "path": l.path, "line": l.line, "async": l.is_async} for l in f.chain],
            }
            for f in result.findings
        ],
        "errors": [{"path": p, "message": m} for p, m in result.errors],
        "summary": {"files": result.scanned, "findings": len(result.findings),
                    "fixable": sum(f.fixable for f in result.findings), "suppressed": result.suppressed},
    }
    return json.dumps(data, indent=2) + "\n"


def _cell(value: str) -> str:
    return value.replace("|", "\\|").replace("\n", " ")


def markdown(result: CheckResult) -> str:
    findings = result.findings
    families: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        families[f.check.family].append(f)
    files = len({f.path for f in findings})
    second = sum(1 for f in findings if f.chain)
    out = [
        "# Async safety audit",
        "",
        "## Summary",
        "",
        f"- Files scanned: {result.scanned}",
        f"- Findings: {len(findings)} in {files} file{'s' if files != 1 else ''} "
        f"({second} reached through sync helpers; {sum(f.fixable for f in findings)} fixable by `awaitify fix`)",
        f"- Suppressed in the code: {result.suppressed}",
    ]
    if result.errors:
        out.append(f"- Files that could not be read: {len(result.errors)}")
    if findings:
        out += ["", "| Rule | Findings |", "|---|---|"]
        for check in checks():
            count = sum(1 for f in findings if f.code == check.code)
            if count:
                out.append(f"| {check.code} `{check.name}` | {count} |")
    order = list(dict.fromkeys(c.family for c in checks()))
    for family in sorted(families, key=order.index):
        out += ["", f"## {family}", "", "| File | Function | Line | Pattern | Rule | Reached from | Fix |", "|---|---|---|---|---|---|---|"]
        for f in families[family]:
            reached = " → ".join(link.function for link in f.chain) if f.chain else "async def (direct)" if f.function else "module level"
            out.append(f"| `{_cell(f.path)}` | `{_cell(f.function or '-')}` | {f.line} | `{_cell(f.pattern)}` | {f.code} | "
                       f"{_cell(reached)} | {'awaitify fix' if f.fixable else 'manual'} |")
    if result.errors:
        out += ["", "## Not audited", ""] + [f"- `{p}`: {m}" for p, m in result.errors]
    return "\n".join(out) + "\n"


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2  # SARIF's default columnKind counts UTF-16 code units


def _deleted_region(hunk) -> dict:
    """The hunk's whole lines, their last line ending included: up to the start of the next line
    (past the file's last newline that is line n+1, column 1), or to the end of a last line that has
    no ending."""
    last = hunk.old.splitlines(keepends=True)[-1]
    if last.endswith(("\n", "\r")):
        return {"startLine": hunk.start, "startColumn": 1, "endLine": hunk.end + 1, "endColumn": 1}
    return {"startLine": hunk.start, "startColumn": 1, "endLine": hunk.end, "endColumn": _utf16_length(last) + 1}


def _sarif_fix(fix) -> dict:
    """SARIF `fix`: the file as `awaitify fix` leaves it (awaitify.check_fixes says when that stands alone)."""
    return {
        "description": {"text": f"awaitify fix: {', '.join(fix.codes)} in this file (every finding of the file at once)"},
        "artifactChanges": [{
            "artifactLocation": {"uri": fix.repo_path, "uriBaseId": "%SRCROOT%"},
            "replacements": [{"deletedRegion": _deleted_region(h), "insertedContent": {"text": h.new}} for h in fix.hunks],
        }],
    }


def sarif(result: CheckResult, fixes: dict | None = None) -> str:
    """SARIF 2.1.0, for code-scanning uploads: one run, the rules that fired, one result each.
    `fixes`: the self-contained fix of a file by its display path (awaitify.check_fixes), given to
    each fixable finding in it."""
    from awaitify import __version__
    from awaitify.doc_urls import rule_page_url
    from awaitify.findings import fix_safety
    from awaitify.rules import doc_text, every_rule

    rules = {r.code: r for r in every_rule()}
    fired = sorted({f.code for f in result.findings})
    index = {code: i for i, code in enumerate(fired)}
    descriptors = [{
        "id": code, "name": rules[code].name,
        "shortDescription": {"text": rules[code].summary},
        "fullDescription": {"text": rules[code].why or rules[code].summary},
        # the rule's page, which code-scanning UIs show beside each result
        "help": {"text": f"awaitify explain {code}", "markdown": doc_text(rules[code])},
        # the page on the web: only when the package names its repository ([project.urls]); no address is invented
        **({"helpUri": url} if (url := rule_page_url(rules[code].doc_page)) else {}),
        "properties": {"fixable": any(f.fixable for f in result.findings if f.code == code), "fixSafety": fix_safety(code)},
    } for code in fired]
    results = []
    for f in result.findings:
        entry: dict = {
            "ruleId": f.code, "ruleIndex": index[f.code], "level": "warning",
            "message": {"text": f.message},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": f.repo_path or f.path, "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": f.line, "startColumn": f.column,
                           **({"endLine": f.end_line, "endColumn": f.end_column} if f.end_line else {})},
            }}],
            "properties": {"fixable": f.fixable},
        }
        if f.fixable and fixes and f.path in fixes:
            entry["fixes"] = [_sarif_fix(fixes[f.path])]
        if f.chain:
            entry["relatedLocations"] = [{
                "id": i, "message": {"text": f"{'async ' if link.is_async else ''}{link.function} calls"},
                "physicalLocation": {"artifactLocation": {"uri": repo_relative(Path(link.path)), "uriBaseId": "%SRCROOT%"},
                                     "region": {"startLine": link.line}},
            } for i, link in enumerate(f.chain)]
        results.append(entry)
    log = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "awaitify", "version": __version__, "semanticVersion": __version__,
                                "informationUri": "https://pypi.org/project/awaitify/", "rules": descriptors}},
            "results": results,
            # files that could not be read are not silently absent: each is a notification
            "invocations": [{
                "executionSuccessful": True,
                "toolExecutionNotifications": [{
                    "level": "error", "message": {"text": reason},
                    "locations": [{"physicalLocation": {"artifactLocation": {"uri": path, "uriBaseId": "%SRCROOT%"}}}],
                } for path, reason in result.errors],
            }],
        }],
    }
    return json.dumps(log, indent=2) + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github(result: CheckResult) -> str:
    """GitHub Actions workflow commands: one `::warning` annotation per finding."""
    lines = []
    for f in result.findings:
        message = f.message + "".join(f"\n{l}" for l in _chain_lines(f))
        end = f",endLine={f.end_line},endColumn={f.end_column}" if f.end_line else ""
        lines.append(f"::warning file={_escape_property(f.repo_path or f.path)},line={f.line},col={f.column}{end},"
                     f"title={_escape_property(f.code)}::{_escape_data(message)}")
    return "\n".join(lines) + ("\n" if lines else "")


def statistics(result: CheckResult) -> str:
    """`check --statistics`: one line per rule, most findings first, as ruff prints them: the count,
    the code, `[*]` when every one of them is fixable (some: `[-]`), the name."""
    by_code = check_by_code()
    counts: dict[str, list[bool]] = {}
    for f in result.findings:
        counts.setdefault(f.code, []).append(f.fixable)
    width = len(str(max((len(v) for v in counts.values()), default=0)))
    lines = []
    for code, fixable in sorted(counts.items(), key=lambda item: (-len(item[1]), item[0])):
        mark = "[*]" if all(fixable) else "[-]" if any(fixable) else "   "
        lines.append(f"{len(fixable):>{width}}\t{code}\t{mark} {by_code[code].name if code in by_code else ''}".rstrip())
    return "".join(line + "\n" for line in lines)


def rdjson(result: CheckResult) -> str:
    from awaitify.rdjson import from_check

    return from_check(result)


def render(result: CheckResult, fmt: str, fixes: dict | None = None) -> str:
    if fmt == "sarif":
        return sarif(result, fixes)
    return {"text": text, "json": as_json, "markdown": markdown, "github": github, "rdjson": rdjson}[fmt](result)
