"""Sync function bodies left out of a file's first parse, read when a question needs them.

Most of a large file is the bodies of sync functions nothing async reaches (test methods, helpers):
parsing them is most of what a summary costs, and their calls are asked for only when the reach
goes into one, or when they may call a function a question is about. `regions` finds, from the text
alone, the bodies that can be left out; `hollowed` replaces each by one `...` line followed by
blank lines, so every other line keeps its number and columns; the summarizer records each body it
skipped as a `Pending` (what resolving its names starts from), and `ModuleSummary.expand` reads it
later, from the original text, into the same records a walk of the whole file makes.

Why a body found this way is exactly the function's body. A candidate is a `def name(...):` header
(ending with its line, where its brackets close) and the lines after it up to the first one, not
blank and not a comment, indented no deeper than the `def`. It is kept only if, scanned as the
tokenizer scans (strings and comments skipped: `_SKIPPED`), it closes every string and bracket it
opens and does not end in a backslash: then the line after it starts a statement, and every
statement in it, indented deeper than the `def`, belongs to the body. The hollowed text is tokenized
exactly as the original up to each kept body (by induction over the bodies), so the summarizer
accepts it only if every candidate comes back as a function at its line whose body is its marker; a
candidate that does not (a `def` inside a string, a header the scan misread) is refused, and the
text is hollowed again without the refused ones (once; then it is parsed whole). On Python 3.12+ an
f-string may nest quotes and span lines, which the scan does not follow: a candidate holding one is
not left out there.

What a left-out body may not hold, so that reading it later changes nothing it would not have
changed when read in order: an import (imports bind names for the rest of the file), a yield (it
makes the function a generator), async code (its calls are what the reach starts from). A body of a
sync function nested in an async one is refused the same way (its calls are in async code).
"""

from __future__ import annotations

import ast
import re
import sys
from functools import cache
from typing import NamedTuple

# where a `def` header starts (searched for by its leading literal: an anchored pattern tries every
# offset; the indentation before it is checked by hand)
_DEF_START = re.compile(r"def[ \t]+\w+[ \t]*\(")
MAX_HEADER_LINES = 30
# what the tokenizer skips over: comments and complete strings (prefixes do not change where a
# string ends, raw ones included); an unterminated string is left behind as a quote character
_SKIPPED = re.compile(
    r"""\#[^\n]*"""
    r'''|"""[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*"""'''
    r"""|'''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*'''"""
    r'''|"(?!"")[^"\\\n]*(?:\\.[^"\\\n]*)*"'''
    r"""|'(?!'')[^'\\\n]*(?:\\.[^'\\\n]*)*'""",
    re.DOTALL,
)
_KEEPS_IT = ("import", "yield", "async", "await")
_WORD_CHAR = re.compile(r"\w")
_FSTRING = re.compile(r"(?i)(?<![\w])(?:f|rf|fr)['\"]")
_NESTED_FSTRINGS = sys.version_info >= (3, 12)
# a file whose layout this scan does not model is parsed whole: tabs in indentation, form feeds,
# carriage returns (CRLF line numbers are counted as `ast` counts them elsewhere)
_TAB_INDENT = re.compile(r"\n *\t")
MIN_LINES = 3  # a body shorter than this costs more to set aside than to parse


class Region(NamedTuple):
    line: int  # of the `def`
    start: int  # offset of the `def` line's first character
    body: int  # offset where the body starts (the line after the header)
    end: int  # offset just past the body's last line
    indent: int  # columns before `def`
    body_line: int  # the line after the header


@cache
def _body_end(indent: int) -> re.Pattern[str]:
    """The newline before the first line that is not blank, not a comment, and indented no
    deeper than `indent` columns."""
    return re.compile(rf"\n(?= {{0,{indent}}}[^ \t\n#])")


def _closed_code(text: str, start: int, end: int) -> str | None:
    """text[start:end] without its strings and comments, when, read from a statement's start, it
    leaves no string or bracket open and no line continued (None when it does)."""
    code = _SKIPPED.sub(" ", text[start:end])
    if "'" in code or '"' in code:
        return None
    if code.count("(") != code.count(")") or code.count("[") != code.count("]") or code.count("{") != code.count("}"):
        return None
    return None if code.rstrip().endswith("\\") else code


def _header_end(text: str, start: int, after: int) -> int:
    """Where the header of the `def` at `start` ends (just past its last line), or -1 when it
    does not end with its line (a one-line function, or no end found within a few lines)."""
    end = text.find("\n", after)
    for _ in range(MAX_HEADER_LINES):
        if end == -1:
            return -1
        code = _closed_code(text, start, end + 1)
        if code is not None:
            return end + 1 if code.rstrip().endswith(":") else -1
        end = text.find("\n", end + 1)
    return -1


def _holds_keyword(text: str, start: int, end: int) -> bool:
    """Does text[start:end] spell one of `_KEEPS_IT` as a word (in code, a string or a comment)?"""
    for word in _KEEPS_IT:
        at = text.find(word, start, end)
        while at != -1:
            after = at + len(word)
            if not (_WORD_CHAR.match(text, at - 1) if at else False) and not _WORD_CHAR.match(text, after):
                return True
            at = text.find(word, after, end)
    return False


def regions(text: str) -> list[Region]:
    """The sync function bodies of this file that can be left out of its first parse, in order
    (none nested in another)."""
    if "def" not in text or "\r" in text or "\f" in text:
        return []
    if "\t" in text and (_TAB_INDENT.search(text) or text.lstrip(" ").startswith("\t")):
        return []
    found: list[Region] = []
    at = counted = 0
    line = 1  # of the offset `counted`
    while (header := _DEF_START.search(text, at)) is not None:
        at = header.end()
        line_start = text.rfind("\n", 0, header.start()) + 1
        indent = header.start() - line_start
        if text.count(" ", line_start, header.start()) != indent:
            continue  # not at the start of its line
        body = _header_end(text, header.start(), header.end())
        if body == -1:
            continue
        at = body  # by default, look for bodies nested in this one
        stop = _body_end(indent).search(text, body - 1)
        end = stop.start() + 1 if stop else len(text)
        if text.count("\n", body, end) < MIN_LINES or _holds_keyword(text, body, end):
            continue
        if _NESTED_FSTRINGS and _FSTRING.search(text, line_start, end):
            continue
        if _closed_code(text, body, end) is None:
            continue
        line += text.count("\n", counted, line_start)
        counted = line_start
        found.append(Region(line, line_start, body, end, indent, line + text.count("\n", line_start, body)))
        at = end
    return found


def hollowed(text: str, found: list[Region]) -> str:
    """The text with each region's body replaced by `...` and as many line ends."""
    parts: list[str] = []
    last = 0
    for region in found:
        parts += [text[last:region.body], " " * (region.indent + 1), "...", "\n" * max(text.count("\n", region.body, region.end), 1)]
        last = region.end
    parts.append(text[last:])
    return "".join(parts)


def is_marker(body: list[ast.stmt], line: int) -> bool:
    """Is this function body the `...` `hollowed` put on `line`?"""
    if len(body) != 1 or type(body[0]) is not ast.Expr or body[0].lineno != line:
        return False
    value = body[0].value
    return type(value) is ast.Constant and value.value is Ellipsis


class Pending(NamedTuple):
    """A body left out, and the state a walk of the whole file was in when it reached it."""

    qualname: str
    line: int  # of the `def`
    start: int  # offsets of the `def` line and of the body's end in the file's text
    end: int
    scopes: tuple  # the enclosing scopes and the function's own, as `summary._Scope` fields
    imports: tuple[tuple[str, str], ...]  # the module's import table then
    toplevel: frozenset[str]  # the module-level names defined by then
    at: tuple[int, int, int, int]  # how many calls, values, functions and classes came before

    def source(self, text: str) -> str:
        """The function alone, at its own line and columns, for `ast.parse`."""
        function = text[self.start:self.end]
        if function.startswith("def"):
            return "\n" * (self.line - 1) + function
        return "\n" * (self.line - 2) + "if 1:\n" + function
