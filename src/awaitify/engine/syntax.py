"""A file no rule needs to read is still parsed once, so that one Python cannot parse is always
named: an AW000 finding in `check`, a skipped file in `fix` (both exit 1). The answer is kept in
the cache by the file's content, so a warm run parses nothing again."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable

try:
    import _symtable  # CPython's: the parse behind the `symtable` module
except ImportError:  # pragma: no cover - another implementation parses the whole way
    _symtable = None  # type: ignore[assignment]

from awaitify.engine.cache import Cache
from awaitify.engine.pool import Pool
from awaitify.source import SourceFile
from awaitify.summary import parse_failure


def parse_problems(sources: Iterable[SourceFile], cache: Cache, keys: dict[str, str], pool: Pool | None = None) -> dict[str, str]:
    """path -> `cannot parse: <why> (line N)` for each of `sources` Python cannot parse; `keys`:
    each path's content key in `cache`. The files the cache does not answer for are parsed in
    `pool` when one is given (on the standard library, 1,600 files no rule reads)."""
    return start_parse_problems(sources, cache, keys, pool)()


def start_parse_problems(sources: Iterable[SourceFile], cache: Cache, keys: dict[str, str],
                         pool: Pool | None = None, idle: bool = False,
                         read: Callable[[str], bool] | None = None) -> Callable[[], dict[str, str]]:
    """`parse_problems`, begun in `pool` now: calling what this returns waits for the answer, so
    this process can work meanwhile. `idle`: the workers parse only while no other batch is in hand
    (`Pool.when_idle`): for a run that has other work for them before it needs this answer. `read`
    (idle only): whether a rule has read the file (path) by the time the workers would take it: it
    is not parsed again, and has no answer here."""
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
    size: Callable[[tuple[str, str]], int] = lambda item: len(item[1])  # noqa: E731
    if pool is None:
        collect: Callable[[], list[str]] = lambda: list(map(_problem, items))  # noqa: E731
    elif idle:
        paths = {source.display: str(source.path) for source in missing}
        skip = None if read is None else (lambda item: read(paths[item[0]]))  # type: ignore[index]
        collect = pool.when_idle(_problem, items, "syntax", size=size, skip=skip)
    else:
        collect = pool.start(_problem, items, None, "syntax", size=size)

    def finish() -> dict[str, str]:
        for source, found in zip(missing, collect()):
            if found is None:  # read by a rule meanwhile: its parse answers
                continue
            cache.put_outcome(f"{keys[str(source.path)]}:syntax", found)
            if found:
                problems[str(source.path)] = found
        return problems
    return finish


class SyntaxCheck:
    """A run's syntax check of the files no rule reads, in two parts: begun early, as idle work, on
    the files most likely left unread (`likely`); the rest (`also`) once the run knows which they
    are. `problems` gives the answer for the files still unread then."""

    def __init__(self, likely: list[SourceFile], cache: Cache, keys: dict[str, str], pool: Pool | None,
                 read: Callable[[str], bool] | None = None) -> None:
        """`read(path)`: whether a rule has read the file by now; one it has is left out of the early
        part (whose files are handed over in `likely`'s order: the likeliest to stay unread first)."""
        self.cache, self.keys, self.pool = cache, keys, pool
        self.asked = {str(s.path) for s in likely}
        self._early = start_parse_problems(likely, cache, keys, pool, idle=True, read=read)
        self._rest: Callable[[], dict[str, str]] = dict

    def also(self, unread: Iterable[SourceFile]) -> None:
        """Begin the files of `unread` the early part did not take."""
        self._rest = start_parse_problems([s for s in unread if str(s.path) not in self.asked], self.cache, self.keys, self.pool)

    def problems(self, unread: Callable[[str], bool]) -> dict[str, str]:
        """path -> why Python cannot parse it, for the paths `unread` says no rule read (waits for
        the workers; asked once)."""
        found = {**self._early(), **self._rest()}
        return {path: why for path, why in found.items() if unread(path)}


def _problem(item: tuple[str, str]) -> str:
    """Why Python cannot parse the file (display, text) ("" when it can), in the words `check`'s
    scan uses. Building the symbol table parses the file as `ast.parse` does but makes no Python
    objects of the tree: half the cost. It refuses more (a `nonlocal` at module level, deeper
    nesting on 3.10), never less, so only a file it refuses is parsed again for the answer."""
    display, text = item
    if _parses(text, display):
        return ""
    try:
        compile(text, display, "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        return parse_failure(exc)
    return ""


def _parses(text: str, display: str) -> bool:
    """True when the file surely parses; False when only `ast.parse` can tell."""
    if _symtable is None:
        return False
    try:
        _symtable.symtable(text, display, "exec")
    except Exception:  # noqa: BLE001 - any refusal is decided again by the parse itself
        return False
    return True
