"""One run, in one direction: discover -> pre-check -> index -> plan -> transform -> verify.

Returns results; printing and writing belong to the caller (the CLI), so the same run serves a
dry run, `--write`, `--check` and every output format. Each stage's wall time is kept in
`RunResult.timings` for the benchmark.
"""

from __future__ import annotations

import functools
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from awaitify.engine.cache import Cache, content_key, load_last, save_last, stat_key
from awaitify.config import Config
from awaitify.discovery import Discovered, discover
from awaitify.errors import SourceError
from awaitify.findings import Change, Diagnostic
from awaitify.engine.gc_tuning import fewer_collections
from awaitify.engine.pool import Pool, Progress, focus_one, outline_one, pool_mapper, pool_starter, summarize_one
from awaitify.index import SummaryStore
from awaitify.plan import FilePlan, Plan
from awaitify.planner import build_plan
from awaitify.entry_points import metadata_text
from awaitify.runtime import with_detected_runtime
from awaitify.rules import Rule, ignored_here, wants_hooks
from awaitify.source import SourceFile, read_all
from awaitify.engine import speculation
from awaitify.engine.speculation import Speculation
from awaitify.summary import ModuleSummary, has_async_def


# Below this many files, planning is too quick for transforms started before it to gain anything.
SPECULATE_FROM = 200
# Up to this many transforms left after the plan go to the speculation process, whose libcst is
# loaded already; more go to the pool, forked again with libcst loaded here first.
_LEFT_TO_SPECULATION = 2


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


# --- the pre-check ---------------------------------------------------------------------------------
def by_text(source: SourceFile, rules: tuple[Rule, ...], config: Config, plan: FilePlan) -> tuple[Rule, ...]:
    """The pre-check's first step, no parse: the rules not ignored here that the plan gives work,
    or whose tokens the file spells."""
    return tuple(r for r in rules if not ignored_here(source.display, r, config, source.path)
                 and r.may_apply(source.text, config, plan))


def _by_text_all(sources: list[SourceFile], rules: tuple[Rule, ...], config: Config) -> dict[str, tuple[Rule, ...]]:
    """`by_text` of every file with an empty plan: what speculation foresees."""
    return {str(s.path): by_text(s, rules, config, FilePlan()) for s in sources}


def _asks_summary(rule: Rule, plan: FilePlan) -> bool:
    # the summary reads the file as it is; functions the plan makes async are not async in it yet
    return rule.name in wants_hooks() and not plan.has_work_for(rule.name) and not plan.make_async


def rules_for(source: SourceFile, candidates: tuple[Rule, ...], plan: FilePlan, store: SummaryStore) -> tuple[Rule, ...]:
    """Of the rules `by_text` kept, those that may change this file: a rule that can say so from the
    `ast` summary (`wants`) is asked; a libcst parse costs ~17x an ast one."""
    hooks = wants_hooks()
    chosen = []
    for rule in candidates:
        summary = store.get(str(source.path)) if _asks_summary(rule, plan) else None
        if summary is None or hooks[rule.name](summary):
            chosen.append(rule)
    return tuple(chosen)


# --- one file (runs in a worker process when there are many) ----------------------------------
def fix_file(source: SourceFile, rules: tuple[Rule, ...], config: Config, plan: FilePlan,
             declined: frozenset[tuple[int, str]] = frozenset()) -> FileResult:
    from awaitify.transform import transform, verify  # libcst: loaded once a file is transformed

    result = FileResult(path=source.path, display=source.display, old=source.raw, new=source.raw)
    try:
        outcome = transform(source, rules, config, plan, declined)
    except SourceError as exc:
        result.error = exc.reason
        return result
    except Exception as exc:  # a codemod bug must cost one file, never the run
        result.error = f"internal error in a codemod: {type(exc).__name__}: {exc}; file left unchanged (please report this)"
        return result
    result.changes, result.diagnostics = outcome.changes, outcome.diagnostics
    if outcome.new != source.raw:
        problem = verify(source, outcome.new, rules, config, stability=not declined, planned=frozenset(plan.extra))
        if problem:
            result.error = f"internal error: {problem}; file left unchanged (please report this)"
        else:
            result.new = outcome.new
    return result


def _load_codemods() -> None:
    """What a transform loads first: libcst and every codemod."""
    from awaitify.transform import codemod_modules

    codemod_modules()


def _fix_one(item: tuple[SourceFile, tuple[Rule, ...], Config, FilePlan]) -> FileResult:
    return fix_file(*item)


def _crashed(item: tuple[SourceFile, tuple[Rule, ...], Config, FilePlan]) -> FileResult:
    source = item[0]
    return FileResult(path=source.path, display=source.display, old=source.raw, new=source.raw,
                      error="the worker process died on this file (killed or out of memory?); file left unchanged")


# --- the run ---------------------------------------------------------------------------------------
@contextmanager
def _stage(timings: dict[str, float], name: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    timings[name] = timings.get(name, 0.0) + time.perf_counter() - start


def _cache_root(config: Config) -> Path:
    """Beside the pyproject.toml the settings came from; the current directory when there is none."""
    return config.root


def _fingerprint(config: Config, rule_codes: tuple[str, ...], plan: FilePlan) -> str:
    settings = {k: v for k, v in vars(config).items() if k not in ("source", "root")}
    return content_key(repr(sorted(settings.items(), key=str)), repr((rule_codes, plan)).encode())


def _prime_summaries(sources: list[SourceFile], cache: Cache, keys: dict[str, str], pool: Pool,
                     options: RunOptions) -> SummaryStore:
    """Summaries from the cache; the rest are computed on demand, in the pool when many are asked
    for at once (planning asks by batches: the files that spell a name)."""
    primed: dict[str, ModuleSummary | None] = {}
    for source in sources:
        hit, summary = cache.summary(keys[str(source.path)])
        if hit:
            primed[str(source.path)] = summary

    return SummaryStore({str(s.path): s.text for s in sources}, primed, pool_mapper(pool, summarize_one, options.progress),
                        outline_mapper=pool_mapper(pool, outline_one, options.progress), outlines=cache.outlines(keys),
                        focus_mapper=pool_mapper(pool, focus_one, options.progress), starter=pool_starter(pool, summarize_one, options.progress))


def run(paths: list[Path], config: Config, rules: tuple[Rule, ...], options: RunOptions = RunOptions()) -> RunResult:
    with fewer_collections():
        return _run_once(paths, config, rules, options)


def _run_once(paths: list[Path], config: Config, rules: tuple[Rule, ...], options: RunOptions) -> RunResult:
    timings: dict[str, float] = {}
    with _stage(timings, "discover"):
        files = discover(paths, config)
    quick = None
    if options.use_cache:  # an unchanged tree is recognised from file stats alone
        settings = repr((_fingerprint(config, tuple(r.code for r in rules), FilePlan()), [str(p) for p in paths],
                         sorted(options.scope or ()), options.scope is None, options.full_index))
        quick = stat_key("fix", [f.path for f in files], settings)
        last = load_last(_cache_root(config), "fix", quick)
        if last is not None:  # nothing read, parsed or transformed
            last.timings = timings
            last.counters = {"files": len(files), "summaries": 0, "transformed": 0, "cache_hits": len(files)}
            return last
    result = _run(paths, config, rules, options, files, timings)
    if options.use_cache:
        save_last(_cache_root(config), "fix", quick, result)
    return result


def _run(paths: list[Path], config: Config, rules: tuple[Rule, ...], options: RunOptions, files: list[Discovered],
         timings: dict[str, float]) -> RunResult:
    pool = Pool(options.jobs)
    # forked now, before the pool's thread exists (awaitify.engine.speculation)
    early = None
    if options.scope is None and len(files) >= SPECULATE_FROM and pool.jobs >= 2 and speculation.available():
        early = speculation.take_early() or Speculation(_fix_one, _load_codemods)
    speculation.drop_early()  # forked as the command started, but this run has no use for it
    foreseen: dict[str, tuple | None] = {}  # path -> its work item should the plan leave the file alone
    cache, store, keys = None, None, {}
    try:
        with _stage(timings, "discover"):
            sources, unreadable = read_all(files, config.max_file_size)
            config = with_detected_runtime(config, (s.text for s in sources))  # trio programs get trio's API
            failed = [FileResult(path=f.path, display=f.display, old=b"", new=b"", error=why) for f, why in unreadable]
        cache = Cache.load(_cache_root(config), "fix") if options.use_cache else Cache.disabled()
        keys = {str(s.path): content_key(str(s.path), s.raw) for s in sources}
        with _stage(timings, "index"):
            store = _prime_summaries(sources, cache, keys, pool, options)
        with _stage(timings, "plan"):
            # the plan depends on every file: reuse it only when nothing at all changed
            plan_key = content_key("plan", repr((sorted(keys.values()), [str(p) for p in paths], sorted(options.scope or ()),
                                                 _fingerprint(config, tuple(r.code for r in rules), FilePlan()),
                                                 metadata_text(config.root))).encode())  # entry points, a library's API
            plan = cache.cached_plan(plan_key)
            if plan is None:
                if early is not None:
                    # the files that spell `async def` are summarized first (the planner and the
                    # pre-check read them); speculation starts once they are in (see `_speculate`)
                    found = functools.cache(lambda: _by_text_all(sources, rules, config))
                    store.start_prefetch([str(s.path) for s in sources if has_async_def(s.text)],
                                         then=lambda: foreseen.update(_speculate(early, sources, found(), config, store, keys, cache, options)))
                    found()  # while the workers parse
                plan = build_plan(sources, rules, config, paths, store, full_index=options.full_index,
                                  scope=set(options.scope) if options.scope is not None else None)
                cache.put_plan(plan_key, plan)
        with _stage(timings, "pre-check"):
            empty = FilePlan()
            candidates, items = [], []
            for source in sources:
                file_plan = plan.for_file(str(source.path))
                if str(source.path) in foreseen and file_plan == empty:  # decided before the plan, the same way
                    items.append((source, foreseen[str(source.path)]))
                else:
                    candidates.append((source, file_plan, by_text(source, rules, config, file_plan)))
            store.prefetch([str(source.path) for source, file_plan, found in candidates
                            if any(_asks_summary(r, file_plan) for r in found)])
            items += [(source, _work_item(source, found, file_plan, store, config, keys[str(source.path)], options))
                      for source, file_plan, found in candidates]
            work, results = [], []
            for source, item in items:
                if item is None:
                    continue
                cached = cache.outcome(item[0])
                if cached is not None:
                    results.append(_from_cache(source, cached))
                else:
                    work.append(item)
        with _stage(timings, "transform"):
            # started early: taken when the plan left the file's work as it was foreseen
            early_done = early.claim() if early is not None else {}
            rest = [(key, item) for key, item in work if key not in early_done]
            if early is not None and 0 < len(rest) <= _LEFT_TO_SPECULATION and "libcst" not in sys.modules:
                # the speculation process has libcst loaded: importing it here (0.6 s) would cost more
                early_done.update(early.finish(rest) or {})
                rest = [(key, item) for key, item in rest if key not in early_done]
            if rest:
                pool.with_module("awaitify.transform")  # libcst, here and in the workers from now on
            late = iter(pool.map(_fix_one, [item for _, item in rest], options.progress, "transform",
                                 on_crash=_crashed, size=lambda item: len(item[0].raw), isolate=options.isolate))
            fresh = [early_done[key] if key in early_done else next(late) for key, _ in work]
        for (key, _), result in zip(work, fresh):
            if result.error is None:
                cache.put_outcome(key, (result.new if result.changed else None, result.changes, result.diagnostics))
        results += fresh
        for path, summary in store.known().items():
            cache.put_summary(keys[path], summary)
        cache.put_outlines(store.known_outlines(), keys)
        cache.save(set(keys.values()))
    except KeyboardInterrupt:
        _keep_on_interrupt(cache, store, keys)
        raise
    finally:
        pool.close()
        if early is not None:
            early.close()
    results += failed
    if options.scope is not None:  # what a file outside the scope shows is only what the plan did there
        for r in results:
            if str(r.path) not in options.scope:
                r.diagnostics = []
    results.sort(key=lambda r: r.display)
    counters = {"files": len(files), "summaries": len(store.known()), "transformed": len(work), "cache_hits": cache.hits}
    return RunResult(scanned=len(files), results=results, plan=plan, timings=timings, counters=counters, scope=options.scope)


def _keep_on_interrupt(cache: Cache | None, store: SummaryStore | None, keys: dict[str, str]) -> None:
    """An interrupted run keeps what it computed (the summaries, the plan once made): the next run
    over the same tree resumes from them (a batch over a monorepo: docs/monorepo.md)."""
    if cache is None or store is None:
        return
    try:
        for path, summary in store.known().items():
            cache.put_summary(keys[path], summary)
        cache.save(set(keys.values()))
    except Exception:  # noqa: BLE001 - the interrupt is what the user must see; the cache is optional
        pass


def _work_item(source: SourceFile, found: tuple[Rule, ...], file_plan: FilePlan, store: SummaryStore, config: Config,
               content: str, options: RunOptions) -> tuple[str, tuple[SourceFile, tuple[Rule, ...], Config, FilePlan]] | None:
    """(work key, what `_fix_one` takes) for a file the pre-check keeps, or None. The key names
    everything the outcome depends on: the file's content, the settings, the rules, its plan."""
    if not found:
        return None
    chosen = rules_for(source, found, file_plan, store)
    if options.scope is not None and str(source.path) not in options.scope:
        chosen = tuple(r for r in chosen if file_plan.has_work_for(r.name))
    if not chosen:
        return None
    return f"{content}:{_fingerprint(config, tuple(r.code for r in chosen), file_plan)}", (source, chosen, config, file_plan)


def _speculate(early: Speculation, sources: list[SourceFile], found: dict[str, tuple[Rule, ...]], config: Config,
               store: SummaryStore, keys: dict[str, str], cache: Cache, options: RunOptions) -> dict[str, tuple | None]:
    """Hand `early` the transforms of the files that need one even if the plan leaves them alone
    (awaitify.engine.speculation), from the pre-check with an empty plan (`found`: by text). Returns what
    it decided for each file it could decide without a parse here (path -> work item)."""
    empty, foreseen = FilePlan(), {}
    for source in sources:
        rules = found[str(source.path)]
        if any(_asks_summary(r, empty) for r in rules) and store.summarized(str(source.path)) is None:
            continue  # deciding would parse it here, now
        foreseen[str(source.path)] = _work_item(source, rules, empty, store, config, keys[str(source.path)], options)
    early.start(sorted((item for item in foreseen.values() if item is not None and item[0] not in cache.outcomes),
                       key=lambda item: -len(item[1][0].raw)))  # the longest transforms gain most
    return foreseen


def _from_cache(source: SourceFile, cached: tuple[bytes | None, list[Change], list[Diagnostic]]) -> FileResult:
    new, changes, diagnostics = cached
    return FileResult(source.path, source.display, source.raw, new if new is not None else source.raw, changes, diagnostics)
