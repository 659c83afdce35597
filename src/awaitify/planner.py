"""Builds the global `Plan`: async propagation over the project index (docs/propagation.md).

Start from blocking calls that have an async replacement (each rule's `async_fixes`) standing in
*sync* functions that async code reaches. For each, take the upward closure: the function, every
sync function that calls one in the closure, and every override in the class hierarchy. Closures
that share a function are decided together. A closure is made async (callers `await`) only when it
is clean; when it meets a boundary — a caller that must stay sync, a function used as a value, a
decorator that cannot wrap a coroutine, a dunder, a generator, an unresolved caller — its async
callers offload it with `asyncio.to_thread` instead, and every signature stays as it was.

A codemod that needs facts from other files (the lifespan codemod: hooks registered on an app from
another module) names a planner module in its rule (`Rule.planner`, importable without libcst) with
`plan_project(sources, config) -> {absolute path: facts}`; its facts reach the codemod as
`FilePlan.extra[rule.name]`.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from awaitify import await_barriers, shared_parses
from awaitify.config import Config
from awaitify.dynamic_access import ANY as ANY_ACCESS
from awaitify.dynamic_access import CLASS as CLASS_ACCESS
from awaitify.dynamic_access import IMPORTED as IMPORTED_ACCESS
from awaitify.dynamic_access import MODULE as MODULE_ACCESS
from awaitify.dynamic_access import DynamicAccess, dynamic_accesses
from awaitify.entry_points import entry_points, has_project_metadata
from awaitify.index import Edge, FuncId, ProjectIndex, SummaryStore, build_index, import_roots
from awaitify.offload_refusals import hands_back, lazy_result
from awaitify.plan import FilePlan, Plan
from awaitify.public_api import PublicApi
from awaitify.reachable import AsyncReach
from awaitify.rules import Rule, ignored_here, planner_modules
from awaitify.rules.blocking_open import PATH_IO_METHODS
from awaitify.rules.blocking_open.detect import DETECTOR as OPEN_DETECTOR
from awaitify.runtime import AMBIGUOUS, config_for_module, differing_modules, module_runtime, why_ambiguous, why_unnamed
from awaitify.source import SourceFile
from awaitify.suppress import is_suppressed, suppressions
from awaitify.summary import ASYNC, GENEXP, LAMBDA, MAIN, SYNC, CallSite, ModuleSummary, Ref, has_async_def
from awaitify.thread_bound import ThreadBound

PROPAGATION = "propagation"
# decorators known to hand back the coroutine function unchanged in behaviour
TRANSPARENT_DECORATORS = frozenset({"staticmethod", "classmethod", "functools.wraps", "typing.override", "typing_extensions.override", "abc.abstractmethod"})
_ACCESS_WORDS = {
    CLASS_ACCESS: "getattr on the instance or class", MODULE_ACCESS: "the module's globals()",
    IMPORTED_ACCESS: "getattr on its module or class", ANY_ACCESS: "getattr with a name of the same prefix",
}
_TEST_FILE = re.compile(r"(^|/)(test_[^/]*|[^/]*_test|conftest)\.py$|(^|/)tests?/")


def _codemod_facts(plan: Plan, sources: list[SourceFile], rules: tuple[Rule, ...], config: Config,
                   scope: set[str] | None) -> None:
    for rule, module in planner_modules(rules):
        facts_by_path = module.plan_project(sources, config)
        if scope is not None:
            narrow = getattr(module, "scope_facts", None)
            facts_by_path = narrow(facts_by_path, scope) if narrow else {p: f for p, f in facts_by_path.items() if p in scope}
        for path, facts in facts_by_path.items():
            plan.files.setdefault(path, FilePlan()).extra[rule.name] = facts


def is_dunder(name: str) -> bool:
    """A dunder method stays sync (Python calls it so): a boundary of any closure it joins."""
    return name.startswith("__") and name.endswith("__")


def dunder_below_sync_caller(qualnames: list[str]) -> str | None:
    """On a chain of sync functions, from the one async code calls down to the one holding the
    blocking call, the first dunder method a sync function calls (past the first), by its name:
    `fix` stops there. The dunder stays sync (`is_dunder`), and a constructor call from sync code is
    followed no further up (`Propagator._caller`), so the chain is left for review. One that async
    code calls itself is offloaded there (`await asyncio.to_thread(Service)`). None: no such dunder."""
    for depth, qualname in enumerate(qualnames):
        name = qualname.rpartition(".")[2]
        if depth > 0 and is_dunder(name):
            return name
    return None


@dataclass
class Closure:
    members: dict[FuncId, str] = field(default_factory=dict)  # function -> why it is in
    awaits: list[tuple[Edge, FuncId]] = field(default_factory=list)  # calls that get `await`
    bridges: list[tuple[Edge, FuncId]] = field(default_factory=list)  # sync entry points: asyncio.run(...)
    boundaries: list[str] = field(default_factory=list)  # why it cannot be made async
    # members whose callers were read only in the files summarized already (`Propagator.closure`),
    # with the files that may call them left unread
    narrowed: dict[FuncId, frozenset[str]] = field(default_factory=dict)

    def merge(self, other: "Closure") -> None:
        for fid, why in other.members.items():
            self.members.setdefault(fid, why)
        self.awaits += _not_in(self.awaits, other.awaits)
        self.bridges += _not_in(self.bridges, other.bridges)
        self.boundaries += [b for b in other.boundaries if b not in self.boundaries]
        for fid, unread in other.narrowed.items():
            self.narrowed.setdefault(fid, unread)

    def offloads_somewhere(self) -> bool:
        return any(edge.site.context == ASYNC for edge, _ in self.awaits)


def _not_in(have: list[tuple[Edge, FuncId]], more: list[tuple[Edge, FuncId]]) -> list[tuple[Edge, FuncId]]:
    """The items of `more` that are not in `have` (`[a for a in more if a not in have]`), looked up by
    what makes two equal: merging a project's closures compared every pair (half a million on a
    194-file bot)."""
    def key(item: tuple[Edge, FuncId]) -> tuple:
        edge, fid = item
        return edge.path, edge.site, edge.constructor, edge.dynamic, fid

    held = {key(item) for item in have}
    return [item for item in more if key(item) not in held]


class Propagator:
    def __init__(self, index: ProjectIndex, config: Config, blocking: set[str], offload: frozenset[str] = frozenset(),
                 scope: set[str] | None = None, top_down: bool = True) -> None:
        self.index = index
        self.config = config
        self.blocking = blocking | offload
        # calls with no async twin: a function holding one is offloaded at its async callers
        self.offload = offload
        self._offload_seeds: dict[FuncId, str] = {}
        self.scope = scope  # `--changed-since`: seeds only in these files (callers anywhere)
        self.codes: dict[str, str] = {}  # blocking call -> the code of the rule that fixes it
        self._suppressions: dict[str, dict] = {}
        self._reachable: dict[FuncId, bool] = {}
        # functions the user listed in `blocking-calls`: their callers get the configured remedy
        # (rule AW103), so propagation neither changes them nor looks past them
        self.configured = set(config.blocking_calls)
        # sync hooks another rule's plan will call from async code, with where they are registered
        # now (`_add_calls_from_async`): that registration goes, so it does not make them boundaries
        self.moved_hooks: dict[FuncId, list[tuple[str, int, int]]] = {}
        # (path, line) -> why the codemod for a call there would refuse it (`refused_calls` in its planner's
        # facts): no seed, since the function would become async and still block; (path, site, why) skipped
        self.refused: dict[tuple[str, int], str] = {}
        self.refused_seeds: dict[tuple[str, int], tuple[str, object, str]] = {}
        # what async code reaches, found from the async functions down (reads only the files on the
        # way); without it, each question is searched upward over the whole index (the reference)
        self.down = AsyncReach(index, lambda edge: edge.site.context == ASYNC, self.is_configured) if top_down else None
        # path -> does its configuration ignore the propagation rule (build_plan sets it)
        self.ignores_propagation: Callable[[str], bool] | None = None

    def is_configured(self, fid: FuncId) -> bool:
        return bool(self.configured) and self.index.display_name(fid) in self.configured

    def where(self, path: str, line: int) -> str:
        return f"{self._display(path)}:{line}"

    def _display(self, path: str) -> str:
        try:
            return Path(path).relative_to(Path.cwd()).as_posix()
        except ValueError:
            return path

    def name(self, fid: FuncId) -> str:
        return f"`{self.index.display_name(fid)}`"

    # --- reachability -------------------------------------------------------------------------
    def candidate_seeds(self) -> dict[FuncId, str]:
        """Sync functions holding a call with an async replacement: in the functions async code
        reaches or, without the top-down answer, in every file that spells both the module (in its
        import) and the function name of such a call."""
        index = self.index
        found: dict[FuncId, str] = {}
        if self.down is not None:
            calls = [(fid[0], edge.site, dotted) for fid in self.down.reached for edge, dotted in index.external_calls_from(fid)]
        else:
            for dotted in sorted(self.blocking):
                first, last = dotted.partition(".")[0], dotted.rpartition(".")[2]
                candidates = [p for p, text in index.texts.items() if first in text and last in text]
                index.store.prefetch(candidates)
                for path in candidates:
                    index.index_file(path)
            calls = index.external_calls
        for path, site, dotted in sorted(calls, key=lambda c: (c[0], c[1].line, c[1].col)):
            if self.scope is not None and path not in self.scope:
                continue
            if dotted in self.blocking and site.context == SYNC and not self.is_configured((path, site.owner)):
                if self._suppressed(path, site.line, dotted):
                    continue
                if (path, site.line) in self.refused:
                    self.refused_seeds[(path, site.line)] = (path, site, self.refused[(path, site.line)])
                    continue
                if site.barrier and dotted not in self.offload:  # no `await` goes there: an async function fixes nothing
                    self.refused_seeds[(path, site.line)] = (path, site, await_barriers.reason(site.barrier))
                    continue
                if dotted in self.offload:
                    self._offload_seeds.setdefault((path, site.owner), dotted)
                found.setdefault((path, site.owner), f"calls `{dotted}` ({self.where(path, site.line)})")
        return found

    def _suppressed(self, path: str, line: int, dotted: str) -> bool:
        """`time.sleep(1)  # awaitify: ignore[AW101]` starts no propagation (check does not report it)."""
        if path not in self._suppressions:
            self._suppressions[path] = suppressions(self.index.texts.get(path, ""))
        return is_suppressed(self._suppressions[path], {line}, self.codes.get(dotted, "AW103"))

    def async_reachable(self, fid: FuncId) -> bool:
        """Does async code reach `fid` through resolved sync calls? The top-down answer, or (the
        reference) searched upward from fid over the files of its callers (those spelling its name)."""
        if self.down is not None:
            return fid in self.down.reached
        if fid in self._reachable:
            return self._reachable[fid]
        seen, stack, found = {fid}, [fid], False
        while stack and not found:
            for edge in self.index.callers(stack.pop()):
                if edge.site.context == ASYNC:
                    found = True
                    break
                caller = (edge.path, edge.site.owner)
                if edge.site.context == SYNC and caller not in seen and not self.is_configured(caller):
                    if self._reachable.get(caller):
                        found = True
                        break
                    seen.add(caller)
                    stack.append(caller)
        self._reachable[fid] = found
        return found

    # --- boundaries -------------------------------------------------------------------------------
    def own_boundary(self, fid: FuncId) -> str | None:
        info = self.index.function(fid)
        where = self.where(fid[0], info.line)
        if is_dunder(info.name):
            return f"{self.name(fid)} is a dunder method ({where}): Python calls it synchronously"
        if info.is_generator:
            return f"{self.name(fid)} is a generator ({where}): its `for` sites would change too"
        if fid in self.entry_points:
            return f"{self.name(fid)} is an installed entry point ({self.entry_points[fid]}): the command calls it synchronously"
        moved = self.moved_hooks.get(fid)
        for decorator in info.decorators:
            dotted = decorator.target if decorator.kind == "import" else decorator.target or decorator.attr
            if moved and (dotted or "").rpartition(".")[2] == "on_event":
                continue  # the lifespan rule removes this registration and awaits the hook itself
            if dotted not in TRANSPARENT_DECORATORS:
                return f"{self.name(fid)} is decorated with `{dotted or '?'}` ({where}), which may not wrap a coroutine function"
        first = self.index.first_value_ref(fid)
        if first and moved:  # the references in registrations the lifespan rule removes do not count
            first = next((ref for ref in self.index.value_refs(fid)
                          if not any(ref[0] == path and start <= ref[1] <= end for path, start, end in moved)), None)
        if first:
            path, line, _ = first
            return f"{self.name(fid)} is used as a value at {self.where(path, line)} (a callback or registry)"
        if self.index.has_outside_base(fid):
            return f"{self.name(fid)} is a method of a class with a base outside the project ({where})"
        unresolved = self.index.unresolved_named(info.name)
        if unresolved:
            path, site = unresolved[0]
            return f"`{info.name}(...)` is called on an object the index cannot resolve at {self.where(path, site.line)}"
        return None

    def _dynamic_access(self, fid: FuncId, name: str) -> str | None:
        """A place that may reach `fid` by a name computed at run time (`awaitify.dynamic_access`):
        the index sees no call there, so the dispatcher would get a coroutine."""
        path, qualname = fid
        if "<locals>" in qualname:
            return None
        cls = qualname.rpartition(".")[0]
        try:
            classes = {c for c in self.index.mro((path, cls)) if c is not None} if cls else set()
        except KeyError:  # a function nested in a function: not a method
            classes = set()
        dotted = self.index.display_name(fid)
        words = {"getattr", "globals", "vars", "modules"}
        candidates = {path} | {p for c in classes for p in self.index.files_spelling(c[1].rpartition(".")[2])}
        candidates |= set(self.index.files_spelling(dotted.rpartition(".")[0].rpartition(".")[2] or dotted))
        head = name.partition("_")[0] + "_" if "_" in name.strip("_") else None
        if head:
            candidates |= {p for p in self.index.files_spelling("getattr") if head in self.index.texts[p]}
        for where in sorted(candidates):
            text = self.index.texts.get(where, "")
            if not any(word in text for word in words):
                continue
            for access in dynamic_accesses(text):
                if access.reaches(name) and self._reached_by(access, where, fid, cls, classes, dotted):
                    return (f"{self.name(fid)} may be called by a name computed at run time at {self.where(where, access.line)} "
                            f"({_ACCESS_WORDS[access.kind]}): the dispatcher would get a coroutine")
        return None

    def _reached_by(self, access: DynamicAccess, where: str, fid: FuncId, cls: str, classes: set, dotted: str) -> bool:
        if access.kind == MODULE_ACCESS:
            return where == fid[0] and not cls
        if access.kind == CLASS_ACCESS:
            return (where, access.target) in classes
        if access.kind == IMPORTED_ACCESS:
            return dotted.startswith(access.target + ".")
        return True  # a computed name on an unknown object, with a constant prefix the function's name starts with

    @functools.cached_property
    def entry_points(self) -> dict[FuncId, str]:
        """The project's functions that an installed command or plugin host calls (`awaitify.entry_points`)."""
        found: dict[FuncId, str] = {}
        for module, qualname, where in entry_points(self.config.root):
            resolved = self.index.resolve_dotted(f"{module}.{qualname}")
            if resolved and resolved[0] == "function" and resolved[1]:
                found.setdefault(resolved[1], where)  # type: ignore[arg-type]
        return found

    def is_test(self, path: str, owner: str) -> bool:
        return bool(_TEST_FILE.search(self._display(path))) and owner.rpartition(".")[2].startswith("test")

    # --- the closure ------------------------------------------------------------------------------
    def closure(self, seed: FuncId, why: str, narrow: bool = True) -> Closure:
        """`narrow`: once the closure has a boundary (it will be offloaded), a member's callers are
        read only in the files summarized already. What the offload needs stands there: calls from
        async code (files spelling `async def`) and from functions async code reaches (the reach
        read their files). The callers left unread are sync functions nothing async reaches, which
        would join as members and go no further; `_shares` and `components` make up for them."""
        result = Closure(members={seed: why})
        narrow = narrow and self.down is not None
        work = [seed]
        while work:
            fid = work.pop()
            if result.boundaries and not self.async_reachable(fid):
                # Already a boundary: the closure will be offloaded at its async callers, and a
                # function no async code reaches has none. Its sync-only callers need not be read.
                continue
            boundary = self.own_boundary(fid)
            if boundary:
                result.boundaries.append(boundary)
            for related in self.index.overrides(fid):
                if related not in result.members:
                    result.members[related] = f"overrides or is overridden by {self.name(fid)}, which became async"
                    work.append(related)
            narrowed = narrow and bool(result.boundaries)
            callers = self.index.callers(fid, within=self.index.summarized if narrowed else None)
            unread = self.index.unread_for(fid) if narrowed else frozenset()
            if unread:  # (none: every file that may call it was read anyway)
                result.narrowed[fid] = unread
            if not callers and fid != seed:
                result.boundaries.append(f"{self.name(fid)} has no callers in the project: it may be called from outside")
            for edge in callers:
                self._caller(edge, fid, result, work)
        return result

    def _caller(self, edge: Edge, fid: FuncId, result: Closure, work: list[FuncId]) -> None:
        site, where = edge.site, self.where(edge.path, edge.site.line)
        if site.barrier and site.context in (ASYNC, SYNC) and not site.awaited:
            # awaited there, or offloaded there, it would suspend the task inside the barrier
            result.boundaries.append(f"{self.name(fid)} is called {await_barriers.place(site.barrier)} at {where}")
            if site.context == ASYNC:
                result.awaits.append((edge, fid))  # (`_offload` keeps it on the loop and says why)
        elif edge.constructor:
            result.boundaries.append(f"{self.name(fid)} runs when an instance is built at {where}")
            if site.context == ASYNC and not site.awaited:
                result.awaits.append((edge, fid))
        elif site.context == ASYNC:
            if site.awaited:
                # `await f()` on a sync f: f hands back an awaitable; made async, it would hand back a
                # coroutine of that awaitable, and the single `await` would not reach its value
                result.boundaries.append(f"{self.name(fid)} is already awaited at {where}: it returns an awaitable")
            else:
                result.awaits.append((edge, fid))
        elif site.context == MAIN:
            result.bridges.append((edge, fid))
        elif site.context == SYNC:
            caller = (edge.path, site.owner)
            if self.is_configured(caller):
                result.boundaries.append(f"{self.name(caller)} is listed in `blocking-calls`; its callers use that setting")
                return
            if self.is_test(edge.path, site.owner) or (caller in self.entry_points and not self.async_reachable(caller)):
                result.bridges.append((edge, fid))  # stays sync: runs the coroutine with asyncio.run()
                return
            result.awaits.append((edge, fid))
            if caller not in result.members:
                result.members[caller] = f"calls {self.name(fid)} ({where}), which became async"
                work.append(caller)
        else:
            kind = {LAMBDA: "a lambda", GENEXP: "a generator expression"}.get(site.context, f"{site.context} level")
            result.boundaries.append(f"{self.name(fid)} is called from {kind} at {where}")

    # --- decisions --------------------------------------------------------------------------------
    def components(self, narrow: bool = True) -> list[Closure]:
        merged: list[Closure] = []
        for seed, why in sorted(self.candidate_seeds().items()):
            if self.index.function(seed).is_async or not self.async_reachable(seed):
                continue
            closure = self.closure(seed, why, narrow)
            if seed in self._offload_seeds:
                closure.boundaries.insert(0, f"`{self._offload_seeds[seed]}` has no async replacement")
            for other in [c for c in merged if self._shares(c, closure)]:
                closure.merge(other)
                merged.remove(other)
            merged.append(closure)
        if any(c.narrowed and not c.offloads_somewhere() for c in merged):
            # such a closure is reported for review with all its members: read every caller
            return self.components(narrow=False)
        return merged

    def _shares(self, a: Closure, b: Closure) -> bool:
        """Would the two closures, every caller read, share a member? The callers a narrowed
        closure left unread (`closure`) can only be sync functions in files spelling the name of
        one of its narrowed members: those files are read here for the members of the other."""
        if a.members.keys() & b.members.keys():
            return True
        if not a.narrowed and not b.narrowed:
            return False
        a_unread, b_unread = self._unread_files(a), self._unread_files(b)
        b_files, a_files = {fid[0] for fid in b.members}, {fid[0] for fid in a.members}
        both = a_unread & b_unread
        unread_a = self._unread_members(a, (b_files & a_unread) | both)
        unread_b = self._unread_members(b, (a_files & b_unread) | both)
        return bool(unread_a & b.members.keys() or unread_b & a.members.keys() or unread_a & unread_b)

    @staticmethod
    def _unread_files(closure: Closure) -> frozenset[str]:
        return frozenset().union(*closure.narrowed.values())

    def _unread_members(self, closure: Closure, paths: set[str]) -> set[FuncId]:
        """The sync callers in these files that the narrowed members would have made members."""
        found: set[FuncId] = set()
        if not paths:
            return found
        for fid, unread in closure.narrowed.items():
            for edge in self.index.callers_in(fid, sorted(paths & unread)):
                caller = (edge.path, edge.site.owner)
                if (edge.site.context == SYNC and not edge.constructor and not self.is_configured(caller)
                        and not self.is_test(edge.path, edge.site.owner)):
                    found.add(caller)
        return found

    def apply(self, plan: Plan) -> None:
        for closure in self.components():
            if not closure.boundaries and self.config.propagate != "offload":
                # asked only of a closure about to be made async (any other is offloaded anyway): the
                # search reads files the closure did not need
                dynamic = next(filter(None, (self._dynamic_access(fid, self.index.function(fid).name)
                                             for fid in closure.members)), None)
                if dynamic:
                    closure.boundaries.append(dynamic)
            if not closure.boundaries and self.config.propagate != "offload":
                left = self._unawaited_site(closure)
                if left:  # the closure's own bookkeeping missed a caller: never hand it a coroutine
                    path, line, col, why = left
                    closure.boundaries.append(why)
                    plan.needs_review.append((path, line, col, f"internal check: {why}; the closure is offloaded instead"))
            if not closure.boundaries and self.config.propagate != "offload":
                shared = self._shared_module_name(closure)  # (after `_unawaited_site`: every caller read)
                if shared:
                    closure.boundaries.append(shared)
            if not closure.boundaries and self.config.propagate != "offload":
                held = self._held_by_settings(closure)
                if held:
                    closure.boundaries.append(held)
            if not closure.boundaries and self.config.propagate != "offload":
                mixed = self._runtimes_differ(closure)
                if mixed:
                    closure.boundaries.append(mixed)
            unsafe: set[FuncId] = set()
            if not closure.boundaries and self.config.propagate != "offload":
                unsafe = {fid for fid in closure.members if self.public_api(fid)}
                if unsafe and not (self.config.unsafe_fixes or self.config.propagate_set):
                    self._keep_public_signatures(plan, closure, unsafe)
            if self.config.propagate == "offload" or closure.boundaries:
                self._offload(plan, closure)
            else:
                self._asyncify(plan, closure, unsafe)

    # --- a library's public API ---------------------------------------------------------------------
    @functools.cached_property
    def is_library(self) -> bool:
        """The project publishes a package: its pyproject.toml has a [project] table."""
        return has_project_metadata(self.config.root)

    def public_api(self, fid: FuncId) -> bool:
        """Callers outside the project may call it: a library's function or method that is exported
        (`__all__`, a package's re-export), called in its docs, or named without a leading underscore
        (awaitify.public_api), outside the tests."""
        if not self.is_library or self.is_test(fid[0], "test"):
            return False
        return self._public.is_public(fid)

    @functools.cached_property
    def _public(self) -> PublicApi:
        return PublicApi(self.index, self.config.root)

    def _keep_public_signatures(self, plan: Plan, closure: Closure, public: set[FuncId]) -> None:
        """Making them async is an unsafe fix (their callers outside the project would get a
        coroutine): the closure is offloaded, and each signature it would change is listed."""
        names = ", ".join(sorted(self.name(fid) for fid in public))
        closure.boundaries.append(f"{names} {'is' if len(public) == 1 else 'are'} public API of a library: making "
                                  "it async is an unsafe fix (--unsafe-fixes)")
        for fid in sorted(public):
            info = self.index.function(fid)
            plan.unsafe_not_applied.append((self._display(fid[0]), info.line, info.col,
                                            f"{self.name(fid)} would become `async def` (public API of a library: callers "
                                            "outside the project would get a coroutine); --unsafe-fixes, or "
                                            "`propagate = \"auto\"` set explicitly, makes that change"))

    def _shared_module_name(self, closure: Closure) -> str | None:
        """A member in a file whose module name another file of the run bears too, where an import of
        that name could not tell which file it means (`ProjectIndex.unsure`): a caller there is not
        known, so the closure cannot become async. Asked after every caller of the members was read."""
        for fid in sorted(closure.members):
            if fid[0] in self.index.unsure:
                name, importer = self.index.unsure[fid[0]]
                return (f"{self.name(fid)} is in a module named `{name}`, which more than one file of this run bears, "
                        f"and {self._display(importer)} imports that name without it being clear which file it means: "
                        "its callers there are not known (run awaitify on each project apart)")
        return None

    def _held_by_settings(self, closure: Closure) -> str | None:
        """A file the closure must edit whose settings ignore propagation (`per-file-ignores`, a
        sub-project's `[tool.awaitify]`): it keeps its code, so the closure cannot become async."""
        if self.ignores_propagation is None:
            return None
        for path in sorted(self._closure_paths(closure)):
            if self.ignores_propagation(path):
                return (f"propagation is ignored in {self._display(path)} by its settings, and making the closure async "
                        "would have to change it")
        return None

    def _unawaited_site(self, closure: Closure) -> tuple[str, int, int, str] | None:
        """The whole-project check before a closure is made async: every call of a member the index
        knows, read in every file that may hold one (not only the files read so far), gets `await`, or
        `asyncio.run(...)` at an entry point, or is already awaited. The first one that would not."""
        handled = {(edge.path, edge.site.key) for edge, _ in (*closure.awaits, *closure.bridges)}
        for fid in closure.members:
            for edge in self.index.callers(fid):
                if (edge.path, edge.site.key) in handled or (edge.site.context == ASYNC and edge.site.awaited):
                    continue
                return (self._display(edge.path), edge.site.line, edge.site.col,
                        f"{self.name(fid)} would stay called without `await` at {self.where(edge.path, edge.site.line)} "
                        "after it became async")
        return None

    def _file(self, plan: Plan, path: str) -> FilePlan:
        return plan.files.setdefault(path, FilePlan())

    @staticmethod
    def _closure_paths(closure: Closure) -> set[str]:
        """The files making a closure async edits: its members' and their awaiting callers'."""
        return {fid[0] for fid in closure.members} | {edge.path for edge, _ in (*closure.awaits, *closure.bridges)}

    def _runtimes_differ(self, closure: Closure) -> str | None:
        """Modules on different runtimes (awaitify.runtime): made async, a trio module would await a
        coroutine that awaits asyncio's API (or the reverse). Offloaded instead, each call site in its
        own module's runtime."""
        runtimes: dict[str, str] = {}
        texts = {path: self.index.texts.get(path, "") for path in self._closure_paths(closure)}
        for path in sorted(texts, key=lambda p: (module_runtime(texts[p]) is None, p)):  # name the modules that say
            runtimes.setdefault(config_for_module(self.config, texts[path]).target, path)
        if len(runtimes) < 2:
            return None
        where = ", ".join(f"{self._display(path)} on {runtime}" for runtime, path in sorted(runtimes.items()))
        return f"{self.name(min(closure.members))} would be awaited across runtimes ({where})"

    def _asyncify(self, plan: Plan, closure: Closure, unsafe: set[FuncId] = frozenset()) -> None:  # type: ignore[assignment]
        paths = self._closure_paths(closure)
        plan.closures.append((self.index.display_name(min(closure.members)), tuple(sorted(paths))))
        for fid, why in closure.members.items():
            self._file(plan, fid[0]).make_async[fid[1]] = why
            if fid in unsafe:
                self._file(plan, fid[0]).unsafe_async.add(fid[1])
            users = [self.where(e.path, e.site.line) for e, target in closure.awaits if target == fid]
            line = f"{self.name(fid)} made async: {why}"
            plan.explanations.append(line + (f"; awaited at {', '.join(users)}" if users else ""))
        for edge, fid in closure.awaits:
            pos = edge.site.key
            self._file(plan, edge.path).await_calls[pos] = f"{self.name(fid)} is now async: awaited here"
            if fid in unsafe:
                self._file(plan, edge.path).unsafe_calls.add(pos)
        for edge, fid in closure.bridges:
            pos = edge.site.key
            if fid in unsafe:
                self._file(plan, edge.path).unsafe_calls.add(pos)
            self._file(plan, edge.path).run_calls[pos] = (
                f"{self.name(fid)} is now async: this sync entry point runs it with asyncio.run()"
            )

    def _offload(self, plan: Plan, closure: Closure) -> None:
        reason = first_reason = closure.boundaries[0] if closure.boundaries else "--propagate offload keeps every signature"
        for edge, fid in closure.awaits:
            if edge.site.context != ASYNC:
                continue
            pos = edge.site.key
            if edge.site.barrier:
                self._keep_at_barrier(plan, edge, fid)
                continue
            # closures merged through a shared caller keep each member's own reason where it has one
            reason = f"`{self._offload_seeds[fid]}` has no async replacement" if fid in self._offload_seeds else first_reason
            kind = self._hands_back(fid)
            # a @contextmanager function is never offloaded (a thread would only build it): the
            # transform says so at the call, whatever its body touches
            hazard = None if kind == "contextmanager" else self.thread_bound.hazard(fid) or self.thread_bound.site_hazard(edge)
            if hazard and not self.config.unsafe_fixes:
                self._keep_on_loop(plan, edge, fid, hazard)
                continue
            self._file(plan, edge.path).offload_calls[pos] = (
                f"{self.name(fid)} blocks ({closure.members.get(fid, '')}) and stays sync ({reason}): run in a thread"
                + (f", although it {hazard} (unsafe fix)" if hazard else "")
            )
            if hazard:
                self._file(plan, edge.path).unsafe_calls.add(pos)
            if kind:
                self._file(plan, edge.path).offload_kinds[pos] = kind
                what = f"returns a lazy iterator (`{self._lazy_return(fid)}`)" if kind == "iterator" else f"is a {kind}"
                plan.explanations.append(f"{self.name(fid)} at {self.where(edge.path, edge.site.line)} {what}: offloaded "
                                         f"only where a builtin consumes it whole, else left with a diagnostic; stays sync because {reason}")
                continue
            plan.explanations.append(f"{self.name(fid)} offloaded at {self.where(edge.path, edge.site.line)}: stays sync because {reason}")
        if not any(e.site.context == ASYNC for e, _ in closure.awaits):
            for fid, why in closure.members.items():
                if why.startswith("calls `"):
                    info = self.index.function(fid)
                    plan.needs_review.append((self._display(fid[0]), info.line, info.col,
                                              f"{self.name(fid)} {why} and is reached from async code, but no call "
                                              f"site can be offloaded ({first_reason})"))


    @functools.cached_property
    def thread_bound(self) -> ThreadBound:
        return ThreadBound(self.index, self.config.thread_bound, self._display)

    def configured_offloads(self, plan: Plan) -> None:
        """`blocking-calls` entries set to "offload" (rule AW103 rewrites their calls in async code as
        configured: the setting is the user's word, and a refusal by the rule would not be stable
        across a second pass). A project function among them that touches thread-bound state is
        named at each async call site in needs-review, with why the offload may break it."""
        for name, how in sorted(self.config.blocking_calls.items()):
            found = self.index.resolve_dotted(name) if how == "offload" else None
            if not found or found[0] != "function":
                continue
            hazard = self.thread_bound.hazard(found[1])  # type: ignore[arg-type]
            for edge in self.index.callers(found[1]) if hazard else ():  # type: ignore[arg-type]
                if edge.site.context == ASYNC:
                    plan.needs_review.append((self._display(edge.path), edge.site.line, edge.site.col,
                                              f"`{name}` is offloaded here as `blocking-calls` says, but it {hazard}: "
                                              "the offload may break it; drop it from `blocking-calls`, or make it safe "
                                              "to run in a thread"))

    def _keep_on_loop(self, plan: Plan, edge: Edge, fid: FuncId, hazard: str) -> None:
        """Offloading this call would lose state bound to the loop's thread: an unsafe fix, left out
        (the call keeps blocking, as before) and listed with why."""
        plan.unsafe_not_applied.append((self._display(edge.path), edge.site.line, edge.site.col,
                                        f"{self.name(fid)} would run in a thread (`asyncio.to_thread`), but it {hazard}; "
                                        "left blocking the loop: --unsafe-fixes makes that change"))
        plan.explanations.append(f"{self.name(fid)} not offloaded at {self.where(edge.path, edge.site.line)}: it {hazard} "
                                 "(an unsafe fix: --unsafe-fixes)")

    def _keep_at_barrier(self, plan: Plan, edge: Edge, fid: FuncId) -> None:
        """A call inside a barrier (awaitify.await_barriers) stays as it is, and is listed."""
        plan.needs_review.append((self._display(edge.path), edge.site.line, edge.site.col,
                                  f"{self.name(fid)} blocks the event loop, but {await_barriers.reason(edge.site.barrier)}"))
        plan.explanations.append(f"{self.name(fid)} not offloaded at {self.where(edge.path, edge.site.line)}: "
                                 f"it stands {await_barriers.place(edge.site.barrier)}")

    def _hands_back(self, fid: FuncId) -> str | None:
        """What calling `fid` builds without running (all of) its work: a context manager, a generator,
        a lazy iterator (awaitify.offload_refusals). A thread that only builds it moves none of that."""
        return hands_back(self.index, self.thread_bound, fid)

    def _lazy_return(self, fid: FuncId) -> str | None:
        return lazy_result(self.index, self.thread_bound, fid)


def _refused_calls(plan: Plan) -> dict[tuple[str, int], str]:
    """The `refused_calls` facts of codemod planners ([line, why]: calls their rule would refuse), taken out
    of the files' facts: they are for propagation only, and facts alone make a rule run on a file."""
    found: dict[tuple[str, int], str] = {}
    for path, file_plan in plan.files.items():
        for name, facts in list(file_plan.extra.items()):
            if isinstance(facts, dict) and "refused_calls" in facts:
                found.update(((path, line), why) for line, why in facts.pop("refused_calls"))
                if not any(facts.values()):
                    del file_plan.extra[name]
    return found


def build_plan(
    sources: list[SourceFile],
    rules: tuple[Rule, ...],
    config: Config,
    paths: list[Path] | None = None,
    store: SummaryStore | None = None,
    full_index: bool = False,
    scope: set[str] | None = None,
) -> Plan:
    """`store` shares summaries with the rest of the run (and its cache); `full_index` indexes every
    file first instead of following the affected area (same result, slower: for tests)."""
    with shared_parses.shared():  # the planners and analyses below read many of the same modules
        return _build_plan(sources, rules, config, paths, store, full_index, scope)


def _build_plan(sources: list[SourceFile], rules: tuple[Rule, ...], config: Config, paths: list[Path] | None,
                store: SummaryStore | None, full_index: bool, scope: set[str] | None) -> Plan:
    plan = Plan()
    _codemod_facts(plan, sources, rules, config, scope)
    _thread_bound_facts(plan, sources, rules, config, paths, store, scope)
    _mixed_runtimes(plan, sources, config)
    refused = _refused_calls(plan)
    if config.propagate == "off" or not any(r.name == PROPAGATION for r in rules):
        return plan
    blocking = {name for rule in rules for name in rule.async_fixes}
    blocking |= {name for name, how in config.blocking_calls.items() if how != "offload"}
    offload = frozenset(name for rule in rules for name in rule.offload_fixes)
    offload |= {name for name, how in config.blocking_calls.items() if how == "offload"}
    if not blocking and not offload:
        return plan
    store = store or SummaryStore({str(s.path): s.text for s in sources})
    index = build_index(store, import_roots(config.root, paths or []), full=full_index)
    planned = _add_calls_from_async(plan, index)
    propagator = Propagator(index, config, blocking, frozenset(offload), scope, top_down=not full_index)
    for _, entry in planned:
        if entry.get("registration"):
            fid = (entry["target"][0], entry["target"][1])
            propagator.moved_hooks.setdefault(fid, []).append(tuple(entry["registration"]))  # type: ignore[arg-type]
    propagator.codes = {name: rule.code for rule in rules for name in (*rule.async_fixes, *rule.offload_fixes)}
    propagator.refused = refused
    rule = next(r for r in rules if r.name == PROPAGATION)
    propagator.ignores_propagation = lambda path: ignored_here(propagator._display(path), rule, config, Path(path))
    propagator.apply(plan)
    propagator.configured_offloads(plan)
    for path, site, why in propagator.refused_seeds.values():  # loud: the call keeps blocking async code that reaches it
        if propagator.async_reachable((path, site.owner)):  # type: ignore[attr-defined]
            plan.needs_review.append((propagator._display(path), site.line, site.col,  # type: ignore[attr-defined]
                                      f"its rule refuses this call ({why}), so `{site.owner}` is not made async for "  # type: ignore[attr-defined]
                                      "it and still blocks the async code that reaches it"))
    _decide_calls_from_async(plan, planned)
    return plan


def _thread_bound_facts(plan: Plan, sources: list[SourceFile], rules: tuple[Rule, ...], config: Config,
                        paths: list[Path] | None, store: SummaryStore | None, scope: set[str] | None) -> None:
    """awaitify.thread_bound's facts for the files where the blocking-open codemod may move a `with
    open(...)` block of async code to a thread: what is bound there, names imported from project
    modules included (a codemod sees one file)."""
    rule = next((r for r in rules if r.name == "blocking-open"), None)
    wanted = [str(s.path) for s in sources if "open(" in s.text and has_async_def(s.text)
              and (scope is None or str(s.path) in scope)] if rule is not None else []
    if not wanted:
        return
    store = store or SummaryStore({str(s.path): s.text for s in sources})
    # facts make the codemod run on the file (FilePlan.has_work_for): not where async code opens no
    # file, whatever its text spells (a data module's strings: the stdlib's pydoc topics)
    store.prefetch(wanted)
    wanted = [path for path in wanted if _opens_in_async_code(store.get(path))]
    if not wanted:
        return
    bound = ThreadBound(build_index(store, import_roots(config.root, paths or [])), config.thread_bound)
    for path in wanted:
        facts = plan.files.setdefault(path, FilePlan()).extra.setdefault(rule.name, {})  # type: ignore[union-attr]
        facts["thread_bound"] = bound.file_facts(path)


def _opens_in_async_code(summary: ModuleSummary | None) -> bool:
    """Does async code (at any depth) open a file, or call a `Path` I/O method? True when unknown."""
    return summary is None or bool(OPEN_DETECTOR.sites(summary, in_async=True)
                                   or summary.sites_calling(spelled=PATH_IO_METHODS, in_async=True))


def _mixed_runtimes(plan: Plan, sources: list[SourceFile], config: Config) -> None:
    """A module whose imports name both trio and asyncio (awaitify.runtime) is listed in needs-review:
    the rewrite writes the run's runtime API there; so is, in a project that mixes runtimes, an async
    module that names none (its callers may run it on either loop). A module on one other runtime
    gets its own API (transform: `config_for_module`)."""
    texts = {str(s.path): s.text for s in sources if has_async_def(s.text)}
    displays = {str(s.path): s.display for s in sources}
    for path, runtime in sorted(differing_modules(config, texts).items()):
        if runtime == AMBIGUOUS:
            plan.needs_review.append((displays[path], 1, 1, why_ambiguous(config.target)))
    spelled = any("trio" in s.text for s in sources) and any("asyncio" in s.text for s in sources)
    if spelled and differing_modules(config, {str(s.path): s.text for s in sources}):
        # a mixed project (a module, async or not, runs another loop): one naming none may run on either
        for path in sorted(p for p, text in texts.items() if module_runtime(text) is None):
            plan.needs_review.append((displays[path], 1, 1, why_unnamed(config.target)))


def _planned_entries(plan: Plan) -> list[tuple[str, dict]]:
    """Calls a rule's plan will write into async code (its facts' `calls_from_async`: the lifespan
    calling a sync startup hook), each with a position no real call has (a negative line)."""
    return [(path, entry) for path, file_plan in sorted(plan.files.items()) for facts in file_plan.extra.values()
            if isinstance(facts, dict) for entry in facts.get("calls_from_async", ())]


def _add_calls_from_async(plan: Plan, index: ProjectIndex) -> list[tuple[str, dict]]:
    """Such calls are added to the index as if they stood in async code already, so a sync hook that
    blocks is made async or offloaded in the same run that writes the lifespan calling it."""
    planned = _planned_entries(plan)
    for path, entry in planned:
        site = CallSite(Ref("own", entry["target"][1]), entry["line"], 1, ASYNC, "", False, tuple(entry["key"]), True)
        index.add_planned_call(path, site, (entry["target"][0], entry["target"][1]))
    return planned


def _decide_calls_from_async(plan: Plan, planned: list[tuple[str, dict]]) -> None:
    """What propagation decided for each planned call goes back to the rule that writes it ("await" or
    "offload"), and leaves the file's positions, which no codemod would find."""
    for path, entry in planned:
        file_plan, key = plan.files[path], tuple(entry["key"])
        if file_plan.await_calls.pop(key, None) is not None:
            entry["how"] = "await"
        elif file_plan.offload_calls.pop(key, None) is not None:
            entry["how"] = "offload"
