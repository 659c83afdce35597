"""Finding the Python files a run looks at.

Like ruff and black: directories are walked, version-control and virtualenv folders and whatever
`.gitignore` files exclude are skipped; a file named explicitly on the command line is always taken.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pathspec

from awaitify.config import Config
from awaitify.errors import UsageError

DEFAULT_EXCLUDES = frozenset(
    {
        ".awaitify_cache", ".bzr", ".direnv", ".eggs", ".git", ".git-rewrite", ".hg", ".ipynb_checkpoints",
        ".mypy_cache", ".nox", ".pants.d", ".pyenv", ".pytest_cache", ".pytype", ".ruff_cache", ".svn",
        ".tox", ".venv", ".vscode", "__pycache__", "__pypackages__", "_build", "buck-out", "build", "dist",
        "node_modules", "site-packages", "venv",
    }
)


@dataclass(frozen=True)
class Discovered:
    path: Path  # absolute
    display: str  # relative to the current directory where possible


def display_path(path: Path, cwd: Path) -> str:
    try:
        return path.relative_to(cwd).as_posix()
    except ValueError:
        return path.as_posix()


# pathspec turns each `*` into `[^/]*` in one regular expression: k of them in one path segment cost
# up to n**k steps on a name of length n (`a*a*a*a*a*a*a*a*a*a*b` took 7 s on a 43-character name,
# 14 of them minutes). A checkout's .gitignore is input like any other: past this many, it is refused.
MAX_WILDCARDS_PER_SEGMENT = 3
_WILDCARD_RUN = re.compile(r"\*+")


def _costly(pattern: str) -> bool:
    return any(len(_WILDCARD_RUN.findall(segment)) > MAX_WILDCARDS_PER_SEGMENT for segment in pattern.split("/"))


def _spec(patterns: tuple[str, ...] | list[str], source: str = "exclude") -> pathspec.PathSpec | None:
    for number, pattern in enumerate(patterns, 1):
        if _costly(pattern):
            raise UsageError(f"{source}: line {number}: pattern {pattern[:80]!r} has more than {MAX_WILDCARDS_PER_SEGMENT} "
                             "`*` in one path segment, which could take hours to match; simplify it")
    return pathspec.GitIgnoreSpec.from_lines(patterns) if patterns else None


class _Ignores:
    """The .gitignore files met on the way down, each matching paths relative to its own folder."""

    def __init__(self, config: Config) -> None:
        self.config_root = config.root.resolve()
        self.user = _spec([*config.exclude, *config.extend_exclude])
        self.gitignores: dict[Path, pathspec.PathSpec | None] = {}
        # sub-projects' own excludes, deepest first: the nearest configuration wins (awaitify.nearest_config)
        self.subs = [(sub.root.resolve(), _spec([*sub.exclude, *sub.extend_exclude], str(sub.source)))
                     for sub in config.subconfigs]

    def _governing(self, path: Path) -> tuple[Path, pathspec.PathSpec | None]:
        """The folder and exclude patterns of the configuration for what is below `path`'s folder."""
        for root, spec in self.subs:
            if path.parent.is_relative_to(root):
                return root, spec
        return self.config_root, self.user

    def _gitignore(self, folder: Path) -> pathspec.PathSpec | None:
        if folder not in self.gitignores:
            file = folder / ".gitignore"
            try:
                lines = file.read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                lines = []
            self.gitignores[folder] = _spec(lines, str(file))
        return self.gitignores[folder]

    def excluded(self, path: Path, is_dir: bool, chain: list[Path], user: bool = True) -> bool:
        suffix = "/" if is_dir else ""
        root, patterns = self._governing(path) if self.subs else (self.config_root, self.user)
        if patterns is not None and user:
            try:
                rel = path.relative_to(root).as_posix()
            except ValueError:
                rel = None
            if rel is not None and patterns.match_file(rel + suffix):
                return True
        for folder in chain:
            spec = self._gitignore(folder)
            if spec is not None and spec.match_file(path.relative_to(folder).as_posix() + suffix):
                return True
        return False


def _is_virtualenv(folder: Path) -> bool:
    try:
        return (folder / "pyvenv.cfg").is_file()
    except OSError:  # a folder that cannot be searched: `_walk` reports it
        return False


def _warn(path: Path, exc: OSError) -> None:
    print(f"awaitify: warning: {path}: cannot list this folder ({exc.strerror or exc}); skipped", file=sys.stderr)


def _walk(top: Path, ignores: _Ignores, chain: list[Path], out: list[Path], user: bool = True) -> None:
    chain = [*chain, top]
    try:
        entries = sorted(os.scandir(top), key=lambda e: e.name)
    except OSError as exc:
        _warn(top, exc)
        return
    for entry in entries:
        path = Path(entry.path)
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
        except OSError as exc:
            _warn(path, exc)
            continue
        if is_dir:
            if entry.name in DEFAULT_EXCLUDES or _is_virtualenv(path) or ignores.excluded(path, True, chain, user):
                continue
            _walk(path, ignores, chain, out, user)
        elif entry.name.endswith((".py", ".pyi")) and entry.is_file(follow_symlinks=False):
            if not ignores.excluded(path, False, chain, user):
                out.append(path)


def repo_relative(path: Path, cwd: Path | None = None) -> str:
    """The path as CI tools want it (SARIF, GitHub annotations): relative to the repository root,
    or to the current directory outside a repository; always with forward slashes."""
    path = path.resolve()
    base = _git_root(path.parent) or (cwd or Path.cwd()).resolve()
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return path.as_posix()


def _git_root(path: Path) -> Path | None:
    for folder in [path, *path.parents]:
        try:
            if (folder / ".git").exists():
                return folder
        except OSError:  # a folder that cannot be searched is not a repository root we can use
            continue
    return None


def discover(paths: list[Path], config: Config, cwd: Path | None = None) -> list[Discovered]:
    cwd = (cwd or Path.cwd()).resolve()
    ignores = _Ignores(config)
    found: dict[Path, None] = {}
    for given in paths:
        absolute = (cwd / given).absolute()
        try:
            absolute.resolve(strict=True)
        except (OSError, RuntimeError) as exc:  # missing, a symlink loop, no permission
            why = getattr(exc, "strerror", None) or ("symlink loop" if isinstance(exc, RuntimeError) else str(exc))
            raise UsageError(f"{given}: {'no such file or directory' if isinstance(exc, FileNotFoundError) else why}") from None
        if absolute.is_file():
            found[absolute] = None
            continue
        root = _git_root(absolute.resolve())
        # .gitignore files above the given folder still apply, up to the repository root
        chain = [] if root is None else [p for p in reversed(absolute.parents) if p.is_relative_to(root)]
        files: list[Path] = []
        # A folder named on the command line that `exclude` covers was asked for anyway (as in
        # ruff, explicit paths win); .gitignore still applies inside it.
        asked_for_excluded = ignores.excluded(absolute, True, [], user=True)
        _walk(absolute, ignores, chain, files, user=not asked_for_excluded)
        for file in files:
            found[file] = None
    return [Discovered(path=p, display=display_path(p, cwd)) for p in sorted(found, key=lambda p: display_path(p, cwd))]
