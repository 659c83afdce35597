"""A text's lines as Python and the language server protocol count them: broken at `\r\n`, `\r` and
`\n` only (`str.splitlines` also breaks at `\f`, `\x1c`, `\u2028`...), so line N is the line `ast`
numbers N."""

from __future__ import annotations

import re

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def split_lines(text: str) -> list[str]:
    """The text's lines, each with its line break."""
    return _LINE.findall(text)
