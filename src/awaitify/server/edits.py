"""Text positions and edits as the protocol counts them: lines from 0, and characters in UTF-16 code
units (a character outside the Basic Multilingual Plane, an emoji, counts 2) unless the client and
server agreed on UTF-8 or UTF-32 (`positionEncoding`); the engine counts code points from 1."""

from __future__ import annotations

import difflib

from lsprotocol import types

from awaitify.text_lines import split_lines  # the protocol's line breaks are Python's


UTF16 = "utf-16"


def length(text: str, encoding: str = UTF16) -> int:
    """The text's length in the position encoding's units."""
    if encoding == "utf-8":
        return len(text.encode("utf-8", "surrogatepass"))
    if encoding == "utf-32":
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def position(lines: list[str], line: int, column: int, encoding: str = UTF16) -> types.Position:
    """The protocol's position of the engine's (line from 1, column in code points from 1)."""
    index = max(line - 1, 0)
    text = lines[index] if index < len(lines) else ""
    return types.Position(line=index, character=length(text[:max(column - 1, 0)], encoding))


def line_end(lines: list[str], line: int, encoding: str = UTF16) -> types.Position:
    """The end of the engine's line `line` (from 1), before its line break."""
    index = max(line - 1, 0)
    text = lines[index] if index < len(lines) else ""
    return types.Position(line=index, character=length(text.rstrip("\r\n"), encoding))


def text_edits(old: str, new: str, encoding: str = UTF16) -> list[types.TextEdit]:
    """The edits that turn `old` into `new`: whole lines replaced where they differ (difflib), in
    order, none overlapping."""
    before, after = split_lines(old), split_lines(new)
    edits = []
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        edits.append(types.TextEdit(range=types.Range(start=_line_start(before, i1, encoding),
                                                      end=_line_start(before, i2, encoding)),
                                    new_text="".join(after[j1:j2])))
    return edits


def _line_start(lines: list[str], index: int, encoding: str) -> types.Position:
    """Where line `index` (from 0) starts; past the last line, the end of the text (which, without a
    final newline, is on the last line)."""
    if index < len(lines) or not lines or lines[-1].endswith(("\n", "\r")):
        return types.Position(line=index, character=0)
    return types.Position(line=len(lines) - 1, character=length(lines[-1], encoding))
