"""One `awaitify check` run: discover, scan every file, follow sync helpers up to async code, keep
what is selected and not suppressed."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from awaitify.audit.catalog import BY_CODE, Check
from awaitify.audit.reach import Link, Reach
from awaitify.audit.scan import FileScan, Site, scan
from awaitify.config import Config
from awaitify.discovery import discover, repo_relative
from awaitify.index import SummaryStore, build_index
from awaitify.planner import _roots
from awaitify.rules import Rule, all_rules, codemod_modules
from awaitify.cache import Cache, content_key, load_last, save_last, stat_key
from awaitify.runner import _ignored_here, _Pool, _read_all
from awaitify.source import SourceFile
from awaitify.summary import ASYNC, SYNC
from awaitify.suppress import is_suppressed

# a file holding none of these cannot hold a finding (the cheap pre-check, as for `fix`)
TOKENS = ("sleep", "run", "requests", "httpx", "urllib", "subprocess", "os", "open", "input", "redis", "psycopg2",
          "sqlite3", "pymysql", "MySQLdb", "stripe", "on_event", "add_event_handler", "on_startup", "on_shutdown",
          "Path", "spawn", "wait", "Session", "Client")


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    column: int
    code: str
    message: str
    fixable: bool
    chain: tuple[Link, ...] = ()
    function: str = ""  # the enclosing function, as module.qualname
    pattern: str = ""
    repo_path: str = ""  # relative to the repository root (SARIF, GitHub annotations)

    @property
    def check(self) -> Check:
        return BY_CODE[self.code]


@dataclass(frozen=True)
class CheckOptions:
    jobs: int = 0  # worker processes (0: every core)
    use_cache: bool = True
    scope: frozenset[str] | None = None  # `--changed-since`: report only in these files


@dataclass
class CheckResult:
    findings: list[Finding] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    scanned: int = 0
    suppressed: int = 0


def _suppressed(scan_: FileScan, site: Site, check: Check) -> bool:
    return is_suppressed(scan_.suppressions, {site.line, site.end_line}, check.code)


def _message(site: Site, check: Check, chain: tuple[Link, ...], config: Config) -> str:
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
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        reason = f"cannot parse: {getattr(exc, 'msg', None) or type(exc).__name__}"
        line = getattr(exc, "lineno", None)
        return reason + (f" (line {line})" if line else "")


def _scan_crashed(item: tuple[str, str, dict[str, str]]) -> str:
    return "the worker process died on this file (killed or out of memory?); not audited"


def _scan_all(sources: list[SourceFile], config: Config, options: CheckOptions, cache: Cache,
              keys: dict[str, str], result: CheckResult) -> dict[str, FileScan]:
    """Scans from the cache (keyed by content and the custom blocking calls), the rest in the pool."""
    outcomes: dict[str, FileScan | str] = {}
    todo = []
    for source in sources:
        path = str(source.path)
        if not any(t in source.text for t in TOKENS) and not any(n.rpartition(".")[2] in source.text for n in config.blocking_calls):
            continue
        cached = cache.outcome(keys[path])
        if cached is not None:
            outcomes[path] = cached
        else:
            todo.append((path, source.text, config.blocking_calls))
    pool = _Pool(options.jobs)
    try:
        for (path, _, _), outcome in zip(todo, pool.map(_scan_one, todo, None, "scan", on_crash=_scan_crashed)):
            outcomes[path] = outcome
            cache.put_outcome(keys[path], outcome)
    finally:
        pool.close()
    displays = {str(s.path): s.display for s in sources}
    for path, outcome in sorted(outcomes.items()):
        if isinstance(outcome, str):
            result.errors.append((displays[path], outcome))
    return {path: o for path, o in outcomes.items() if not isinstance(o, str)}


def check_source(source: SourceFile, config: Config, rules: tuple[Rule, ...]) -> CheckResult:
    """One file given as text (an editor's buffer, `--stdin-filename`): chains stay inside it."""
    return _audit([], config, rules, CheckOptions(use_cache=False), [source], Cache.disabled(), {str(source.path): ""})


def run_check(paths: list[Path], config: Config, rules: tuple[Rule, ...], options: CheckOptions = CheckOptions()) -> CheckResult:
    discovered = discover(paths, config)
    quick = None
    if options.use_cache:  # an unchanged tree is recognised from file stats alone
        settings = repr((sorted(r.code for r in rules), [str(p) for p in paths], sorted((k, repr(v)) for k, v in vars(config).items())))
        quick = stat_key("check", [d.path for d in discovered], settings)
        result = load_last(config.root, "check", quick)
        if result is not None:
            return _in_scope(result, options, {str(d.path): d.display for d in discovered})
    result = _run_check(paths, config, rules, options, discovered)
    if options.use_cache:
        save_last(config.root, "check", quick, result)
    return _in_scope(result, options, {str(d.path): d.display for d in discovered})


def _in_scope(result: CheckResult, options: CheckOptions, displays: dict[str, str]) -> CheckResult:
    if options.scope is None:  # the index still spans the tree: chains may start outside the scope
        return result
    paths_in = {display for path, display in displays.items() if path in options.scope}
    return replace(result, findings=[f for f in result.findings if f.path in paths_in])


def _run_check(paths: list[Path], config: Config, rules: tuple[Rule, ...], options: CheckOptions,
               discovered: list) -> CheckResult:
    sources, failed = _read_all(discovered)
    cache = Cache.load(config.root) if options.use_cache else Cache.disabled()
    settings = content_key("scan", repr(sorted(config.blocking_calls.items())).encode())
    keys = {str(s.path): f"{content_key(str(s.path), s.raw)}:scan-{settings}" for s in sources}
    # the findings depend on every file (chains cross modules): reused only when nothing changed
    whole = content_key("check", repr((sorted(keys.values()), sorted(r.code for r in rules), [str(p) for p in paths],
                                       sorted((k, repr(v)) for k, v in vars(config).items()))).encode())
    live = {k.split(":", 1)[0] for k in keys.values()}
    result = cache.outcome(f"{whole}:check")
    if result is None:
        result = _audit(paths, config, rules, options, sources, cache, keys)
        result.errors[:0] = [(f.display, f.error or "") for f in failed]
        result.scanned += len(failed)
        cache.put_outcome(f"{whole}:check", result)
        cache.save(live | {whole})
    return result


def _audit(paths: list[Path], config: Config, rules: tuple[Rule, ...], options: CheckOptions, sources: list[SourceFile],
           cache: Cache, keys: dict[str, str]) -> CheckResult:
    result = CheckResult(scanned=len(sources))
    selected = {r.code for r in rules}
    # a codemod that cannot run here (a package it reads is not installed) fixes nothing here
    codemods = {m.RULE.code for m in codemod_modules() if getattr(m, "can_fix", lambda: True)()}
    propagated = {n for r in all_rules() for n in (*r.async_fixes, *r.offload_fixes)} | set(config.blocking_calls)
    displays = {str(s.path): s.display for s in sources}
    scans = _scan_all(sources, config, options, cache, keys, result)
    store = SummaryStore({str(s.path): s.text for s in sources}, primed={p: s.summary for p, s in scans.items()})
    index = build_index(store, _roots(config, paths))
    configured = set(config.blocking_calls)
    reach = Reach(index, lambda p: displays.get(p, p), lambda fid: index.display_name(fid) in configured)
    for path, scan_ in sorted(scans.items()):
        for site in scan_.sites:
            check = BY_CODE[site.code]
            if site.code not in selected or _ignored_here(displays[path], check.as_rule(), config, Path(path)):
                continue
            chain: tuple[Link, ...] = ()
            if site.context == SYNC:
                if site.owner and index.display_name((path, site.owner)) in configured:
                    continue  # reported where async code calls it, as AW103
                found = reach.chain((path, site.owner)) if site.owner in scan_.summary.functions else None
                if found is None:
                    continue
                chain = found
            elif site.context not in (ASYNC, "any"):
                continue
            if _suppressed(scan_, site, check):
                result.suppressed += 1
                continue
            # through a sync helper, only what the planner follows (a rule's async_fixes/offload_fixes,
            # `blocking-calls`) is fixed: the helper is made async or offloaded where async code calls it
            fixable = site.fixable and check.fixed_by in codemods and (
                not chain or (config.propagate != "off" and site.target in propagated))
            function = index.display_name((path, site.owner)) if site.owner else ""
            result.findings.append(Finding(displays[path], site.line, site.col, site.code, _message(site, check, chain, config),
                                           fixable, chain, function, site.pattern, repo_relative(Path(path))))
    result.findings.sort(key=lambda f: (f.path, f.line, f.column, f.code))
    return result
