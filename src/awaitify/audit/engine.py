"""`check` as a job of the engine's pipeline (awaitify.engine.pipeline): discover -> pre-check ->
index -> plan -> output. It scans the files async code reaches, follows sync helpers up to async
code, and keeps what is selected and not suppressed."""

from __future__ import annotations

import functools
import re
from dataclasses import replace
from pathlib import Path
from typing import Callable

from awaitify import await_barriers, requests_plan
from awaitify.audit.results import CheckOptions, CheckResult, Finding, LastCheck, last_check
from awaitify.audit.open_blocks import with_thread_bound_blocks
from awaitify.audit.propagated import as_fix_sees, chain_functions
from awaitify.audit.reach import Link, Reach, runs_in_async
from awaitify.audit.scan import FILE_OBJECT_CODE, TOKENS, FileScan, Site, may_hold_anywhere_finding, scan
from awaitify.config import Config
from awaitify.discovery import repo_relative
from awaitify.engine import pipeline
from awaitify.engine.gc_tuning import fewer_collections
from awaitify.index import FuncId, ProjectIndex, SummaryStore, build_index, import_roots
from awaitify.reachable import AsyncReach
from awaitify.rules import Rule, all_rules, check_by_code, ignored_here, planner_modules, refusal_hooks, reported
from awaitify.engine.cache import Cache, content_key, save_last
from awaitify.engine.pool import Pool, focus_one, outline_one, pool_mapper, text_size
from awaitify.engine.syntax import SyntaxCheck
from awaitify.source import SourceFile
from awaitify.summary import ASYNC, SYNC, UNPARSABLE, ModuleSummary, has_async_def, parse_failure
from awaitify.suppress import is_suppressed, own_comments
from awaitify.offload_refusals import refused_offload
from awaitify.plan import Plan
from awaitify.planner import PROPAGATION, build_plan, dunder_below_sync_caller
from awaitify.runtime import with_detected_runtime
from awaitify.thread_bound import ThreadBound


def _suppressed(scan_: FileScan, site: Site, check: Rule) -> bool:
    return is_suppressed(scan_.suppressions, {site.line, site.end_line}, check.code)


def _message(site: Site, check: Rule, chain: tuple[Link, ...], config: Config) -> str:
    text = f"{site.pattern} {check.why}"
    if site.code == "AW103":
        how = config.blocking_calls.get(site.pattern[:-2], "")
        text += "; use " + ("`asyncio.to_thread`" if how == "offload" else f"`await {how}()`")
    if chain:
        text += f" (reached from async `{chain[0].function}`)"
    return text


def _scan_one(item: tuple[str, str, dict[str, str]]) -> FileScan | str:
    """In a worker: the file's scan, or why it cannot be read."""
    path, text, custom = item
    try:
        return scan(path, text, custom)
    except UNPARSABLE as exc:
        return parse_failure(exc)


def _scan_crashed(item: tuple[str, str, dict[str, str]]) -> str:
    return "the worker process died on this file (killed or out of memory?); not audited"


class _Scans:
    """Each file's scan, read once: from the cache (keyed by content and the custom blocking
    calls), else parsed (in the worker pool when many are asked for at once). A scan holds the
    file's summary too, so the index reads its files through this."""

    def __init__(self, sources: list[SourceFile], config: Config, options: CheckOptions, cache: Cache,
                 keys: dict[str, str]) -> None:
        self.texts = {str(s.path): s.text for s in sources}
        self.config, self.cache, self.keys = config, cache, keys
        self.pool = Pool(options.jobs)
        self.done: dict[str, FileScan] = {}
        self.errors: dict[str, str] = {}

    def read(self, paths: list[str]) -> None:
        self.start(paths)()

    def start(self, paths: list[str]) -> Callable[[], None]:
        """The scans begin in the workers now; calling what this returns waits for them."""
        todo = []
        for path in paths:
            if path in self.done or path in self.errors:
                continue
            cached = self.cache.outcome(self.keys[path])
            if cached is not None:
                self._keep(path, cached)
            else:
                todo.append((path, self.texts[path], self.config.blocking_calls))
        collect = self.pool.start(_scan_one, todo, None, "scan", on_crash=_scan_crashed, size=text_size)

        def finish() -> None:
            for (path, _, _), outcome in zip(todo, collect()):
                self.cache.put_outcome(self.keys[path], outcome)
                self._keep(path, outcome)
        return finish

    def _keep(self, path: str, outcome: FileScan | str) -> None:
        if isinstance(outcome, str):
            self.errors[path] = outcome
        else:
            self.done[path] = outcome

    def summaries(self, items: list[tuple[str, str]]) -> list[tuple[str, ModuleSummary | None]]:
        self.read([path for path, _ in items])
        return [(path, self.done[path].summary if path in self.done else None) for path, _ in items]

    def summary(self, path: str, text: str) -> ModuleSummary:
        self.read([path])
        if path not in self.done:
            raise SyntaxError(self.errors[path])
        return self.done[path].summary


def _may_hold_finding(text: str, config: Config) -> bool:
    """The cheap pre-check, as for `fix`: the rules' detectors' words (`Detector.tokens`)."""
    return any(t in text for t in TOKENS) or any(n.rpartition(".")[2] in text for n in config.blocking_calls)


def check_source(source: SourceFile, config: Config, rules: tuple[Rule, ...]) -> CheckResult:
    """One file given as text (an editor's buffer, `--stdin-filename`): chains stay inside it."""
    return pipeline.run(CheckJob([], config, rules, CheckOptions(use_cache=False), sources=[source]))


def run_check(paths: list[Path], config: Config, rules: tuple[Rule, ...], options: CheckOptions = CheckOptions(),
              last: LastCheck | None = None) -> CheckResult:
    """`last`: what `last_check` found, when the caller asked first (the CLI does)."""
    last = last or last_check(paths, config, tuple(sorted(r.code for r in rules)), options.use_cache and not options.overlay)
    result = last.result
    if result is None:
        with fewer_collections():
            result = pipeline.run(CheckJob(paths, config, rules, options, discovered=last.discovered))
        save_last(config.root, "check", last.key, result)
    return last.scoped(result, options.scope)


class CheckJob:
    """`check`'s stages (awaitify.engine.pipeline): no transform, no verify. Its plan is what async
    code reaches, and by which chain; its output, the findings."""

    def __init__(self, paths: list[Path], config: Config, rules: tuple[Rule, ...], options: CheckOptions,
                 discovered: list | None = None, sources: list[SourceFile] | None = None) -> None:
        self.paths, self.config, self.rules, self.options = paths, config, rules, options
        self.discovered, self.given = discovered or [], sources
        self.tree: pipeline.Tree | None = None
        self.cache = Cache.disabled()
        self.keys: dict[str, str] = {}
        self.whole = ""  # the key of the whole result: reused only when nothing changed
        self.may_hold: set[str] = set()
        self.first: list[str] = []
        self.scans: _Scans | None = None
        self.scanned: Callable[[], None] = lambda: None
        self.store: SummaryStore | None = None
        self.project_index: ProjectIndex | None = None
        self.reach: Reach | None = None
        self.bound: ThreadBound | None = None
        self.syntax: SyntaxCheck | None = None  # the check (AW000) of the files no scan reads

    def discover(self) -> CheckResult | None:
        """The files, read; or the whole result from the cache, when no file and no setting changed."""
        config, options = self.config, self.options
        if self.given is not None:  # one file, as text: nothing cached
            self.tree = pipeline.Tree(self.given, [])
            self.keys = {str(s.path): "" for s in self.given}
            return None
        self.tree = pipeline.read_tree(self.discovered, config.max_file_size, options.overlay)  # the same limit as fix
        self.cache = options.warm if options.warm is not None else (
            Cache.load(config.root, "check") if options.use_cache else Cache.disabled())
        settings = content_key("scan", repr(sorted(config.blocking_calls.items())).encode())
        self.keys = {str(s.path): f"{content_key(str(s.path), s.raw)}:scan-{settings}" for s in self.tree.sources}
        # the findings depend on every file (chains cross modules): reused only when nothing changed
        self.whole = content_key("check", repr((sorted(self.keys.values()), sorted(r.code for r in self.rules),
                                                [str(p) for p in self.paths],
                                                sorted((k, repr(v)) for k, v in vars(config).items()))).encode())
        return self.cache.outcome(f"{self.whole}:check")

    def precheck(self) -> None:
        """The files whose text may hold a finding, and of those the ones read first: findings stand
        in async code, in what async code reaches, or anywhere (framework hooks)."""
        texts = {str(s.path): s.text for s in self._sources()}
        self.may_hold = {p for p, text in texts.items() if _may_hold_finding(text, self.config)}
        if self.options.full_index:  # the reference: every file that may hold a finding, every caller searched
            self.first = sorted(self.may_hold)
        else:
            self.first = [p for p, text in texts.items()
                          if p in self.may_hold and (has_async_def(text) or may_hold_anywhere_finding(text))]

    def index(self) -> None:
        """The first files' scans start in the workers while the index is built here; a scan holds
        the file's summary, so the index reads its files through the scans."""
        self.scans = scans = _Scans(self._sources(), self.config, self.options, self.cache, self.keys)
        self.scanned = scans.start(self.first)
        self.store = SummaryStore(scans.texts, mapper=scans.summaries, loader=scans.summary,
                                  outline_mapper=pool_mapper(scans.pool, outline_one), focus_mapper=pool_mapper(scans.pool, focus_one),
                                  outlines=self.cache.outlines(self._plain_keys()))
        self.project_index = build_index(self.store, import_roots(self.config.root, self.paths))
        # a file not scanned first is most likely never scanned (only if async code reaches it and
        # its text may hold a finding: those go last), but parsed once (AW000): while the workers
        # have nothing else to do, unless a scan has read it by then
        first = set(self.first)
        later = sorted((s for s in self._sources() if str(s.path) not in first), key=lambda s: str(s.path) in self.may_hold)
        self.syntax = SyntaxCheck(later, self.cache, self._plain_keys(), scans.pool,
                                  read=lambda path: path in scans.done or path in scans.errors)

    def plan(self) -> None:
        """What async code reaches (top down), its files scanned, and which helpers are bound to a
        thread; the other files' syntax check left running in the workers."""
        scans, index, store = self.scans, self.project_index, self.store
        assert scans is not None and index is not None and store is not None
        configured = set(self.config.blocking_calls)
        barrier = lambda fid: index.display_name(fid) in configured  # noqa: E731
        displays = self._displays()
        self.scanned()
        down = None if self.options.full_index else AsyncReach(index, runs_in_async, barrier)
        if down is not None:
            scans.read(sorted({fid[0] for fid in down.reached} & self.may_hold))
        # any other file no scan read is parsed too, in the workers, while the rest of the plan and
        # the findings are worked out here; only a broken module is scanned after this
        assert self.syntax is not None
        self.syntax.also(s for s in self._sources() if str(s.path) not in scans.done and str(s.path) not in scans.errors)
        self.reach = Reach(index, lambda p: displays.get(p, p), barrier, down)
        self.bound = ThreadBound(index, self.config.thread_bound, lambda p: displays.get(p, p))
        scans.read(store.unreadable())  # a broken module async code imports from is named, with the reason
        self.cache.put_outlines(store.known_outlines(), self._plain_keys())

    def output(self) -> CheckResult:
        """The findings of every scanned file that async code reaches (or that stand anywhere), kept
        when selected and not suppressed; the result cached whole."""
        assert self.scans is not None and self.project_index is not None and self.reach is not None and self.bound is not None
        assert self.syntax is not None
        scans = self.scans
        result = _findings(self._sources(), self.config, self.rules, scans, self.project_index, self.reach, self.bound,
                           self.syntax, self._plan)
        if self.given is None:
            assert self.tree is not None
            result.errors[:0] = [(f.display, why) for f, why in self.tree.unreadable]
            result.scanned += len(self.tree.unreadable)
            self.cache.put_outcome(f"{self.whole}:check", result)
            self.cache.save({k.split(":", 1)[0] for k in self.keys.values()} | {self.whole})
        return result

    def interrupted(self) -> None:
        """Nothing to keep: a check's scans are cached only with its result."""

    def close(self) -> None:
        if self.scans is not None:
            self.scans.pool.close()

    def _plan(self) -> Plan:
        """`fix`'s plan, from the summaries read already, for the codemods of the selection."""
        codemods = set(all_rules())
        return build_plan(self._sources(), tuple(r for r in self.rules if r in codemods), self.config, self.paths,
                          store=self.store, full_index=self.options.full_index)

    def _sources(self) -> list[SourceFile]:
        assert self.tree is not None
        return self.tree.sources

    def _displays(self) -> dict[str, str]:
        return {str(s.path): s.display for s in self._sources()}

    def _plain_keys(self) -> dict[str, str]:
        return {path: key.split(":", 1)[0] for path, key in self.keys.items()}  # outlines do not depend on the settings


def _findings(sources: list[SourceFile], config: Config, rules: tuple[Rule, ...], scans: "_Scans", index: ProjectIndex,
              reach: Reach, bound: ThreadBound, syntax: SyntaxCheck, plan_of: Callable[[], Plan]) -> CheckResult:
    """`syntax`: which of the files no scan read Python cannot parse (awaitify.engine.syntax);
    `plan_of`: `fix`'s plan, asked for only when the helpers it makes async may change a finding."""
    result = CheckResult(scanned=len(sources))
    plan_of = functools.cache(plan_of)  # built once, if at all
    selected = {r.code for r in rules}
    codemods = {r.code for r in all_rules()}
    propagated = {n for r in all_rules() for n in (*r.async_fixes, *r.offload_fixes)} | set(config.blocking_calls)
    offload_only = {n for r in all_rules() for n in r.offload_fixes} | {n for n, how in config.blocking_calls.items() if how == "offload"}
    configured = set(config.blocking_calls)
    displays = {str(s.path): s.display for s in sources}
    plan_refused: set[tuple[str, int, int]] = set()  # findings whose reason their rule's project plan may change
    awaited = propagated - offload_only  # a sync helper holding one of these calls may be made async
    # through a helper, `fix` makes the change only when propagation is selected too (as `fix --select` runs)
    follows = config.propagate != "off" and any(r.name == PROPAGATION for r in rules)
    chained: set[tuple[str, str]] = set()  # the sync functions on their chains: those propagation may make async
    for path, scan_ in sorted(scans.done.items()):
        barriers = {(call.line, call.col): call.barrier for call in scan_.summary.calls if call.barrier}
        for site in with_thread_bound_blocks(path, scan_, bound, config.thread_bound):
            if not reported(site.code, displays[path], config, Path(path), selected):
                continue
            check = check_by_code()[site.code]
            chain: tuple[Link, ...] = ()
            if site.context == SYNC:
                if site.owner and index.display_name((path, site.owner)) in configured:
                    continue  # reported where async code calls it, as AW103
                found = reach.chain((path, site.owner)) if site.owner in scan_.summary.functions else None
                if found is None:
                    continue
                chain = found
                if site.target in awaited:
                    chained.update(chain_functions(path, site.owner, chain))
            elif site.context not in (ASYNC, "any"):
                continue
            if _suppressed(scan_, site, check):
                result.suppressed += 1
                continue
            # through a sync helper, only what the planner follows (a rule's async_fixes/offload_fixes,
            # `blocking-calls`) is fixed: the helper is made async or offloaded where async code calls it
            fixable = site.fixable and check.fixed_by in codemods and (not chain or (follows and site.target in propagated))
            # the helper async code calls is offloaded there, unless fix refuses that (awaitify.offload_refusals)
            refused = None
            if chain and fixable and chain[0].fid is not None:
                top = (chain[1].fid if len(chain) > 1 else None) or (path, site.owner)
                refused = refused_offload(index, bound, top, chain[0].fid, chain[0].line, site.target in offload_only,
                                          config.unsafe_fixes)
            if chain and fixable and refused is None and not config.unsafe_fixes:
                refused = _unsafe_as_planned(chain, top, index, bound, displays, plan_of)
            if chain and fixable and refused is None:
                refused = _through_dunder(chain, (path, site.owner))
            refused = refused or site.refused or None
            # every fix would write an `await` inside a barrier (a request of a session left for it too:
            # the fix says so at the request); a file object's method, fixed only by moving its `with
            # open()` block, is left with the block, whose finding says why
            barrier = (_barrier(site, chain, barriers, site.target in offload_only)
                       if refused is None and (fixable or _session_call(site)) else "")
            refused = await_barriers.reason(barrier) if barrier and site.code != FILE_OBJECT_CODE else refused
            fixable = fixable and refused is None and not barrier
            function = index.display_name((path, site.owner)) if site.owner else ""
            message = _message(site, check, chain, config) + (f"; not fixed: {refused}" if refused else "")
            result.findings.append(Finding(displays[path], site.line, site.col, site.code, message,
                                           fixable, chain, function, site.pattern, repo_relative(Path(path)),
                                           site.end_line, site.end_col))
            if site.plan_refused and refused == site.refused:
                plan_refused.add((displays[path], site.line, site.col))
    if follows:
        result.findings = as_fix_sees(result.findings, scans.done, scans.texts, displays, chained, config, selected, plan_of)
    _fixable_as_planned(result, sources, config, rules, plan_refused)
    _refused_modules(result, sources, config)
    # every file that does not parse is named (AW000), whether or not a finding could stand in it;
    # asked last, as the workers may still be parsing the files no scan read
    unscanned = syntax.problems(lambda p: p not in scans.done and p not in scans.errors)
    result.errors += [(displays[p], reason) for p, reason in sorted({**scans.errors, **unscanned}.items())]
    _syntax_errors_as_findings(result, sources)
    if "AW001" in selected:
        _unused_suppressions(result, scans, displays, selected)
    result.findings.sort(key=lambda f: (f.path, f.line, f.column, f.code))
    return result


def _unsafe_as_planned(chain: tuple[Link, ...], helper: FuncId, index: ProjectIndex, bound: ThreadBound,
                       displays: dict[str, str], plan_of: Callable[[], Plan]) -> str | None:
    """A helper that offloading would break (thread-bound state, a container raced on: awaitify.
    thread_bound) is offloaded instead of made async where the plan finds a boundary (a sync caller
    elsewhere): an unsafe fix, left out. Only the plan knows; it is asked only for such a helper."""
    hazard = bound.hazard(helper)
    caller = chain[0].fid
    if hazard is None or caller is None:
        return None
    where = (displays.get(caller[0], caller[0]), chain[0].line)
    if any((path, line) == where for path, line, _, _ in plan_of().unsafe_not_applied):
        return f"offloading `{index.display_name(helper)}` is an unsafe fix: it {hazard}"
    return None


def _through_dunder(chain: tuple[Link, ...], owner: tuple[str, str]) -> str | None:
    """Why `fix` leaves this chain for review when a sync helper reaches the blocking call through a
    dunder method (the planner's decision: `dunder_below_sync_caller`); None when it does not."""
    names = [link.fid[1] for link in chain[1:] if link.fid is not None] + [owner[1]]
    dunder = dunder_below_sync_caller(names)
    return None if dunder is None else f"reached through `{dunder}` from a sync function, which `fix` leaves for review"


def _unused_suppressions(result: CheckResult, scans: "_Scans", displays: dict[str, str], selected: set[str]) -> None:
    """`# awaitify: ignore[...]` comments on a line where no rule they name finds anything (whether or
    not async code reaches it), or naming a rule that does not exist: AW001, as ruff's RUF100."""
    known = set(check_by_code())
    for path, scan_ in sorted(scans.done.items()):
        comments = own_comments(scans.texts.get(path, ""))
        if not comments:
            continue
        at: dict[int, set[str]] = {}
        for site in scan_.sites:
            for line in {site.line, site.end_line or site.line}:
                at.setdefault(line, set()).add(site.code)
        for line, code in scan_.ignores_used:  # a comment that does its work elsewhere (a redis client kept sync)
            at.setdefault(line, set()).add(code)
        for line, col, codes in comments:
            here = at.get(line, set())
            if codes is None:
                if not here:
                    result.findings.append(_unused(displays[path], path, line, col, "`# awaitify: ignore` suppresses nothing on its line"))
                continue
            for code in codes:
                if code not in known:
                    result.findings.append(_unused(displays[path], path, line, col, f"`{code}` in `# awaitify: ignore[...]` is not a rule"))
                elif code in selected and code not in here:
                    result.findings.append(_unused(displays[path], path, line, col, f"`# awaitify: ignore[{code}]` "
                                                   f"suppresses nothing on its line: no {code} finding stands there"))


def _unused(display: str, path: str, line: int, col: int, message: str) -> Finding:
    return Finding(display, line, col, "AW001", message, False, repo_path=repo_relative(Path(path)))


_PARSE_LINE = re.compile(r"^cannot parse: .*\(line (\d+)")


def _syntax_errors_as_findings(result: CheckResult, sources: list[SourceFile]) -> None:
    """A file that does not parse is a finding (AW000, as ruff reports syntax errors), so `check`
    fails on it instead of passing with a line on stderr."""
    paths = {s.display: s.path for s in sources}
    kept = []
    for display, reason in result.errors:
        if not reason.startswith("cannot parse"):
            kept.append((display, reason))
            continue
        found = _PARSE_LINE.match(reason)
        result.findings.append(Finding(display, int(found.group(1)) if found else 1, 1, "AW000", reason, False,
                                       repo_path=repo_relative(Path(paths[display])) if display in paths else ""))
    result.errors = kept


def _refused_modules(result: CheckResult, sources: list[SourceFile], config: Config) -> None:
    """A fix that leaves a whole module alone (its detector's `refused`): the module's findings in
    async code itself are not fixable, and say why, as `fix` does. (One in a sync helper is fixed
    where async code calls the helper, not here.)"""
    hooks = refusal_hooks()
    texts = {s.display: s.text for s in sources}
    reasons: dict[tuple[str, str], str | None] = {}
    findings = []
    detected: list[Config] = []  # the settings as fix reads them: a trio program's modules get trio's API
    for f in result.findings:
        if f.fixable and not f.chain and f.code in hooks and f.path in texts:
            key = (f.code, f.path)
            if key not in reasons:
                if not detected:
                    detected.append(with_detected_runtime(config, texts.values()))
                reasons[key] = hooks[f.code](texts[f.path], detected[0])
            if reasons[key]:
                f = replace(f, fixable=False, message=f"{f.message}; not fixed: {reasons[key]}")
        findings.append(f)
    result.findings = findings


def _session_call(site: Site) -> bool:
    """A request made on a `requests.Session()` (`s.get(...)`), which its session's plan fixes."""
    return site.code == "AW201" and site.context == ASYNC and requests_plan.verb_of(site.target) is None


def _barrier(site: Site, chain: tuple[Link, ...], barriers: dict[tuple[int, int], str], offloaded: bool) -> str:
    """The barrier (awaitify.await_barriers) around where the fix would write its `await`: around the
    call itself (unless `offloaded`: the helper holding it then runs whole in a thread, and no
    `await` is written in it), or around a call on the chain from async code down to it."""
    own = barriers.get((site.line, site.col), "")
    if not chain or (own and not offloaded):
        return own
    return next((link.barrier for link in chain if link.barrier), "")


def _fixable_as_planned(result: CheckResult, sources: list[SourceFile], config: Config, rules: tuple[Rule, ...],
                        plan_refused: set[tuple[str, int, int]] = frozenset()) -> None:  # type: ignore[assignment]
    """A rule decided project-wide (its `planner`) fixes only what its plan does: the planner says
    which of its findings `fix` will change, so `check` never calls fixable what `fix` refuses.
    `plan_refused`: the findings whose reason is their function's plan's, which the project plan words
    otherwise where it says why (its `unfollowed_sites`: a returned response it could not follow)."""
    found = {f.code for f in result.findings}
    by_display = {s.display: str(s.path) for s in sources}
    for rule, module in planner_modules(tuple(r for r in all_rules() if r.code in found)):
        sites = getattr(module, "fixed_sites", None)
        followed = getattr(module, "followed_sites", None)  # what only its plan makes fixable (AW201's returned responses)
        if sites is None and followed is None:
            continue
        plan = module.plan_project(sources, config)
        moved = sites(plan) if sites is not None else None
        kept = followed(plan) if followed is not None else {}

        def fixable(f):
            where = by_display.get(f.path, "")
            return (f.fixable and (moved is None or f.line in moved.get(where, set()))) or f.line in kept.get(where, set())

        result.findings = [replace(f, fixable=fixable(f)) if f.code == rule.code else f for f in result.findings]
        keeps = getattr(module, "kept_modules", None)  # modules the rule converts nothing in, and why
        if keeps is not None:
            _kept_whole(result, keeps(plan), by_display, module.KEPT_CODES)
        unfollowed = getattr(module, "unfollowed_sites", None)
        if unfollowed is not None and plan_refused:
            said = unfollowed(plan)
            why = lambda f: said.get(by_display.get(f.path, ""), {}).get(f.line)  # noqa: E731
            result.findings = [replace(f, message=f"{f.message.partition('; not fixed: ')[0]}; not fixed: {why(f)}")
                               if f.code == rule.code and (f.path, f.line, f.column) in plan_refused and why(f) else f
                               for f in result.findings]
        refused = getattr(module, "refused_sites", None)  # why its plan leaves what it says something of
        if refused is not None and any(r.code == rule.code for r in rules):
            _with_plan_reasons(result, refused(plan), rule, module.UNREPORTED_SITE, sources, config)


def _kept_whole(result: CheckResult, kept: dict[str, str], by_display: dict[str, str], codes: tuple[str, ...]) -> None:
    """The findings of `codes` in a module the rule converts nothing in are not fixable, with the plan's reason."""
    if not kept:
        return
    result.findings = [replace(f, fixable=False, message=f"{f.message.partition('; not fixed: ')[0]}; not fixed: {why}")
                       if f.code in codes and f.fixable and (why := kept.get(by_display.get(f.path, ""))) else f
                       for f in result.findings]


def _with_plan_reasons(result: CheckResult, reasons: dict[str, dict[tuple[int, int], str]], rule: Rule, unreported: str,
                       sources: list[SourceFile], config: Config) -> None:
    """What a project-wide plan leaves, and says why in `fix` (path -> (line, column) -> reason):
    the rule's finding there is not fixable and gives the reason; where `check` has none (the plan
    speaks of the app, not of a hook), a finding `unreported` says it, so that both commands name
    the same places."""
    displays = {str(s.path): s.display for s in sources}
    paths = {display: path for path, display in displays.items()}
    check = check_by_code()[rule.code]
    found = {(f.path, f.line, f.column) for f in result.findings if f.code == rule.code}
    findings = []
    for f in result.findings:
        reason = reasons.get(paths.get(f.path, ""), {}).get((f.line, f.column)) if f.code == rule.code else None
        findings.append(replace(f, fixable=False, message=f"{f.message}; not fixed: {reason}") if reason else f)
    for path, at in sorted(reasons.items()):
        display = displays.get(path)
        if display is None or ignored_here(display, check, config, Path(path)):
            continue
        findings += [Finding(display, line, col, rule.code, f"{unreported}; not fixed: {reason}", False,
                             repo_path=repo_relative(Path(path))) for (line, col), reason in sorted(at.items())
                     if (display, line, col) not in found]
    result.findings = findings
