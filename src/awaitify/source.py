"""Reading Python source files as bytes and decoding them the way Python itself would.

Everything downstream keeps the original bytes: libcst re-encodes a module with the encoding,
BOM and newline style it was read with, so a file is only ever rewritten where a codemod meant to.
"""

from __future__ import annotations

import codecs
import io
import tokenize
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

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


def read_source(path: Path, display: str) -> SourceFile:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SourceError(display, f"cannot read: {exc.strerror or exc}") from None
    text, encoding = decode_source(raw, display)
    return SourceFile(path=path, display=display, raw=raw, text=text, encoding=encoding)


def read_all(files: list[Discovered]) -> tuple[list[SourceFile], list[tuple[Discovered, str]]]:
    """Every file read and decoded, and the ones that could not be, with why."""
    sources, failed = [], []
    for file in files:
        try:
            sources.append(read_source(file.path, file.display))
        except SourceError as exc:
            failed.append((file, exc.reason))
    return sources, failed
