"""`fix` as a job of the engine's pipeline (awaitify.engine.pipeline): discover -> pre-check ->
index -> plan -> transform -> verify -> output, each stage a method of `FixJob`.

Returns results; printing and writing belong to the caller (the CLI), so the same run serves a
dry run, `--write`, `--check` and every output format. Each stage's wall time is kept in
`RunResult.timings` for the benchmark.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from awaitify.config import Config
from awaitify.discovery import Discovered, discover
from awaitify.engine import pipeline
from awaitify.engine.cache import Cache, content_key, load_last, save_last, stat_key
from awaitify.engine.gc_tuning import fewer_collections
from awaitify.engine.pool import Pool, Progress, focus_one, outline_one, pool_mapper, summarize_one
from awaitify.engine.syntax import SyntaxCheck
from awaitify.entry_points import metadata_text
from awaitify.errors import SourceError
from awaitify.findings import Change, Diagnostic
from awaitify.index import SummaryStore
from awaitify.plan import FilePlan, Plan
from awaitify.planner import build_plan
from awaitify.propagated_text import as_propagated
from awaitify.rules import Rule, ignored_here, reported, wants_hooks
from awaitify.runtime import with_detected_runtime
from awaitify.source import SourceFile
from awaitify.summary import ModuleSummary


@dataclass
class FileResult:
    path: Path
    display: str
    old: bytes
    new: bytes
    changes: list[Change] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    error: str | None = None  # why the file was skipped; it is then left untouched

    @property
    def changed(self) -> bool:
        return self.error is None and self.new != self.old


@dataclass
class RunResult:
    scanned: int
    results: list[FileResult]
    plan: Plan
    timings: dict[str, float] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)
    scope: frozenset[str] | None = None
    config: Config | None = None  # the settings the transforms used (the runtime detected), to transform again

    @property
    def outside_scope(self) -> list[FileResult]:
        """Files changed only because the plan reached them from a file in the scope."""
        return [r for r in self.changed if self.scope is not None and str(r.path) not in self.scope]

    @property
    def changed(self) -> list[FileResult]:
        return [r for r in self.results if r.changed]

    @property
    def skipped(self) -> list[FileResult]:
        return [r for r in self.results if r.error]

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return sorted(d for r in self.results for d in r.diagnostics)


@dataclass(frozen=True)
class RunOptions:
    jobs: int = 0  # 0: every core
    use_cache: bool = True
    full_index: bool = False  # index every file instead of following the affected area (tests)
    progress: Progress | None = None
    # `--changed-since`: files whose problems are fixed; others only get the edits the plan makes
    # for them (callers of functions made async in scope). None: every file.
    scope: frozenset[str] | None = None
    # transforms (libcst: native code, no recursion guard) in a worker process even with one job,
    # so a crash costs one file; the command sets it, tests that count calls in-process do not
    isolate: bool = False
    # path -> bytes read instead of the file on disk (an editor's unsaved buffers): such a run is
    # never answered from, nor stored as, the last result of its file stats
    overlay: Mapping[Path, bytes] | None = field(default=None, compare=False)
    # a cache a long-running caller keeps in memory between runs (awaitify.server), instead of
    # `.awaitify_cache/`: summaries, the plan and transforms of unchanged files are reused
    warm: Cache | None = field(default=None, compare=False)
    # the codes whose diagnostics the result shows, as `check` selects them (awaitify.commands.reported_codes);
    # None: every code. Applied to the result, never to what is cached: a run with another selection reuses it
    reported: frozenset[str] | None = None


# --- the pre-check ---------------------------------------------------------------------------------
def by_text(source: SourceFile, rules: tuple[Rule, ...], config: Config, plan: FilePlan) -> tuple[Rule, ...]:
    """The pre-check's first step, no parse: the rules not ignored here that the plan gives work,
    or whose tokens the file spells."""
    return tuple(r for r in rules if not ignored_here(source.display, r, config, source.path)
                 and r.may_apply(source.text, config, plan))


def _asks_summary(rule: Rule, plan: FilePlan) -> bool:
    return rule.name in wants_hooks() and not plan.has_work_for(rule.name)


def rules_for(source: SourceFile, candidates: tuple[Rule, ...], plan: FilePlan, store: SummaryStore,
              propagated: tuple[ModuleSummary, str] | None = None) -> tuple[Rule, ...]:
    """Of the rules `by_text` kept, those that may change this file: a rule that can say so from the
    `ast` summary (`wants`) is asked; a libcst parse costs ~17x an ast one. Where the plan makes a
    function async, the rules see it async (propagation runs first): they are asked about the file
    as propagation leaves it (`propagated`: its summary and text), or not at all without it."""
    hooks = wants_hooks()
    chosen = []
    for rule in candidates:
        view = None
        if _asks_summary(rule, plan):
            view = propagated if plan.make_async else (store.get(str(source.path)), source.text)
        if view is None or view[0] is None or hooks[rule.name](*view):
            chosen.append(rule)
    return tuple(chosen)


# --- one file (runs in a worker process when there are many) ----------------------------------
def transform_file(source: SourceFile, rules: tuple[Rule, ...], config: Config, plan: FilePlan,
                   declined: frozenset[tuple[int, str]] = frozenset()) -> FileResult:
    """The file's changes; its new bytes are the codemods' until `verify_file` accepts them."""
    from awaitify.transform import transform  # libcst: loaded once a file is transformed

    result = FileResult(path=source.path, display=source.display, old=source.raw, new=source.raw)
    try:
        outcome = transform(source, rules, config, plan, declined)
    except SourceError as exc:
        result.error = exc.reason
        return result
    except Exception as exc:  # a codemod bug must cost one file, never the run
        # where the recursion limit is met (a call, a comparison...) depends on how deep the worker
        # was forked: the same file must get the same words from every run
        why = "maximum recursion depth exceeded" if isinstance(exc, RecursionError) else exc
        result.error = f"internal error in a codemod: {type(exc).__name__}: {why}; file left unchanged (please report this)"
        return result
    result.changes, result.diagnostics, result.new = outcome.changes, outcome.diagnostics, outcome.new
    return result


def verify_file(source: SourceFile, rules: tuple[Rule, ...], config: Config, plan: FilePlan, result: FileResult,
                declined: frozenset[tuple[int, str]] = frozenset()) -> FileResult:
    """`result` as `transform_file` made it, its new bytes kept only if they pass
    `awaitify.transform.verify`; a file they fail is left unchanged, with why."""
    if result.error is not None or result.new == source.raw:
        return result
    from awaitify.transform import verify

    problem = verify(source, result.new, rules, config, stability=not declined, planned=frozenset(plan.extra))
    if problem:
        result.error = f"internal error: {problem}; file left unchanged (please report this)"
        result.new = source.raw
    return result


def fix_file(source: SourceFile, rules: tuple[Rule, ...], config: Config, plan: FilePlan,
             declined: frozenset[tuple[int, str]] = frozenset()) -> FileResult:
    """One file transformed and verified, in this process (stdin, `--interactive`, libcst commands)."""
    return verify_file(source, rules, config, plan, transform_file(source, rules, config, plan, declined), declined)


def _load_codemods() -> None:
    """What a transform loads first: libcst and every codemod."""
    from awaitify.transform import codemod_modules

    codemod_modules()


WorkItem = tuple[SourceFile, tuple[Rule, ...], Config, FilePlan]


def _transform_one(item: WorkItem) -> FileResult:
    return transform_file(*item)


def _verify_one(item: tuple[SourceFile, tuple[Rule, ...], Config, FilePlan, FileResult]) -> FileResult:
    return verify_file(*item)


def _crashed(item: tuple) -> FileResult:
    source = item[0]
    return FileResult(path=source.path, display=source.display, old=source.raw, new=source.raw,
                      error="the worker process died on this file (killed or out of memory?); file left unchanged")


# --- the run ---------------------------------------------------------------------------------------
def _fingerprint(config: Config, rule_codes: tuple[str, ...], plan: FilePlan) -> str:
    settings = {k: v for k, v in vars(config).items() if k not in ("source", "root")}
    return content_key(repr(sorted(settings.items(), key=str)), repr((rule_codes, plan)).encode())


def run(paths: list[Path], config: Config, rules: tuple[Rule, ...], options: RunOptions = RunOptions()) -> RunResult:
    with fewer_collections():
        timings: dict[str, float] = {}
        result = pipeline.run(FixJob(paths, config, rules, options, timings), timings)
        result.timings = timings
        if options.reported is not None:
            for file in result.results:
                file.diagnostics = reported_diagnostics(file, config, options.reported)
        return result


def reported_diagnostics(result: FileResult, config: Config, selected: frozenset[str]) -> list[Diagnostic]:
    """The file's diagnostics under the codes the run selects and its settings do not ignore, as
    `check` keeps its findings (awaitify.rules.reported)."""
    return [d for d in result.diagnostics if reported(d.code, result.display, config, result.path, selected)]


class FixJob:
    """`fix`'s stages (awaitify.engine.pipeline); each keeps what it made here for the next ones."""

    def __init__(self, paths: list[Path], config: Config, rules: tuple[Rule, ...], options: RunOptions,
                 timings: dict[str, float]) -> None:
        self.paths, self.config, self.rules, self.options, self.timings = paths, config, rules, options, timings
        self.pool: Pool | None = None
        self.cache: Cache | None = None
        self.store: SummaryStore | None = None
        self.keys: dict[str, str] = {}
        self.quick: str | None = None  # the key of the last result, by file stats
        self.files: list[Discovered] = []
        self.tree: pipeline.Tree | None = None
        self.failed: list[FileResult] = []
        self.by_text: dict[str, tuple[Rule, ...]] = {}
        self.project_plan: Plan | None = None
        self.work: list[tuple[str, WorkItem]] = []  # (work key, item) of each file to transform
        self.results: list[FileResult] = []  # from the cache
        self.fresh: list[FileResult] = []  # transformed by this run, in the order of `work`
        self.syntax: SyntaxCheck | None = None  # the check (AW000) of the files the plan leaves alone

    def discover(self) -> RunResult | None:
        """The files, read; or the last result, when no file's stats changed since (nothing read,
        parsed or transformed)."""
        options = self.options
        self.files = discover(self.paths, self.config)
        if options.use_cache and not options.overlay:
            settings = repr((_fingerprint(self.config, self._codes(), FilePlan()), [str(p) for p in self.paths],
                             sorted(options.scope or ()), options.scope is None, options.full_index))
            self.quick = stat_key("fix", [f.path for f in self.files], settings)
            last = load_last(self.config.root, "fix", self.quick)
            if last is not None:
                last.counters = {"files": len(self.files), "summaries": 0, "transformed": 0, "cache_hits": len(self.files)}
                return last
        self.tree = pipeline.read_tree(self.files, self.config.max_file_size, options.overlay)
        self.config = with_detected_runtime(self.config, (s.text for s in self.tree.sources))  # trio programs get trio's API
        self.failed = [FileResult(path=f.path, display=f.display, old=b"", new=b"", error=why) for f, why in self.tree.unreadable]
        return None

    def precheck(self) -> None:
        """The rules each file's text allows (no parse), as if the plan left the file alone; the plan
        can only add to them (`_rules_by_text`)."""
        empty = FilePlan()
        self.by_text = {str(s.path): by_text(s, self.rules, self.config, empty) for s in self._sources()}

    def index(self) -> None:
        """The summary store: summaries from the cache, the rest made on demand, in the pool when
        many are asked for at once (planning asks by batches: the files that spell a name)."""
        self.pool = Pool(self.options.jobs)
        self.cache = self.options.warm if self.options.warm is not None else (
            Cache.load(self.config.root, "fix") if self.options.use_cache else Cache.disabled())
        sources, cache, pool, progress = self._sources(), self.cache, self.pool, self.options.progress
        self.keys = {str(s.path): content_key(str(s.path), s.raw) for s in sources}
        primed: dict[str, ModuleSummary | None] = {}
        for source in sources:
            hit, summary = cache.summary(self.keys[str(source.path)])
            if hit:
                primed[str(source.path)] = summary
        self.store = SummaryStore({str(s.path): s.text for s in sources}, primed, pool_mapper(pool, summarize_one, progress),
                                  outline_mapper=pool_mapper(pool, outline_one, progress), outlines=cache.outlines(self.keys),
                                  focus_mapper=pool_mapper(pool, focus_one, progress))
        # a file no rule's text wants is most likely left alone: parsed once (AW000) while the
        # workers have nothing else to do; the answer is kept for the files the plan leaves alone
        self.syntax = SyntaxCheck([s for s in sources if not self.by_text[str(s.path)]], cache, self.keys, pool)

    def plan(self) -> None:
        """The project's plan; reused from the cache only when nothing at all changed (it depends on
        every file)."""
        options, cache = self.options, self.cache
        assert cache is not None
        plan_key = content_key("plan", repr((sorted(self.keys.values()), [str(p) for p in self.paths], sorted(options.scope or ()),
                                             _fingerprint(self.config, self._codes(), FilePlan()),
                                             metadata_text(self.config.root))).encode())  # entry points, a library's API
        self.project_plan = cache.cached_plan(plan_key)
        if self.project_plan is None:
            self.project_plan = build_plan(self._sources(), self.rules, self.config, self.paths, self.store, full_index=options.full_index,
                                   scope=set(options.scope) if options.scope is not None else None)
            cache.put_plan(plan_key, self.project_plan)

    def transform(self) -> None:
        """Each file's work (the rules its text and its plan give it, that its summary does not
        decline), then the codemods on the files whose outcome the cache does not hold."""
        items = self._work_items()
        untouched = [source for source, item in items if item is None]
        assert self.syntax is not None
        self.syntax.also(untouched)
        for source, item in items:
            if item is None:
                continue
            cached = self.cache.outcome(item[0])
            if cached is not None:
                self.results.append(_from_cache(source, cached))
            else:
                self.work.append(item)
        assert self.pool is not None
        if self.work:  # libcst, here and in the workers from now on: imported while they finish the syntax check
            self.pool.with_module("awaitify.transform")
        left = {str(s.path) for s in untouched}
        broken = self.syntax.problems(left.__contains__)
        self.failed += [FileResult(path=s.path, display=s.display, old=s.raw, new=s.raw, error=broken[str(s.path)])
                        for s in untouched if str(s.path) in broken]
        self.fresh = self.pool.map(_transform_one, [item for _, item in self.work], self.options.progress, "transform",
                                   on_crash=_crashed, size=lambda item: len(item[0].raw), isolate=self.options.isolate)

    def verify(self) -> None:
        """Each changed file's new bytes checked (awaitify.transform.verify); only verified outcomes
        are cached."""
        assert self.pool is not None
        changed = [i for i, result in enumerate(self.fresh) if result.error is None and result.new != result.old]
        checked = self.pool.map(_verify_one, [(*self.work[i][1], self.fresh[i]) for i in changed], self.options.progress,
                                "verify", on_crash=_crashed, size=lambda item: len(item[0].raw), isolate=self.options.isolate)
        for i, result in zip(changed, checked):
            self.fresh[i] = result
        for (key, _), result in zip(self.work, self.fresh):
            if result.error is None:
                self.cache.put_outcome(key, (result.new if result.changed else None, result.changes, result.diagnostics))

    def output(self) -> RunResult:
        """The run's result, its caches saved."""
        cache, store = self.cache, self.store
        assert cache is not None and store is not None and self.project_plan is not None
        for path, summary in store.known().items():
            cache.put_summary(self.keys[path], summary)
        cache.put_outlines(store.known_outlines(), self.keys)
        cache.save(set(self.keys.values()))
        results = self.results + self.fresh + self.failed
        scope = self.options.scope
        if scope is not None:  # what a file outside the scope shows is only what the plan did there
            for r in results:
                if str(r.path) not in scope:
                    r.diagnostics = []
        results.sort(key=lambda r: r.display)
        counters = {"files": len(self.files), "summaries": len(store.known()), "transformed": len(self.work), "cache_hits": cache.hits}
        result = RunResult(scanned=len(self.files), results=results, plan=self.project_plan, timings=self.timings, counters=counters, scope=scope,
                           config=self.config)
        if self.options.use_cache:
            save_last(self.config.root, "fix", self.quick, result)
        return result

    def interrupted(self) -> None:
        """An interrupted run keeps what it computed (the summaries, the plan once made): the next run
        over the same tree resumes from them (a batch over a monorepo: docs/monorepo.md)."""
        if self.cache is None or self.store is None:
            return
        try:
            for path, summary in self.store.known().items():
                self.cache.put_summary(self.keys[path], summary)
            self.cache.save(set(self.keys.values()))
        except Exception:  # noqa: BLE001 - the interrupt is what the user must see; the cache is optional
            pass

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()

    def _sources(self) -> list[SourceFile]:
        assert self.tree is not None
        return self.tree.sources

    def _codes(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.rules)

    def _work_items(self) -> list[tuple[SourceFile, tuple[str, WorkItem] | None]]:
        """Each file's work item (None: nothing to do), from the pre-check and the plan; the summaries
        the rules' `wants` ask about are made at once, in the pool."""
        assert self.project_plan is not None and self.store is not None
        empty, candidates = FilePlan(), []
        for source in self._sources():
            file_plan = self.project_plan.for_file(str(source.path))
            found = self.by_text[str(source.path)]
            if file_plan != empty:  # the plan gives the file work its text may not spell
                found = by_text(source, self.rules, self.config, file_plan)
            candidates.append((source, file_plan, found))
        asking = [(source, file_plan) for source, file_plan, found in candidates if any(_asks_summary(r, file_plan) for r in found)]
        self.store.prefetch([str(source.path) for source, _ in asking])
        propagated = self._propagated([(source, file_plan) for source, file_plan in asking if file_plan.make_async])
        return [(source, _work_item(source, found, file_plan, self.store, self.config, self.keys[str(source.path)], self.options,
                                    propagated.get(str(source.path))))
                for source, file_plan, found in candidates]

    def _propagated(self, files: list[tuple[SourceFile, FilePlan]]) -> dict[str, tuple[ModuleSummary, str]]:
        """path -> (summary, text) of each file as propagation leaves it (`awaitify.propagated_text`),
        summarized in the pool; a file it cannot be made for is left out."""
        assert self.store is not None and self.pool is not None
        texts = {}
        for source, file_plan in files:
            summary = self.store.get(str(source.path))
            text = as_propagated(source.text, summary, file_plan.make_async) if summary is not None else None
            if text is not None:
                texts[str(source.path)] = text
        views = {}
        for path, summary in self.pool.map(summarize_one, list(texts.items()), None, "summaries"):
            if summary is not None:
                if summary.pending:  # its bodies left out are read from this text when asked for
                    summary.source = texts[path]
                views[path] = (summary, texts[path])
        return views


def _work_item(source: SourceFile, found: tuple[Rule, ...], file_plan: FilePlan, store: SummaryStore, config: Config,
               content: str, options: RunOptions, propagated: tuple[ModuleSummary, str] | None = None) -> tuple[str, WorkItem] | None:
    """(work key, what `_transform_one` takes) for a file the pre-check keeps, or None. The key names
    everything the outcome depends on: the file's content, the settings, the rules, its plan."""
    if not found:
        return None
    chosen = rules_for(source, found, file_plan, store, propagated)
    if options.scope is not None and str(source.path) not in options.scope:
        chosen = tuple(r for r in chosen if file_plan.has_work_for(r.name))
    if not chosen:
        return None
    return f"{content}:{_fingerprint(config, tuple(r.code for r in chosen), file_plan)}", (source, chosen, config, file_plan)


def _from_cache(source: SourceFile, cached: tuple[bytes | None, list[Change], list[Diagnostic]]) -> FileResult:
    new, changes, diagnostics = cached
    return FileResult(source.path, source.display, source.raw, new if new is not None else source.raw, changes, diagnostics)
