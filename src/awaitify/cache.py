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


_FILE = f"cache-{__version__}-{_code_stamp()}.pickle"


def content_key(path: str, data: bytes) -> str:
    return hashlib.blake2b(path.encode("utf-8", "surrogateescape") + b"\0" + data, digest_size=20).hexdigest()


@dataclass
class Cache:
    folder: Path | None  # None: caching is off
    summaries: dict[str, ModuleSummary | None] = field(default_factory=dict)
    outcomes: dict[str, Any] = field(default_factory=dict)
    plan: tuple[str, Any] | None = None  # (key of the whole tree and settings, the Plan)
    dirty: bool = False
    hits: int = 0

    @classmethod
    def disabled(cls) -> "Cache":
        return cls(folder=None)

    @classmethod
    def load(cls, root: Path) -> "Cache":
        folder = root / CACHE_DIR
        cache = cls(folder=folder)
        try:
            with (folder / _FILE).open("rb") as fh:
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
                "summaries": {k: v for k, v in self.summaries.items() if k in live_keys},
                "outcomes": {k: v for k, v in self.outcomes.items() if k.split(":", 1)[0] in live_keys},
                "plan": self.plan,
            }
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".cache-", suffix=".tmp")
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(data, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self.folder / _FILE)
            for stale in self.folder.glob("cache-*.pickle"):  # left by other versions of the tool
                if stale.name != _FILE:
                    stale.unlink(missing_ok=True)
        except OSError:
            pass  # a read-only tree still gets its fixes; it just is not cached
