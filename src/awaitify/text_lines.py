"""A text's lines as Python and the language server protocol count them: broken at `\r\n`, `\r` and
`\n` only (`str.splitlines` also breaks at `\f`, `\x1c`, `\u2028`...), so line N is the line `ast`
numbers N."""

from __future__ import annotations

import re

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def char_column(lines: list[str], lineno: int, offset: int) -> int:
    """ast counts UTF-8 bytes; libcst (and people) count characters."""
    if not 0 < lineno <= len(lines):
        return offset
    line = lines[lineno - 1]
    if line.isascii():  # the usual case, told without encoding the line
        return offset
    return len(line.encode("utf-8")[:offset].decode("utf-8", "replace"))


def split_lines(text: str) -> list[str]:
    """The text's lines, each with its line break."""
    return _LINE.findall(text)
