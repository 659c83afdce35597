"""`.awaitify_cache/`: per-file summaries and per-file transform outcomes, keyed by content hash.

Like ruff's cache: it lives beside the project's configuration (or in the current directory), carries
its own `.gitignore`, and is keyed by the tool version, so an upgrade never reads stale entries. A
transform outcome is also keyed by the settings, the rules and the file's part of the plan: any of
them changing means a miss. A broken or unreadable cache is a miss, never an error.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from awaitify import __version__
from awaitify.summary import ModuleSummary

CACHE_DIR = ".awaitify_cache"


def _code_stamp() -> str:
    """The tool's own code (engine and codemods) by file size and mtime: an edited or reinstalled
    codemod must not be served outcomes its previous version computed, even at the same version."""
    import awaitify.codemods as codemods

    stamp = hashlib.blake2b(digest_size=6)
    for folder in (Path(__file__).parent, Path(codemods.__file__).parent):
        for path in sorted(folder.glob("*.py")):
            st = path.stat()
            stamp.update(f"{path.name}:{st.st_size}:{st.st_mtime_ns};".encode())
    return stamp.hexdigest()


_STAMP = f"{__version__}-{_code_stamp()}"


def _file(kind: str) -> str:
    """One file per command: `check` keeps scans, `fix` summaries and transforms; neither loads
    (unpickling costs ~1 s per 15 MB) what only the other reads."""
    return f"cache-{kind}-{_STAMP}.pickle"


def content_key(path: str, data: bytes) -> str:
    return hashlib.blake2b(path.encode("utf-8", "surrogateescape") + b"\0" + data, digest_size=20).hexdigest()


@dataclass
class Cache:
    folder: Path | None  # None: caching is off
    kind: str = "fix"
    summaries: dict[str, ModuleSummary | None] = field(default_factory=dict)
    outcomes: dict[str, Any] = field(default_factory=dict)
    plan: tuple[str, Any] | None = None  # (key of the whole tree and settings, the Plan)
    dirty: bool = False
    hits: int = 0

    @classmethod
    def disabled(cls) -> "Cache":
        return cls(folder=None)

    @classmethod
    def load(cls, root: Path, kind: str) -> "Cache":
        folder = root / CACHE_DIR
        cache = cls(folder=folder, kind=kind)
        try:
            with (folder / _file(kind)).open("rb") as fh:
                data = pickle.load(fh)
            cache.summaries, cache.outcomes, cache.plan = data["summaries"], data["outcomes"], data["plan"]
        except Exception:  # missing, truncated or from another version: start empty
            pass
        return cache

    def summary(self, key: str) -> tuple[bool, ModuleSummary | None]:
        if key in self.summaries:
            self.hits += 1
            return True, self.summaries[key]
        return False, None

    def outlines(self, keys: dict[str, str]) -> dict[str, ModuleSummary | None]:
        """The cached outlines of these files (path -> content key)."""
        found = {path: self.summaries[f"{key}:outline"] for path, key in keys.items() if f"{key}:outline" in self.summaries}
        self.hits += len(found)
        return found

    def put_outlines(self, outlines: dict[str, ModuleSummary | None], keys: dict[str, str]) -> None:
        for path, outline in outlines.items():
            self.put_summary(f"{keys[path]}:outline", outline)

    def put_summary(self, key: str, summary: ModuleSummary | None) -> None:
        if self.folder is not None and self.summaries.get(key, ...) is not summary:
            self.summaries[key] = summary
            self.dirty = True

    def outcome(self, key: str) -> Any:
        found = self.outcomes.get(key)
        if found is not None:
            self.hits += 1
        return found

    def put_outcome(self, key: str, outcome: Any) -> None:
        if self.folder is not None:
            self.outcomes[key] = outcome
            self.dirty = True

    def cached_plan(self, key: str) -> Any:
        if self.plan is not None and self.plan[0] == key:
            self.hits += 1
            return self.plan[1]
        return None

    def put_plan(self, key: str, plan: Any) -> None:
        if self.folder is not None:
            self.plan = (key, plan)
            self.dirty = True

    def save(self, live_keys: set[str]) -> None:
        """Write atomically, keeping only entries for files seen in this run (no unbounded growth)."""
        if self.folder is None or not self.dirty:
            return
        try:
            self.folder.mkdir(exist_ok=True)
            ignore = self.folder / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# Created by awaitify automatically.\n*\n", encoding="utf-8")
            data = {
                "summaries": {k: v for k, v in self.summaries.items() if k.split(":", 1)[0] in live_keys},
                "outcomes": {k: v for k, v in self.outcomes.items() if k.split(":", 1)[0] in live_keys},
                "plan": self.plan,
            }
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".cache-", suffix=".tmp")
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(data, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self.folder / _file(self.kind))
            for stale in self.folder.glob("cache-*.pickle"):  # left by other versions of the tool
                if stale.name not in (_file("fix"), _file("check")):
                    stale.unlink(missing_ok=True)
        except OSError:
            pass  # a read-only tree still gets its fixes; it just is not cached


def stat_key(kind: str, files: list[Path], settings: str) -> str | None:
    """A key from file names, sizes and modification times only (no reading): what a warm run over
    an unchanged tree needs to recognise it. None when a file cannot be stat'ed."""
    digest = hashlib.blake2b(digest_size=20)
    digest.update(f"{kind}\0{settings}\0".encode("utf-8", "surrogateescape"))
    try:
        for path in files:
            st = path.stat()
            digest.update(f"{path}\0{st.st_size}\0{st.st_mtime_ns}\n".encode("utf-8", "surrogateescape"))
    except OSError:
        return None
    return digest.hexdigest()


def load_last(root: Path, kind: str, key: str | None) -> Any:
    """The last whole-run result of `kind` ("check", "fix") when it was stored under `key`; kept in
    a small file of its own so a warm run does not unpickle every file's entry."""
    if key is None:
        return None
    try:
        with (root / CACHE_DIR / f"last-{kind}-{_STAMP}.pickle").open("rb") as fh:
            stored_key, value = pickle.load(fh)
    except Exception:
        return None
    return value if stored_key == key else None


def save_last(root: Path, kind: str, key: str | None, value: Any) -> None:
    if key is None:
        return
    folder = root / CACHE_DIR
    try:
        folder.mkdir(exist_ok=True)
        ignore = folder / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# Created by awaitify automatically.\n*\n", encoding="utf-8")
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".last-", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump((key, value), fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, folder / f"last-{kind}-{_STAMP}.pickle")
        for stale in folder.glob(f"last-{kind}-*.pickle"):
            if stale.name != f"last-{kind}-{_STAMP}.pickle":
                stale.unlink(missing_ok=True)
    except OSError:
        pass
