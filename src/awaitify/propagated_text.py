"""A file's text as the codemods after propagation see it, for `fix`'s pre-check.

Propagation runs first and spells each function the plan makes async `async def`; the rules after
it act on those functions as on any async one. A rule's pre-check (`wants`) reads a summary, and
the summary of the file as it stands would call them sync: so the pre-check asks about this text
instead, in which only those `def`s differ. (The calls propagation awaits or offloads are left as
they are: awaiting one changes no site a pre-check looks for, and an offloaded one only takes a site
away, so the answer can only be a yes the codemods do not need.)"""

from __future__ import annotations

import re
from collections.abc import Iterable

from awaitify.summary import ModuleSummary
from awaitify.text_lines import split_lines


def as_propagated(text: str, summary: ModuleSummary, made_async: Iterable[str]) -> str | None:
    """`text` with each function of `made_async` (qualified names in the module) spelled `async def`;
    None when one is not where the summary has it (a body it left unread, a `def` not at the start
    of its line's code): the caller then asks no pre-check."""
    lines = split_lines(text)
    for qualname in made_async:
        info = summary.functions.get(qualname)
        if info is None or info.line > len(lines):
            return None
        if info.is_async:
            continue
        line, at = lines[info.line - 1], info.col - 1  # before `def` only blanks: bytes and characters agree
        if line[:at].strip(" \t") or not re.match(r"def\b", line[at:]):
            return None
        lines[info.line - 1] = f"{line[:at]}async {line[at:]}"
    return "".join(lines)
