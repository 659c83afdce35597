"""What the language server keeps between requests: the open documents (text the disk does not
have yet), the settings, and the engine's caches, warm in memory.

Nothing here speaks the protocol or imports pygls: the engine is asked exactly as `awaitify check`
and `awaitify fix` ask it (awaitify.commands), on the whole workspace, with the open documents as an
overlay (path -> bytes read instead of the disk's). Each file's scan, summary and transform is kept
in an in-memory cache keyed by its content (awaitify.engine.cache.Cache.memory), so after an edit
only the edited files are read again; nothing is ever written to disk.
"""

from __future__ import annotations

import codecs
import io
import tokenize
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from awaitify import commands
from awaitify.audit.results import CheckOptions, CheckResult
from awaitify.config import Config
from awaitify.engine.cache import Cache

# initializationOptions the server reads (the same spelling as [tool.awaitify] where one exists)
OPTION_NAMES = ("unsafe-fixes", "select", "ignore", "jobs")


@dataclass
class Document:
    path: Path
    uri: str
    version: int | None
    text: str


def buffer_bytes(text: str, path: Path) -> bytes:
    """The buffer as the file would hold it once saved: in the file's encoding (its coding cookie,
    else UTF-8), with its BOM if the file on disk has one (editors show the text without it)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
    except OSError:
        head = b""
    bom = codecs.BOM_UTF8 if head.startswith(codecs.BOM_UTF8) else b""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(text.encode("utf-8", "surrogatepass")).readline)
        return bom + text.encode(encoding, "surrogatepass")
    except (SyntaxError, LookupError, UnicodeEncodeError):
        return bom + text.encode("utf-8", "surrogatepass")  # the engine then says why it cannot decode it


class Workspace:
    """One workspace folder: its documents, settings and warm caches."""

    def __init__(self, root: Path, options: dict[str, Any] | None = None) -> None:
        self.root = root.resolve()
        self.options = _options(options or {})
        self.documents: dict[Path, Document] = {}
        self.check_cache = Cache.memory()
        self.fix_cache = Cache.memory()
        self.generation = 0  # bumped by every edit: what a result was computed for
        self.last_check: CheckResult | None = None
        self._fixes: dict[tuple, Any] = {}  # what fix runs made for this generation

    # --- documents -----------------------------------------------------------------------------
    def open(self, path: Path, uri: str, version: int | None, text: str) -> None:
        self.documents[path] = Document(path, uri, version, text)
        self._edited()

    def change(self, path: Path, version: int | None, text: str) -> None:
        doc = self.documents.get(path)
        if doc is None:
            return
        doc.version, doc.text = version, text
        self._edited()

    def close(self, path: Path) -> None:
        if self.documents.pop(path, None) is not None:
            self._edited()

    def saved(self) -> None:
        """A save (or a change on disk): the disk may now differ from what was read."""
        self._edited()

    def contains(self, path: Path) -> bool:
        return path.is_relative_to(self.root)

    def overlay(self) -> dict[Path, bytes]:
        return {path: buffer_bytes(doc.text, path) for path, doc in self.documents.items() if self.contains(path)}

    def _edited(self) -> None:
        self.generation += 1
        self._fixes.clear()

    # --- settings ------------------------------------------------------------------------------
    def settings(self) -> Config:
        """The nearest [tool.awaitify] of the workspace, read again at each run (it may have been
        edited), with what the client's initializationOptions add."""
        settings = commands.load_settings(None, [self.root])
        return settings.with_overrides(unsafe_fixes=True if self.options.get("unsafe-fixes") else None)

    # --- the engine ----------------------------------------------------------------------------
    def check(self) -> CheckResult:
        """`awaitify check` on the workspace, the open documents as their buffers hold them."""
        from awaitify.audit.engine import run_check

        settings = self.settings()
        rules = commands.check_rules(settings, self.options["select"], self.options["ignore"])
        result = run_check([self.root], settings, rules, CheckOptions(jobs=self.options["jobs"], use_cache=False,
                                                                        overlay=self.overlay(), warm=self.check_cache))
        self.last_check = result
        return result

    def fix(self, path: Path) -> Any:
        """`awaitify fix` run from this file (its problems fixed, and the edits the plan makes for
        them in other files, as `--changed-since` scopes a run), nothing written: the engine's
        RunResult, kept until the next edit."""
        def run_fix() -> Any:
            from awaitify.runner import RunOptions, run

            settings = self.settings()
            rules = commands.fix_rules(settings, self.options["select"], self.options["ignore"])
            return (run([self.root], settings, rules,
                        RunOptions(jobs=self.options["jobs"], use_cache=False, scope=frozenset({str(path)}),
                                   isolate=True, overlay=self.overlay(), warm=self.fix_cache)),
                    settings, rules)
        return self.remembered(("fix", str(path)), run_fix)

    def remembered(self, key: tuple, compute: Callable[[], Any]) -> Any:
        """What `compute()` gives, kept until the next edit (clients ask for code actions again and
        again at the same place)."""
        full = (self.generation, *key)
        if full not in self._fixes:
            self._fixes[full] = compute()
        return self._fixes[full]


def _options(given: dict[str, Any]) -> dict[str, Any]:
    """initializationOptions, checked: unknown keys are ignored (a client may send its own)."""
    def codes(value: Any) -> tuple[str, ...]:
        if isinstance(value, str):
            value = value.split(",")
        return tuple(str(v).strip() for v in value or () if str(v).strip())

    jobs = given.get("jobs", 0)
    return {
        "unsafe-fixes": bool(given.get("unsafe-fixes", given.get("unsafe_fixes", False))),
        "select": codes(given.get("select")),
        "ignore": codes(given.get("ignore")),
        "jobs": jobs if isinstance(jobs, int) and not isinstance(jobs, bool) and jobs >= 0 else 0,
    }
