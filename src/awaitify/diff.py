"""Unified diffs that `git apply` and `patch -p1` accept byte for byte.

The patch is built from the files' own bytes, not decoded text: CRLF endings, a UTF-8 BOM and
latin-1 bytes appear in it exactly as in the file. Lines are split on b"\\n" only, as git does.
"""

from __future__ import annotations

import difflib

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
