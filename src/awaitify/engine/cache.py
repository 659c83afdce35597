"""`.awaitify_cache/`: per-file summaries and per-file transform outcomes, keyed by content hash.

Like ruff's cache: it lives beside the project's configuration (or in the current directory), carries
its own `.gitignore`, and is keyed by the tool version, so an upgrade never reads stale entries. A
transform outcome is also keyed by the settings, the rules and the file's part of the plan: any of
them changing means a miss. A broken or unreadable cache is a miss, never an error.

The folder sits in a checkout that may come from a stranger, so nothing in it is trusted:
- every file carries an HMAC-SHA256 of its contents under a key kept outside the checkout, per user
  (awaitify.engine.cache_key); the tag is checked before a byte is deserialized, so a planted or edited
  file is a miss and the pickle reader never sees it;
- a file that verifies but does not hold what this version writes (the wrong shape) is a miss too;
- the folder, its files and its `.gitignore` are opened without following links (awaitify.safe_write):
  a `.awaitify_cache` that is a link is not used, so nothing is created or deleted outside the tree.
`AWAITIFY_CACHE_DIR` moves the cache out of the checkout altogether (one folder per project root).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from awaitify import __version__
from awaitify.engine.cache_key import user_key
from awaitify.safe_write import PathRefused, open_folder, read_in, write_in
from awaitify.summary import ModuleSummary

CACHE_DIR = ".awaitify_cache"
_MAGIC = b"awaitify-cache-hmac-sha256\n"
_IGNORE = b"# Created by awaitify automatically.\n*\n"


PACKAGE = Path(__file__).resolve().parent.parent  # awaitify itself, not only this engine package


def _code_stamp(package: Path = PACKAGE) -> str:
    """The tool's own code (engine, check and every rule) by file size and mtime: an edited or
    reinstalled rule must not be served outcomes its previous version computed, even at the same
    version."""
    stamp = hashlib.blake2b(digest_size=6)
    for path in sorted(package.rglob("*.py")):  # the rules' fixes live in sub-packages
        st = path.stat()
        stamp.update(f"{path.relative_to(package).as_posix()}:{st.st_size}:{st.st_mtime_ns};".encode())
    return stamp.hexdigest()


_STAMP = f"{__version__}-{_code_stamp()}"


def _file(kind: str) -> str:
    """One file per command: `check` keeps scans, `fix` summaries and transforms; neither loads
    (unpickling costs ~1 s per 15 MB) what only the other reads."""
    return f"cache-{kind}-{_STAMP}.pickle"


def _place(root: Path) -> tuple[Path, tuple[str, ...]]:
    """(a folder awaitify trusts, the parts below it opened without following links)."""
    outside = os.environ.get("AWAITIFY_CACHE_DIR")
    if outside:
        project = hashlib.blake2b(str(root.resolve()).encode("utf-8", "surrogateescape"), digest_size=10).hexdigest()
        base = Path(outside).expanduser()
        base.mkdir(mode=0o700, parents=True, exist_ok=True)
        return base, (project,)
    return root, (CACHE_DIR,)


def _open_cache_folder(root: Path, create: bool) -> int | None:
    try:
        top, parts = _place(root)
        return open_folder(top, parts, create=create)
    except (OSError, PathRefused):
        return None


def _seal(name: str, payload: bytes, key: bytes) -> bytes:
    return _MAGIC + hmac.new(key, name.encode() + b"\0" + payload, hashlib.sha256).digest() + payload


def _unseal(name: str, data: bytes | None, key: bytes) -> bytes | None:
    """The payload when the tag is this user's for this file name; None otherwise (never parsed)."""
    if data is None or not data.startswith(_MAGIC):
        return None
    tag, payload = data[len(_MAGIC):len(_MAGIC) + 32], data[len(_MAGIC) + 32:]
    expected = hmac.new(key, name.encode() + b"\0" + payload, hashlib.sha256).digest()
    return payload if hmac.compare_digest(tag, expected) else None


def _load(root: Path, name: str) -> Any:
    """What `_store` wrote under `name`, or None: missing, a link, not sealed with this user's key."""
    key = user_key()
    folder = _open_cache_folder(root, create=False) if key is not None else None
    if folder is None:
        return None
    try:
        payload = _unseal(name, read_in(folder, name), key)
        return None if payload is None else pickle.loads(payload)  # authenticated: written by us
    except Exception:  # unreadable, a link, truncated: a miss
        return None
    finally:
        os.close(folder)


def _store(root: Path, name: str, value: Any, stale_prefix: str, keep: tuple[str, ...]) -> None:
    key = user_key()
    if key is None:
        return  # no key (no home folder, a key file that is not ours): no cache at all
    folder = _open_cache_folder(root, create=True)
    if folder is None:
        return
    try:
        try:
            fd = os.open(".gitignore", os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644,
                         dir_fd=folder)
        except FileExistsError:  # ours, the user's, or a link: left as it is, never written through
            pass
        else:
            with os.fdopen(fd, "wb") as fh:
                fh.write(_IGNORE)
        payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        write_in(folder, name, _seal(name, payload, key), mode=0o600)
        for stale in os.listdir(folder):  # left by other versions of the tool
            if stale.startswith(stale_prefix) and stale.endswith(".pickle") and stale not in keep:
                os.unlink(stale, dir_fd=folder)  # removes a link itself, never what it points at
    except (OSError, PathRefused):
        pass  # a read-only tree still gets its fixes; it just is not cached
    finally:
        os.close(folder)


def content_key(path: str, data: bytes) -> str:
    return hashlib.blake2b(path.encode("utf-8", "surrogateescape") + b"\0" + data, digest_size=20).hexdigest()


@dataclass
class Cache:
    folder: Path | None  # None: caching is off
    root: Path | None = None  # the project root the folder belongs to (see `_place`)
    kind: str = "fix"
    summaries: dict[str, ModuleSummary | None] = field(default_factory=dict)
    outcomes: dict[str, Any] = field(default_factory=dict)
    plan: tuple[str, Any] | None = None  # (key of the whole tree and settings, the Plan)
    dirty: bool = False
    hits: int = 0
    # kept in this process only, across runs (the language server's warm index): never written
    in_memory: bool = False

    @classmethod
    def disabled(cls) -> "Cache":
        return cls(folder=None)

    @classmethod
    def memory(cls) -> "Cache":
        """A cache a long-running caller keeps between runs: the same entries, by the same keys,
        without the folder (nothing is read or written on disk)."""
        return cls(folder=None, in_memory=True)

    @property
    def keeps(self) -> bool:
        return self.folder is not None or self.in_memory

    @classmethod
    def load(cls, root: Path, kind: str) -> "Cache":
        cache = cls(folder=root / CACHE_DIR, kind=kind, root=root)
        data = _load(root, _file(kind))
        if _well_formed(data):
            cache.summaries, cache.outcomes, cache.plan = data["summaries"], data["outcomes"], data["plan"]
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
        if self.keeps and self.summaries.get(key, ...) is not summary:
            self.summaries[key] = summary
            self.dirty = True

    def outcome(self, key: str) -> Any:
        found = self.outcomes.get(key)
        if found is not None:
            self.hits += 1
        return found

    def put_outcome(self, key: str, outcome: Any) -> None:
        if self.keeps:
            self.outcomes[key] = outcome
            self.dirty = True

    def cached_plan(self, key: str) -> Any:
        if self.plan is not None and self.plan[0] == key:
            self.hits += 1
            return self.plan[1]
        return None

    def put_plan(self, key: str, plan: Any) -> None:
        if self.keeps:
            self.plan = (key, plan)
            self.dirty = True

    def save(self, live_keys: set[str]) -> None:
        """Write atomically, keeping only entries for files seen in this run (no unbounded growth);
        a cache in memory is only trimmed so."""
        if not self.keeps or not self.dirty:
            return
        data = {
            "summaries": {k: v for k, v in self.summaries.items() if k.split(":", 1)[0] in live_keys},
            "outcomes": {k: v for k, v in self.outcomes.items() if k.split(":", 1)[0] in live_keys},
            "plan": self.plan,
        }
        if self.in_memory:
            self.summaries, self.outcomes, self.dirty = data["summaries"], data["outcomes"], False
            return
        assert self.folder is not None
        _store(self.root or self.folder.parent, _file(self.kind), data, "cache-", (_file("fix"), _file("check")))


def _well_formed(data: Any) -> bool:
    """The shape `save` writes; anything else (another version's layout) is a miss, not an error."""
    return (isinstance(data, dict) and isinstance(data.get("summaries"), dict) and isinstance(data.get("outcomes"), dict)
            and (data.get("plan") is None or (isinstance(data["plan"], tuple) and len(data["plan"]) == 2)))


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
    stored = _load(root, f"last-{kind}-{_STAMP}.pickle")
    if not (isinstance(stored, tuple) and len(stored) == 2):
        return None
    return stored[1] if stored[0] == key else None


def save_last(root: Path, kind: str, key: str | None, value: Any) -> None:
    if key is None:
        return
    name = f"last-{kind}-{_STAMP}.pickle"
    _store(root, name, (key, value), f"last-{kind}-", (name,))
