"""One branch and one commit per changeset, ready for `gh pr create`.

Each branch starts at HEAD and holds one changeset (they depend on none other). The commits are
made in a private index (`GIT_INDEX_FILE`): the working tree, the real index and the branch checked
out are never touched. A changeset whose branch exists already (found by its id in the branch name)
is left as it is, so a run after some changesets were merged opens only the ones that are new.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from awaitify.changesets.grouping import Group
from awaitify.errors import UsageError

BRANCH_PREFIX = "awaitify/"


@dataclass
class Opened:
    created: list[tuple[Group, str]] = field(default_factory=list)  # (changeset, branch)
    existing: list[tuple[Group, str]] = field(default_factory=list)
    failed: list[tuple[Group, str]] = field(default_factory=list)  # (changeset, why)


def branch_name(group: Group) -> str:
    return f"{BRANCH_PREFIX}{group.id}-{group.slug}"


def _git(args: list[str], cwd: Path, env: dict | None = None, data: bytes | None = None) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["git", *args], cwd=cwd, input=data, capture_output=True, env={**os.environ, **(env or {})})
    except FileNotFoundError:
        raise UsageError("--commit needs git, which is not installed") from None


def _out(proc: subprocess.CompletedProcess) -> str:
    return proc.stdout.decode("utf-8", "replace").strip()


def _err(proc: subprocess.CompletedProcess) -> str:
    return (proc.stderr.decode("utf-8", "replace").strip().splitlines() or ["git failed"])[-1]


def existing_branches(cwd: Path) -> dict[str, str]:
    """changeset id -> its branch, for the branches an earlier run made."""
    proc = _git(["for-each-ref", "--format=%(refname:short)", f"refs/heads/{BRANCH_PREFIX}"], cwd)
    found = {}
    for name in _out(proc).splitlines():
        found.setdefault(name[len(BRANCH_PREFIX):].partition("-")[0], name)
    return found


# What a run reads besides the Python files: the settings (pyproject.toml, awaitify.toml, setup.cfg...),
# the owners (--split-by codeowners) and what discovery skips.
_READ_SUFFIXES = (".py", ".pyi", ".toml", ".cfg", ".ini")
_READ_NAMES = ("CODEOWNERS", ".gitignore")


def dirty_inputs(cwd: Path) -> list[str]:
    """The files `git status` shows changed that the run may have read, so the plan (made from the working
    tree) may not match HEAD, where each branch starts: any change (modified, deleted, renamed, staged,
    untracked) to a Python file, a settings file or CODEOWNERS/.gitignore. A branch built from HEAD with
    a plan made from other bytes could call a function sync that the branch made async."""
    proc = _git(["status", "--porcelain", "-z", "--untracked-files=all"], cwd)
    if proc.returncode:
        raise UsageError(f"--commit: {_err(proc)}")
    entries = proc.stdout.decode("utf-8", "surrogateescape").split("\0")
    dirty, old_path_next = [], False
    for entry in entries:
        if not entry:
            continue
        # -z puts a rename's (or copy's) old path, with no status, in the entry after it
        status, paths = ("", [entry]) if old_path_next else (entry[:2], [entry[3:]])
        old_path_next = "R" in status or "C" in status
        if any(_read_by_a_run(path) for path in paths):
            dirty.append(entry if not status else entry[3:])
    return dirty


def _read_by_a_run(path: str) -> bool:
    return path.endswith(_READ_SUFFIXES) or path.rstrip("/").rpartition("/")[2] in _READ_NAMES


def refuse_dirty(cwd: Path) -> None:
    dirty = dirty_inputs(cwd)
    if dirty:
        more = f" and {len(dirty) - 3} more" if len(dirty) > 3 else ""
        raise UsageError(f"--commit: the working tree differs from HEAD in files the run reads "
                         f"({', '.join(dirty[:3])}{more}); each branch starts at HEAD, so commit or stash them first")


def open_changesets(groups: list[Group], messages: dict[str, str], cwd: Path) -> Opened:
    """`messages`: changeset id -> commit message (the description)."""
    top = _git(["rev-parse", "--show-toplevel"], cwd)
    if top.returncode:
        raise UsageError(f"--commit: {_err(top)}")
    root = Path(_out(top))
    base = _git(["rev-parse", "--verify", "HEAD^{commit}"], cwd)
    if base.returncode:
        raise UsageError("--commit: the repository has no commit to branch from")
    head = _out(base)
    prefix = _out(_git(["rev-parse", "--show-prefix"], cwd))  # the patch's paths are relative to cwd
    have = existing_branches(root)
    opened = Opened()
    for group in groups:
        if group.id in have:
            opened.existing.append((group, have[group.id]))
            continue
        why = _commit(group, messages[group.id], head, root, prefix)
        if why:
            opened.failed.append((group, why))
        else:
            opened.created.append((group, branch_name(group)))
    return opened


def _commit(group: Group, message: str, head: str, root: Path, prefix: str) -> str | None:
    with tempfile.TemporaryDirectory() as scratch:
        env = {"GIT_INDEX_FILE": str(Path(scratch) / "index")}
        steps = [(["read-tree", head], None),
                 (["apply", "--cached", *([f"--directory={prefix.rstrip('/')}"] if prefix else []), "-"], group.patch())]
        for args, data in steps:
            proc = _git(args, root, env, data)
            if proc.returncode:
                return f"its patch does not apply to HEAD ({_err(proc)}): commit or stash local edits to its files first"
        tree = _git(["write-tree"], root, env)
        commit = _git(["commit-tree", _out(tree), "-p", head, "-F", "-"], root, env, message.encode())
        if commit.returncode:
            return f"git commit-tree failed: {_err(commit)}"
        ref = _git(["update-ref", f"refs/heads/{branch_name(group)}", _out(commit), ""], root)
        if ref.returncode:
            return f"git update-ref failed: {_err(ref)}"
    return None
