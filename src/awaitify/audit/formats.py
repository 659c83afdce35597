"""The three outputs of `awaitify check`: text for people at a terminal (ruff's shape), JSON for
bots, and a markdown audit report a team lead can paste into a ticket (the seeds' tables)."""

from __future__ import annotations

import json
from collections import defaultdict

from awaitify.audit.catalog import CHECKS
from awaitify.audit.engine import CheckResult, Finding

FORMATS = ("text", "json", "markdown")


def _chain_lines(finding: Finding) -> list[str]:
    lines = []
    for link in finding.chain:
        lines.append(f"    {'async ' if link.is_async else ''}{link.function} calls ({link.path}:{link.line})")
    if finding.chain:
        lines.append(f"    -> {finding.function} ({finding.path}:{finding.line})")
    return lines


def text(result: CheckResult) -> str:
    out = []
    for f in result.findings:
        out.append(f"{f.path}:{f.line}:{f.column} {f.code} {f.message}{' [*]' if f.fixable else ''}")
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
        for check in CHECKS:
            count = sum(1 for f in findings if f.code == check.code)
            if count:
                out.append(f"| {check.code} `{check.name}` | {count} |")
    order = list(dict.fromkeys(c.family for c in CHECKS))
    for family in sorted(families, key=order.index):
        out += ["", f"## {family}", "", "| File | Function | Line | Pattern | Rule | Reached from | Fix |", "|---|---|---|---|---|---|---|"]
        for f in families[family]:
            reached = " → ".join(link.function for link in f.chain) if f.chain else "async def (direct)" if f.function else "module level"
            out.append(f"| `{_cell(f.path)}` | `{_cell(f.function or '-')}` | {f.line} | `{_cell(f.pattern)}` | {f.code} | "
                       f"{_cell(reached)} | {'awaitify fix' if f.fixable else 'manual'} |")
    if result.errors:
        out += ["", "## Not audited", ""] + [f"- `{p}`: {m}" for p, m in result.errors]
    return "\n".join(out) + "\n"


def render(result: CheckResult, fmt: str) -> str:
    return {"text": text, "json": as_json, "markdown": markdown}[fmt](result)
