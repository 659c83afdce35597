"""Suppression comments, read the same way by `check` and `fix`: `# awaitify: ignore`,
`# awaitify: ignore[AW101, AW201]`, and flake8-style `# noqa` / `# noqa: ASYNC251` (the
flake8-async code of the equivalent rule counts, so teams migrating keep their suppressions)."""

from __future__ import annotations

import re

_SUPPRESS = re.compile(r"#\s*(?:awaitify:\s*ignore(?:\[(?P<ours>[^\]]*)\])?|noqa(?::\s*(?P<noqa>[A-Z0-9, ]+))?)", re.IGNORECASE)

Suppressions = dict[int, "set[str] | None"]  # line -> codes named (None: every code)


def suppressions(text: str) -> Suppressions:
    found: Suppressions = {}
    if "#" not in text:
        return found
    for number, line in enumerate(text.splitlines(), start=1):
        if "#" not in line:
            continue
        for match in _SUPPRESS.finditer(line):
            codes = match.group("ours") if match.group("ours") is not None else match.group("noqa")
            if codes is None:
                found[number] = None
            elif found.get(number, set()) is not None:
                found.setdefault(number, set()).update(c.strip().upper() for c in codes.split(",") if c.strip())  # type: ignore[union-attr]
    return found


def flake8_codes(code: str) -> tuple[str, ...]:
    from awaitify.rules import check_by_code

    check = check_by_code().get(code)
    return check.flake8_async if check else ()


def is_suppressed(found: Suppressions, lines: set[int] | list[int], code: str) -> bool:
    for line in lines:
        if line in found:
            codes = found[line]
            if codes is None or code in codes or any(c in codes for c in flake8_codes(code)):
                return True
    return False


_OURS = re.compile(r"#\s*awaitify:\s*ignore(?:\[(?P<codes>[^\]]*)\])?", re.IGNORECASE)


def own_comments(text: str) -> list[tuple[int, int, tuple[str, ...] | None]]:
    """awaitify's own suppression comments (not `# noqa`, which other tools read too): (line,
    1-based column, the codes named or None for every code)."""
    found = []
    if "awaitify" not in text:
        return found
    for number, line in enumerate(text.splitlines(), start=1):
        for match in _OURS.finditer(line):
            codes = match.group("codes")
            named = None if codes is None else tuple(c.strip().upper() for c in codes.split(",") if c.strip())
            found.append((number, match.start() + 1, named))
    return found
