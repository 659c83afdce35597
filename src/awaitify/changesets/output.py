"""The split written out: `NNN-<slug>.patch` (git apply-able, paths as in the whole patch),
`NNN-<slug>.md` (the PR description) and `plan.json`.

plan.json is written last, so a directory with a plan.json holds a whole split; it holds no time,
no absolute path and nothing else that differs between two runs over the same tree and settings.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from awaitify.change_report import missing_dependencies
from awaitify.changesets.atoms import Refused, atoms
from awaitify.changesets.describe import chains, describe, safety
from awaitify.changesets.grouping import Group, Splitter, changed_lines
from awaitify.codeowners import load as load_codeowners
from awaitify.config import Config
from awaitify.discovery import _git_root
from awaitify.errors import UsageError
from awaitify.runner import RunResult
from awaitify.safe_write import write_output

PLAN_VERSION = 1
_OURS = re.compile(r"^\d{3}-[a-z0-9-]+\.(patch|md)$")


@dataclass
class Split:
    by: str
    groups: list[Group]
    refused: list[Refused]
    codeowners: str | None
    caps: dict[str, int | None]


def split(result: RunResult, config: Config, by: str, max_files: int | None = None, max_lines: int | None = None,
          cwd: Path | None = None) -> Split:
    cwd = (cwd or Path.cwd()).resolve()
    repo_root = _git_root(cwd) or cwd
    owners = load_codeowners(repo_root)
    found, refused = atoms(result)
    splitter = Splitter(by, repo_root, owners.owners, max_files, max_lines)
    return Split(by, splitter.split(found), refused, owners.source, {"max_files": max_files, "max_lines": max_lines})


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def group_dependencies(group: Group, result: RunResult, config: Config) -> list[str]:
    return missing_dependencies(RunResult(scanned=0, results=group.files, plan=result.plan), config)


def plan_document(plan: Split, result: RunResult, config: Config) -> dict:
    groups = []
    for group in plan.groups:
        patch = group.patch()
        groups.append({
            "id": group.id, "number": group.number, "name": group.name, "title": group.title, "key": group.key,
            "part": list(group.part), "patch": f"{group.name}.patch", "description": f"{group.name}.md",
            "files": [{"path": f.display, "sha256": _sha(f.old), "sha256_after": _sha(f.new), "lines": changed_lines(f)}
                      for f in group.files],
            "rules": sorted({c.code for f in group.files for c in f.changes}),
            "changes": sum(len(f.changes) for f in group.files),
            "lines": sum(changed_lines(f) for f in group.files),
            "owners": list(group.owners), "packages": list(group.packages),
            "closures": sorted({name for atom in group.atoms for name in atom.closures}),
            "together_because": list(dict.fromkeys(why for atom in group.atoms for why in atom.reasons)),
            "chains": chains(group, result),
            "depends_on": [],  # atoms share no file and hold every edit they need: see awaitify.changesets.grouping
            "over_cap": group.over_cap, "safety": safety(group),
            "dependencies": group_dependencies(group, result, config),
            "patch_sha256": _sha(patch),
        })
    return {
        "version": PLAN_VERSION, "split_by": plan.by, "caps": plan.caps, "codeowners": plan.codeowners,
        "order": "any: no changeset depends on another (each applies to the original tree and to the tree after any others)",
        "groups": groups,
        "refused": [{"paths": r.paths, "reason": r.reason} for r in plan.refused],
        "needs_review": [{"path": p, "line": line, "message": why} for p, line, _, why in result.plan.needs_review],
    }


def write(plan: Split, result: RunResult, config: Config, out: Path, cwd: Path | None = None) -> dict:
    """Write the changesets into `out` (made if missing; earlier changesets there are removed first)
    and return the plan document."""
    cwd = cwd or Path.cwd()
    document = plan_document(plan, result, config)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"--out {out}: cannot make the folder: {exc.strerror or exc}") from None
    wanted = {f"{g.name}.{ext}" for g in plan.groups for ext in ("patch", "md")}
    for entry in os.scandir(out):  # a previous split's changesets the new plan no longer has
        if _OURS.match(entry.name) and entry.name not in wanted and entry.is_file(follow_symlinks=False):
            os.unlink(entry.path)
    total = len(plan.groups)
    for group in plan.groups:
        write_output(out / f"{group.name}.patch", cwd, group.patch())
        write_output(out / f"{group.name}.md", cwd,
                     describe(group, result, total, group_dependencies(group, result, config)).encode())
    write_output(out / "plan.json", cwd, (json.dumps(document, indent=2, sort_keys=True) + "\n").encode())
    return document
