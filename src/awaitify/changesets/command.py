"""`fix --split-by ... --out DIR [--commit]`: the split, written, and optionally committed."""

from __future__ import annotations

from pathlib import Path

from awaitify.changesets.commits import open_changesets, refuse_dirty
from awaitify.changesets.describe import describe
from awaitify.changesets.grouping import SPLITS
from awaitify.changesets.output import group_dependencies, split, write
from awaitify.config import Config
from awaitify.errors import UsageError
from awaitify.runner import RunResult


def check_options(split_by: str | None, out: Path | None, commit: bool, max_files: int | None, max_lines: int | None,
                  incompatible: dict[str, bool]) -> None:
    if split_by is None:
        for flag, given in {"--out": out is not None, "--commit": commit, "--max-files": max_files is not None,
                            "--max-lines": max_lines is not None}.items():
            if given:
                raise UsageError(f"{flag} needs --split-by")
        return
    if split_by not in SPLITS:
        raise UsageError(f"--split-by must be one of {', '.join(SPLITS)}; got {split_by!r}")
    if out is None:
        raise UsageError("--split-by needs --out DIR (where the changesets are written)")
    for flag, given in incompatible.items():
        if given:
            raise UsageError(f"--split-by cannot be combined with {flag}")


def run_split(result: RunResult, config: Config, split_by: str, out: Path, max_files: int | None,
              max_lines: int | None, commit: bool, say) -> int:
    """Writes the changesets and returns how many there are; `say` prints one line to stderr."""
    cwd = Path.cwd()
    if commit:
        refuse_dirty(cwd)  # before anything is written: the plan must be made from HEAD's bytes
    plan = split(result, config, split_by, max_files, max_lines, cwd)
    write(plan, result, config, out, cwd)
    say(f"awaitify: {len(plan.groups)} changeset{'s' if len(plan.groups) != 1 else ''} written to {out} "
        f"(plan.json; split by {split_by})")
    for group in plan.groups:
        note = f" [{group.over_cap}]" if group.over_cap else ""
        say(f"  {group.name}: {len(group.files)} file{'s' if len(group.files) != 1 else ''} ({group.id}){note}")
    for refused in plan.refused:
        say(f"awaitify: not in any changeset: {', '.join(refused.paths)}: {refused.reason}")
    if commit:
        total = len(plan.groups)
        messages = {g.id: describe(g, result, total, group_dependencies(g, result, config)) for g in plan.groups}
        opened = open_changesets(plan.groups, messages, cwd)
        for group, branch in opened.created:
            say(f"awaitify: branch {branch}: {group.title}")
        for group, branch in opened.existing:
            say(f"awaitify: branch {branch} exists already: left as it is")
        for group, why in opened.failed:
            say(f"awaitify: error: {group.name}: no branch: {why}")
        if opened.failed:
            return -1
    return len(plan.groups)
