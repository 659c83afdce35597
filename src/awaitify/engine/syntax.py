"""A file no rule needs to read is still parsed once, so that one Python cannot parse is always
named: an AW000 finding in `check`, a skipped file in `fix` (both exit 1). The answer is kept in
the cache by the file's content, so a warm run parses nothing again."""

from __future__ import annotations

import ast
from collections.abc import Iterable

from awaitify.engine.cache import Cache
from awaitify.source import SourceFile
from awaitify.summary import parse_failure


def parse_problems(sources: Iterable[SourceFile], cache: Cache, keys: dict[str, str]) -> dict[str, str]:
    """path -> `cannot parse: <why> (line N)` for each of `sources` Python cannot parse; `keys`:
    each path's content key in `cache`."""
    problems: dict[str, str] = {}
    for source in sources:
        path = str(source.path)
        key = f"{keys[path]}:syntax"
        found = cache.outcome(key)
        if found is None:
            found = _problem(source)
            cache.put_outcome(key, found)
        if found:
            problems[path] = found
    return problems


def _problem(source: SourceFile) -> str:
    """Why Python cannot parse the file ("" when it can), in the words `check`'s scan uses."""
    try:
        compile(source.text, source.display, "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        return parse_failure(exc)
    return ""
