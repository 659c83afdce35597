"""One file's blocking call sites, read with `ast`.

The scanner is the project summarizer (`awaitify.summary`) with one more job: it already knows where
each call stands (async body, sync function, lambda, module level), who owns it, and what its name
resolves to through the file's imports. Here each call is also matched against what the rules'
detectors look for (`awaitify.rules.<name>.detect`, merged below; `fix`'s pre-checks read the same
detectors). Local variables are followed just far enough to know a file object, a sync httpx client,
a urllib3 pool or a `Path` from the call that made them (the detectors' `makers`).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field, replace

from awaitify import await_barriers, requests_plan, shared_state
from awaitify.audit import ambiguous_responses
from awaitify.audit.shared_clients import shared_clients
from awaitify.nested_calls import ALREADY_AWAITED, handoff_name, refusal
from awaitify.rules.lifespan import LIFESPAN_HOOKS
from awaitify.rules import all_rules, detectors
from awaitify.rules.asyncio_run.detect import AT_IMPORT_TIME, is_main_guard, loop_call_refused
from awaitify.rules.blocking_open import RULE as BLOCKING_OPEN, refusals
from awaitify.rules.blocking_open.bindings import (block_assigned, file_used_after, may_leave_unbound, rebinds_outer,
                                                   scope_bindings)
from awaitify.rules.blocking_open.detect import DETECTOR as BLOCKING_OPEN_DETECTOR
from awaitify.rules.blocking_open.thread_uses import OpenBlock, read_block
from awaitify.rules.sync_db_client import RULE as SYNC_DB_CLIENT
from awaitify.rules.sync_db_client.detect import REDIS_FACTORIES
from awaitify.rules.sync_db_client.refusals import binding_refusal as redis_refusal
from awaitify.rules.sync_db_client.uses import ClientUses
from awaitify.suppress import Suppressions, is_suppressed, suppressions
from awaitify.summary import (ASYNC, CLASS, GENEXP, LAMBDA, SYNC, ModuleSummary, _Scope, _statements, _Summarizer,
                              silent_leaf)

SPAWN = ("spawnl", "spawnle", "spawnlp", "spawnlpe", "spawnv", "spawnve", "spawnvp", "spawnvpe")

# Every rule's detector (`awaitify.rules.<name>.detect`, found by the registry), merged into the
# tables one walk of a file matches each call against.
CALLS: dict[str, tuple[str, str]] = {  # qualified name -> (code, pattern shown)
    name: (d.code, pattern) for d in detectors() for name, pattern in d.calls.items()}
BY_CODE = {d.code: d for d in detectors()}
# spellings whose code a codemod fixes in general, but not this one (yet): reported as manual
UNFIXABLE_SPELLINGS: dict[str, tuple[str, ...]] = {}
for _detector in detectors():
    for _name in _detector.manual:
        UNFIXABLE_SPELLINGS[_name] = (*UNFIXABLE_SPELLINGS.get(_name, ()), _detector.code)
BUILTINS = {name: (d.code, pattern) for d in detectors() for name, pattern in d.builtins.items()}
RECEIVERS = {name: (d.code, pattern) for d in detectors() for name, pattern in d.receivers.items()}
# what a local variable holds, from the call that made it
MAKERS = {name: kind for d in detectors() for name, kind in d.makers.items()}
METHODS: dict[str, tuple[tuple[str, ...], str]] = {  # kind -> (blocking methods, code)
    kind: (methods, d.code) for d in detectors() for kind, methods in d.methods.items()}
# the rules whose fix runs on a file before AW507's (in the order awaitify.transform runs them) and
# writes an `await` where it fixes a call (propagation aside: the calls it awaits are decided across
# the project)
_RUN_ORDER = [r.code for r in sorted(all_rules(), key=lambda r: r.order)]
_WRITES_AWAIT = frozenset(_RUN_ORDER[:_RUN_ORDER.index(BLOCKING_OPEN.code)]) - {"AW401"}
FILE_OBJECT_CODE = METHODS["file"][1]  # a file object's methods: fixed only by their block's move
_OPENED_IN_BLOCKS = ("", *BLOCKING_OPEN_DETECTOR.manual)  # the builtin open() has no target
# why AW507's fix leaves a block another rule's fix awaits in (it says so, naming the `await`)
_STUCK_BLOCK = refusals.not_movable("`await` in the block")  # (as the fix finds it, once that call is awaited)
_ASYNC_BLOCK = refusals.not_movable("`async with`/`async for` in the block")  # (a request's client, a session, a stream)
# what requests-httpx writes for a fixable site (_Scanner._writes): an `await` at the call, an `async with`
# around the smallest statement holding it (a request's client, a stream), around a `with` session
AWAITS, WRAPPED, WITH_SESSION = "await", "wrapped", "with-session"
# a file holding none of these words cannot hold a finding (a configured blocking call aside);
# shortest first: the short ones (`os`, `run`, `open`) stand in most files, so most searches end at
# the first (the stdlib's pre-check: 0.12 s -> 0.02 s)
TOKENS = tuple(sorted({token for d in detectors() for token in d.tokens}, key=lambda token: (len(token), token)))
LOOP = "loop"  # the kind of what a loop getter (asyncio.get_event_loop) makes: its run_until_complete() is fixed
APP_CLASSES = ("fastapi.FastAPI", "fastapi.applications.FastAPI", "starlette.applications.Starlette",
               "fastapi.APIRouter", "fastapi.routing.APIRouter")

@dataclass(frozen=True)
class Site:
    code: str
    line: int
    col: int
    owner: str  # qualname of the enclosing function ("" at module level)
    context: str  # ASYNC, SYNC, or "any" for rules that hold wherever the code stands
    pattern: str
    fixable: bool = True  # False where the codemod is known to refuse this spelling
    end_line: int = 0
    target: str = ""  # the qualified name called, when it resolves through an import
    end_col: int = 0  # 1-based column just past the call's end (on end_line)
    refused: str = ""  # why the fix leaves this site, when the scan knows (then never fixable)
    # `refused` is its function's requests plan's: the fix names the caller instead when the project
    # plan could not follow the response it returns (awaitify.audit.engine)
    plan_refused: bool = False


def may_hold_anywhere_finding(text: str) -> bool:
    """Findings that hold wherever the code stands (context "any"): framework startup hooks, the
    global Stripe key and an asyncio.run() at import time. A file that can hold one is scanned even
    when no async code is in it or reaches it. (Keep in step with `_framework_hooks`, `visit_Assign`
    and `_run_at_import_time`.)"""
    framework = ("fastapi" in text or "starlette" in text) and any(t in text for t in LIFESPAN_HOOKS)
    return framework or ("stripe" in text and "api_key" in text) or ("asyncio" in text and "run(" in text)


@dataclass
class FileScan:
    summary: ModuleSummary
    sites: list[Site] = field(default_factory=list)
    suppressions: dict[int, set[str] | None] = field(default_factory=dict)  # line -> codes (None: all)
    # the blocks AW507's fix asks about thread-bound state, which `check` answers with the project's
    # facts (awaitify.audit.open_blocks)
    open_blocks: list[OpenBlock] = field(default_factory=list)
    # (line, code) of ignore comments that do their work away from their line: one on a command of a
    # redis client keeps the whole client sync (no unused suppression, AW001)
    ignores_used: set[tuple[int, str]] = field(default_factory=set)


class _Scanner(_Summarizer):
    _dispatch: dict[type, object] = {}  # the base class caches its own methods: this one needs its own cache
    def __init__(self, path: str, text: str, custom: dict[str, str]) -> None:
        super().__init__(path, text)
        self.custom = custom
        self.sites: list[Site] = []
        self.module_kinds: dict[str, str] = {}
        self.framework = "fastapi" in text or "starlette" in text
        self.requests = "requests" in text  # sessions and streams are planned only where requests is spelled...
        self._requests_seen = (-1, False)  # ...and imported: (the import table's version, whether it binds requests)
        self.urlopen = "urlopen" in text
        self._movable_calls: set[int] = set()
        self._ambiguous_calls: dict[int, str] = {}  # requests calls the codemod refuses -> their name (see _ambiguous_responses)
        self._planned: set[int] = set()  # streamed requests calls and sessions (factory, calls) the codemod converts whole
        self._streams: set[int] = set()  # the streamed calls of those
        self._unplanned: dict[int, str] = {}  # requests calls and sessions it refuses for how they are used -> why
        self._movable_ranges: list[tuple[int, int]] = []
        self._range_blocks: dict[tuple[int, int], ast.With] = {}  # each movable range's block
        self._writes: dict[tuple[int, int], tuple[ast.AST, str]] = {}  # see AWAITS
        self._async_loops: list[tuple[int, int]] = []  # `for x in r.iter_content()` of a planned stream: `async for`
        self._main_guards = 0  # how many `if __name__ == "__main__":` blocks the walk is in
        self._refused_blocks: dict[int, str] = {}  # the opener of a `with` block AW507's fix leaves -> why
        self._left_blocks: list[tuple[ast.With, tuple[int, int] | None]] = []  # those, and where what stops the move stands
        self.open_blocks: list[OpenBlock] = []  # the blocks the fix asks about thread-bound state (FileScan's)
        self._handed: set[int] = set()  # lambdas handed to a thread (`to_thread(lambda: ...)`)
        # id(call) -> what binds its value: its Assign or AnnAssign, or (withitem, With) (AW512's refusals)
        self._bound_by: dict[int, object] = {}
        self._client_uses: dict[int, ClientUses] = {}  # id(async def) -> the uses of the redis clients it makes
        self._converted_clients: list[tuple[tuple[int, int], ast.AsyncFunctionDef, object]] = []  # (site, function, binding)
        self._text = text
        self._suppressed: Suppressions | None = None  # read when a redis client's uses are, once
        self.ignores_used: set[tuple[int, str]] = set()  # (FileScan's)
        self._lambdas: list[bool] = []  # per enclosing lambda: was it handed to a thread?
        self._classes: list[ast.ClassDef] = []  # the enclosing classes
        self._header_calls: set[int] = set()  # calls in a decorator or default of a def inside async code
        self._annotations = 0  # how many variable annotations the walk is in
        self._class_kinds: dict[int, dict[str, str]] = {}  # per class read so far: what its methods keep on `self`

    # --- what locals hold ---------------------------------------------------------------------
    def _maker(self, call: ast.expr) -> str | None:
        if not isinstance(call, ast.Call):
            return None
        if isinstance(call.func, ast.Name) and call.func.id == "open" and call.func.id not in self.bindable:
            return "file"
        if isinstance(call.func, ast.Attribute) and call.func.attr == "open" and self._kind_of(call.func.value) == "path":
            return "file"
        ref = self.resolve(call.func)
        kind = MAKERS.get(ref.target) if ref.kind == "import" else None
        return None if kind == LOOP else kind  # a loop is followed apart (`_loop_variables`): only all its assignments count

    def _kinds_in(self, statements: list[ast.AST]) -> dict[str, str]:
        """What the maker calls assigned to a name (or bound by `with ... as`) in a function's own
        `statements` make: name -> kind."""
        kinds: dict[str, str] = {}
        for child in statements:
            if isinstance(child, ast.Assign) and len(child.targets) == 1 and isinstance(child.targets[0], ast.Name):
                kind = self._maker(child.value)
                if kind:
                    kinds[child.targets[0].id] = kind
            for item in getattr(child, "items", ()):
                if isinstance(item, ast.withitem) and isinstance(item.optional_vars, ast.Name):
                    kind = self._maker(item.context_expr)
                    if kind:
                        kinds[item.optional_vars.id] = kind
        return kinds

    def _local_instances(self, node: ast.AST, scope: _Scope) -> list[ast.AST]:
        statements = super()._local_instances(node, scope)  # the function's own, walked once for all these
        scope.kinds = self._kinds_in(statements)  # type: ignore[attr-defined]
        if isinstance(node, ast.AsyncFunctionDef):
            scope.function = node  # type: ignore[attr-defined]  # (AW512 reads how a client made there is used)
            scope.loops = self._loop_variables(statements)  # type: ignore[attr-defined]
            self._movable_open_blocks(node, scope.qualname, statements)
            if self._requests_imported():  # only a requests call can be refused for an ambiguous response
                self._ambiguous_responses(node)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and self._requests_imported():  # a sync one may be made async by propagation
            self._lifecycles(node)

    def _requests_imported(self) -> bool:
        """Can a call read now be a requests call or session (`_requests_kind`)? Only through a
        name the import table binds to requests (or to something in it), as the walk stands: most
        files that spell "requests" (in prose, a docstring) import none, and their functions' plans,
        which find nothing then, cost a scan of such a file twice its walk."""
        if not self.requests:
            return False
        if self._requests_seen[0] != self._imports_version:
            self._requests_seen = (self._imports_version, any(
                target == "requests" or target.startswith("requests.") for target in self.summary.imports.values()))
        return self._requests_seen[1]

    def _is_loop_getter(self, expr: ast.expr) -> bool:
        if not (isinstance(expr, ast.Call) and not expr.args and not expr.keywords):
            return False
        ref = self.resolve(expr.func)
        return ref.kind == "import" and MAKERS.get(ref.target) == LOOP

    def _loop_variables(self, statements: list[ast.AST]) -> set[str]:
        """Names every assignment of which in the function (its own `statements`) is
        `asyncio.get_event_loop()` (or another getter of the running loop): the asyncio-run codemod
        rewrites run_until_complete() on those only."""
        assigned: dict[str, bool] = {}
        for child in statements:
            targets = child.targets if isinstance(child, ast.Assign) else [child.target] if isinstance(
                child, (ast.AnnAssign, ast.AugAssign)) else []
            for target in targets:
                if isinstance(target, ast.Name):
                    getter = isinstance(child, ast.Assign) and len(child.targets) == 1 and self._is_loop_getter(child.value)
                    assigned[target.id] = assigned.get(target.id, True) and getter
        return {name for name, only_getters in assigned.items() if only_getters}

    def _runs_on_running_loop(self, receiver: ast.expr) -> bool:
        if self._is_loop_getter(receiver):
            return True
        loops = getattr(self.scopes[-1], "loops", set()) if self.scopes else set()
        return isinstance(receiver, ast.Name) and receiver.id in loops

    def _lifecycles(self, func: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        """Sessions and streamed responses, converted whole or not at all (the codemod asks the same module)."""
        plans = requests_plan.plan(func, self._requests_kind)
        for stream in plans.streams:
            self._planned.add(id(stream.call))
            self._streams.add(id(stream.call))
            self._async_loops += [self._position(loop) for loop in stream.loops]
        # propagation makes a sync function async (and so its sessions convertible) for a requests call of its own
        if isinstance(func, ast.AsyncFunctionDef) or any(
                isinstance(n, ast.Call) and self._requests_kind(n) not in (None, requests_plan.SESSION)
                for n in requests_plan.walk_scope(func)):
            regions: list | None = None  # the function's barriers, read for its first session
            for session in plans.sessions:
                if regions is None:
                    changers = shared_state.loop_changers_in(self._text)
                    regions = (await_barriers.barrier_regions(func, changers)
                               if changers or await_barriers.may_hold(self._text) else [])
                # as the fix reads it: kept sync whole, said at the factory
                if self._session_suppressed(session) or _in_barrier(regions, session):
                    self._unplanned[id(session.factory)] = requests_plan.SUPPRESSED_SESSION
                else:
                    self._planned.update(id(c) for c in (session.factory, *session.calls))
        self._unplanned.update((key, why) for key, (_, why) in plans.refused.items())

    def _session_suppressed(self, session: requests_plan.Session) -> bool:
        """Does an ignore comment stand on the first or last line of the session's `requests.Session()`
        (for AW514, the code it is reported under) or of one of its requests (AW201)?"""
        if "#" not in self._text:
            return False
        if self._suppressed is None:
            self._suppressed = suppressions(self._text)
        return any(is_suppressed(self._suppressed, {call.lineno, call.end_lineno or call.lineno}, code)
                   for call, code in ((session.factory, "AW514"), *((c, "AW201") for c in session.calls)))

    def _requests_kind(self, call: ast.Call) -> str | None:
        ref = self.resolve(call.func)
        if ref.kind != "import":
            return None
        if MAKERS.get(ref.target) == "session":
            return requests_plan.SESSION
        return ref.target.rpartition(".")[2] if CALLS.get(ref.target, ("",))[0] == "AW201" else None

    def _request_refusal(self, node: ast.Call, target: str) -> tuple[str | None, bool]:
        """Why requests-httpx's fix leaves this request in async code, in its words and in the order it
        asks: a response also bound to something else; what its function's plan refuses (a stream, a
        response that leaves the function) unless the arguments are refused first; its arguments. And
        whether the reason is the plan's, for a call not streamed (see `Site.plan_refused`)."""
        verb = requests_plan.verb_of(target)
        if verb is None:
            return None, False
        streamed = requests_plan.streams(node)
        if id(node) in self._ambiguous_calls and not streamed:
            return requests_plan.ambiguous_reason(self._ambiguous_calls[id(node)]), False
        arguments = requests_plan.argument_refusal(node, verb, streaming=id(node) in self._planned)
        if id(node) in self._unplanned and (streamed or arguments is None):
            return self._unplanned[id(node)], not streamed
        return arguments, False

    def _ambiguous_responses(self, func: ast.AsyncFunctionDef) -> None:
        """`r = requests.get(...)` where `r` is also bound to something else and read as a response
        (`.ok`, `.text`, a truth test...): the requests-httpx codemod refuses those calls."""
        self._ambiguous_calls.update(ambiguous_responses.refused_calls(func, self._requests_kind))

    def _is_requests_call(self, call: ast.Call) -> bool:
        ref = self.resolve(call.func)
        return ref.kind == "import" and CALLS.get(ref.target, ("",))[0] == "AW201"

    # --- `with open(...) as f:` blocks the file-io codemod moves to a thread (keep in step with it) ----
    def _is_opener(self, call: ast.expr) -> bool:
        if not isinstance(call, ast.Call):
            return False
        if isinstance(call.func, ast.Name) and call.func.id == "open":
            return "open" not in self.bindable
        ref = self.resolve(call.func)
        return ref.kind == "import" and ref.target in ("io.open", "codecs.open")

    def _movable_open_blocks(self, func: ast.AsyncFunctionDef, qualname: str, statements: list[ast.AST]) -> None:
        """`statements`: the function's own (`_statements`)."""
        names: list[ast.Name] | None = None  # every name in the function: walked only once a block qualifies
        bindings: list[tuple[str, int]] = []  # what the function's scope binds, and where (read with `names`)
        for stmt in statements:
            if not (isinstance(stmt, ast.With) and len(stmt.items) == 1 and self._is_opener(stmt.items[0].context_expr)
                    and isinstance(stmt.items[0].optional_vars, ast.Name)):
                continue
            opened = stmt.items[0].context_expr
            if not _movable(stmt):
                found = refusals.block_problem(stmt.body)
                if found:  # (one only `_movable` sees, in a comprehension, the fix does not say)
                    self._refused_blocks[id(opened)] = refusals.not_movable(found[0])
                    self._left_blocks.append((stmt, self._position(found[1])))
                continue
            if names is None:
                names = [n for s in func.body for n in ast.walk(s) if isinstance(n, ast.Name)]
                bindings = scope_bindings(func)
            var = stmt.items[0].optional_vars.id
            end = stmt.end_lineno or stmt.lineno
            # as the fix reads them: `except ... as e` binds `e`; a comprehension's names are its own
            assigned = block_assigned(stmt) - {var}
            before = {name for name, line in bindings if line < stmt.lineno}
            # why the fix leaves the block, in the order it asks (its diagnostic stands at the `open()`)
            if file_used_after(func, var, end, names):
                self._refused_blocks[id(opened)] = refusals.FILE_USED_AFTER
                self._left_blocks.append((stmt, None))
                continue
            if rebinds_outer(stmt, var, before):
                self._refused_blocks[id(opened)] = refusals.REBINDS_OUTER
                self._left_blocks.append((stmt, None))
                continue
            unbound = may_leave_unbound(func, stmt, assigned - {var})
            # the fix asks next whether the block uses state bound to the loop's thread: `check`
            # answers with the project's facts (awaitify.audit.open_blocks)
            self.open_blocks.append(OpenBlock(*self._position(opened), stmt.lineno, end, qualname, not unbound,
                                              read_block(stmt.body, self._qualified)))
            if unbound:  # its helper could not hand back a name the block may not bind
                self._refused_blocks[id(opened)] = refusals.may_leave_unbound(unbound)
                self._left_blocks.append((stmt, None))
                continue
            self._movable_calls.add(id(opened))
            self._movable_ranges.append((stmt.lineno, end))
            self._range_blocks[(stmt.lineno, end)] = stmt

    def settle_open_blocks(self) -> None:
        """A `with open(...)` block holding a call a rule run before AW507 turns into an `await`
        (`time.sleep`, a requests call...) or wraps in `async with` (a request's client, a session, a
        stream) stays on the loop: its fix refuses a block that awaits (and says which it met first).
        What only its move would have fixed is not fixable."""
        firsts = {}  # id(block) -> (line, column, why) of the first async construct written in it
        for block in (*self._range_blocks.values(), *(b for b, _ in self._left_blocks)):
            written = self._written_in(block)
            if written:
                firsts[id(block)] = written[0]
        if not firsts:
            return
        self._awaited_first(firsts)
        # the fix finds the `await` before it asks about thread-bound state
        starts = {block.lineno for block in (*self._range_blocks.values(), *(b for b, _ in self._left_blocks))
                  if id(block) in firsts}
        self.open_blocks = [b for b in self.open_blocks if b.start not in starts]
        stuck = {span: firsts[id(block)][2] for span, block in self._range_blocks.items() if id(block) in firsts}
        if not stuck:
            return
        self._movable_ranges = [r for r in self._movable_ranges if r not in stuck]
        within = lambda site: next((why for (start, end), why in stuck.items() if start <= site.line <= end), None)  # noqa: E731
        self.sites = [replace(site, fixable=False, refused=within(site)) if site.fixable and within(site)
                      and moved_only_with_block(site) else site for site in self.sites]

    def _written_in(self, block: ast.With) -> list[tuple[int, int, str]]:
        """Where the rules run before AW507 write an `await`, an `async with` or an `async for` in the
        block's body, with the reason AW507's fix gives when it meets it first: in source order (an
        `async with` around a statement comes before what the statement holds)."""
        start, end = (block.body[0].lineno, block.end_lineno or block.lineno) if block.body else (0, -1)
        inside = lambda line: start <= line <= end  # noqa: E731
        found: list[tuple[int, int, int, str]] = []
        statements: dict[int, tuple[int, int]] | None = None
        for site in self.sites:
            if not (site.fixable and inside(site.line) and (site.code in _WRITES_AWAIT or site.code == "AW514")):
                continue
            node, kind = self._writes.get((site.line, site.col), (None, AWAITS))
            if kind == WRAPPED:  # the smallest statement holding it goes into `async with`
                if statements is None:
                    statements = self._statements_of(block.body)
                where = statements.get(id(node))
                if where is not None:
                    found.append((*where, 0, _ASYNC_BLOCK))
            elif kind == WITH_SESSION:
                found.append((*self._position(self._bound_by[id(node)][1]), 0, _ASYNC_BLOCK))  # type: ignore[index]
            elif site.code != "AW514" or kind == AWAITS:
                found.append((site.line, site.col, 1, _STUCK_BLOCK))
        found += [(line, col, 0, _ASYNC_BLOCK) for line, col in self._async_loops if inside(line)]
        return [(line, col, why) for line, col, _, why in sorted(found)]

    def _statements_of(self, body: list[ast.stmt]) -> dict[int, tuple[int, int]]:
        """id(call) -> the position of the smallest statement holding it, for the calls in `body`."""
        out: dict[int, tuple[int, int]] = {}
        stack: list[tuple[ast.AST, ast.stmt]] = [(stmt, stmt) for stmt in body]
        while stack:
            node, holder = stack.pop()
            if isinstance(node, ast.Call):
                out[id(node)] = self._position(holder)
            stack.extend((child, child if isinstance(child, ast.stmt) else holder) for child in ast.iter_child_nodes(node))
        return out

    def _awaited_first(self, firsts: dict[int, tuple[int, int, str]]) -> None:
        """A block AW507's fix leaves for another reason that holds a call written as an `await` (or
        an `async with`/`async for`) before what stops its move (or anywhere, for a reason asked after
        that): the fix finds that first, and says so."""
        opener_at: dict[tuple[int, int], str] = {}
        for block, problem in self._left_blocks:
            first = firsts.get(id(block))
            if first is None:
                continue
            line, col, why = first
            # an `async with` written around a statement comes before what the statement holds
            if problem is None or (line, col) < problem or (why == _ASYNC_BLOCK and (line, col) <= problem):
                opener_at[self._position(block.items[0].context_expr)] = why
        self.sites = [replace(site, refused=opener_at[(site.line, site.col)]) if site.code == BLOCKING_OPEN.code
                      and site.refused and (site.line, site.col) in opener_at else site for site in self.sites]

    def _qualified(self, expr: ast.expr) -> str:
        """The qualified name of a Name/Attribute chain as the fix's libcst names it (an import's
        target, a module-level name as spelled), or ""."""
        ref = self.resolve(expr)
        return ref.target if ref.kind in ("import", "own") else ""

    def _position(self, node: ast.AST) -> tuple[int, int]:
        """(line, column) as a site gives them: the column 1-based, in characters."""
        return node.lineno, self._chars(node.lineno, node.col_offset) + 1  # type: ignore[attr-defined]

    def _moves(self, node: ast.Call) -> bool:
        """Does the fix move this call to a thread as part of something bigger: a chain it heads,
        or the `with open(...)` block it stands in?"""
        return id(node) in self._movable_calls or self._in_movable_block(node.lineno)

    def _in_movable_block(self, line: int) -> bool:
        return any(start <= line <= end for start, end in self._movable_ranges)

    def visit_Module(self, node: ast.Module) -> None:
        self.module_kinds = {}
        super().visit_Module(node)

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        if self._where() == ASYNC:  # its decorators and defaults run in the async function, when the `def` does
            header = [*node.decorator_list, *node.args.defaults, *(d for d in node.args.kw_defaults if d is not None)]
            self._header_calls.update(id(n) for part in header for n in ast.walk(part) if isinstance(n, ast.Call))
        super()._function(node)

    visit_FunctionDef = visit_AsyncFunctionDef = _function  # (the base class binds its own `_function`)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self._classes.append(node)
        super().visit_ClassDef(node)
        self._classes.pop()

    def _kinds_on_self(self, cls: ast.ClassDef) -> dict[str, str]:
        """What the class's methods keep on `self` from a maker (`self.session = requests.Session()`):
        attribute -> kind, for the attributes every such assignment gives one kind."""
        kinds: dict[str, str | None] = {}
        for method in (m for m in cls.body if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef)) and m.args.args):
            me = method.args.args[0].arg
            for stmt in _statements(method, enter_scopes=True):  # an assignment is a statement: no expression walked
                if isinstance(stmt, ast.Assign):
                    for target in stmt.targets:
                        if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == me:
                            kind = self._maker(stmt.value)
                            kinds[target.attr] = kind if kinds.get(target.attr, kind) == kind else None
        return {attr: kind for attr, kind in kinds.items() if kind is not None}

    def _held_on_self(self, expr: ast.Attribute) -> str | None:
        """The kind of `self.<attr>` in a method of a class that keeps one there (see `_kinds_on_self`)."""
        method = self._method_scope()
        if method is None or not self._classes or not isinstance(expr.value, ast.Name) or expr.value.id != method.self_name:
            return None
        cls = self._classes[-1]
        if id(cls) not in self._class_kinds:  # read once, on the first call that asks (most classes never do)
            self._class_kinds[id(cls)] = self._kinds_on_self(cls)
        return self._class_kinds[id(cls)].get(expr.attr)

    # Which functions are used as values (callbacks) only the planner asks; `check` never does, so a
    # scan does not collect them (a tenth of its time goes to resolving names otherwise).
    visit_Name = silent_leaf

    def _value(self, node: ast.Name | ast.Attribute) -> None:
        pass

    def _kind_of(self, expr: ast.expr) -> str | None:
        if isinstance(expr, ast.Call):
            return self._maker(expr)
        if isinstance(expr, ast.Attribute):
            return self._held_on_self(expr)
        if not isinstance(expr, ast.Name):
            return None
        for scope in reversed(self.scopes):
            kinds = getattr(scope, "kinds", None)
            if kinds is not None and expr.id in kinds:
                return kinds[expr.id]
        return self.module_kinds.get(expr.id)

    # --- where a call stands ----------------------------------------------------------------------
    def _where(self) -> str | None:
        """ASYNC or SYNC for code that runs as part of a function call; None for lambdas (mostly
        handed to a thread), class bodies and module level."""
        for scope in reversed(self.scopes):
            if scope.kind == GENEXP:
                continue  # a generator expression runs where it is iterated: in its function
            if scope.kind in (ASYNC, SYNC):
                return scope.kind
            return None
        return None

    def _add(self, node: ast.AST, code: str, pattern: str, context: str, fixable: bool = True, target: str = "") -> None:
        lineno = getattr(node, "lineno", 0)
        col = self._chars(lineno, getattr(node, "col_offset", 0)) + 1
        end_line = getattr(node, "end_lineno", lineno) or lineno
        end_col = self._chars(end_line, getattr(node, "end_col_offset", 0) or 0) + 1
        self.sites.append(Site(code, lineno, col, self._owner(), context, pattern, fixable, end_line, target, end_col))

    def visit_Call(self, node: ast.Call) -> None:
        self._mark_urlopen_chain(node)
        func = node.func
        if handoff_name(func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""):
            self._handed.update(id(arg) for arg in (*node.args, *(k.value for k in node.keywords)) if isinstance(arg, ast.Lambda))
        self._classify(node)
        super().visit_Call(node)

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._lambdas.append(id(node) in self._handed)
        super().visit_Lambda(node)
        self._lambdas.pop()

    def visit_If(self, node: ast.If) -> None:
        guard = is_main_guard(node)  # as the asyncio-run fix reads one (wherever it stands)
        self._main_guards += guard
        super().visit_If(node)
        self._main_guards -= guard

    def _run_at_import_time(self, node: ast.Call) -> None:
        """AW102 for an asyncio.run() at module level outside a main guard: its fix leaves it and says
        why (it runs at import time); reported wherever the module stands, not fixable, with that reason."""
        ref = self.resolve(node.func)
        if ref.kind == "import" and ref.target == "asyncio.run":
            self._add(node, "AW102", CALLS[ref.target][1], "any", False, ref.target)
            self.sites[-1] = replace(self.sites[-1], refused=AT_IMPORT_TIME)

    def _nested_in_async(self) -> str | None:
        """LAMBDA or GENEXP when the call stands right in one (its innermost scope) with async code
        around it, as the fixes read it (`awaitify.nested_calls`); else None."""
        if self.scopes and self.scopes[-1].kind in (LAMBDA, GENEXP) and any(s.kind == ASYNC for s in self.scopes):
            return self.scopes[-1].kind
        return None

    def _mark_urlopen_chain(self, node: ast.Call) -> None:
        """`urlopen(url).read()...`: the blocking-http codemod moves the whole chain to a thread."""
        if not self.urlopen or not isinstance(node.func, ast.Attribute) or any(isinstance(n, ast.Await) for n in ast.walk(node)):
            return
        expr: ast.expr = node.func.value
        while isinstance(expr, (ast.Call, ast.Attribute)):
            if isinstance(expr, ast.Call):
                ref = self.resolve(expr.func)
                if ref.kind == "import" and ref.target == "urllib.request.urlopen":
                    self._movable_calls.add(id(expr))
                    return
                expr = expr.func
            else:
                expr = expr.value

    def _classify(self, node: ast.Call) -> None:
        if self._annotations:
            return
        self._framework_hooks(node)
        if not self.scopes and not self._main_guards:
            self._run_at_import_time(node)
        nested = self._nested_in_async()
        where = self._where()
        if where is None and nested is None:
            return
        before = len(self.sites)
        self._match(node, where or ASYNC, in_lambda_or_genexp=nested is None and self.scopes[-1].kind in (LAMBDA, GENEXP))
        if nested is not None:
            self._refuse_nested(node, before, nested, quiet=where is None)
        elif id(node) in self._refused_blocks:  # the opener of a `with` block AW507's fix leaves, saying why
            self.sites[before:] = [replace(site, refused=self._refused_blocks[id(node)]) if site.code == BLOCKING_OPEN.code
                                   and not site.fixable else site for site in self.sites[before:]]
        elif where == ASYNC and id(node) in self._header_calls:
            self.sites[before:] = [self._in_def_header(node, site) for site in self.sites[before:]]
        elif where == ASYNC:
            self.sites[before:] = [self._redis_refused(node, site) for site in self.sites[before:]]
        if where == ASYNC and id(node) in self.awaited:
            self.sites[before:] = [self._awaited_already(site) for site in self.sites[before:]]

    @staticmethod
    def _awaited_already(site: Site) -> Site:
        """`await time.sleep(1)`: a fix that rewrites the call to an awaited one would write `await
        await`; it leaves the call and says so (asyncio-run's folds the two: `await coro`)."""
        if not site.fixable or site.code == "AW102":
            return site
        return replace(site, fixable=False, refused=ALREADY_AWAITED)

    def _in_def_header(self, node: ast.Call, site: Site) -> Site:
        """A call in a decorator or default of a `def` inside async code: requests-httpx's fix leaves a
        request or a session there (no statement of the async function holds it for a client), and
        says why; a redis client there is not bound to a name, as the fix reads it."""
        if site.code == "AW514" and site.target.startswith("requests.") or (
                site.code == "AW201" and requests_plan.verb_of(site.target) is not None):
            return replace(site, fixable=False, refused=requests_plan.IN_DEF_HEADER)
        return self._redis_refused(node, site)

    def _redis_refused(self, node: ast.Call, site: Site) -> Site:
        """AW512 for a redis client made in async code that its fix leaves for its arguments, for how
        it is bound (`rules.sync_db_client.refusals`) or for how its name is used afterwards
        (`rules.sync_db_client.uses`): not fixable, with the fix's reason."""
        if site.code != SYNC_DB_CLIENT.code or not site.fixable or site.target not in REDIS_FACTORIES:
            return site
        bound_by = self._bound_by.get(id(node))
        reason = redis_refusal(node, REDIS_FACTORIES[site.target], bound_by) or self._redis_use_refusal(bound_by)  # type: ignore[arg-type]
        if reason is None and getattr(self.scopes[-1], "function", None) is not None:  # asked again once the blocks settle
            self._converted_clients.append(((site.line, site.col), self.scopes[-1].function, bound_by))  # type: ignore[attr-defined]
        return replace(site, fixable=False, refused=reason) if reason else site

    def settle_clients(self) -> None:
        """A redis client the fix would convert, used in a `with open()` block AW507's fix (run first)
        moves into a helper function: the fix then finds the client used in a nested function."""
        if not self._converted_clients or not self._movable_ranges:
            return
        moved = lambda line: any(start <= line <= end for start, end in self._movable_ranges)  # noqa: E731
        reasons = {}
        for key, func, bound_by in self._converted_clients:
            name = bound_by.targets[0].id if isinstance(bound_by, ast.Assign) else bound_by[0].optional_vars.id  # type: ignore[index,union-attr]
            why = self._client_uses[id(func)].refusal(name, self._suppressed_call, moved)
            if why:
                reasons[key] = why
        self.sites = [replace(site, fixable=False, refused=reasons[(site.line, site.col)])
                      if site.code == SYNC_DB_CLIENT.code and (site.line, site.col) in reasons else site for site in self.sites]

    def _redis_use_refusal(self, bound_by: object) -> str | None:
        """Why the fix leaves a client the binding lets it convert (`r = ...`, `with ... as r`)."""
        func = getattr(self.scopes[-1], "function", None)
        if func is None:
            return None
        name = bound_by.targets[0].id if isinstance(bound_by, ast.Assign) else bound_by[0].optional_vars.id  # type: ignore[index,union-attr]
        if id(func) not in self._client_uses:
            self._client_uses[id(func)] = ClientUses(func)
        return self._client_uses[id(func)].refusal(name, self._suppressed_call)

    def _suppressed_call(self, call: ast.Call) -> bool:
        """Does an ignore comment for AW512 stand on the call's first or last line? (Asked only until one
        does: that one keeps the client sync, which is the refusal, so its comment is in use.)"""
        if self._suppressed is None:
            self._suppressed = suppressions(self._text)
        lines = [line for line in {call.lineno, call.end_lineno or call.lineno}
                 if is_suppressed(self._suppressed, {line}, SYNC_DB_CLIENT.code)]
        self.ignores_used.update((line, SYNC_DB_CLIENT.code) for line in lines)
        return bool(lines)

    def _refuse_nested(self, node: ast.Call, first: int, nested: str, quiet: bool) -> None:
        """The call's sites (from `first` on), matched as if it stood in async code itself, stand in a
        lambda or a generator expression (`nested`) inside async code. One its fix would change
        there, the fix leaves and says why (`awaitify.nested_calls`): not fixable, with that reason.
        Any other is not fixable; in a lambda (`quiet`) it is not reported, as no fix reports it."""
        handed = nested == LAMBDA and self._lambdas[-1]
        kept = []
        for site in self.sites[first:]:
            # the fix's own call: requests' module-level calls before any plan; others as fixed in async
            # code, one moved to a thread whole (a `with open()` block, an urlopen chain) aside
            claimed = (requests_plan.verb_of(site.target) is not None and site.target == self._import_target(node)
                       if site.code == "AW201" else site.fixable and not self._moves(node))
            reason = refusal(site.code, nested, handed) if claimed else None
            if reason:
                kept.append(replace(site, context=ASYNC, fixable=False, refused=reason))
            elif not quiet:
                kept.append(replace(site, fixable=False))
        self.sites[first:] = kept

    def _import_target(self, node: ast.Call) -> str:
        ref = self.resolve(node.func)
        return ref.target if ref.kind == "import" else ""

    def _match(self, node: ast.Call, where: str, in_lambda_or_genexp: bool) -> None:
        """Match the call against every detector, standing `where` (ASYNC, SYNC)."""
        func = node.func
        if isinstance(func, ast.Name) and func.id in BUILTINS and func.id not in self.bindable:
            code, pattern = BUILTINS[func.id]
            manual = code in UNFIXABLE_SPELLINGS.get(func.id, ()) and not self._moves(node)
            fixable = not (manual or in_lambda_or_genexp)
            self._add(node, code, pattern, where, fixable=fixable)
            return
        ref = self.resolve(func)
        if ref.kind == "import":
            if ref.target in self.custom:
                self._add(node, "AW103", f"{ref.target}()", where, not in_lambda_or_genexp, ref.target)
                return
            hit = CALLS.get(ref.target)
            if hit:
                code, pattern = hit
                detector = BY_CODE[code]
                if detector.async_code_only and where != ASYNC:
                    return
                unfixable = code in UNFIXABLE_SPELLINGS.get(ref.target, ()) and not self._moves(node)
                fixable = not (in_lambda_or_genexp or unfixable) and not (
                    detector.one_argument and not _one_argument(node)) and not (detector.fixed_in_async_only and where != ASYNC)
                # requests' calls and sessions: fixed as the requests-httpx plan of their function converts them
                if code == "AW201":
                    fixable = (fixable and requests_plan.call_fixable(node, ref.target.rpartition(".")[2], id(node) in self._planned)
                               and id(node) not in self._ambiguous_calls and id(node) not in self._unplanned)
                if code == "AW514":  # AW201 converts a requests.Session() whose whole use it sees
                    fixable = fixable and id(node) in self._planned
                self._add(node, code, pattern, where, fixable, ref.target)
                if code == "AW514" and where == ASYNC and id(node) in self._unplanned:  # the fix says why it leaves it
                    self.sites[-1] = replace(self.sites[-1], refused=self._unplanned[id(node)])
                if code == "AW201" and where == ASYNC and not in_lambda_or_genexp:
                    refused, by_plan = self._request_refusal(node, ref.target)
                    self.sites[-1] = replace(self.sites[-1], refused=refused or "", plan_refused=by_plan)
                    self._writes[(self.sites[-1].line, self.sites[-1].col)] = (node, WRAPPED)  # its client's, or its stream's
                if code == "AW514" and id(node) in self._planned:  # `s = httpx.AsyncClient(verify=await ...)`, or `async with`
                    bound_by = self._bound_by.get(id(node))
                    self._writes[(self.sites[-1].line, self.sites[-1].col)] = (node, WITH_SESSION if isinstance(bound_by, tuple) else AWAITS)
                return
            if ref.target == "os.spawn" or ref.target.startswith("os.spawn") and ref.target[3:] in SPAWN:
                waits = node.args and isinstance(node.args[0], ast.Attribute) and node.args[0].attr == "P_WAIT"
                self._add(node, "AW505" if waits else "AW504", f"{ref.target}()", where, fixable=False)
                return
        if isinstance(func, ast.Attribute):
            if func.attr in RECEIVERS:  # run_until_complete(): fixed on a loop the function gets from asyncio
                code, pattern = RECEIVERS[func.attr]
                fixable = (_one_argument(node) or not BY_CODE[code].one_argument) and self._runs_on_running_loop(func.value)
                self._add(node, code, pattern, where, fixable)
                if self.scopes[-1].kind == ASYNC:  # where its fix looks, it says why it leaves one
                    self.sites[-1] = replace(self.sites[-1], refused=loop_call_refused(node, self._runs_on_running_loop(func.value)))
                return
            kind = self._kind_of(func.value)
            if kind in METHODS and func.attr in METHODS[kind][0]:
                name = ast.unparse(func.value) if isinstance(func.value, (ast.Name, ast.Attribute)) else {
                    "path": "Path(...)", "file": "open(...)"}.get(kind, "...")
                # an object kept on `self` lives past the call: its fix would have to change the class (by hand)
                fixable = not in_lambda_or_genexp and not isinstance(func.value, ast.Attribute) and (
                    (kind == "path" and func.attr != "open") or (kind == "file" and self._in_movable_block(node.lineno))
                    or id(node) in self._planned)
                # a planned session call is fixed as the requests call it is (and followed as one into helpers)
                target = f"requests.{func.attr}" if id(node) in self._planned else ""
                self._add(node, METHODS[kind][1], f"{name}.{func.attr}()", where, fixable, target)

    def add_shared_clients(self, tree: ast.Module) -> None:
        """AW512 for a sync client async code uses but did not make (awaitify.audit.shared_clients),
        once the walk is over: where it is made, with the reason its fix leaves it."""
        def factory_of(func: ast.expr) -> str | None:
            ref = self.resolve(func)
            return ref.target if ref.kind == "import" else None

        for client in shared_clients(tree, factory_of):
            before = len(self.sites)
            self._add(client.call, "AW512", f"{client.factory}()", "any", False, client.factory)
            site = replace(self.sites.pop(), owner="", refused=client.reason)
            # made in a sync method: the walk kept it for a chain from async code; the fix leaves it either way
            self.sites = [s for s in self.sites[:before] if (s.code, s.line, s.col) != ("AW512", site.line, site.col)]
            self.sites.append(site)

    def _framework_hooks(self, node: ast.Call) -> None:
        if not self.framework:
            return
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in ("on_event", "add_event_handler") and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and first.value in ("startup", "shutdown"):
                self._add(node, "AW301", f"{func.attr}({first.value!r})", "any")
            return
        ref = self.resolve(func)
        if ref.kind == "import" and ref.target in APP_CLASSES:
            for kw in node.keywords:
                if kw.arg in ("on_startup", "on_shutdown"):
                    self._add(kw.value, "AW301", f"{kw.arg}=[...]", "any")

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if type(node.value) is ast.Call:
            self._bound_by[id(node.value)] = node
        self.visit(node.target)
        self._annotations += 1  # its calls are summarized, not reported: no fix rewrites a call in an annotation
        self.visit(node.annotation)  # (AwaitifyCodemod.visit_Annotation), and a local variable's never runs
        self._annotations -= 1
        if node.value is not None:
            self.visit(node.value)

    def visit_With(self, node: ast.With) -> None:
        self._bound_by.update((id(item.context_expr), (item, node)) for item in node.items)
        super().visit_With(node)

    def visit_AsyncWith(self, node: ast.AsyncWith) -> None:
        self._bound_by.update((id(item.context_expr), (item, node)) for item in node.items)
        self.generic_visit(node)

    def visit_Assign(self, node: ast.Assign) -> None:
        if type(node.value) is ast.Call:  # only a call can make a client
            self._bound_by[id(node.value)] = node
        if not self.scopes:
            if len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                kind = self._maker(node.value)
                if kind:
                    self.module_kinds[node.targets[0].id] = kind
            for target in node.targets:
                if isinstance(target, ast.Attribute) and target.attr == "api_key":
                    ref = self.resolve(target.value)
                    if ref.kind == "import" and ref.target == "stripe":
                        self._add(target, "AW513", "stripe.api_key = ...", "any")
        self.generic_visit(node)


# what a block cannot hold to become a sync function run in a thread (an `async with` or `async for`
# written there by another rule, such as a converted requests stream, is async code too)
_NOT_MOVABLE = (ast.Await, ast.AsyncWith, ast.AsyncFor, ast.Return, ast.Yield, ast.YieldFrom, ast.Break, ast.Continue,
                ast.Delete, ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Global,
                ast.Nonlocal)


def _one_argument(call: ast.Call) -> bool:
    return len(call.args) == 1 and not call.keywords


def _in_barrier(regions: list[tuple[int, int, str]], session: requests_plan.Session) -> bool:
    """Does the session's `requests.Session()` or one of its requests stand inside an await barrier
    (`regions`: its function's)? The fix leaves that call (awaitify.await_barriers), and a session is
    converted whole or not at all."""
    return any(await_barriers.barrier_at(regions, call.lineno) for call in (session.factory, *session.calls))


def moved_only_with_block(site: Site) -> bool:
    """A site the fix fixes only by moving the `with open(...)` block it stands in to a thread: a file
    object's method, an opener (AW507's `open()`, `io.open()`...)."""
    return site.code == FILE_OBJECT_CODE or site.code == BLOCKING_OPEN.code and site.target in _OPENED_IN_BLOCKS


def _movable(block: ast.With) -> bool:
    """Can the block become the body of a local function as it is?"""
    assigned: set[str] = set()
    for stmt in block.body:
        for node in ast.walk(stmt):
            if isinstance(node, _NOT_MOVABLE) or (isinstance(node, ast.comprehension) and node.is_async):
                return False
            if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name) and node.target.id not in assigned:
                return False
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                assigned.add(node.id)
    return True


def scan(path: str, text: str, custom: dict[str, str]) -> FileScan:
    """Raises SyntaxError (or RecursionError) for source `ast` cannot read."""
    tree = ast.parse(text, filename=path)
    scanner = _Scanner(path, text, custom)
    scanner.visit(tree)
    scanner.settle_open_blocks()
    scanner.settle_clients()
    if "redis" in text:
        scanner.add_shared_clients(tree)
    found = scanner._suppressed if scanner._suppressed is not None else suppressions(text)  # (read once)
    return FileScan(scanner.summary, scanner.sites, found, scanner.open_blocks, scanner.ignores_used)


__all__ = ["CLASS", "FileScan", "Site", "scan"]
