"""A file no rule needs to read is still parsed once, so that one Python cannot parse is always
named: an AW000 finding in `check`, a skipped file in `fix` (both exit 1). The answer is kept in
the cache by the file's content, so a warm run parses nothing again."""

from __future__ import annotations

import ast
from collections.abc import Iterable

from awaitify.engine.cache import Cache
from awaitify.engine.pool import Pool
from awaitify.source import SourceFile
from awaitify.summary import parse_failure


def parse_problems(sources: Iterable[SourceFile], cache: Cache, keys: dict[str, str], pool: Pool | None = None) -> dict[str, str]:
    """path -> `cannot parse: <why> (line N)` for each of `sources` Python cannot parse; `keys`:
    each path's content key in `cache`. The files the cache does not answer for are parsed in
    `pool` when one is given (on the standard library, 1,600 files no rule reads: 5 s of parsing)."""
    problems: dict[str, str] = {}
    missing: list[SourceFile] = []
    for source in sources:
        path = str(source.path)
        found = cache.outcome(f"{keys[path]}:syntax")
        if found is None:
            missing.append(source)
        elif found:
            problems[path] = found
    items = [(source.display, source.text) for source in missing]
    found_now = pool.map(_problem, items, None, "syntax", size=lambda item: len(item[1])) if pool is not None else list(map(_problem, items))
    for source, found in zip(missing, found_now):
        cache.put_outcome(f"{keys[str(source.path)]}:syntax", found)
        if found:
            problems[str(source.path)] = found
    return problems


def _problem(item: tuple[str, str]) -> str:
    """Why Python cannot parse the file (display, text) ("" when it can), in the words `check`'s
    scan uses."""
    display, text = item
    try:
        compile(text, display, "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        return parse_failure(exc)
    return ""
