"""Which releases of a package a project allows: its lock file, requirements files and pyproject,
read as packaging (PEP 440 / PEP 508) and TOML read them, never by pattern over the text.

The lifespan rule asks whether the project may run a FastAPI that has `lifespan=` (0.93) or merges a
router's own lifespan (0.112.2): an unpinned or lower-bounded FastAPI (`fastapi>=0.70`) may; a
project whose every allowed release is older may not. The Stripe rule asks which of the stripe
majors it ships tables for the project allows.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from awaitify.toml_files import read_toml

_LOCKS = ("poetry.lock", "uv.lock", "pdm.lock")

# The newest release a set of specifiers allows: (version, inclusive), or None when unbounded.
Ceiling = tuple[Version, bool]


def allows(root: Path, release: str, package: str = "fastapi") -> bool:
    """True unless the project pins `package` so that `release` and everything newer is excluded."""
    ceiling = project_ceiling(root.resolve(), package)
    if ceiling is None:
        return True
    newest, inclusive = ceiling
    wanted = Version(release)
    return newest > wanted or (newest == wanted and inclusive)


@cache
def project_ceiling(root: Path, package: str = "fastapi") -> Ceiling | None:
    """The lowest ceiling among the pins found: a lock file's exact version wins over the ranges."""
    locked, declared = pins(root, package)
    if locked:
        return min(locked), True
    ceilings = [c for spec in declared if (c := ceiling_of(spec)) is not None]
    return min(ceilings) if ceilings else None


@cache
def pins(root: Path, package: str) -> tuple[tuple[Version, ...], tuple[SpecifierSet, ...]]:
    """The versions of `package` the project's lock files hold, and the specifier sets its
    requirements files and pyproject declare."""
    return (tuple(v for name in _LOCKS for v in _locked_versions(root / name, package)),
            tuple(_declared_specifiers(root, package)))


def ceiling_of(spec: SpecifierSet) -> Ceiling | None:
    best: Ceiling | None = None
    for item in spec:
        bound = _upper_bound(item.operator, item.version)
        if bound is not None and (best is None or bound < best):
            best = bound
    return best


def _upper_bound(operator: str, version: str) -> Ceiling | None:
    try:
        if operator in ("==", "===") and version.endswith(".*"):
            parts = Version(version[:-2]).release
            return Version(".".join(map(str, (*parts[:-1], parts[-1] + 1)))), False
        if operator in ("==", "===", "<="):
            return Version(version), True
        if operator == "<":
            return Version(version), False
        if operator == "~=":  # ~=1.4.5: >=1.4.5, ==1.4.*
            parts = Version(version).release
            return Version(".".join(map(str, (*parts[:-2], parts[-2] + 1)))), False
    except (InvalidVersion, IndexError):
        return None
    return None  # >, >=, != set no ceiling


def _locked_versions(path: Path, name: str) -> list[Version]:
    data = _toml(path)
    out = []
    for package in data.get("package", []) if isinstance(data.get("package"), list) else []:
        if isinstance(package, dict) and _normal(str(package.get("name", ""))) == _normal(name):
            try:
                out.append(Version(str(package.get("version"))))
            except InvalidVersion:
                continue
    return out


def _declared_specifiers(root: Path, package: str) -> list[SpecifierSet]:
    found: list[SpecifierSet] = []
    for path in sorted([*root.glob("requirements*.txt"), *root.glob("requirements/*.txt")]):
        found += [r.specifier for r in _requirements_file(path) if _normal(r.name) == _normal(package)]
    pyproject = _toml(root / "pyproject.toml")
    project = pyproject.get("project") if isinstance(pyproject.get("project"), dict) else {}
    lines = list(project.get("dependencies") or [])
    for group in (project.get("optional-dependencies") or {}).values():
        lines += list(group or [])
    found += [r.specifier for r in map(_requirement, lines) if r is not None and _normal(r.name) == _normal(package)]
    poetry = ((pyproject.get("tool") or {}).get("poetry") or {}) if isinstance(pyproject.get("tool"), dict) else {}
    for table in ("dependencies", "dev-dependencies"):
        value = (poetry.get(table) or {}).get(package) if isinstance(poetry.get(table), dict) else None
        if isinstance(value, dict):
            value = value.get("version")
        if isinstance(value, str) and (spec := _poetry_constraint(value)) is not None:
            found.append(spec)
    return found


_INCLUDES = ("-r", "--requirement", "-c", "--constraint")


def _requirements_file(path: Path, seen: frozenset[Path] = frozenset()) -> list[Requirement]:
    """The requirement lines of a pip requirements file and of the files it includes (`-r`/`-c`,
    relative to it, as pip reads them): comments, other options (`-e`, `--hash`) and continuation
    backslashes handled as pip does; a line packaging cannot read is not a pin."""
    try:
        path = path.resolve()
        text = path.read_text(encoding="utf-8", errors="replace") if path not in seen else ""
    except OSError:
        return []
    logical, pending = [], ""
    for line in text.splitlines():
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    logical.append(pending)
    out = []
    for line in logical:
        line = line.split(" #", 1)[0].strip()
        option, _, rest = line.replace("=", " ", 1).partition(" ") if line.startswith("--") else line.partition(" ")
        if option in _INCLUDES or line.startswith(("-r", "-c")) and len(line) > 2 and line[2] != " ":
            target = rest.strip() if option in _INCLUDES else line[2:].strip()
            if target and "://" not in target:
                out += _requirements_file(path.parent / target, seen | {path})
            continue
        if not line or line.startswith(("#", "-")):
            continue
        line = line.split(" --", 1)[0].strip()  # per-requirement options such as --hash
        if (req := _requirement(line)) is not None:
            out.append(req)
    return out


def _requirement(line: object) -> Requirement | None:
    try:
        return Requirement(str(line))
    except InvalidRequirement:
        return None


def _normal(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def _poetry_constraint(text: str) -> SpecifierSet | None:
    """Poetry's `^0.95.1`, `~0.95`, `0.95.*` and plain PEP 440 constraints, as a SpecifierSet."""
    out = []
    for part in (p.strip() for p in text.split(",")):
        if part.startswith("^") or (part.startswith("~") and not part.startswith("~=")):
            caret = part[0] == "^"
            try:
                release = list(Version(part[1:].strip()).release)
            except InvalidVersion:
                return None
            if caret:  # bump the first non-zero part (^0.95.1 -> <0.96, ^1.2 -> <2)
                at = next((i for i, n in enumerate(release) if n), len(release) - 1)
            else:  # ~1.2.3 -> <1.3, ~1 -> <2
                at = min(1, len(release) - 1)
            upper = [*release[:at], release[at] + 1]
            out += [f">={part[1:].strip()}", f"<{'.'.join(map(str, upper))}"]
        elif part in ("*", ""):
            continue
        else:
            out.append(part if part[0] in "<>=!~" else f"=={part}")
    try:
        return SpecifierSet(",".join(out))
    except InvalidSpecifier:
        return None


def _toml(path: Path) -> dict:
    return read_toml(path)[0]
