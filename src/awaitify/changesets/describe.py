"""A changeset's pull-request description: what, why, rules, owners, call chains, fix safety."""

from __future__ import annotations

from awaitify.changesets.grouping import Group, changed_lines
from awaitify.rules import every_rule
from awaitify.runner import RunResult


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def chains(group: Group, result: RunResult) -> list[str]:
    """The plan's explanations (`--explain`) that mention a file of the changeset."""
    paths = group.paths
    return [e for e in result.plan.explanations if any(f"{p}:" in e for p in paths)]


def safety(group: Group) -> str:
    return "unsafe" if any(c.safety == "unsafe" for f in group.files for c in f.changes) else "safe"


def describe(group: Group, result: RunResult, total: int, dependencies: list[str]) -> str:
    names = {r.code: r.name for r in every_rule()}
    files = group.files
    count = sum(len(f.changes) for f in files)
    codes = sorted({c.code for f in files for c in f.changes})
    out = [f"awaitify {group.number:03d}/{total:03d}: {group.title}", "",
           f"{count} change{'s' if count != 1 else ''} in {len(files)} file{'s' if len(files) != 1 else ''} "
           "take blocking calls off the event loop. This changeset is safe to merge alone: it needs no other "
           "changeset of the plan, and none needs it (changeset id `" + group.id + "`).", ""]
    out += ["## Rules", ""] + [f"- {code} `{names.get(code, code)}`" for code in codes]
    out += ["", "## Owners", ""] + ([f"- {o}" for o in group.owners] or ["- no owner in CODEOWNERS"])
    out += ["", "## Files", "", "| File | Rules | Changes | Lines |", "|---|---|---|---|"]
    for f in files:
        rules = ", ".join(sorted({c.code for c in f.changes}))
        out.append(f"| `{_cell(f.display)}` | {rules} | {len(f.changes)} | {changed_lines(f)} |")
    reasons = [why for atom in group.atoms for why in atom.reasons]
    if reasons:
        out += ["", "## Why these files change together", ""] + [f"- {_cell(r)}" for r in dict.fromkeys(reasons)]
    if group.over_cap:
        out += ["", "## Size", "", f"Bigger than the caps: {group.over_cap}."]
    found = chains(group, result)
    if found:
        out += ["", "## Call chains made async or offloaded", ""] + [f"- {_cell(e)}" for e in found]
    out += ["", "## Why each change", ""]
    for f in files:
        out.append(f"- `{f.display}`")
        out += [f"  - line {c.line}: {c.code} {_cell(c.message)}" for c in f.changes]
    kind = safety(group)
    out += ["", "## Fix safety", "",
            f"{kind}: " + ("every change keeps behaviour by the tool's own analysis (docs/safety.md)." if kind == "safe" else
                           "some changes rest on what the tool cannot see (made with --unsafe-fixes: a library's public "
                           "signatures become async); review the callers outside the project.")]
    if dependencies:
        out += ["", "## Dependencies to add", ""] + [f"- `{d}`" for d in dependencies]
    return "\n".join(out) + "\n"
