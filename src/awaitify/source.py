"""Reading Python source files as bytes and decoding them the way Python itself would.

Everything downstream keeps the original bytes: libcst re-encodes a module with the encoding,
BOM and newline style it was read with, so a file is only ever rewritten where a codemod meant to.
"""

from __future__ import annotations

import codecs
import io
import os
import tokenize
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Mapping

from awaitify.errors import SourceError

if TYPE_CHECKING:
    from awaitify.discovery import Discovered


@dataclass(frozen=True)
class SourceFile:
    path: Path
    display: str  # the path as shown to the user and written in diff headers
    raw: bytes
    text: str  # decoded, without a BOM
    encoding: str

    @property
    def has_bom(self) -> bool:
        return self.raw.startswith(codecs.BOM_UTF8)


def decode_source(raw: bytes, display: str) -> tuple[str, str]:
    """Return (text, encoding); raise SourceError for binary or undecodable content."""
    if b"\x00" in raw:
        raise SourceError(display, "binary file (contains NUL bytes), not Python source")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
    except SyntaxError as exc:
        raise SourceError(display, f"bad encoding declaration: {exc.msg}") from None
    try:
        text = raw.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise SourceError(display, f"cannot decode as {encoding}: {exc.reason if hasattr(exc, 'reason') else exc}") from None
    return text.removeprefix("\ufeff"), encoding


# Larger files are skipped before they are read: libcst holds ~0.4 GB per MB of source (a 20 MB
# generated file took 7.5 GB and over 300 s). `max-file-size` in [tool.awaitify] changes it.
MAX_FILE_SIZE = 4 * 1024 * 1024


def name_problem(display: str) -> str | None:
    """Why a patch cannot name this file, or None. A unified diff header is one line: a newline in
    a name would let the name write lines of its own into the patch (another file's hunk), and a
    byte that is not UTF-8 does not survive `git apply`. Such a file is skipped by every mode, so
    the dry-run patch always equals what `--write` does."""
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in display):
        return "the file name holds a newline or another control character that a patch cannot carry; skipped"
    if any(0xDC80 <= ord(c) <= 0xDCFF for c in display):
        return "the file name is not valid UTF-8, which a patch cannot carry; skipped"
    return None


def read_source(path: Path, display: str, max_size: int | None = MAX_FILE_SIZE) -> SourceFile:
    problem = name_problem(display)
    if problem:
        raise SourceError(display.encode("unicode_escape", "backslashreplace").decode("ascii"), problem)
    try:
        with path.open("rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if max_size and size > max_size:
                raise SourceError(display, f"too large to transform ({size:,} bytes > max-file-size {max_size:,}); skipped")
            raw = fh.read()
    except OSError as exc:
        raise SourceError(display, f"cannot read: {exc.strerror or exc}") from None
    text, encoding = decode_source(raw, display)
    return SourceFile(path=path, display=display, raw=raw, text=text, encoding=encoding)


# path -> bytes to take instead of the file's on disk: an editor's unsaved buffers (awaitify.server)
Overlay = Mapping[Path, bytes]


def given_source(path: Path, display: str, raw: bytes, max_size: int | None = MAX_FILE_SIZE) -> SourceFile:
    """A file's source from bytes given in place of the disk's, under the same checks as `read_source`."""
    problem = name_problem(display)
    if problem:
        raise SourceError(display.encode("unicode_escape", "backslashreplace").decode("ascii"), problem)
    if max_size and len(raw) > max_size:
        raise SourceError(display, f"too large to transform ({len(raw):,} bytes > max-file-size {max_size:,}); skipped")
    text, encoding = decode_source(raw, display)
    return SourceFile(path=path, display=display, raw=raw, text=text, encoding=encoding)


def read_all(files: list[Discovered], max_size: int | None = MAX_FILE_SIZE,
             overlay: Overlay | None = None) -> tuple[list[SourceFile], list[tuple[Discovered, str]]]:
    """Every file read and decoded, and the ones that could not be, with why. A file `overlay` holds
    is taken from it, not from the disk."""
    sources, failed = [], []
    overlay = overlay or {}
    for file in files:
        try:
            given = overlay.get(file.path)
            sources.append(read_source(file.path, file.display, max_size) if given is None
                           else given_source(file.path, file.display, given, max_size))
        except SourceError as exc:  # shown as the error names it: a name with a newline is escaped
            failed.append((replace(file, display=exc.path), exc.reason))
    return sources, failed
