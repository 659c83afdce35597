"""A fix as whole-line replacements: what review bots (reviewdog's suggestions, SARIF `fixes`) take.

A GitHub suggestion replaces whole lines, so every hunk here replaces at least one line of the
original with at least one line: a pure insertion (`import asyncio`) or deletion is widened to a
neighbouring unchanged line. Applied in any order, the hunks of a file give exactly `fix --write`'s
bytes (tests/test_rdjson.py applies them)."""

from __future__ import annotations

import difflib
import io
import tokenize
from dataclasses import dataclass


@dataclass(frozen=True)
class Hunk:
    start: int  # first original line replaced (1-based)
    end: int  # last original line replaced (inclusive)
    old: str  # those lines as they were, line endings included
    new: str  # what replaces them, line endings included

    @property
    def text(self) -> str:
        """The replacement as a suggestion carries it: line-wise, without the last line's ending
        (the replaced range keeps it); else all of the new text."""
        ending = _ending(self.old)
        return self.new[: len(self.new) - len(ending)] if ending and self.line_wise else self.new

    @property
    def line_wise(self) -> bool:
        """Can the hunk be said as "replace the text of lines start..end" (their last line ending
        kept)? Not when the new text ends otherwise (the file's last line gains or loses its newline)."""
        return _ending(self.new) == _ending(self.old)


def _ending(text: str) -> str:
    for ending in ("\r\n", "\n", "\r"):
        if text.endswith(ending):
            return ending
    return ""


def decode(data: bytes) -> str:
    """A Python file's text in its declared encoding (PEP 263 cookie or BOM; UTF-8 by default)."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return data.decode(encoding)


def line_hunks(old: str, new: str) -> list[Hunk]:
    """The changed line ranges of `old` -> `new`, each widened to replace whole lines with whole lines."""
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    spans: list[list[int]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        if i1 == i2 or j1 == j2:  # nothing replaced or nothing put in: take a neighbouring line along
            if i1 > 0:
                i1, j1 = i1 - 1, j1 - 1
            else:
                i2, j2 = i2 + 1, j2 + 1
        # a last line that gains or loses its ending is widened to the next line, while there is one
        while i2 < len(a) and _ending("".join(b[j1:j2])) != _ending("".join(a[i1:i2])):
            i2, j2 = i2 + 1, j2 + 1
        if spans and i1 <= spans[-1][1]:  # touching an earlier hunk (both took the same neighbour)
            spans[-1][1], spans[-1][3] = max(spans[-1][1], i2), max(spans[-1][3], j2)
        else:
            spans.append([i1, i2, j1, j2])
    return [Hunk(i1 + 1, i2, "".join(a[i1:i2]), "".join(b[j1:j2])) for i1, i2, j1, j2 in spans]


def apply_hunks(old: str, hunks: list[Hunk]) -> str:
    """The text with the hunks applied (for checks; the bots apply them their own way)."""
    lines = old.splitlines(keepends=True)
    for hunk in sorted(hunks, key=lambda h: h.start, reverse=True):
        assert "".join(lines[hunk.start - 1:hunk.end]) == hunk.old
        lines[hunk.start - 1:hunk.end] = [hunk.new]
    return "".join(lines)
