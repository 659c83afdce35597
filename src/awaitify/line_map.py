"""Where each line of a rewritten file came from in the file as it was read.

The codemods of one file run one after another on one tree. Once a codemod has inserted or removed
lines (the shared TLS context, a lifespan function, an `async with` block), the positions libcst gives
the next codemod are no longer the original file's. The plan, suppression comments and every report
speak of the original lines, so each later codemod reads its positions through this map.
"""

from __future__ import annotations

from difflib import SequenceMatcher


def identity(line_count: int) -> tuple[int, ...]:
    return tuple(range(1, line_count + 1))


def follow(before: tuple[int, ...], old: str, new: str) -> tuple[int, ...]:
    """The map for `new`, given the map `before` for `old` (which `new` was rewritten from).

    Lines a diff finds unchanged keep their origin; a rewritten line takes the origin of the line it
    replaced (in order, the last one for any extra), and an inserted line that of the line it stands
    before, so that a change written on it is reported at the statement it was made for."""
    old_lines, new_lines = old.splitlines(), new.splitlines()
    if not old_lines:
        return (1,) * len(new_lines)
    before = before + (before[-1],) * (len(old_lines) - len(before))  # a last line with no newline
    # Edits are few and local: match the common head and tail directly, diff only the middle (the
    # quadratic part of a line diff then never sees a whole large file).
    head = 0
    limit = min(len(old_lines), len(new_lines))
    while head < limit and old_lines[head] == new_lines[head]:
        head += 1
    tail = 0
    while tail < limit - head and old_lines[-1 - tail] == new_lines[-1 - tail]:
        tail += 1
    out = list(before[:head])
    old_mid = old_lines[head:len(old_lines) - tail]
    new_mid = new_lines[head:len(new_lines) - tail]
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, old_mid, new_mid).get_opcodes():
        if tag == "equal":
            out.extend(before[head + i1:head + i2])
        elif tag == "replace":
            out.extend(_replaced(before[head + i1:head + i2], old_mid[i1:i2], new_mid[j1:j2]))
        elif tag == "insert":
            out.extend([before[min(head + i1, len(old_lines) - 1)]] * (j2 - j1))
    out.extend(before[len(old_lines) - tail:])
    return tuple(out)


def _replaced(origins: tuple[int, ...], old: list[str], new: list[str]) -> list[int]:
    """The origins of `new`, lines rewritten from `old`: a line that only moved in or out (the body
    of a block a codemod wrapped in `async with`, or moved into a helper) keeps its own; the others
    follow the rule above, within the rewritten stretch."""
    out: list[int] = []
    matcher = SequenceMatcher(None, [line.strip() for line in old], [line.strip() for line in new], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out.extend(origins[i1:i2])
        elif tag == "replace":
            out.extend(origins[min(i1 + k, i2 - 1)] for k in range(j2 - j1))
        elif tag == "insert":
            out.extend([origins[min(i1, len(origins) - 1)]] * (j2 - j1))
    return out
