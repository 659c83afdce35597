"""Who owns a file, as GitHub reads a CODEOWNERS file.

GitHub takes the first of `.github/CODEOWNERS`, `CODEOWNERS`, `docs/CODEOWNERS` that exists. Each
line is a pattern and owners; the last line whose pattern matches a path wins, and a matching line
with no owners leaves the path unowned. Patterns follow .gitignore with GitHub's differences: no `!`
negation, no `[ ]` ranges, no `\\#` escape (such lines are skipped: they match nothing on GitHub); a pattern whose last
part holds `*` matches files at that level only (`docs/*` owns `docs/a.md`, not `docs/sub/b.md`); a
pattern with a `/` at its start or middle is anchored at the repository root; `**` spans folders.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from awaitify.errors import UsageError

LOCATIONS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")


@dataclass(frozen=True)
class Rule:
    pattern: str
    owners: tuple[str, ...]
    regex: re.Pattern[str]
    line: int


def _segment(part: str) -> str:
    out = ""
    for char in part:
        out += "[^/]*" if char == "*" else "[^/]" if char == "?" else re.escape(char)
    return out


def compile_pattern(pattern: str) -> re.Pattern[str] | None:
    """The regular expression a path relative to the repository root (forward slashes) must match in
    full; None for a pattern GitHub does not accept."""
    if pattern.startswith(("!", "\\")) or "[" in pattern or "]" in pattern:
        return None
    directory = pattern.endswith("/")
    body = pattern.strip("/")
    if not body:
        return None
    anchored = pattern.startswith("/") or "/" in body
    parts = body.split("/")
    regex = ""
    for number, part in enumerate(parts):
        last = number == len(parts) - 1
        if part == "**":
            regex += ".*" if last else "(?:.*/)?"
        else:
            regex += _segment(part) + ("" if last else "/")
    prefix = "" if anchored else "(?:.*/)?"
    if directory or ("*" not in parts[-1] and "?" not in parts[-1] and parts[-1] != "**"):
        # a folder owns everything below it; a plain name is a file or a folder
        tail = "/.*" if directory else "(?:/.*)?"
    else:
        tail = ""  # `docs/*`, `*.py`: what the last part matches, at that level only
    return re.compile(f"{prefix}{regex}{tail}")


def parse(text: str) -> list[Rule]:
    rules = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        words = line.split()
        owners: list[str] = []
        for word in words[1:]:
            if word.startswith("#"):
                break  # an inline comment
            owners.append(word)
        regex = compile_pattern(words[0])
        if regex is not None:
            rules.append(Rule(words[0], tuple(owners), regex, number))
    return rules


@dataclass(frozen=True)
class CodeOwners:
    source: str | None  # the file the rules came from, relative to the root; None: no CODEOWNERS
    rules: tuple[Rule, ...] = ()

    def owners(self, path: str) -> tuple[str, ...]:
        """The owners of `path` (relative to the repository root, forward slashes): the last match wins."""
        for rule in reversed(self.rules):
            if rule.regex.fullmatch(path):
                return rule.owners
        return ()


def load(root: Path) -> CodeOwners:
    for location in LOCATIONS:
        path = root / location
        if path.is_file():
            try:
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError as exc:
                raise UsageError(f"{path}: cannot read: {exc.strerror or exc}") from None
            return CodeOwners(location, tuple(parse(text)))
    return CodeOwners(None)
