"""Which files may hold a subclass of a class, told from the text alone (no parse).

Finding the overrides of a method means reading the files that define a method of that name and
following their classes' bases; for names like `close` or `run` that is most of a large tree. A
class can only derive from `K` if the bases in its `class` statement name `K` (as the last word of a
dotted name: `m.K`), an alias an import gives it, or a class that itself derives from `K`; a table
of those words, built with two `str.find`-driven passes (`class`, `import`), narrows the files to
read. It errs on the side of reading more: words in strings and comments count, and names are
matched without their modules.
"""

from __future__ import annotations

import re

# type parameters (Python 3.12: `class Impl[T: (int, str)](Base)`) may stand between name and bases
_CLASS = re.compile(r"class\s+(\w+)\s*(?:\[.*?\]\s*)?\(", re.DOTALL)
_IMPORT = re.compile(r"import\b")
# an alias in an import: only imports bind a name the index resolves to a class (not `with x as y`)
_ALIAS = re.compile(r"(\w+)\s+as\s+(\w+)")
# a word that ends a dotted name: `socket.socket` derives from `socket`, `socket.SocketType` does not
_LAST_WORD_OF_NAME = re.compile(r"\b\w+\b(?!\s*\.)")
_MAX_BASES = 2000  # characters read for one `class` statement's bases


def _matches(text: str, word: str, pattern: re.Pattern[str]):
    """`pattern` matched where `word` stands as a word: str.find is many times faster than a regex
    scan, and these words are rare."""
    at = text.find(word)
    while at != -1:
        if at == 0 or not (text[at - 1].isalnum() or text[at - 1] == "_"):
            found = pattern.match(text, at)
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


def _import_end(text: str, at: int) -> int:
    """Where the names of the import statement starting at `at` end: its parenthesised list (a
    comment in it may hold a `)`), or its line and the lines continued by a backslash."""
    i = at
    while i < len(text) and text[i] in " \t":
        i += 1
    if text.startswith("(", i):
        while True:
            close = text.find(")", i)
            comment = text.find("#", i, len(text) if close == -1 else close)
            if comment == -1:
                return len(text) if close == -1 else close
            i = text.find("\n", comment)
            if i == -1:
                return len(text)
    end = text.find("\n", at)
    while end != -1 and text[max(0, end - 2) : end].rstrip("\r").endswith("\\"):
        end = text.find("\n", end + 1)
    return len(text) if end == -1 else end


class SubclassText:
    def __init__(self, texts: dict[str, str]) -> None:
        self.derived: dict[str, set[str]] = {}  # word in some bases -> names of classes with those bases
        self.files_naming: dict[str, set[str]] = {}  # word in some bases -> the files with those bases
        for path, text in texts.items():
            for found in _matches(text, "class", _CLASS):
                bases = set(_LAST_WORD_OF_NAME.findall(_bases_text(text, found.end())))
                for word in bases:
                    self.derived.setdefault(word, set()).add(found.group(1))
                    self.files_naming.setdefault(word, set()).add(path)
            for found in _matches(text, "import", _IMPORT):  # `from m import K as Base`
                for original, alias in _ALIAS.findall(text, found.end(), _import_end(text, found.end())):
                    self.derived.setdefault(original, set()).add(alias)
        self._names: dict[str, frozenset[str]] = {}
        self._files: dict[str, frozenset[str]] = {}

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
        """Can a class in `path` derive from a class called `name`? (asked for every file that
        defines a method of some name: the files are gathered once per class name)"""
        if name not in self._files:
            self._files[name] = frozenset(p for word in self.names_deriving(name) for p in self.files_naming.get(word, ()))
        return path in self._files[name]
