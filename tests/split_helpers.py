"""Shared by the changeset-split tests (issue 26): run a split in-process, apply patches with git."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from awaitify.changesets.output import split, write
from awaitify.nearest_config import discover as discover_config
from awaitify.rules import select_rules
from awaitify.runner import RunOptions, run

GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


@contextlib.contextmanager
def inside(folder: Path):
    before = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


def git(cwd: Path, *args: str, data: bytes | None = None) -> str:
    proc = subprocess.run(["git", *args], cwd=cwd, input=data, capture_output=True, env={**os.environ, **GIT_ENV})
    assert proc.returncode == 0, (args, proc.stderr.decode())
    return proc.stdout.decode()


def init_repo(tree: Path) -> None:
    git(tree, "init", "-q", "-b", "main")
    git(tree, "add", "-A")
    git(tree, "commit", "-q", "-m", "original")


def fix_run(tree: Path, use_cache: bool = False):
    """(RunResult, Config) of `fix` with every rule and the tree's default settings."""
    with inside(tree):
        config = discover_config(Path("."))
        rules = select_rules(config.select, config.ignore)
        return run([Path(".")], config, rules, RunOptions(jobs=1, use_cache=use_cache)), config


def split_run(tree: Path, ran, by: str, out: Path | None = None, **caps):
    """(Split, plan document or None) of a `fix_run`."""
    result, config = ran
    with inside(tree):
        plan = split(result, config, by, caps.get("max_files"), caps.get("max_lines"))
        document = write(plan, result, config, out) if out is not None else None
    return plan, document


def split_tree(tree: Path, by: str, out: Path | None = None, use_cache: bool = False, **caps):
    """(Split, RunResult, plan document or None)."""
    ran = fix_run(tree, use_cache)
    plan, document = split_run(tree, ran, by, out, **caps)
    return plan, ran[0], document


def apply(tree: Path, patch: bytes) -> None:
    if patch:
        git(tree, "apply", "--whitespace=nowarn", "-", data=patch)


def python_files(tree: Path) -> dict[str, bytes]:
    return {p.relative_to(tree).as_posix(): p.read_bytes() for p in sorted(tree.rglob("*.py"))
            if not {".git", "__pycache__", ".awaitify_cache"} & set(p.relative_to(tree).parts)}


def compiles(tree: Path) -> None:
    for rel, data in python_files(tree).items():
        compile(data, rel, "exec", dont_inherit=True)  # `await` outside async code fails here too


def run_driver(driver: Path, tree: Path, *args: str) -> dict:
    proc = subprocess.run([sys.executable, "-W", "ignore", str(driver), str(tree), *args], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def copy_tree(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__", ".awaitify_cache"))
    return dst
