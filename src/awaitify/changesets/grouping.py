"""Atoms gathered into changesets: by closure, package, owners or file, under optional size caps.

An atom is never divided. Atoms share no file and every edit that needs another is inside its atom
(awaitify.changesets.atoms), so changesets depend on none other: any subset, in any order, applies
to the original tree and keeps behaviour. A changeset's id hashes how it was split, its key and its
files (relative to the repository root): the same changeset on a tree where others were merged, or
split from another folder, keeps its id.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from awaitify.changesets.atoms import Atom
from awaitify.diff import unified_diff
from awaitify.runner import FileResult

SPLITS = ("closure", "package", "codeowners", "file")
PROJECT_FILES = ("pyproject.toml", "setup.py", "setup.cfg")


@dataclass
class Group:
    key: str  # what its atoms share: a package, owners, a closure, a kind of edit
    atoms: list[Atom]
    part: tuple[int, int] = (1, 1)  # (this part, parts of the key) when caps divided the key
    over_cap: str | None = None  # why it is bigger than the caps allow
    number: int = 0
    id: str = ""
    owners: tuple[str, ...] = ()
    packages: tuple[str, ...] = ()

    @property
    def files(self) -> list[FileResult]:
        return sorted((f for a in self.atoms for f in a.files), key=lambda f: f.display)

    @property
    def paths(self) -> list[str]:
        return [f.display for f in self.files]

    @property
    def title(self) -> str:
        part = f" (part {self.part[0]} of {self.part[1]})" if self.part[1] > 1 else ""
        return f"{self.key}{part}"

    @property
    def slug(self) -> str:
        text = re.sub(r"[^a-z0-9]+", "-", self.title.lower()).strip("-")[:48].rstrip("-")
        return text or "changeset"

    @property
    def name(self) -> str:
        return f"{self.number:03d}-{self.slug}"

    def patch(self) -> bytes:
        return b"".join(unified_diff(f.old, f.new, f.display) for f in self.files)


@dataclass
class Splitter:
    by: str
    repo_root: Path
    owners_of: Callable[[str], tuple[str, ...]]  # repository-relative path -> owners
    max_files: int | None = None
    max_lines: int | None = None
    _packages: dict[Path, str] = field(default_factory=dict)

    def relative(self, result: FileResult) -> str:
        try:
            return result.path.resolve().relative_to(self.repo_root).as_posix()
        except ValueError:
            return result.path.as_posix()

    def package(self, result: FileResult) -> str:
        """The nearest folder below the repository root holding a pyproject.toml, setup.py or
        setup.cfg (a sub-project); else the top folder; `(root)` for a file at the top."""
        path = result.path.resolve()
        for folder in path.parents:
            if folder == self.repo_root or not folder.is_relative_to(self.repo_root):
                break
            if folder not in self._packages:
                self._packages[folder] = folder.relative_to(self.repo_root).as_posix() \
                    if any((folder / name).is_file() for name in PROJECT_FILES) else ""
            if self._packages[folder]:
                return self._packages[folder]
        parts = self.relative(result).split("/")
        return parts[0] if len(parts) > 1 else "(root)"

    def owners(self, atom: Atom) -> tuple[str, ...]:
        return tuple(sorted({o for f in atom.files for o in self.owners_of(self.relative(f))}))

    def key(self, atom: Atom) -> str:
        if self.by == "package":
            return " + ".join(sorted({self.package(f) for f in atom.files}))
        if self.by == "codeowners":
            return " ".join(self.owners(atom)) or "no owner"
        label = f"make {atom.closures[0]} async" if atom.closures else atom.paths[0]
        if self.by == "closure" and not atom.closures and len(atom.files) == 1:
            # edits that stand alone in their file: one changeset per kind of edit
            return "rules " + " ".join(sorted({c.code for c in atom.files[0].changes}))
        return label if len(atom.files) == 1 or atom.closures else f"{label} and {len(atom.files) - 1} tied files"

    def split(self, atoms: list[Atom]) -> list[Group]:
        by_key: dict[str, list[Atom]] = {}
        for atom in atoms:
            by_key.setdefault(self.key(atom), []).append(atom)
        groups: list[Group] = []
        for key in sorted(by_key):
            chunks = self._capped(sorted(by_key[key], key=lambda a: a.paths[0]))
            for number, (chunk, over) in enumerate(chunks, 1):
                groups.append(Group(key, chunk, (number, len(chunks)), over))
        for number, group in enumerate(groups, 1):
            group.number = number
            group.owners = tuple(sorted({o for a in group.atoms for o in self.owners(a)}))
            group.packages = tuple(sorted({self.package(f) for f in group.files}))
            # repository-relative paths: the same changeset has the same id from whichever folder `fix` ran
            digest = hashlib.sha256("\n".join([self.by, group.key, *(self.relative(f) for f in group.files)])
                                    .encode("utf-8", "surrogateescape"))
            group.id = digest.hexdigest()[:12]
        return groups

    def _capped(self, atoms: list[Atom]) -> list[tuple[list[Atom], str | None]]:
        """Atoms in order, a new chunk whenever the next would pass a cap; an atom alone over a cap
        is a chunk of its own, with the reason."""
        chunks: list[tuple[list[Atom], str | None]] = []
        current: list[Atom] = []
        for atom in atoms:
            over = self._over(atom_files(atom), atom_lines(atom))
            if over:
                if current:
                    chunks.append((current, None))
                    current = []
                chunks.append(([atom], f"one closure of tied edits needs {over}: it is never divided"))
                continue
            if current and self._over(sum(map(atom_files, current)) + atom_files(atom),
                                      sum(map(atom_lines, current)) + atom_lines(atom)):
                chunks.append((current, None))
                current = []
            current.append(atom)
        if current:
            chunks.append((current, None))
        return chunks

    def _over(self, files: int, lines: int) -> str | None:
        if self.max_files is not None and files > self.max_files:
            return f"{files} files (cap {self.max_files})"
        if self.max_lines is not None and lines > self.max_lines:
            return f"{lines} changed lines (cap {self.max_lines})"
        return None


def atom_files(atom: Atom) -> int:
    return len(atom.files)


def changed_lines(result: FileResult) -> int:
    diff = unified_diff(result.old, result.new, result.display)
    return sum(1 for line in diff.split(b"\n")[2:] if line[:1] in (b"+", b"-") and not line.startswith(b"@@"))


def atom_lines(atom: Atom) -> int:
    return sum(changed_lines(f) for f in atom.files)
