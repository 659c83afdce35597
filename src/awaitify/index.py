"""The project index: module names for every file, and call sites resolved to definitions across
modules (imports and re-exports, `self`/`cls`/`super()` through the class hierarchy, `Class.m()`,
simple local type facts). Built from per-file `ModuleSummary` data; unresolved stays unresolved.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence
from pathlib import Path

from awaitify.constructors import builds_own_class
from awaitify.subclass_text import SubclassText
from awaitify.summary import CallSite, ClassInfo, FunctionInfo, ModuleSummary, Ref, ValueRef, summarize, summarize_focused, summary_or_none

FuncId = tuple[str, str]  # (absolute path, qualname)
WORD_INDEX_AFTER = 16  # distinct words scanned for one by one before building the word index
_WORD = re.compile(r"\w+")
_DEF = re.compile(r"def\s+(\w+)")
ClassId = tuple[str, str]

# bases that cannot hold a method the project overrides (their methods are dunders or none)
HARMLESS_BASES = frozenset({"object", "abc.ABC", "typing.Generic", "typing.Protocol", "Exception", "BaseException"})


def absolute_module(importer: str, is_package: bool, module: str | None, level: int) -> str:
    """The dotted name `from <level dots><module> import ...` names, seen from the module `importer`
    (a package's `__init__` when `is_package`)."""
    if not level:
        return module or ""
    parts = importer.split(".")
    base = parts if is_package else parts[:-1]
    base = base[: len(base) - (level - 1)] if level > 1 else base
    return ".".join([*base, module] if module else base)


def module_names(path: Path, roots: list[Path]) -> list[str]:
    """Every dotted name the file may be imported under: by its __init__.py chain (the primary
    name), and relative to each root (namespace packages, src layouts)."""
    names: list[str] = []
    parts = [] if path.stem == "__init__" else [path.stem]
    folder = path.parent
    while (folder / "__init__.py").is_file():
        parts.insert(0, folder.name)
        folder = folder.parent
    if parts:
        names.append(".".join(parts))
    for root in roots:
        try:
            rel = path.with_suffix("").relative_to(root).parts
        except ValueError:
            continue
        rel = rel[:-1] if rel and rel[-1] == "__init__" else rel
        if rel and all(p.isidentifier() for p in rel):
            name = ".".join(rel)
            if name not in names:
                names.append(name)
    return names


@dataclass
class Edge:
    path: str  # file of the call site
    site: CallSite
    constructor: bool = False  # the call builds an instance: the callee is the class's __init__
    dynamic: bool = False  # `self.m()` / `obj.m()`: an override in a subclass may be what runs

    def order(self) -> tuple[str, int, int]:
        """Callers are listed by where they stand: file, line, column."""
        return (self.path, self.site.line, self.site.col)


class SummaryStore:
    """Summaries on demand: parsed the first time a file is asked for (or primed from the cache or
    a worker pool). A file `ast` cannot parse on this Python has no summary: its calls stay unknown."""

    def __init__(
        self,
        texts: dict[str, str],
        primed: dict[str, ModuleSummary | None] | None = None,
        mapper: Callable[[list[tuple[str, str]]], list[tuple[str, ModuleSummary | None]]] | None = None,
        loader: Callable[[str, str], ModuleSummary] = summarize,
        outline_mapper: Callable[[list[tuple[str, str]]], list[tuple[str, ModuleSummary | None]]] | None = None,
        outlines: dict[str, ModuleSummary | None] | None = None,
        focus_mapper: Callable[[list[tuple[str, str, str]]], list[tuple[str, ModuleSummary | None]]] | None = None,
    ) -> None:
        self.texts = texts
        self.focus_mapper = focus_mapper  # focused summaries of many files at once (a worker pool)
        self.outline_mapper = outline_mapper  # outlines of many files at once (a worker pool)
        self.loader = loader  # (path, text) -> summary; raises SyntaxError and the like
        self._summaries: dict[str, ModuleSummary | None] = {}
        self._keep((primed or {}).items())
        self._outlines: dict[str, ModuleSummary | None] = dict(outlines or {})  # primed from the cache
        self.mapper = mapper  # summarizes many files at once (a worker pool), for `prefetch`

    def prefetch(self, paths: list[str]) -> None:
        todo = self._unsummarized(paths)
        if self.mapper is not None and len(todo) > 1:
            self._keep(self.mapper(todo))

    def _keep(self, found: Iterable[tuple[str, ModuleSummary | None]]) -> None:
        """Store summaries made elsewhere (a worker, the cache), giving back to each that has
        bodies left out the text they are read from (`ModuleSummary.expand`)."""
        for path, summary in found:
            if summary is not None and summary.pending:
                summary.source = self.texts[path]
            self._summaries[path] = summary

    def _unsummarized(self, paths: list[str]) -> list[tuple[str, str]]:
        """(path, text) of these files, each once, that have no summary yet."""
        return [(p, self.texts[p]) for p in dict.fromkeys(paths) if p not in self._summaries]

    def get(self, path: str) -> ModuleSummary | None:
        if path not in self._summaries:
            self._summaries[path] = self._read(self.loader, path)
        return self._summaries[path]

    def _read(self, read: Callable[..., ModuleSummary], path: str, *args: object, **how: object) -> ModuleSummary | None:
        return summary_or_none(read, path, self.texts[path], *args, **how)  # unreadable: its calls stay unknown

    def summarized(self, path: str) -> ModuleSummary | None:
        """The full summary when the file has one already (None when not, or unreadable)."""
        return self._summaries.get(path)

    def focused(self, paths: list[str], word: str) -> dict[str, ModuleSummary | None]:
        """Summaries of these files holding only the calls and values that may name `word`
        (`summary.summarize_focused`): most of a file that merely mentions a function is skipped.
        Each is an outline too, kept as one."""
        items = [(p, self.texts[p], word) for p in paths]
        if self.focus_mapper is not None and len(items) > 1:
            found = dict(self.focus_mapper(items))
        else:
            found = {p: self._read(summarize_focused, p, word) for p in paths}
        for path, summary in found.items():
            if path not in self._outlines:
                self._outlines[path] = summary and dataclasses.replace(summary, calls=[], values=[])
        return found

    def prefetch_outlines(self, paths: list[str]) -> None:
        todo = [(p, self.texts[p]) for p in dict.fromkeys(paths) if p not in self._summaries and p not in self._outlines]
        if self.outline_mapper is not None and len(todo) > 1:
            self._outlines.update(self.outline_mapper(todo))

    def outline(self, path: str) -> ModuleSummary | None:
        """Definitions, classes and imports only (the full summary when there is one): enough to
        resolve a name in the module, for a fraction of the cost."""
        if path in self._summaries:
            return self._summaries[path]
        if path not in self._outlines:
            self._outlines[path] = self._read(summarize, path, outline=True)
        return self._outlines[path]

    def unreadable(self) -> list[str]:
        """The files asked for that `ast` could not read."""
        return sorted({p for table in (self._summaries, self._outlines) for p, s in table.items() if s is None})

    def known_outlines(self) -> dict[str, ModuleSummary | None]:
        return self._outlines

    def known(self) -> dict[str, ModuleSummary | None]:
        return self._summaries


_EMPTY = ModuleSummary(path="")


def _may_name(ref: Ref, names: set[str]) -> bool:
    """Can this reference resolve to a function called one of `names` (its name, or an import
    alias of it)? Each way `summary` resolves a name ends in the function's own name or alias."""
    return ref.attr in names or ref.target.rpartition(".")[2] in names


def import_base(path: str) -> Path:
    """The folder a file is imported from: above its package chain (`svc/pkg/m.py` with
    `svc/pkg/__init__.py`: `svc`), or its own folder for a module outside a package."""
    folder = Path(path).parent
    while (folder / "__init__.py").is_file():
        folder = folder.parent
    return folder


def pick_bearer(bearers: Sequence[str], importer: str) -> str | None:
    """Which of the files bearing one module name an import in `importer` means: the one imported
    from the importer's own folder or, else, from the nearest folder above it (two services of a
    monorepo, each with `pkg/`; a copy of the project kept inside it). None where that does not
    tell one file (both beside it, or neither above it)."""
    folder = Path(importer).parent
    above = [(len(base.parts), path) for path in bearers
             if folder == (base := import_base(path)) or base in folder.parents]
    if not above:
        return None
    depth = max(d for d, _ in above)
    nearest = [path for d, path in above if d == depth]
    return nearest[0] if len(nearest) == 1 else None


class ProjectIndex:
    """Resolves lazily: a file is indexed (its calls resolved into edges) only when a question needs
    it, and the files that can answer "who calls f?" are the ones whose text holds f's name. So the
    work follows the affected area, not the size of the tree; `index_all()` gives the full index
    (the tests check that both answer the same)."""

    def __init__(self, store: SummaryStore, roots: list[Path]) -> None:
        self.store = store
        self.texts = store.texts
        self.primary_name: dict[str, str] = {}
        self.modules: dict[str, str] = {}  # dotted name -> a file of that name (the first, where several)
        self._bearers: dict[str, list[str]] = {}  # dotted name -> its files, where several bear it
        # a file one of whose names an import could not tell from another file's -> (name, importer)
        self.unsure: dict[str, tuple[str, str]] = {}
        self._picked: dict[tuple[str, str], str | None] = {}  # (name, importer's folder) -> the file it means
        for path in sorted(self.texts):
            names = module_names(Path(path), roots)
            if names:
                self.primary_name[path] = names[0]
                for name in names:
                    first = self.modules.setdefault(name, path)
                    if first != path:
                        self._bearers.setdefault(name, [first]).append(path)
        self._indexed: set[str] = set()
        self._searched: set[tuple[str, bool]] = set()
        self._named: set[tuple[str, str]] = set()  # (path, word): its sites that may name the word are resolved
        self._callers: dict[FuncId, list[Edge]] = {}
        self._calls_from: dict[FuncId, list[tuple[Edge, FuncId]]] = {}
        self._value_refs: dict[FuncId, list[tuple[str, int, int]]] = {}
        self._unresolved: dict[str, list[tuple[str, CallSite]]] = {}
        self._spelled: dict[str, list[str]] = {}
        self._defining: dict[tuple[ClassId, str], list[FuncId]] = {}
        self._subclasses: SubclassText | None = None  # built the first time overrides are looked for
        self._mro: dict[ClassId, list[ClassId | None]] = {}
        self._words: dict[str, list[str]] | None = None  # word -> files, built once many words are asked
        self.external_calls: list[tuple[str, CallSite, str]] = []  # (path, site, dotted), of indexed files
        self._external_from: dict[FuncId, list[tuple[Edge, str]]] = {}
        self._file_edges: dict[str, list[tuple[Edge, FuncId]]] = {}  # every resolved call of a file
        self.planned_paths: set[str] = set()  # files given calls by `add_planned_call`
        self._def_names: dict[str, list[str]] | None = None  # name -> files with a `def name`
        self._resolved: dict[str, set[CallSite | ValueRef]] = {}  # path -> its sites resolved so far
        self._partly: set[tuple[str, str]] = set()  # (path, owner or "<async>") resolved
        self._by_owner: dict[str, tuple[int, dict[str, list[CallSite]]]] = {}  # path -> (calls then, calls by owner)

    # --- indexing ----------------------------------------------------------------------------------
    # A file's call sites are resolved when a question needs them: all of them (`index_file`), those
    # of one function (`calls_from`), or those in async code (`async_edges`). Most calls of a file
    # that holds an async function stand in sync functions nothing reaches; resolving one reads the
    # module it names. Each site is resolved once, whichever question comes first.
    def index_file(self, path: str) -> None:
        if path in self._indexed:
            return
        self._indexed.add(path)
        summary = self.store.get(path)
        if summary is not None:
            summary.expand()
            self._index_sites(path, summary.calls, summary.values)

    def _index_some(self, path: str, which: str, pick: Callable[[ModuleSummary], list[CallSite]]) -> None:
        """Resolve the call sites `pick` chooses, once per (path, which)."""
        if path in self._indexed or (path, which) in self._partly:
            return
        self._partly.add((path, which))
        summary = self.store.get(path)
        if summary is not None:
            self._index_sites(path, pick(summary))

    def _index_sites(self, path: str, sites: Sequence[CallSite], values: Sequence[ValueRef] = ()) -> None:
        done = self._resolved.setdefault(path, set())
        for site in sites:
            if site in done:
                continue
            done.add(site)
            targets, constructor, external = self.resolve_call(path, site.ref)
            if external is not None:
                self.external_calls.append((path, site, external))
                if site.owner:
                    self._external_from.setdefault((path, site.owner), []).append((Edge(path, site), external))
            # `x.m()` on a local whose class is not known (`x = make()`, a function) may reach any `m`
            if not targets and site.ref.kind in ("unresolved", "instance") and site.ref.attr:
                self._unresolved.setdefault(site.ref.attr, []).append((path, site))
            for target in targets:
                edge = Edge(path, site, constructor, dynamic=site.ref.kind in ("self", "instance"))
                self._callers.setdefault(target, []).append(edge)
                self._file_edges.setdefault(path, []).append((edge, target))
                if site.owner:
                    self._calls_from.setdefault((path, site.owner), []).append((edge, target))
        for value in values:
            if value in done:
                continue
            done.add(value)
            if value.ref.kind in ("self", "instance", "super"):
                targets, _, _ = self.resolve_call(path, value.ref)
            else:
                found = self._resolve_plain(path, value.ref)
                targets = [found[1]] if found and found[0] == "function" else []  # type: ignore[list-item]
            for target in targets:
                self._value_refs.setdefault(target, []).append((path, value.line, value.col))

    def _sites_of(self, summary: ModuleSummary, owner: str) -> list[CallSite]:
        summary.expand_owner(owner)
        counted, grouped = self._by_owner.get(summary.path, (-1, {}))
        if counted != len(summary.calls):  # first asked, or bodies were read since
            grouped = {}
            for site in summary.calls:
                grouped.setdefault(site.owner, []).append(site)
            self._by_owner[summary.path] = (len(summary.calls), grouped)
        return grouped.get(owner, [])

    def files_spelling(self, word: str) -> list[str]:
        """The files in which `word` stands as a whole word. A substring scan per word at first; an
        inverted index of every file's words once many words have been asked for."""
        if word not in self._spelled:
            if self._words is None and len(self._spelled) >= WORD_INDEX_AFTER:
                self._words = {}
                for path in sorted(self.texts):
                    for found in set(_WORD.findall(self.texts[path])):
                        self._words.setdefault(found, []).append(path)
            if self._words is not None:
                self._spelled[word] = self._words.get(word, [])
            else:
                spelled = re.compile(rf"\b{re.escape(word)}\b")
                self._spelled[word] = [p for p, t in sorted(self.texts.items()) if word in t and spelled.search(t)]
        return self._spelled[word]

    def index_files_mentioning(self, word: str, whole: bool = False) -> None:
        """Every file that could refer to a function `word` (a call, a value) is one that spells it.
        Only what may name it is read there (`index_naming`). `whole`: every site of those files (a
        class name: `Sub()` builds a `Base` and never spells it)."""
        if (word, whole) in self._searched or (word, True) in self._searched:
            return
        self._searched.add((word, whole))
        self._index_spelling(word, whole, self.files_spelling(word))

    def _index_spelling(self, word: str, whole: bool, paths: Sequence[str]) -> None:
        if whole:
            found = [p for p in paths if p not in self._indexed]
            self.store.prefetch(found)
            for path in found:
                self.index_file(path)
        else:
            self.index_naming(word, paths)

    def index_naming(self, word: str, paths: Sequence[str]) -> None:
        """Resolve the sites of these files that may name a function `word`, once per file and word:
        a file not summarized yet gets a focused summary (the lines spelling it), one summarized
        already has those of its sites resolved."""
        todo = [p for p in paths if p not in self._indexed and (p, word) not in self._named]
        self._named.update((p, word) for p in todo)
        summaries = {p: self.store.summarized(p) for p in todo}
        for path, summary in summaries.items():
            if summary is not None:  # a resolved reference ends in the name itself, aliases followed
                summary.expand_naming({word})
                self._index_sites(path, [c for c in summary.calls if _may_name(c.ref, {word})],
                                  [v for v in summary.values if _may_name(v.ref, {word})])
        for path, summary in self.store.focused([p for p, known in summaries.items() if known is None], word).items():
            if summary is not None:
                self._index_sites(path, summary.calls, summary.values)

    def _named_in(self, path: str, word: str, whole: bool = False) -> bool:
        return path in self._indexed or (not whole and (path, word) in self._named)

    def summarized(self, path: str) -> bool:
        return self.store.summarized(path) is not None

    def summarized_spelling(self, word: str) -> list[str]:
        """The files spelling `word` that have a full summary already."""
        return [p for p in self.files_spelling(word) if self.summarized(p)]

    def files_defining(self, name: str) -> list[str]:
        """The files that may define a function `name`: one regex pass over every file builds the
        table the first time (cheaper than the word index, and all an override search needs)."""
        if self._def_names is None:
            self._def_names = {}
            for path in sorted(self.texts):
                for found in set(_DEF.findall(self.texts[path])):
                    self._def_names.setdefault(found, []).append(path)
        return self._def_names.get(name, [])

    def prefetch_targets(self, fids: Sequence[FuncId] = (), async_in: Sequence[str] = ()) -> None:
        """Summarize, at once, the project modules that the calls of these functions (or of the
        async code in these files) name through an import, and those their classes' bases name:
        resolving the calls reads them. Whole summaries, not outlines: the reach goes on into many
        of them, and an outline would be parsed again then (on the standard library, 49 of the 92
        files outlined were)."""
        dotted_names: list[tuple[str, str]] = []
        files = [*((fid[0], self._sites_of(s, fid[1])) for fid in fids if (s := self.store.get(fid[0]))),
                 *((p, [c for c in s.calls if c.in_async]) for p in async_in if (s := self.store.get(p)))]
        for path, sites in files:
            for site in sites:
                for ref in (site.ref, site.ref.cls):
                    if ref is not None and ref.kind == "import":
                        dotted_names.append((path, ref.target))
        self.store.prefetch([*self._modules_of(dotted_names), *self._base_modules([path for path, _ in files])])

    def _base_modules(self, paths: list[str]) -> list[str]:
        """The project modules the class bases of these files name through an import."""
        return self._modules_of([(path, base.target) for path in dict.fromkeys(paths)
                                 for info in self.summary(path).classes.values() for base in info.bases if base.kind == "import"])

    def _modules_of(self, dotted_names: list[tuple[str, str]]) -> list[str]:
        """The project module each (importing file, dotted name) names."""
        wanted = []
        for path, dotted in dotted_names:
            parts = self._absolute(path, dotted).split(".")
            for cut in range(len(parts), 0, -1):
                name = ".".join(parts[:cut])
                if name in self.modules:  # (as `resolve_dotted` reads it)
                    module = self._module_file(name, path)
                    wanted += [module] if module is not None else []
                    break
        return wanted

    def index_all(self) -> None:
        for path in sorted(self.texts):
            self.index_file(path)

    # --- questions ---------------------------------------------------------------------------------
    def _inherited(self, fid: FuncId) -> list[FuncId]:
        """The same-named methods of fid's ancestors: a `self.m()` resolved to one of them may
        dispatch to fid at run time."""
        info = self.function(fid)
        if info.class_qualname is None:
            return []
        out = []
        for klass in self.mro((fid[0], info.class_qualname))[1:]:
            if klass is not None and f"{klass[1]}.{info.name}" in self.summary(klass[0], klass[1]).functions:
                out.append((klass[0], f"{klass[1]}.{info.name}"))
        return out

    def _caller_words(self, fid: FuncId) -> list[tuple[str, bool]]:
        """(word, whole): what a call of fid spells. Its name; for `__init__`, its class's too, whose
        files are read whole (`Sub()` builds a `Base` and never spells it)."""
        info = self.function(fid)
        words = [(info.name, False)]
        if info.name == "__init__" and info.class_qualname:
            words.append((info.class_qualname.rpartition(".")[2], True))
        return words

    def callers(self, fid: FuncId, within: Callable[[str], bool] | None = None) -> list[Edge]:
        """Every caller found so far, once the files that may call fid are read; `within`: read only
        the files it keeps (a closure offloaded already reads the summarized ones:
        `planner.Propagator.closure`; `unread_for` says what that left)."""
        for word, whole in self._caller_words(fid):
            if within is None:
                self.index_files_mentioning(word, whole)
            else:
                self._index_spelling(word, whole, [p for p in self.files_spelling(word) if within(p)])
        edges = list(self._callers.get(fid, []))
        for ancestor in self._inherited(fid):
            edges += [e for e in self._callers.get(ancestor, []) if e.dynamic]
        return sorted(edges, key=Edge.order)

    def callers_in(self, fid: FuncId, paths: Sequence[str]) -> list[Edge]:
        """The callers of fid standing in these files (only these are read)."""
        wanted = set(paths)
        return [e for e in self.callers(fid, within=wanted.__contains__) if e.path in wanted]

    def unread_for(self, fid: FuncId) -> frozenset[str]:
        """The files that may call fid whose sites no question has read yet."""
        return frozenset(p for word, whole in self._caller_words(fid) for p in self.files_spelling(word)
                         if not self._named_in(p, word, whole))

    def add_planned_call(self, path: str, site: CallSite, target: FuncId) -> None:
        """A call another rule's plan will write into async code of `path` (the lifespan that will
        run a sync startup hook): propagation treats it as standing there already."""
        edge = Edge(path, site)
        self._callers.setdefault(target, []).append(edge)
        self._file_edges.setdefault(path, []).append((edge, target))
        self.planned_paths.add(path)

    def async_edges(self, path: str) -> list[tuple[Edge, FuncId]]:
        """The resolved calls standing in the file's async functions (at any depth), with their callee."""
        self._index_some(path, "<async>", lambda summary: [site for site in summary.calls if site.in_async])
        return [(edge, target) for edge, target in self._file_edges.get(path, []) if edge.site.in_async]

    def overriding(self, fid: FuncId) -> list[FuncId]:
        """Methods in subclasses that override fid: a `self.m()` resolved to fid may run them."""
        info = self.function(fid)
        if info.class_qualname is None:
            return []
        return [d for d in self._descendants((fid[0], info.class_qualname), info.name) if d != fid]

    def calls_from(self, fid: FuncId) -> list[tuple[Edge, FuncId]]:
        self._index_function(fid)
        return self._calls_from.get(fid, [])

    def external_calls_from(self, fid: FuncId) -> list[tuple[Edge, str]]:
        """Calls in fid's body that resolve to names outside the project (`time.sleep`)."""
        self._index_function(fid)
        return self._external_from.get(fid, [])

    def _index_function(self, fid: FuncId) -> None:
        self._index_some(fid[0], fid[1], lambda summary: self._sites_of(summary, fid[1]))

    def value_refs(self, fid: FuncId) -> list[tuple[str, int, int]]:
        self.index_files_mentioning(self.function(fid).name)
        return sorted(self._value_refs_known(fid))

    def _value_refs_known(self, fid: FuncId) -> list[tuple[str, int, int]]:
        refs = list(self._value_refs.get(fid, []))
        for ancestor in self._inherited(fid):
            refs += self._value_refs.get(ancestor, [])
        return refs

    def first_value_ref(self, fid: FuncId) -> tuple[str, int, int] | None:
        """`value_refs(fid)[0]`, or None, reading only the files that can hold an earlier one: once
        the files summarized already show a reference, the other files spelling the name are read
        only up to its path (the standard library's `test.support.gc_collect`: 10 of 57 files)."""
        name = self.function(fid).name
        self.index_naming(name, self.summarized_spelling(name))
        known = [r for r in self._value_refs_known(fid) if self._named_in(r[0], name)]
        if not known:
            refs = self.value_refs(fid)
            return refs[0] if refs else None
        bound = min(known)[0]
        self.index_naming(name, [p for p in self.files_spelling(name) if p <= bound])
        return min(r for r in self._value_refs_known(fid) if r[0] <= bound and self._named_in(r[0], name))

    def unresolved_named(self, name: str) -> list[tuple[str, CallSite]]:
        self.index_files_mentioning(name)
        return sorted(self._unresolved.get(name, []), key=lambda u: (u[0], u[1].line, u[1].col))

    # --- lookups -------------------------------------------------------------------------------------
    def summary(self, path: str, looking_up: str = "") -> ModuleSummary:
        """What resolving names needs: the file's definitions and imports, not its calls.
        `looking_up`: a qualname about to be looked up; one defined in a function body the summary
        left unread (`f.<locals>.g`, known from an outline or a focused summary read before it)
        is read first."""
        summary = self.store.outline(path) or _EMPTY
        summary.expand_inside(looking_up)
        return summary

    def function(self, fid: FuncId) -> FunctionInfo:
        return self.summary(fid[0], fid[1]).functions[fid[1]]

    def display_name(self, fid: FuncId) -> str:
        module = self.primary_name.get(fid[0], Path(fid[0]).stem)
        return f"{module}.{fid[1]}"

    def _absolute(self, path: str, dotted: str) -> str:
        if not dotted.startswith("."):
            return dotted
        level = len(dotted) - len(dotted.lstrip("."))
        return absolute_module(self.primary_name.get(path, ""), self.summary(path).is_package_init,
                               dotted.lstrip(".") or None, level)

    def resolve_dotted(self, dotted: str, depth: int = 0, importer: str | None = None) -> tuple[str, object] | None:
        """("function", FuncId) | ("class", ClassId) | ("module", path) | ("external", dotted).
        `importer`: the file whose import this is, which tells apart two files of one module name
        (`pick_bearer`); None where it cannot (the call is left unresolved)."""
        if depth > 6:
            return None
        parts = dotted.split(".")
        for cut in range(len(parts), 0, -1):
            module = ".".join(parts[:cut])
            if module in self.modules:
                path = self._module_file(module, importer)
                return None if path is None else self._inside(path, parts[cut:], depth)
        return ("external", dotted)

    def _module_file(self, module: str, importer: str | None) -> str | None:
        bearers = self._bearers.get(module)
        if bearers is None or importer is None:  # (a name from the settings: the first file, as always)
            return self.modules[module]
        key = (module, str(Path(importer).parent))  # (asked for each call site: the folders are read once)
        if key not in self._picked:
            self._picked[key] = pick_bearer(bearers, importer)
        path = self._picked[key]
        if path is None:
            for bearer in bearers:
                self.unsure.setdefault(bearer, (module, importer))
        return path

    def _inside(self, path: str, rest: list[str], depth: int) -> tuple[str, object] | None:
        summary = self.summary(path)
        if not rest:
            return ("module", path)
        head = rest[0]
        if head in summary.classes and len(rest) <= 2:
            cid = (path, head)
            if len(rest) == 1:
                return ("class", cid)
            fid = self.lookup_method(cid, rest[1])
            return ("function", fid) if fid else None
        if head in summary.functions and len(rest) == 1:
            return ("function", (path, head))
        if head in summary.imports:  # a re-export
            target = self._absolute(path, summary.imports[head])
            return self.resolve_dotted(".".join([target, *rest[1:]]), depth + 1, importer=path)
        return None

    def _instance_class(self, path: str, ref: Ref) -> ClassId | None:
        """The class of a local bound by `x = C(...)`, or by `x = C.make(...)` where `make` is a classmethod
        whose every `return` is `cls(...)` (a constructor: `x` is a `C`, a subclass's when C is one)."""
        cid = self.resolve_class_ref(path, ref)
        if cid is not None or ref.kind not in ("own", "import") or "." not in ref.target:
            return cid
        found = self._resolve_plain(path, ref)
        if not (found and found[0] == "function" and found[1]):
            return None
        fid: FuncId = found[1]  # type: ignore[assignment]
        info = self.function(fid)
        if info.class_qualname is None or not builds_own_class(self.texts.get(fid[0], ""), info.line, info.name):
            return None
        return self.resolve_class_ref(path, ref._replace(target=ref.target.rpartition(".")[0]))

    def resolve_class_ref(self, path: str, ref: Ref) -> ClassId | None:
        found = self._resolve_plain(path, ref)
        return found[1] if found and found[0] == "class" else None  # type: ignore[return-value]

    def _resolve_plain(self, path: str, ref: Ref) -> tuple[str, object] | None:
        if ref.kind == "import":
            return self.resolve_dotted(self._absolute(path, ref.target), importer=path)
        if ref.kind != "own":
            return None
        summary = self.summary(path, ref.target)
        if ref.target in summary.functions:
            return ("function", (path, ref.target))
        if ref.target in summary.classes:
            return ("class", (path, ref.target))
        owner, _, attr = ref.target.rpartition(".")
        if owner in summary.classes:  # Class.method, maybe inherited
            fid = self.lookup_method((path, owner), attr)
            return ("function", fid) if fid else None
        return None

    # --- classes -------------------------------------------------------------------------------------
    def bases(self, cid: ClassId) -> list[ClassId | None]:
        """Project base classes; None for a base outside the project (or unresolvable)."""
        info: ClassInfo = self.summary(cid[0], cid[1]).classes[cid[1]]
        out: list[ClassId | None] = []
        for base in info.bases:
            resolved = self.resolve_class_ref(cid[0], base)
            dotted = base.target if base.kind == "import" else ("" if base.kind == "own" else base.attr)
            if resolved is None and (dotted in HARMLESS_BASES or base.target in HARMLESS_BASES):
                continue
            out.append(resolved)
        return out

    def mro(self, cid: ClassId) -> list[ClassId | None]:
        if cid not in self._mro:
            self._mro[cid] = self._linearize(cid, set())
        return self._mro[cid]

    def _linearize(self, cid: ClassId, seen: set[ClassId]) -> list[ClassId | None]:
        if cid in seen:
            return []
        seen.add(cid)
        order: list[ClassId | None] = [cid]
        for base in self.bases(cid):
            order.extend(self._linearize(base, seen) if base is not None else [None])
        return order

    def lookup_method(self, cid: ClassId, name: str, skip_self: bool = False) -> FuncId | None:
        for klass in self.mro(cid)[1 if skip_self else 0 :]:
            if klass is None:
                return None  # an outside base may define it: unknown
            qualname = f"{klass[1]}.{name}"
            if qualname in self.summary(klass[0], qualname).functions:
                return (klass[0], qualname)
        return None

    def overrides(self, fid: FuncId) -> list[FuncId]:
        """The same method elsewhere in its class hierarchy: they must change together. Ancestors
        come from the MRO; descendants from the files that define a method of that name (only
        those are read), kept when their class really derives from fid's."""
        return [*self._inherited(fid), *self.overriding(fid)]

    def prefetch_overriding(self, fids: list[FuncId]) -> None:
        """Read at once the files that the override searches of these methods will read."""
        wanted: list[str] = []
        for fid in dict.fromkeys(fids):
            info = self.function(fid)
            if info.class_qualname is not None and ((fid[0], info.class_qualname), info.name) not in self._defining:
                wanted += self._override_candidates((fid[0], info.class_qualname), info.name)
        self._read_with_bases(wanted)

    def _read_with_bases(self, paths: list[str]) -> None:
        """Summarize these override candidates at once, then outline the modules their class bases
        name: their MROs read them next. Whole summaries, not outlines: the reach goes on into a
        file that holds an override (on the standard library, 11 of 21 candidates)."""
        self.store.prefetch(paths)
        self.store.prefetch_outlines(self._base_modules(paths))

    def _override_candidates(self, cid: ClassId, name: str) -> list[str]:
        """The files that define a method `name` and whose class statements can name a subclass of cid."""
        if self._subclasses is None:
            self._subclasses = SubclassText(self.texts)
        short = cid[1].rpartition(".")[2]
        return [p for p in self.files_defining(name) if self._subclasses.may_derive(p, short)]

    def _descendants(self, cid: ClassId, name: str) -> list[FuncId]:
        """The methods called `name` in classes deriving from `cid`. Only files that define such a
        method, and whose class statements can name a subclass of cid, are read."""
        key = (cid, name)
        if key not in self._defining:
            candidates = self._override_candidates(cid, name)
            self._read_with_bases(candidates)
            found = []
            for path in candidates:
                self.summary(path).expand_defining_method(name)  # a class defined in a function body
                for qualname, other in self.summary(path).functions.items():
                    if other.name == name and other.class_qualname is not None and cid in self.mro((path, other.class_qualname))[1:]:
                        found.append((path, qualname))
            self._defining[key] = found
        return self._defining[key]

    def has_outside_base(self, fid: FuncId) -> bool:
        info = self.function(fid)
        return info.class_qualname is not None and None in self.mro((fid[0], info.class_qualname))

    # --- call resolution -------------------------------------------------------------------------------
    def resolve_call(self, path: str, ref: Ref) -> tuple[list[FuncId], bool, str | None]:
        """(callee functions, is a constructor call, external dotted name if outside the project)."""
        if ref.kind in ("self", "instance"):
            cid = (path, ref.target) if ref.kind == "self" else (self._instance_class(path, ref.cls) if ref.cls else None)
            if cid is None:
                return [], False, None
            fid = self.lookup_method(cid, ref.attr)
            if fid is None:
                return [], False, None
            return [fid], False, None  # overrides are found from the other side: see `callers`
        if ref.kind == "super":
            fid = self.lookup_method((path, ref.target), ref.attr, skip_self=True)
            return ([fid] if fid else []), False, None
        found = self._resolve_plain(path, ref)
        if found is None:
            return [], False, None
        kind, target = found
        if kind == "function":
            return [target], False, None  # type: ignore[list-item]
        if kind == "class":
            init = self.lookup_method(target, "__init__")  # type: ignore[arg-type]
            return ([init] if init else []), True, None
        if kind == "external":
            return [], False, target  # type: ignore[return-value]
        return [], False, None


def import_roots(project_root: Path, paths: list[Path]) -> list[Path]:
    """The folders module names are resolved from: each folder given, the project's root, and the
    `src/` folder of each."""
    roots: list[Path] = []
    for base in [*(p.resolve() for p in paths if p.is_dir()), project_root.resolve()]:
        for root in (base, base / "src"):
            if root.is_dir() and root not in roots:
                roots.append(root)
    return roots


def build_index(store: SummaryStore, roots: list[Path], full: bool = False) -> ProjectIndex:
    index = ProjectIndex(store, roots)
    if full:
        index.index_all()
    return index
