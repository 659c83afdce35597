"""Unified diffs that `git apply` and `patch -p1` accept byte for byte.

The patch is built from the files' own bytes, not decoded text: CRLF endings, a UTF-8 BOM and
latin-1 bytes appear in it exactly as in the file. Lines are split on b"\\n" only, as git does.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Sequence

NO_NEWLINE = b"\\ No newline at end of file\n"


def split_lines(data: bytes) -> list[bytes]:
    lines = data.split(b"\n")
    last = lines.pop()
    out = [line + b"\n" for line in lines]
    if last:
        out.append(last)
    return out


def unified_diff(old: bytes, new: bytes, path: str, context: int = 3) -> bytes:
    if old == new:
        return b""
    name = path.encode("utf-8", "surrogateescape")
    lines = difflib.diff_bytes(
        difflib.unified_diff,
        split_lines(old),
        split_lines(new),
        fromfile=b"a/" + name,
        tofile=b"b/" + name,
        n=context,
        lineterm=b"\n",
    )
    out = bytearray()
    for line in lines:
        out += line
        if not line.endswith(b"\n"):
            out += b"\n" + NO_NEWLINE
    return bytes(out)


def leaves_folder(display: str) -> bool:
    """Does a path as shown (relative to the current folder where it can be) stand outside it? `git
    apply` and `patch -p1` refuse such a path in a patch (`../x.py`, `/srv/x.py`)."""
    return display.startswith("/") or os.path.isabs(display) or ".." in display.split("/")  # (`C:/srv/x.py` too)


def patch_base(files: Sequence[tuple[str, str]]) -> str | None:
    """The folder a patch of `files` ((path, display) pairs) names its files from: None for the
    current folder, when every file stands inside it; else the deepest folder holding them all, so
    that `git -C <it> apply` takes the patch."""
    if not any(leaves_folder(display) for _, display in files):
        return None
    return os.path.commonpath([os.path.dirname(os.path.abspath(path)) for path, _ in files])


def patch_name(path: str, display: str, base: str | None) -> str:
    """The file's name in a patch whose paths start at `base` (None: the current folder)."""
    return display if base is None else os.path.relpath(os.path.abspath(path), base).replace(os.sep, "/")
