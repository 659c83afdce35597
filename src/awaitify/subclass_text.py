"""Which files may hold a subclass of a class, told from the text alone (no parse).

Finding the overrides of a method means reading the files that define a method of that name and
following their classes' bases; for names like `close` or `run` that is most of a large tree. A
class can only derive from `K` if the bases in its `class` statement name `K`, an alias of it, or
a class that itself derives from `K`; a table of those words, built with two regex passes, narrows
the files to read. It errs on the side of reading more: words in strings and comments count, and
names are matched without their modules.
"""

from __future__ import annotations

import re

_CLASS = re.compile(r"class\s+(\w+)\s*\(")
_AS = re.compile(r"\s+as\s+(\w+)")
_LAST_WORD = re.compile(r"(\w+)$")
_WORD = re.compile(r"\w+")
_MAX_BASES = 2000  # characters read for one `class` statement's bases


def _matches(text: str, word: str, pattern: re.Pattern[str], before: int = 0):
    """`pattern` matched where `word` stands as a word: str.find is many times faster than a regex
    scan, and these words are rare."""
    at = text.find(word)
    while at != -1:
        start = at - before
        if (at == 0 or not (text[at - 1].isalnum() or text[at - 1] == "_")) or before:
            found = pattern.match(text, max(start, 0))
            if found:
                yield found
        at = text.find(word, at + len(word))


def _bases_text(text: str, start: int) -> str:
    """The text between the parentheses opened at `start`, nested ones included."""
    close = text.find(")", start, start + _MAX_BASES)
    if close != -1 and text.find("(", start, close) == -1:  # the usual case: no call in the bases
        return text[start:close]
    depth, i, end = 1, start, min(len(text), start + _MAX_BASES)
    while i < end and depth:
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        i += 1
    return text[start:i]


class SubclassText:
    def __init__(self, texts: dict[str, str]) -> None:
        self.derived: dict[str, set[str]] = {}  # word in some bases -> names of classes with those bases
        self.base_words: dict[str, set[str]] = {}  # file -> every word in its classes' bases
        for path, text in texts.items():
            words: set[str] = set()
            for found in _matches(text, "class", _CLASS):
                bases = set(_WORD.findall(_bases_text(text, found.end())))
                words |= bases
                for word in bases:
                    self.derived.setdefault(word, set()).add(found.group(1))
            for found in _matches(text, "as", _AS, before=1):  # `from m import K as Base`
                original = _LAST_WORD.search(text[max(0, found.start() - 200) : found.start()].rstrip())
                if original:
                    self.derived.setdefault(original.group(1), set()).add(found.group(1))
            self.base_words[path] = words
        self._names: dict[str, frozenset[str]] = {}

    def names_deriving(self, name: str) -> frozenset[str]:
        """`name`, its aliases, and the names of every class whose bases name one of them, transitively."""
        if name not in self._names:
            seen, todo = {name}, [name]
            while todo:
                for other in self.derived.get(todo.pop(), ()):
                    if other not in seen:
                        seen.add(other)
                        todo.append(other)
            self._names[name] = frozenset(seen)
        return self._names[name]

    def may_derive(self, path: str, name: str) -> bool:
        """Can a class in `path` derive from a class called `name`?"""
        return not self.base_words.get(path, set()).isdisjoint(self.names_deriving(name))
