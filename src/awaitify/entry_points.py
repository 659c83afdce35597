"""The functions an installed command (or a plugin host) calls synchronously, from the project's packaging
metadata: `[project.scripts]`, `[project.gui-scripts]` and `[project.entry-points.<group>]` in
pyproject.toml, `[options.entry_points]` in setup.cfg, and the `"name = module:function"` strings of
`entry_points=` in setup.py. Such a function must keep its sync signature: the planner never makes it
async (its calls into a closure made async go through `asyncio.run(...)`, as a sync test's do, or it is
a boundary when async code reaches it too).

Each entry is `(dotted module, qualified name, where)`: `pkg.cli:main` -> ("pkg.cli", "main", ...),
`pkg.cli:App.run` -> ("pkg.cli", "App.run", ...). A file that cannot be read is one line on stderr
naming it; the run goes on without its entries.
"""

from __future__ import annotations

import configparser
import re
import sys
from pathlib import Path

from awaitify.toml_files import read_toml

EntryPoint = tuple[str, str, str]  # module, qualified name, where it is declared
_SPEC = re.compile(r"^\s*([\w.]+)\s*:\s*([\w.]+)\s*(\[[^\]]*\])?\s*$")
_SETUP_PY_ENTRY = re.compile(r"""["']\s*[\w.-]+\s*=\s*([\w.]+\s*:\s*[\w.]+)\s*(?:\[[^\]]*\])?\s*["']""")


def entry_points(root: Path) -> list[EntryPoint]:
    found: list[EntryPoint] = []
    found += _from_pyproject(root / "pyproject.toml")
    found += _from_setup_cfg(root / "setup.cfg")
    found += _from_setup_py(root / "setup.py")
    return found


METADATA_FILES = ("pyproject.toml", "setup.cfg", "setup.py")


def metadata_text(root: Path) -> str:
    """What the plan reads from the packaging metadata, for its cache key (the files are no sources)."""
    out = []
    for name in METADATA_FILES:
        try:
            out.append((root / name).read_text(encoding="utf-8", errors="replace"))
        except OSError:
            out.append("")
    return "\0".join(out)


def has_project_metadata(root: Path) -> bool:
    """pyproject.toml holds a [project] table: the project publishes a package (a library, for the planner)."""
    return isinstance(read_toml(root / "pyproject.toml")[0].get("project"), dict)


def _parse(spec: str, where: str) -> EntryPoint | None:
    match = _SPEC.match(spec)
    return (match.group(1), match.group(2), where) if match else None


def _warn(path: Path, problem: object) -> None:
    print(f"awaitify: {path}: cannot read its entry points ({problem}); they are not kept sync", file=sys.stderr)


def _from_pyproject(path: Path) -> list[EntryPoint]:
    data, problem = read_toml(path)
    if problem is not None:
        _warn(path, problem)
        return []
    project = data.get("project", {})
    if not isinstance(project, dict):
        return []
    tables = {f"[project.{key}]": project.get(key) for key in ("scripts", "gui-scripts")}
    groups = project.get("entry-points")
    if isinstance(groups, dict):
        tables.update({f"[project.entry-points.{group}]": table for group, table in groups.items()})
    found = []
    for table_name, table in tables.items():
        if isinstance(table, dict):
            for name, spec in table.items():
                entry = _parse(spec, f"pyproject.toml {table_name} {name}") if isinstance(spec, str) else None
                if entry:
                    found.append(entry)
    return found


def _from_setup_cfg(path: Path) -> list[EntryPoint]:
    if not path.is_file():
        return []
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, configparser.Error) as error:
        _warn(path, error)
        return []
    if not parser.has_section("options.entry_points"):
        return []
    found = []
    for group, value in parser.items("options.entry_points"):
        for line in value.splitlines():
            name, _, spec = line.partition("=")
            entry = _parse(spec, f"setup.cfg [options.entry_points] {group} {name.strip()}") if spec else None
            if entry:
                found.append(entry)
    return found


def _from_setup_py(path: Path) -> list[EntryPoint]:
    """setup.py is code: its `"name = module:function"` strings are read, never run."""
    if not path.is_file():
        return []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        _warn(path, error)
        return []
    if "entry_points" not in text:
        return []
    return [entry for spec in _SETUP_PY_ENTRY.findall(text) if (entry := _parse(spec, "setup.py entry_points"))]
