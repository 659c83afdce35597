"""PR scope: the Python files changed since a git revision, in the working tree."""

from __future__ import annotations

import subprocess
from pathlib import Path

from awaitify.errors import UsageError


def _git(args: list[str], cwd: Path) -> str:
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    except FileNotFoundError:
        raise UsageError("--changed-since needs git, which is not installed") from None
    if proc.returncode:
        first = (proc.stderr.strip().splitlines() or ["git failed"])[0]
        raise UsageError(f"--changed-since: {first}")
    return proc.stdout


def changed_since(ref: str, cwd: Path) -> frozenset[str]:
    """Absolute paths of .py files that differ from `ref` in the working tree (committed since,
    staged or not), and untracked ones: what a pull request or a local branch touches."""
    root = Path(_git(["rev-parse", "--show-toplevel"], cwd).strip())
    _git(["rev-parse", "--verify", f"{ref}^{{commit}}"], cwd)
    names = _git(["diff", "--name-only", "--diff-filter=ACMR", ref, "--"], cwd).splitlines()
    names += _git(["ls-files", "--others", "--exclude-standard"], cwd).splitlines()
    return frozenset(str((root / n).resolve()) for n in names if n.endswith((".py", ".pyi")))
