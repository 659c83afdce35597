"""Sub-projects of a monorepo with their own `[tool.awaitify]`: the nearest configuration wins for the
files below it, as in ruff (no merging: a sub-project's table replaces the root's for its files).

What a sub-project's table decides for its own files: `select`, `ignore`, `per-file-ignores` (globs
relative to its folder), `exclude` and `extend-exclude`. Every other key shapes the one project-wide
plan (a closure crosses packages: one `propagate` policy, one HTTP client, one target for all of
it), so a sub-project whose table sets one to a value other than the root's (even the default
value), or sets `propagate`/`target` explicitly where the root does not, is refused with an error
naming the file and the key. Teams opt in one package at a time: the root ignores every rule
(`ignore = ["AW"]`) and each package that is ready says `ignore = []` in its own pyproject.toml. A
fix elsewhere never edits a file whose settings ignore propagation: that closure is offloaded instead.
"""

from __future__ import annotations

import os
from pathlib import Path

from awaitify.config import _KEYS, Config, ConfigError, _load_toml, discover as nearest_table, parse_table

PER_FILE_KEYS = frozenset({"select", "ignore", "per_file_ignores", "exclude", "extend_exclude"})
_SKIP = frozenset({".git", ".hg", ".svn", ".tox", ".nox", ".venv", "venv", "node_modules", "__pycache__", "build",
                   "dist", ".awaitify_cache", ".mypy_cache", ".pytest_cache", ".ruff_cache", "site-packages"})


def _tables_below(top: Path) -> list[Path]:
    """Every pyproject.toml strictly below `top` (not in version-control, virtualenv or build folders)."""
    found: list[Path] = []
    for folder, dirs, files in os.walk(top):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP and not os.path.isfile(os.path.join(folder, d, "pyvenv.cfg")))
        if "pyproject.toml" in files and Path(folder) != top:
            found.append(Path(folder) / "pyproject.toml")
    return found


def _project_wide_clash(root: Config, sub: Config, table: dict) -> str | None:
    """The first project-wide key the sub-project's table sets (present in it, whatever the value:
    `propagate = "auto"` under a root with `propagate = "offload"` is a clash too, though "auto" is
    the default) to something else than the root, or sets explicitly where the root does not (a
    `*_set` flag: an explicit `propagate = "auto"` changes what a library's public API may become)."""
    for key in table:
        attr = _KEYS[key][0]
        if attr in PER_FILE_KEYS:
            continue
        flag = f"{attr}_set"
        if getattr(sub, attr) != getattr(root, attr) or (hasattr(root, flag) and not getattr(root, flag)):
            return key
    return None


def discover(start: Path) -> Config:
    """The settings a run from `start` uses: the nearest `[tool.awaitify]` above it, with the
    sub-projects' own tables below it."""
    return with_subprojects(nearest_table(start), start)


def with_subprojects(config: Config, start: Path) -> Config:
    """`config` with the `[tool.awaitify]` tables of the sub-projects below `start` (a folder),
    deepest first. A sub-project setting a project-wide key otherwise than the root is an error."""
    try:
        top = start.resolve()
    except (OSError, RuntimeError):
        return config
    if not top.is_dir():
        return config
    subs = []
    for candidate in _tables_below(top):
        table = _load_toml(candidate).get("tool", {}).get("awaitify")
        if table is None:
            continue
        sub = parse_table(table, candidate)
        clash = _project_wide_clash(config, sub, table)
        if clash:
            raise ConfigError(f"{candidate}: `{clash}` applies to the whole run (one plan: closures cross packages); "
                              "set it in the root configuration, a sub-project may set only select, ignore, "
                              "per-file-ignores, exclude and extend-exclude")
        subs.append(sub)
    if not subs:
        return config
    subs.sort(key=lambda c: (-len(c.root.parts), str(c.root)))
    return Config(**{**vars(config), "subconfigs": tuple(subs)})
