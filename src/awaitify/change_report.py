"""Machine- and reviewer-facing reports of a `fix` run: JSON for bots, markdown for a PR description.

Both say per file which rules changed it and why (every change carries its reason, propagation
chains included), what was refused or needs a person, and which dependencies the new code needs.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from awaitify.config import Config
from awaitify.diff import patch_base, patch_name, unified_diff
from awaitify.rules import every_rule
from awaitify.runner import RunResult

REPORT_FORMATS = ("text", "json", "markdown")


def missing_dependencies(result: RunResult, config: Config) -> list[str]:
    """Packages the rewritten code imports that the project's requirements do not list."""
    codes = {c.code for r in result.changed for c in r.changes}
    needed = []
    if "AW201" in codes:
        needed.append(config.http_client)
        if config.http_client == "httpx2":  # the shared TLS context imports certifi, which httpx2 does not bring
            needed.append("certifi")
    if config.target == "anyio" and codes:
        needed.append("anyio")
    declared = ""
    for name in ("pyproject.toml", "setup.cfg", "setup.py", "Pipfile", *(p.name for p in config.root.glob("requirements*.txt"))):
        path = config.root / name
        if path.is_file():
            declared += path.read_text(errors="replace").lower()
    return [pkg for pkg in needed if not re.search(rf"(^|[\s\"'\[,]){re.escape(pkg)}($|[\s\"'<>=~!;\[,\]])", declared, re.MULTILINE)]


def _diff_text(data: bytes) -> str:
    return data.decode("utf-8", "replace")


def as_json(result: RunResult, config: Config) -> str:
    files = []
    base = patch_base([(str(r.path), r.display) for r in result.changed])  # the diffs name files as the patch does
    for r in result.changed:
        files.append({
            "path": r.display,
            "rules": sorted({c.code for c in r.changes}),
            "changes": [{"line": c.line, "column": c.column, "code": c.code, "message": c.message, "safety": c.safety}
                        for c in r.changes],
            "diff": _diff_text(unified_diff(r.old, r.new, patch_name(str(r.path), r.display, base))),
        })
    report = {
        "files": files,
        "explanations": result.plan.explanations,
        "needs_review": [{"path": p, "line": line, "column": col, "message": why} for p, line, col, why in result.plan.needs_review],
        "unsafe_not_applied": [{"path": p, "line": line, "column": col, "message": why}
                               for p, line, col, why in result.plan.unsafe_not_applied],
        "diagnostics": [{"path": d.path, "line": d.line, "column": d.column, "code": d.code, "message": d.message}
                        for d in result.diagnostics],
        "skipped": [{"path": r.display, "reason": r.error} for r in result.skipped],
        "outside_scope": [r.display for r in result.outside_scope],
        "dependencies": missing_dependencies(result, config),
        "totals": {"files_scanned": result.scanned, "files_changed": len(files),
                   "changes": sum(len(f["changes"]) for f in files), "diagnostics": len(result.diagnostics),
                   "skipped": len(result.skipped)},
    }
    return json.dumps(report, indent=2) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(result: RunResult, config: Config) -> str:
    names = {r.code: r.name for r in every_rule()}
    changed = result.changed
    count = sum(len(r.changes) for r in changed)
    out = ["## awaitify: async migration", "",
           f"{count} change{'s' if count != 1 else ''} in {len(changed)} file{'s' if len(changed) != 1 else ''} "
           f"({result.scanned} scanned) take blocking calls off the event loop."]
    if changed:
        out += ["", "### What changed", "", "| File | Rules | Changes |", "|---|---|---|"]
        for r in changed:
            rules = ", ".join(f"{code} `{names.get(code, code)}`" for code in sorted({c.code for c in r.changes}))
            out.append(f"| `{_cell(r.display)}` | {rules} | {len(r.changes)} |")
        out += ["", "### Why", ""]
        for r in changed:
            out.append(f"- `{r.display}`")
            out += [f"  - line {c.line}: {_cell(c.message)}" for c in r.changes]
    if result.outside_scope:
        out += ["", "### Outside the changed files", "",
                "These files call functions the changed files made async, so they were changed too:", ""]
        out += [f"- `{r.display}`" for r in result.outside_scope]
    if result.plan.explanations:
        out += ["", "### Call chains made async or offloaded", ""] + [f"- {_cell(e)}" for e in result.plan.explanations]
    review = [f"`{p}:{line}` {why}" for p, line, _, why in result.plan.needs_review]
    review += [f"`{d.path}:{d.line}` {d.code} {d.message}" for d in result.diagnostics]
    review += [f"`{r.display}` skipped: {r.error}" for r in result.skipped]
    if review:
        out += ["", "### Needs review", ""] + [f"- {_cell(item)}" for item in review]
    deps = missing_dependencies(result, config)
    if deps:
        out += ["", "### Dependencies to add", ""] + [f"- `{d}`" for d in deps]
    return "\n".join(out) + "\n"


def render(result: RunResult, config: Config, fmt: str) -> str:
    return {"json": as_json, "markdown": markdown}[fmt](result, config)


__all__ = ["REPORT_FORMATS", "missing_dependencies", "render", "Path"]
