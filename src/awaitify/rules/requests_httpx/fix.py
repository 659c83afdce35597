"""Rewrites `requests` calls inside `async def` to `httpx.AsyncClient`, keeping requests' behaviour.

`requests.get/post/put/patch/delete/head/options/request(...)` (any import form) becomes
`await client.<verb>(...)` with the smallest statement that holds it wrapped in
`async with httpx.AsyncClient(...) as client:`; adjacent statements share one client, a statement
needing clients with different settings opens them together, a block inside a statement that
already opened the same client uses it, and client names never collide with a name of the function.
Behaviour kept on purpose: `follow_redirects=True` for every verb but `head` (or what
`allow_redirects=` said); `timeout=None` where requests had none (httpx would give up after 5 s;
`httpx-default-timeout = true` opts out); a `(connect, read)` timeout tuple becomes
`httpx.Timeout(None, connect=c, read=r)`; a str/bytes literal body moves from `data=` to `content=`;
`verify=`, `cert=`, `cookies=` and a one-proxy `proxies=` move to the client; a client without
`verify=` gets the module's one TLS context, with requests' trust, made at import after the imports
(each `AsyncClient()` would load the CA bundle again, blocking the event loop; requests loads it once).
Sessions and streamed responses are converted whole, where `awaitify.requests_plan` (shared with
`check`) sees their whole use in the function: `with requests.Session() as s:` becomes
`async with httpx.AsyncClient() as s:`; a local `s = requests.Session()` becomes
`s = httpx.AsyncClient()` with the statements through its last use in `try: ... finally: await
s.aclose()` (a last `s.close()` dropped; one in the `finally:` ending its use awaited as
`aclose()`), leading `s.verify = x`/`s.cert = x` moved into the constructor; calls on either are
awaited. `r = requests.get(u, stream=True)` (or `with requests.get(u, stream=True) as r:`) becomes
`async with client.stream("GET", u, ...) as r:` holding the statements through r's last use, its
`for x in r.iter_content(n):` loops `async for x in r.aiter_bytes(n):`.
Responses of converted calls (the call itself, a name bound only from such calls, a walrus) get `.ok`
and their truth -> `not .is_error`, `.reason` -> `.reason_phrase`, `.next` -> `.next_request`, `.url`
-> `str(.url)`, `.iter_content(n)` -> `.iter_bytes(n)`, `.cookies.get_dict()` -> `dict(.cookies)`, a
statement `.raise_for_status()` -> `.is_error and .raise_for_status()`; any other use of a response
refuses its call (`awaitify.requests_responses`: returned, passed on, in a list, `iter_lines()`...).
The module's clients share one TLS context with requests' trust (`trust.py`). Every handler a
converted call's exception can reach gets the httpx class the same failure raises (`exceptions.py`):
the `except` clauses (and `pytest.raises`) of a `try` holding converted calls or reading a converted
response, around an awaited helper of this module, or (the project planner `raisers.py`)
around a call to another module's helper that holds requests calls; beside the requests class where
requests calls may still raise there; `exc.response.reason` & co. follow.

Refused, with a finding: `**kwargs`, positional arguments after the URL, arguments httpx has no
place for, a `proxies=` with several proxies, a `data=` whose type cannot be seen, `cert=` without
`verify=`, `json=` with `data=` or `files=`, an `auth=` or `verify=` expression that is no name (it
may be None / True, which requests treats differently), `s.auth =`/`s.params =` values httpx would
send differently, calls in a lambda or generator expression, a response name also bound to something else
and read as a response, a response used in a way httpx differs on, a session or streamed response
that escapes (returned, passed on, stored, captured, bound again, used after its block) or is used in
a way that differs on the httpx object (`iter_lines()`, `decode_unicode=`, `r.content` on a stream;
`s.params[...] = `, a late `s.verify =`, `s.mount()`), sessions kept on `self` or a module global (with
the manual fix), `except` clauses naming a requests exception httpx has no counterpart for, and
`requests.get` used as a value in async code.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import libcst as cst
import libcst.matchers as m
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor
from libcst.metadata import PositionProvider

from awaitify import requests_plan
from awaitify.codemod_base import (
    ASYNC,
    GENEXP,
    LAMBDA,
    ThreadHandoffs,
    awaited,
    insert_after_imports,
    names_in,
    thread_helper,
    thread_import,
    with_commas,
)
from awaitify.nested_calls import refusal
from awaitify.node_walk import children as node_children
from awaitify.node_walk import code_children, is_statement, walk
from awaitify.rules.client_per_call import RULE as CLIENT_PER_CALL
from awaitify.rules.requests_httpx import RULE as REQUESTS_HTTPX
from awaitify.rules.requests_httpx.detect import SESSION_FACTORIES, wants
from awaitify.requests_plan import CLIENT_KEYWORDS as TO_CLIENT
from awaitify.requests_plan import REQUEST_KEYWORDS as PER_REQUEST
from awaitify.requests_plan import VERBS

from . import helpers
from . import trust
from .exceptions import (
    CATCH_JSON,
    CONNECTION_ERRORS,
    EXCEPTIONS,
    OS_ERRORS,
    ExceptionResponse,
    Guard,
    GuardScan,
    awaited_name,
    response_reads,
)
from .lifecycle import Life as _Life
from .lifecycle import Lifecycles, lifecycles
from .raisers import GUARDED, KEEPS_REQUESTS
from .module_facts import ModuleFacts
from .visit_order import read
from .returns import FOLLOWED, RESPONSES, UNFOLLOWED

RESPONSE_ATTRS = {"reason": "reason_phrase", "next": "next_request"}
# response uses rewritten beyond those (requests_responses.MAPPED): kind -> what it becomes, for the record
RESPONSE_CALLS = {"url": "str(r.url): requests' url is a str, httpx's an httpx.URL",
                  "text": "_requests_text(r): requests decodes a body without a declared charset as ISO-8859-1 for "
                          "text/*, UTF-8 for JSON, else with the charset it guesses; httpx as UTF-8",
                  "iter_content": "r.iter_bytes(n): the read body in n-byte pieces (requests' default n is 1)",
                  "get_dict": "dict(r.cookies): httpx.Cookies has no get_dict()",
                  "raise_for_status": "r.is_error and r.raise_for_status(): httpx raises for every status but 2xx (a 304, "
                                      "a redirect not followed), requests for 4xx and 5xx only",
                  "raise_on_call": "(response := <the call>).is_error and response.raise_for_status(): httpx raises for "
                                   "every status but 2xx (a final 304 or 3xx without Location), requests for 4xx and 5xx only"}

OFFLOADERS = {"asyncio.to_thread", "anyio.to_thread.run_sync", "starlette.concurrency.run_in_threadpool"}

RULE = REQUESTS_HTTPX
# Besides requests' names, what a def spells when anything in it counts for the module's decisions:
# a handler or a `pytest.raises` (each may guard awaited helpers that now raise httpx's exceptions;
# `except OSError` too), or a `.json` read (handlers then catch json.JSONDecodeError as well).
QUIET_DEF_TOKENS = ("except", "raises", "json")


def _is_text_literal(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString))


def _is_name(expr: cst.BaseExpression, name: str) -> bool:
    return isinstance(expr, cst.Name) and expr.value == name


def _inert(expr: cst.BaseExpression) -> bool:
    """Evaluating `expr` runs no code of the program's: a name, an attribute of one, a literal of those."""
    if isinstance(expr, (cst.Name, cst.SimpleString, cst.Integer, cst.Float, cst.Imaginary)):
        return True
    if isinstance(expr, cst.Attribute):
        return _inert(expr.value)
    if isinstance(expr, cst.ConcatenatedString):
        return _inert(expr.left) and _inert(expr.right)
    if isinstance(expr, (cst.Tuple, cst.List, cst.Set)):
        return all(isinstance(e, cst.Element) and _inert(e.value) for e in expr.elements)  # no *starred
    if isinstance(expr, cst.Dict):
        return all(isinstance(e, cst.DictElement) and _inert(e.key) and _inert(e.value) for e in expr.elements)
    return False


def _json_helper_at(args: Sequence[cst.Arg]) -> cst.Arg | str | None:
    """Where `**_requests_json(json, headers)` goes: at the first of `json=` and `headers=`, its arguments in
    their order, so they are evaluated as written; a reason to refuse when an argument between the two
    would then run after the later one."""
    at = [i for i, a in enumerate(args) if a.keyword is not None and a.keyword.value in ("json", "headers")]
    if not any(args[i].keyword.value == "json" for i in at):  # type: ignore[union-attr]
        return None
    between = args[at[0] + 1:at[-1]]
    if not _inert(args[at[-1]].value) and not all(_inert(a.value) for a in between):
        return requests_plan.json_helper_split([a.keyword.value for a in between if a.keyword])
    return args[at[0]]


def _spelled(call: cst.Call) -> str:
    """The called name as written: `fetch` in `fetch(u)` and in `api.fetch(u)`."""
    func = call.func
    return func.value if isinstance(func, cst.Name) else func.attr.value if isinstance(func, cst.Attribute) else ""


def _constructs_auth(expr: cst.BaseExpression) -> bool:
    """`SomethingAuth(...)`: a class's instance, never None."""
    func = expr.func if isinstance(expr, cst.Call) else None
    last = func.attr if isinstance(func, cst.Attribute) else func
    return isinstance(last, cst.Name) and last.value.endswith("Auth")


def _kw(name: str, value: cst.BaseExpression) -> cst.Arg:
    return cst.Arg(value=value, keyword=cst.Name(name), equal=cst.AssignEqual(
        whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")))


class _Function:
    """Per function: the client's name and, for the response attributes, which names are bound
    only from requests calls (`candidates`), which of those bindings were converted (`responses`)
    or not (`refused`), and the attribute/truth uses waiting for that verdict (`pending`)."""

    def __init__(self, node: cst.FunctionDef, names: set[str], bindings: dict[str, bool], sessions: set[str],
                 ambiguous: set[str]) -> None:
        self.asynchronous = node.asynchronous is not None
        self.name = node.name.value
        self.awaits: set[str] = set()  # names of the functions it awaits (`await f()`, `await self.f()`)
        taken = self.taken = names
        candidates = itertools.chain(("client", "http_client"), (f"client_{i}" for i in range(1, 999)))  # made as taken
        self._free = (n for n in candidates if n not in taken)
        self.clients: dict[str, str] = {}  # client settings (as code) -> the name of such clients in this function
        self.bound = set(bindings)
        self.candidates = {name for name, only_responses in bindings.items() if only_responses}
        self.sessions = sessions  # names bound to a requests.Session() in this function
        self.ambiguous = ambiguous  # response names also bound otherwise: their requests calls are refused
        self.responses: set[str] = set()
        self.refused: set[str] = set()
        self.pending: list[tuple[str, cst.CSTNode, cst.CSTNode, str]] = []  # (name, updated node, original node, kind)


    def fresh(self, base: str) -> str:
        """A name the function does not use yet (`response`, `response_1`, ...)."""
        name = next(n for n in (base, *(f"{base}_{i}" for i in range(1, 999))) if n not in self.taken)
        self.taken.add(name)
        return name

    def client_for(self, key: str) -> str:
        """One name per client settings: a client nested in another never hides it."""
        if key not in self.clients:
            self.clients[key] = next(self._free)
        return self.clients[key]


class _Bindings(cst.CSTVisitor):
    """Every name a function binds (nested scopes included, to stay on the safe side), and whether
    each binding is `name = <requests call>`."""

    def __init__(self, is_response_call, is_session_factory) -> None:
        self.is_response_call = is_response_call  # (call, session names) -> bool
        self.is_session_factory = is_session_factory  # call -> bool
        self.found: dict[str, bool] = {}
        self.sessions: set[str] = set()
        self.response_bound: set[str] = set()
        self.uses: set[str] = set()  # names read as responses (`.ok`, `.reason`, `.next`, truth)
        self._depth = 0

    def truth(self, test: cst.BaseExpression) -> None:
        if isinstance(test, cst.Name):
            self.uses.add(test.value)
        elif isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            self.truth(test.expression)
        elif isinstance(test, cst.BooleanOperation):
            self.truth(test.left)
            self.truth(test.right)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if isinstance(node.value, cst.Name) and node.attr.value in ("ok", *RESPONSE_ATTRS, "url", "text", "iter_content", "cookies"):
            self.uses.add(node.value.value)

    def visit_If(self, node: cst.If) -> None:
        self.truth(node.test)

    def visit_While(self, node: cst.While) -> None:
        self.truth(node.test)

    def visit_IfExp(self, node: cst.IfExp) -> None:
        self.truth(node.test)

    def visit_Assert(self, node: cst.Assert) -> None:
        self.truth(node.test)

    def visit_CompIf(self, node: cst.CompIf) -> None:
        self.truth(node.test)

    def visit_UnaryOperation(self, node: cst.UnaryOperation) -> None:
        if isinstance(node.operator, cst.Not):
            self.truth(node.expression)

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name) and node.func.value == "bool" and len(node.args) == 1:
            self.truth(node.args[0].value)

    def ambiguous(self) -> set[str]:
        """Names bound both from a requests call and otherwise, and read as responses: converting the
        call would leave `.ok` & co. on an httpx response (or rewrite them on something else)."""
        return {name for name in self.uses if name in self.response_bound and not self.found.get(name, False)}

    def bind(self, name: str, response: bool = False) -> None:
        self.found[name] = self.found.get(name, True) and response

    def bind_target(self, target: cst.CSTNode) -> None:
        if isinstance(target, cst.Name):
            self.bind(target.value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self.bind_target(element.value)
        elif isinstance(target, cst.StarredElement):
            self.bind_target(target.value)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self._depth += 1
        if self._depth > 1:
            self.bind(node.name.value)
        return True

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._depth -= 1

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.bind(node.name.value)

    def visit_Param(self, node: cst.Param) -> None:
        self.bind(node.name.value)

    def visit_Assign(self, node: cst.Assign) -> None:
        if len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name):
            value = node.value
            name = node.targets[0].target.value
            if isinstance(value, (cst.Call, cst.Await)) and self.is_response_call(value, self.sessions):
                self.bind(name, True)
                self.response_bound.add(name)
                return
            if isinstance(value, cst.Call) and self.is_session_factory(value):
                self.sessions.add(name)
        for target in node.targets:
            self.bind_target(target.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self.bind_target(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self.bind_target(node.target)

    def visit_For(self, node: cst.For) -> None:
        self.bind_target(node.target)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self.bind_target(node.target)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is None:
            return
        name = node.asname.name
        if isinstance(node.item, cst.Call) and isinstance(name, cst.Name) and self.is_response_call(node.item, self.sessions):
            self.bind(name.value, True)  # `with requests.get(u, stream=True) as r:`
            self.response_bound.add(name.value)
            return
        self.bind_target(name)
        if isinstance(node.item, cst.Call) and isinstance(name, cst.Name) and self.is_session_factory(node.item):
            self.sessions.add(name.value)

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if node.name is not None:
            self.bind_target(node.name.name)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        if isinstance(node.target, cst.Name) and isinstance(node.value, (cst.Call, cst.Await)) and self.is_response_call(node.value, self.sessions):
            self.bind(node.target.value, True)  # `(r := requests.get(u)).ok`
            self.response_bound.add(node.target.value)
            return
        self.bind_target(node.target)

    def visit_Del(self, node: cst.Del) -> None:
        self.bind_target(node.target)

    def visit_ImportAlias(self, node: cst.ImportAlias) -> None:
        name = node.asname.name if node.asname is not None else node.name
        while isinstance(name, cst.Attribute):
            name = name.value
        self.bind_target(name)

    def visit_Global(self, node: cst.Global) -> None:
        for item in node.names:
            self.bind(item.name.value)

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        for item in node.names:
            self.bind(item.name.value)

    def visit_MatchAs(self, node: cst.MatchAs) -> None:
        if node.name is not None:
            self.bind(node.name.value)

    def visit_MatchStar(self, node: cst.MatchStar) -> None:
        if node.name is not None:
            self.bind(node.name.value)


class RequestsToHttpx(ThreadHandoffs):
    RULE = RULE
    DESCRIPTION = __doc__

    def __init__(self, context: cst.codemod.CodemodContext) -> None:
        super().__init__(context)
        self.client_module = self.config.http_client
        self._functions: list[_Function] = []
        # per statement being visited: the client it needs, as (settings as code, client arguments)
        self._statements: list[list[tuple[str, list[cst.Arg]]]] = []
        # id(updated statement) -> (client name, (settings, arguments), the statement, kept alive for its id)
        self._clients: dict[int, tuple[str, tuple[str, list[cst.Arg]], cst.BaseStatement]] = {}
        self._made: dict[int, cst.With] = {}  # the `async with` blocks written here (kept alive for their ids)
        self._elifs: set[int] = set()  # `elif` branches: part of their `if` statement, not statements of a block
        self._converted = 0  # requests calls converted so far
        self._unconverted = 0  # requests calls left as they are so far
        self._guards: list[Guard] = []  # the try statements (and pytest.raises blocks) being visited
        self._try_bodies: dict[int, Guard] = {}  # id(body of a try statement being visited) -> its guard
        self._raises: dict[int, Guard] = {}  # id(with pytest.raises(...)) -> its guard
        self._requests_holders: set[str] = set()  # names of the module's functions that call requests
        self._handler_origin: dict[int, cst.ExceptHandler] = {}  # id(original handler type) -> its handler
        self._statement_calls: set[int] = set()  # ids of calls standing as statements
        self._called: set[int] = set()  # ids of called expressions (and of what a thread runs): no value use
        self._json_read = False  # `.json()` read on a converted response somewhere in the module
        # calls in a try body or pytest.raises block to helpers of other modules that raise converted calls'
        # exceptions (the project plan, codemods/_requests_raisers.py): (line, name) -> they read json
        self._foreign = {(line, name): json for line, name, json in
                         (self.session.plan.extra.get(RULE.name) or {}).get(GUARDED, [])}
        facts = self.session.plan.extra.get(RULE.name) or {}
        # requests calls whose returned response the project plan followed into every caller (codemods/_requests_returns.py)
        self._followed: set[int] = set(facts.get(FOLLOWED, []))
        # calls of such a function (here or elsewhere), by (line, name as written, which such call on the line from
        # the left): awaited, they give an httpx response
        self._returned_sites = {tuple(entry) for entry in facts.get(RESPONSES, [])}
        self._call_columns: dict[tuple[int, str], list[int]] | None = None  # (line, name as written) -> their columns
        self._unfollowed: dict[int, str] = {line: why for line, why in facts.get(UNFOLLOWED, [])}  # line -> why not
        self._life = Lifecycles()  # the sessions and streamed responses converted whole (ids of original nodes)
        self._streamed: set[int] = set()  # the stream calls converted (ids of original nodes)
        self._global_sessions: set[str] = set()  # module names bound to a requests.Session()
        self._self_sessions: set[str] = set()  # `self.<attr>` bound to a requests.Session()
        # response rewrites decided (per function, when it is left): id(node in the updated tree) -> kind
        self._response_edits: dict[int, str] = {}
        self._alive: list[cst.CSTNode] = []  # nodes whose ids are keys above
        self._ambiguous_calls: dict[int, str] = {}  # requests calls bound to a name that is not only a response
        # why no requests call of the module is converted, if so: the project plan read every module
        # importing requests for it (`raisers._keeping_requests`, `exception_values`)
        self._exception_value = (self.session.plan.extra.get(RULE.name) or {}).get(KEEPS_REQUESTS) or ""
        self._converting: set[str] = set()  # names of the functions holding converted calls
        self._awaits: dict[str, set[str]] = {}  # function name -> names of the functions it awaits
        # try statements with no converted call of their own but awaiting functions: (their names, [(handler, type)])
        self._deferred_handlers: list[tuple[set[str], list[tuple[cst.ExceptHandler, cst.BaseExpression]]]] = []
        self._helpers: dict[str, str] = {}  # _requests_helpers kind -> its name in this module, once a call needs it
        self._tls_name: str | None = None  # the module's shared TLS context, once a client takes it
        self._tls_written: str | None = None  # its name when an earlier run wrote it (then it is reused)
        self._tls_origin: cst.CSTNode | None = None  # the first converted call whose client takes it
        # id(node) -> (the node, kept alive for its id; its qualified name): each node's is asked for again and again
        self._qualified: dict[int, tuple[cst.CSTNode, str | None]] = {}
        self._unentered: list[cst.FunctionDef] = []  # the defs the walk did not enter (`enters`)
        self._quiet_tokens: tuple[str, ...] = ()  # what a def the walk may leave unentered spells none of

    def qualified_name(self, node: cst.CSTNode) -> str | None:
        """As `AwaitifyCodemod.qualified_name`, asked once per node: the tree and its metadata do not
        change while this codemod runs."""
        known = self._qualified.get(id(node))
        if known is not None and known[0] is node:
            return known[1]
        name = super().qualified_name(node)
        self._qualified[id(node)] = (node, name)
        return name

    # --- module: sessions kept beyond one call -----------------------------------------------------
    def visit_Module(self, node: cst.Module) -> bool:
        super().visit_Module(node)
        facts = self._facts = ModuleFacts(self._is_session_factory, self.qualified_name)
        read(facts, node)
        self._global_sessions, self._self_sessions = facts.global_sessions, facts.self_sessions
        # a sync function called without `await` raises requests' exceptions in the handlers around the call
        self._requests_holders = facts.requests_holders
        # where no requests call of the module is converted, no session nor stream is either
        self._life = Lifecycles() if self._exception_value else lifecycles(
            node, self.metadata[PositionProvider], self._call_kind, self._suppressed,
            lambda call: self.original_lines(call)[0] in self._followed, *self._version_text(node))
        self._quiet_tokens = (*RULE.triggers_for(self.config), *QUIET_DEF_TOKENS,
                              *sorted(self._global_sessions), *sorted(self._self_sessions))
        return True

    def _version_text(self, module: cst.Module) -> tuple:
        """The text of the tree version being walked and the reader of its `ast` tree, as the session
        keeps them for every codemod of the file (no codegen, no second parse); (None, None) outside a
        file's run of the codemods (`module.code` is read then)."""
        session = self.session
        return (None, None) if session.code is None else (session.code, session.syntax_tree)

    def _names_in(self, node: cst.CSTNode) -> set[str]:
        """`names_in(node)` for the module read or one of its defs, from the walk `visit_Module` made."""
        if node is self.module_node:
            return set(self._facts.names)
        known = self._facts.function_names.get(id(node))
        return set(known[1]) if known is not None and known[0] is node else names_in(node)

    def leave_Module(self, original: cst.Module, updated: cst.Module) -> cst.Module:
        handler_types, exc_rewrites = self._indirect_handlers()
        if self._response_edits or handler_types:
            updated = updated.visit(_ResponseEdits(self._response_edits, handler_types, exc_rewrites,
                                                   lambda: self._helper(helpers.TEXT),
                                                   _holding(updated, {*self._response_edits, *handler_types})))
        # the names the rewritten module spells, read once for the helpers and the TLS context
        wanted = self._helpers or (self._tls_name is not None and self._tls_name != self._tls_written)
        spelled = names_in(updated) if wanted else set()
        updated = self._with_helpers(updated, spelled)
        return self._with_tls_context(updated, spelled)

    def _helper(self, kind: str) -> str:
        """The name of the module's `_requests_helpers` function of this kind (written when the module is left)."""
        if kind not in self._helpers:
            taken = self._names_in(self.module_node) | set(self._helpers.values())
            self._helpers[kind] = helpers.written(self.module_node, kind) or next(
                n for n in (kind, *(f"{kind}_{i}" for i in range(1, 99))) if n not in taken)
        return self._helpers[kind]

    def _with_helpers(self, module: cst.Module, used: set[str]) -> cst.Module:
        """The helpers the rewritten module uses (one named for a call refused later is not written).
        `used`: the names the module spells, which gets those of the helpers written (once all are)."""
        written: set[str] = set()
        for kind, name in sorted(self._helpers.items(), reverse=True):
            if name not in used:
                continue
            for imported in helpers.IMPORTS[kind]:
                AddImportsVisitor.add_needed_import(self.context, imported)
            if kind in helpers.OFFLOADING:
                AddImportsVisitor.add_needed_import(self.context, thread_import(self.config.target))
            if helpers.written(self.module_node, kind) != name:
                names = {"context": self._tls_name or "", "bundle": trust.bundle_name(self._tls_name or "")}
                offload = thread_helper(self.config.target)
                written |= helpers.spelled(kind, name, self.client_module, offload, **names)
                for stmt in reversed(helpers.helper(kind, name, self.client_module, offload, **names)):
                    module = insert_after_imports(module, stmt, blank_lines=2,
                                                  binding=self.client_module)  # (after an import of httpx that stands lower)
        used |= written
        return module

    def _with_tls_context(self, module: cst.Module, spelled: set[str]) -> cst.Module:
        """requests' trust (`trust.py`) made once after the imports, when a client takes it. `spelled`:
        the names the module spells."""
        if self._tls_name is None or self._tls_name == self._tls_written:
            return module
        if self._tls_name not in spelled:  # named for a call refused later: nothing takes it
            return module
        if self._tls_origin is not None:
            self.record(self._tls_origin, f"{self._tls_name}: the CA bundle requests would use (REQUESTS_CA_BUNDLE, "
                        "CURL_CA_BUNDLE, else certifi's), loaded once at import and shared by the module's AsyncClients: "
                        "httpx's own default ignores those variables, and making one per client loads the bundle each "
                        "time, blocking the event loop", dependent=True)
        for name in trust.IMPORTS:
            AddImportsVisitor.add_needed_import(self.context, name)
        bundle, context = trust.context_lines(self._tls_name)
        module = insert_after_imports(module, context, blank_lines=1, binding=self.client_module)
        at = next(i for i, stmt in enumerate(module.body) if isinstance(stmt, cst.SimpleStatementLine) and stmt.body[0] is context.body[0])
        body = list(module.body)
        body[at] = body[at].with_changes(leading_lines=[])
        return module.with_changes(body=[*body[:at], bundle.with_changes(leading_lines=[cst.EmptyLine()]), *body[at:]])

    def _takes_tls_context(self, args: Sequence[cst.Arg], origin: cst.CSTNode | None) -> bool:
        """Does a client with these arguments get the module's one TLS context? Yes unless they set their
        own (`verify=`, `cert=`: httpx would load a `cert=` into a shared context). The first client
        that does names it, from the converted call (`origin`) it is for."""
        if any(arg.keyword is not None and arg.keyword.value in ("verify", "cert") or arg.star for arg in args):
            return False
        self._name_tls_context(origin)
        return True

    def _name_tls_context(self, origin: cst.CSTNode | None) -> None:
        if self._tls_name is None:
            self._tls_origin, self._tls_written = origin, trust.written_context(self.module_node)
            taken = self._names_in(self.module_node)
            base = f"_{self.client_module.upper()}_SSL_CONTEXT"
            self._tls_name = self._tls_written or next(n for n in (base, *(f"{base}_{i}" for i in range(1, 99)))
                                                        if n not in taken and trust.bundle_name(n) not in taken)

    def _new_client(self, args: Sequence[cst.Arg], origin: cst.CSTNode | None = None) -> cst.Call:
        if self._takes_tls_context(args, origin):
            args = [*args, _kw("verify", awaited(cst.Call(cst.Name(self._helper(helpers.TRUST)))))]  # read when the client is made
        args = [*args, _kw("max_redirects", cst.Integer("30")),  # requests follows up to 30, httpx 20 by default
                _kw("auth", cst.Call(cst.Name(self._helper(helpers.NETRC))))]  # requests' .netrc (_requests_helpers)
        return cst.Call(func=cst.Attribute(cst.Name(self.client_module), cst.Name("AsyncClient")), args=with_commas(list(args)))

    def _indirect_handlers(self) -> tuple[dict[int, cst.BaseExpression], dict[int, bool]]:
        """`except requests.X` around `await helper()` where the helper (a function of this module, made
        async by propagation, or one it awaits) now raises httpx's exceptions; or, once this module has
        no requests call left, around any await. Where requests calls remain, both are caught. Also the
        handlers whose `exc.response.reason` & co. are spelled for httpx (or reported, where both are caught)."""
        if self._deferred_handlers:
            self._awaits_of_unentered()
        converting = set(self._converting)
        changed = True
        while changed:
            changed = False
            for name, callees in self._awaits.items():
                if name not in converting and callees & converting:
                    converting.add(name)
                    changed = True
        clean = self._converted > 0 and self._unconverted == 0
        out: dict[int, cst.BaseExpression] = {}
        rewrites: dict[int, bool] = {}  # handler -> it catches requests' exceptions too
        for callees, handlers in self._deferred_handlers:
            if not (callees & converting or clean):
                continue
            for handler, type_ in handlers:
                new = self._handler_type(type_, keep_requests=not clean, json=self._json_read)
                if new is not type_:
                    out[id(handler)] = new
                    origin = self._handler_origin.get(id(type_))
                    if origin is not None and response_reads(origin):
                        rewrites[id(handler)] = not clean
                        self._exception_response(origin, origin, keeps_requests=not clean)  # (its records)
        return out, rewrites

    # --- what the walk enters ------------------------------------------------------------------------
    def enters(self, node: cst.BaseStatement) -> bool:
        return not (type(node) is cst.FunctionDef and self._unentered and self._unentered[-1] is node)

    def _quiet(self, node: cst.FunctionDef) -> bool:
        """Can a def, not nested in another, be left unentered? Inside one that spells none of
        `QUIET_DEF_TOKENS`, requests' names (or a name an import binds for one) nor a module-level or
        `self.` session, no call is a requests call, no response is read, no handler guards anything
        and no `.json` is read: what the module-wide decisions count. Only what it awaits is read
        (`_awaits_of_unentered`). A def nested in another may read its enclosing function's
        responses; where the project plan followed a returned response into this module, an awaited
        call of any def may give one: every def is entered then."""
        return not (self._functions or self._returned_sites) and not self.spells_tokens(node, self._quiet_tokens)

    def _awaits_of_unentered(self) -> None:
        """The functions each unentered def awaits (as `leave_Await` would have noted them: by the
        innermost def around the await), for the handlers decided when the module is left."""
        for node in self._unentered:
            stack: list[tuple[str, cst.CSTNode]] = [(node.name.value, node)]
            while stack:
                owner, current = stack.pop()
                for child in code_children(current):
                    if type(child) is cst.FunctionDef:
                        self._awaits.setdefault(child.name.value, set())
                        stack.append((child.name.value, child))
                        continue
                    if type(child) is cst.Await:
                        name = awaited_name(child)  # type: ignore[arg-type]
                        if name:
                            self._awaits[owner].add(name)
                    stack.append((owner, child))
        self._unentered = []

    # --- scopes ---------------------------------------------------------------------------------
    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        if self._quiet(node):
            self._unentered.append(node)
            self._functions.append(_Function(node, set(), {}, set(), set()))
            return super().visit_FunctionDef(node)
        walker = _Bindings(self._is_response_call, self._is_session_factory)
        read(walker, node)
        self._functions.append(_Function(node, self._names_in(node), walker.found, walker.sessions, walker.ambiguous()))
        return super().visit_FunctionDef(node)

    def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef) -> cst.BaseStatement:
        done = self._functions.pop()
        self._awaits.setdefault(done.name, set()).update(done.awaits)
        safe = done.candidates & done.responses - done.refused
        for name, node, original_use, kind in done.pending:
            if name in safe:
                self._edit(node, original_use, kind, name)
            elif name in done.responses:
                what = f"{name}.{kind}" if kind in ("ok", *RESPONSE_ATTRS, *RESPONSE_CALLS) else f"the truth value of `{name}`"
                self.diagnose(original_use, f"{what}: `{name}` holds an httpx response here but is also bound to "
                              "something else in this function, so it is not rewritten; httpx spells it "
                              "`not r.is_error` (ok, truth), `r.reason_phrase`, `r.next_request`")
        return self._statement_left(super().leave_FunctionDef(original, updated))

    @property
    def function(self) -> _Function | None:
        """The innermost function when it is async."""
        return self._functions[-1] if self._functions and self._functions[-1].asynchronous else None

    def _owner_of(self, name: str) -> _Function | None:
        """The function whose local `name` is, seen from here (closures included)."""
        for function in reversed(self._functions):
            if name in function.bound:
                return function
        return None

    # --- statements: which need a client -----------------------------------------------------
    def visit_If(self, node: cst.If) -> bool:
        if isinstance(node.orelse, cst.If):
            self._elifs.add(id(node.orelse))
        return True

    def _is_statement(self, node: cst.CSTNode) -> bool:
        return is_statement(node) and id(node) not in self._elifs

    def on_visit(self, node: cst.CSTNode) -> bool:
        if self._is_statement(node):
            self._statements.append([])
        return super().on_visit(node)

    def on_leave(self, original: cst.CSTNode, updated: cst.CSTNode):  # type: ignore[override]
        result = super().on_leave(original, updated)
        if self._try_bodies:
            self._left_try_body(original)
        if (type(original) is cst.Call and not isinstance(result, cst.Await) and id(original) not in self._streamed
                and self._is_requests_call(original)):
            self._unconverted += 1
        if self._is_statement(original) and not isinstance(original, cst.FunctionDef):
            result = self._statement_left(result)
        return result

    def _statement_left(self, node):
        needs = self._statements.pop() if self._statements else []
        if needs and isinstance(node, cst.BaseStatement) and self.function is not None:
            self._clients[id(node)] = (tuple((self.function.client_for(k), k, a) for k, a in needs), node)
        return node

    def leave_IndentedBlock(self, original: cst.IndentedBlock, updated: cst.IndentedBlock) -> cst.IndentedBlock:
        if len(original.body) != len(updated.body) or self.function is None or self.scope_kind != ASYNC:
            return updated.with_changes(body=self._grouped(updated.body))
        self._settings(original.body, updated.body)
        return updated.with_changes(body=self._grouped(self._regions(original.body, list(updated.body))))

    def _grouped(self, statements: Sequence[cst.BaseStatement]) -> list[cst.BaseStatement]:
        """Adjacent statements that need the same clients share one `async with`."""
        body: list[cst.BaseStatement] = []
        group: list[cst.BaseStatement] = []
        group_clients: tuple = ()
        for stmt in statements:
            entry = self._clients.pop(id(stmt), None)
            clients = () if entry is None else entry[0]
            if group and clients != group_clients:
                body.append(self._wrap(group, group_clients))
                group = []
            if entry is None:
                body.append(stmt)
            else:
                group.append(stmt)
                group_clients = clients
        if group:
            body.append(self._wrap(group, group_clients))
        return body

    def _wrap(self, statements: list[cst.BaseStatement], clients: tuple) -> cst.With:
        names = {name for name, _, _ in clients}
        unnest = _Unnest(names, self._made)
        if any(_holds_made_with(s, names, self._made) for s in statements):
            statements = [s.visit(unnest) for s in statements]  # type: ignore[misc]
            self._moved(unnest.moved)
        leading = getattr(statements[0], "leading_lines", [])
        inner = [statements[0].with_changes(leading_lines=[]), *statements[1:]]
        items = []
        for i, (name, _, args) in enumerate(clients):
            client = self._new_client(args)
            comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")) if i < len(clients) - 1 else cst.MaybeSentinel.DEFAULT
            items.append(cst.WithItem(client, asname=cst.AsName(cst.Name(name)), comma=comma))
        made = cst.With(items=items, body=cst.IndentedBlock(body=inner), asynchronous=cst.Asynchronous(), leading_lines=leading)
        self._made[id(made)] = made
        return made

    def _moved(self, moved: dict[int, cst.CSTNode]) -> None:
        """Nodes rebuilt by `_Unnest`: what was noted by node identity follows them."""
        self._alive.extend(moved.values())
        self._response_edits = {id(moved[k]) if k in moved else k: v for k, v in self._response_edits.items()}
        for function in self._functions:
            function.pending = [(n, moved.get(id(node), node), o, k) for n, node, o, k in function.pending]
        self._deferred_handlers = [(names, [(moved.get(id(h), h), t) for h, t in handlers])  # type: ignore[misc]
                                   for names, handlers in self._deferred_handlers]
        for old, new in moved.items():
            if old in self._made and isinstance(new, cst.With):
                self._made[id(new)] = new

    # --- calls ------------------------------------------------------------------------------------
    def _verb(self, call: cst.Call) -> str | None:
        return requests_plan.verb_of(self.qualified_name(call.func) or "")

    # --- sessions and streamed responses, converted whole (planned by awaitify.requests_plan) ---------
    def _call_kind(self, call: cst.Call) -> str | None:
        return self._verb(call) or (requests_plan.SESSION if self._is_session_factory(call) else None)

    def leave_With(self, original: cst.With, updated: cst.With) -> cst.BaseStatement:
        """`with requests.Session() as s:` -> `async with httpx.AsyncClient() as s:`;
        `with requests.get(u, stream=True) as r:` -> `async with client.stream("GET", u) as r:`."""
        updated = self._raises_left(original, updated)
        life = self._life.starts.get(id(original))
        if life is None or (life.kind == "stream" and life.call not in self._streamed):
            return updated
        if life.kind == "stream":
            self._functions[-1].responses.add(life.name)
            return updated.with_changes(asynchronous=cst.Asynchronous())
        client = self._async_client(original.items[0].item, life)  # type: ignore[arg-type]
        return updated.with_changes(items=[updated.items[0].with_changes(item=client)], asynchronous=cst.Asynchronous())

    def _async_client(self, factory: cst.Call, life: _Life, at: cst.CSTNode | None = None) -> cst.Call:
        """The httpx.AsyncClient for a requests.Session(), with the settings httpx takes only here.
        `at`: the factory call in the original tree, where the change is reported (`factory` may be
        a node the transform built, which has no position)."""
        self._count_converted()
        self._schedule_import_removal(factory.func)
        AddImportsVisitor.add_needed_import(self.context, self.client_module)
        closed = ("its `async with` block closes it" if life.last is None else
                  f"`{life.name}.close()` -> `await {life.name}.aclose()`" if not life.wrap else
                  f"`await {life.name}.aclose()` in a `finally:` closes it")
        self.record(at or factory, f"requests.Session() -> {self.client_module}.AsyncClient(): its requests are awaited; {closed}")
        return self._new_client([_kw(key, self._session_verify(value, life, at or factory) if key == "verify" else value)
                                 for key, value in life.settings], at or factory)

    def _request_verify(self, value: cst.BaseExpression, origin: cst.CSTNode, own: bool) -> cst.BaseExpression | None:
        """A request's `verify=True` (or None) means REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE when set, else certifi's
        bundle: `await _requests_trust()`; a name: that when it is True or None at run time, else itself;
        None for another expression (refused: it would be evaluated twice). `own`: with `cert=`."""
        if not (isinstance(value, (cst.Name, cst.Attribute)) and _inert(value)):
            return None
        self._name_tls_context(origin)
        own_args = [_kw("shared", cst.Name("False"))] if own else []
        trusted = awaited(cst.Call(cst.Name(self._helper(helpers.TRUST)), own_args))
        if _is_name(value, "True") or _is_name(value, "None"):
            return trusted
        test = cst.BooleanOperation(cst.Comparison(value, [cst.ComparisonTarget(cst.Is(), cst.Name("True"))]), cst.Or(),
                                    cst.Comparison(value, [cst.ComparisonTarget(cst.Is(), cst.Name("None"))]))
        return cst.IfExp(test=test, body=trusted, orelse=value)

    def _session_verify(self, value: cst.BaseExpression, life: _Life, origin: cst.CSTNode) -> cst.BaseExpression:
        """`s.verify = x` -> `verify=await _requests_trust(x)`: requests lets REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE
        override a session's verify (even False; `merge_environment_settings`), so the client takes their
        bundle when one is set. With `s.cert`, a context of its own (httpx loads the certificate into it)."""
        self._name_tls_context(origin)
        own = [_kw("shared", cst.Name("False"))] if any(key == "cert" for key, _ in life.settings) else []
        return awaited(cst.Call(cst.Name(self._helper(helpers.TRUST)), with_commas([cst.Arg(value), *own])))

    def leave_For(self, original: cst.For, updated: cst.For) -> cst.BaseStatement:
        """`for chunk in r.iter_content(n):` on a converted stream -> `async for chunk in r.aiter_bytes(n):`."""
        life = self._life.loops.get(id(original))
        if life is None or life.call not in self._streamed or not isinstance(updated.iter, cst.Call):
            return updated
        func = updated.iter.func
        assert isinstance(func, cst.Attribute)
        self.record(original, f"for ... in {life.name}.iter_content() -> async for ... in {life.name}.aiter_bytes(): the "
                    "same bytes (without a chunk size, in the pieces they arrive in)", dependent=True)
        return updated.with_changes(asynchronous=cst.Asynchronous(),
                                    iter=updated.iter.with_changes(func=func.with_changes(attr=cst.Name("aiter_bytes"))))

    def _regions(self, originals: Sequence[cst.BaseStatement], updated: list[cst.BaseStatement]) -> list[cst.BaseStatement]:
        """A block's statements with each planned region (from `s = requests.Session()` or `r = requests.get(...,
        stream=True)` through the last use; regions nest, they never cross) rewritten, and `s.verify = x` lines
        dropped (their values go to the client)."""
        out: list[cst.BaseStatement] = []
        i = 0
        while i < len(originals):
            life = self._life.starts.get(id(originals[i]))
            ends = [j for j in range(i, len(originals)) if life is not None and id(originals[j]) == life.last]
            if not ends or (life.kind == "stream" and life.call not in self._streamed):  # type: ignore[union-attr]
                if id(originals[i]) not in self._life.settings:
                    out.append(updated[i])
                i += 1
                continue
            inner = self._regions(originals[i + 1:ends[0] + 1], updated[i + 1:ends[0] + 1])
            build = self._stream_region if life.kind == "stream" else self._session_region  # type: ignore[union-attr]
            out.extend(build(updated[i], inner, life, originals[i]))  # type: ignore[arg-type]
            i = ends[0] + 1
        return out

    def _settings(self, originals: Sequence[cst.BaseStatement], updated: Sequence[cst.BaseStatement]) -> None:
        """The values of a block's `s.verify = x` lines, for the client they move to."""
        for original, stmt in zip(originals, updated):
            setting = self._life.settings.get(id(original))
            if setting is not None and isinstance(stmt, cst.SimpleStatementLine) and isinstance(stmt.body[0], cst.Assign):
                setting[0].settings.append((setting[1], stmt.body[0].value))

    def _stream_region(self, assign: cst.SimpleStatementLine, body: list[cst.BaseStatement], life: _Life,
                       original: cst.BaseStatement) -> list[cst.BaseStatement]:
        """`r = <stream call>` and the statements using r -> `async with <stream call> as r:` holding them;
        the `async with` needs the stream call's client, as the assignment did."""
        value = assign.body[0].value  # type: ignore[attr-defined]
        block = cst.IndentedBlock(body=self._grouped(body), header=assign.trailing_whitespace)
        made = cst.With(items=[cst.WithItem(value, asname=cst.AsName(cst.Name(life.name)))], body=block,
                        asynchronous=cst.Asynchronous(), leading_lines=assign.leading_lines)
        entry = self._clients.pop(id(assign), None)
        if entry is not None:
            self._clients[id(made)] = (entry[0], made)
        return [made]

    def _session_region(self, assign: cst.SimpleStatementLine, body: list[cst.BaseStatement], life: _Life,
                        original: cst.BaseStatement) -> list[cst.BaseStatement]:
        """`s = requests.Session()` and its use -> `s = httpx.AsyncClient()` then `try: <use> finally: await s.aclose()`
        (a last `s.close()` dropped: the `finally:` does it); a use that is already `try: ... finally: s.close()`
        keeps its shape, the close awaited."""
        factory = assign.body[0].value  # type: ignore[attr-defined]
        at = original.body[0].value  # type: ignore[attr-defined]
        made = assign.with_changes(body=[assign.body[0].with_changes(value=self._async_client(factory, life, at))])
        if life.close == "drop":
            dropped, body = body[-1], body[:-1]
            self._clients.pop(id(dropped), None)
        if not life.wrap:
            return [made, *body]
        close = cst.SimpleStatementLine([cst.Expr(awaited(cst.Call(cst.Attribute(cst.Name(life.name), cst.Name("aclose")))))])
        inner = self._grouped(body)
        inner[0] = inner[0].with_changes(leading_lines=[])
        attempt = cst.Try(body=cst.IndentedBlock(body=inner), finalbody=cst.Finally(body=cst.IndentedBlock(body=[close])),
                          leading_lines=getattr(body[0], "leading_lines", []))
        return [made, attempt]

    def _on_session(self, call: cst.Call) -> bool:
        return id(call) in self._life.session_calls

    def _session_call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression | None:
        if not self._on_session(original):
            return None
        func = original.func
        assert isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name)
        verb = func.attr.value
        request_args, _ = self._plan_arguments(original, updated, verb)  # type: ignore[misc]
        self._count_converted()
        self.record(original, f"{func.value.value}.{verb}() -> await {func.value.value}.{verb}() on the AsyncClient",
                    dependent=True)
        if _sends_body_without_verb_body(verb, request_args):  # httpx's get() takes no body: request() does
            args = [cst.Arg(cst.SimpleString(f'"{verb.upper()}"')), *request_args]
            call = updated.with_changes(func=updated.func.with_changes(attr=cst.Name("request")))  # type: ignore[attr-defined]
            return awaited(call.with_changes(args=_laid_out(args, updated.args)))
        return awaited(updated.with_changes(args=_laid_out(request_args, updated.args)))

    def _is_session_factory(self, call: cst.Call) -> bool:
        return self.qualified_name(call.func) in SESSION_FACTORIES

    def finding_code(self, node: cst.CSTNode) -> str:
        """`requests.Session()` is reported under AW514 (client-per-call): its ignore comment, and the
        diagnostic of a session left sync, name that code in both commands."""
        if isinstance(node, cst.Call) and self._is_session_factory(node):
            return CLIENT_PER_CALL.code
        return super().finding_code(node)

    def _stored_session(self, call: cst.Call) -> str | None:
        """`session.get(...)` on a requests.Session kept on a module global or on `self`: its spelling."""
        func = call.func
        if not (isinstance(func, cst.Attribute) and func.attr.value in VERBS):
            return None
        owner = func.value
        if isinstance(owner, cst.Name) and owner.value in self._global_sessions and self._owner_of(owner.value) is None:
            return owner.value
        if (isinstance(owner, cst.Attribute) and isinstance(owner.value, cst.Name) and owner.value.value in ("self", "cls")
                and owner.attr.value in self._self_sessions):
            return f"{owner.value.value}.{owner.attr.value}"
        return None

    def _local_session_call(self, call: cst.Call) -> bool:
        func = call.func
        if not (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.attr.value in VERBS):
            return False
        owner = self._owner_of(func.value.value)
        return owner is not None and func.value.value in owner.sessions

    def _returned_response(self, node: cst.BaseExpression) -> bool:
        """`await fetch(u)` (or `asyncio.run(fetch(u))`) where `fetch` returns a converted response: the
        project plan followed it here. A call left without await: the helper kept requests."""
        if isinstance(node, cst.Await):
            call = node.expression
        elif isinstance(node, cst.Call) and self._is_asyncio_run(node) and len(node.args) == 1:
            call = node.args[0].value
        else:
            return False
        if not (self._returned_sites and isinstance(call, cst.Call)):
            return False
        name = _spelled(call)
        return (self.original_lines(call)[0], name, self._occurrence(call, name)) in self._returned_sites

    def _occurrence(self, call: cst.Call, name: str) -> int:
        """Which of the calls spelled `name` that start on the call's line it is, from the left (as
        `_requests_returns` counts them in the file as read)."""
        if self._call_columns is None:
            self._call_columns = {}
            for node in (n for n in walk(self.module_node) if isinstance(n, cst.Call)):  # each sorted below
                pos = self.get_metadata(PositionProvider, node, None)
                if pos is not None:
                    key = (self.session.original_line(pos.start.line), _spelled(node))
                    self._call_columns.setdefault(key, []).append(pos.start.column)
            for columns in self._call_columns.values():
                columns.sort()
        pos = self.get_metadata(PositionProvider, call, None)
        columns = self._call_columns.get((self.original_lines(call)[0], name), [])
        return columns.index(pos.start.column) if pos is not None and pos.start.column in columns else -1

    def _is_response_call(self, call: cst.BaseExpression, sessions: set[str]) -> bool:
        """A requests call (module verb, or a verb on one of `sessions`), or an awaited helper whose returned
        response the project plan followed here."""
        if self._returned_response(call):
            return True
        if not isinstance(call, cst.Call):
            return False
        func = call.func
        return self._verb(call) is not None or (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name)
                                                and func.value.value in sessions and func.attr.value in VERBS)

    def _is_requests_call(self, call: cst.Call) -> bool:
        """A call that may raise requests' exceptions (and that this codemod did not convert, when it
        is still a call after it)."""
        func = call.func
        while isinstance(func, cst.Attribute):
            func = func.value
        name = self.qualified_name(call.func) or "" if isinstance(func, cst.Name) else ""  # not `requests.get(u).json()`
        if name.startswith("requests.") and name not in SESSION_FACTORIES:
            return True
        return self._stored_session(call) is not None or self._local_session_call(call)

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        session_call = self._session_call(original, updated)
        if session_call is not None:
            return session_call
        if id(original) in self._life.closes:  # `s.close()` in the `finally:` of the session's use
            self.record(original, "s.close() -> await s.aclose(): an AsyncClient closes asynchronously", dependent=True)
            return awaited(updated.with_changes(func=updated.func.with_changes(attr=cst.Name("aclose"))))  # type: ignore[attr-defined]
        if self._returned_sites or (self.scope_kind == ASYNC and self.function is not None):
            self._response_truth_call(original, updated)
            self._response_method(original, updated)
        if self._exception_value and self.scope_kind == ASYNC and self.function is not None:
            kind = self._call_kind(original)
            if kind is not None:  # (the module tests for requests' exceptions: see exception_values)
                what = "requests.Session() in async code" if kind == requests_plan.SESSION else f"requests.{kind}() blocks the event loop"
                self.diagnose(original, f"{what}; not rewritten: {self._exception_value}", self.finding_code(original))
                return updated
        if self.scope_kind == ASYNC and (self.function is not None or self.in_def_header()):
            problem = self._session_problem_for_call(original)
            if problem:
                self.diagnose(original, problem, self.finding_code(original))
                return updated
        verb = self._verb(original)
        if verb is None:
            return updated
        if self.scope_kind == ASYNC and self.in_def_header():  # no statement of the async function to give a client
            self.diagnose(original, f"requests.{verb}() blocks the event loop; not rewritten: {requests_plan.IN_DEF_HEADER}")
            return updated
        if self.in_handed_lambda():
            return updated  # it blocks the thread the lambda is handed to, not the loop
        if self.scope_kind in (LAMBDA, GENEXP) and self.inside_async_function():
            self.diagnose(original, f"requests.{verb}() blocks the event loop, but {refusal(RULE.code, self.scope_kind)}")
            return updated
        if self.scope_kind != ASYNC or self.function is None or not self._statements:
            return updated
        life = self._life.calls.get(id(original))
        plan = self._plan_arguments(original, updated, verb, streaming=life is not None)
        streamed = any(a.keyword is not None and a.keyword.value == "stream" for a in original.args)
        if id(original) in self._life.refused and (streamed or not isinstance(plan, str)):  # else the arguments' reason
            plan = self._life.refused[id(original)]
            line = self.original_lines(original)[0]
            if line in self._unfollowed and not streamed:  # (the caller that could not be followed, named)
                plan = requests_plan.unfollowed(self._unfollowed[line])
        if id(original) in self._ambiguous_calls and not streamed:  # (a stream's own plan said why)
            plan = requests_plan.ambiguous_reason(self._ambiguous_calls[id(original)])
        if isinstance(plan, str):
            self.diagnose(original, f"requests.{verb}() blocks the event loop; not rewritten: {plan}")
            return updated
        request_args, client_args = plan
        key = cst.Module([]).code_for_node(cst.Call(cst.Name("c"), args=with_commas(client_args)))
        needs = self._statements[-1]
        if key not in [k for k, _ in needs]:
            needs.append((key, client_args))
        self._takes_tls_context(client_args, original)  # the first client to take it names it, from this call
        client = self.function.client_for(key)
        self._count_converted()
        self._schedule_import_removal(original.func)
        AddImportsVisitor.add_needed_import(self.context, self.client_module)
        if life is not None:
            return self._stream_call(original, updated, verb, client, request_args)
        if _sends_body_without_verb_body(verb, request_args):
            self.record(original, f"requests.{verb}(..., body) -> await {client}.request(\"{verb.upper()}\", ...) on an "
                        f"{self.client_module}.AsyncClient: httpx's {verb}() takes no body, request() sends it as requests did")
            func = cst.Attribute(cst.Name(client), cst.Name("request"))
            args = [cst.Arg(cst.SimpleString(f'"{verb.upper()}"')), *request_args]
            return awaited(updated.with_changes(func=func, args=_laid_out(args, updated.args)))
        self.record(original, f"requests.{verb}() -> await {client}.{verb}() on an {self.client_module}.AsyncClient: "
                    "requests blocks the event loop")
        func = cst.Attribute(cst.Name(client), cst.Name(verb))
        return awaited(updated.with_changes(func=func, args=_laid_out(request_args, updated.args)))

    def _stream_call(self, original: cst.Call, updated: cst.Call, verb: str, client: str, args: list[cst.Arg]) -> cst.Call:
        """`requests.get(u, stream=True)` -> `client.stream("GET", u, ...)`, for the `async with` its statement becomes."""
        self._streamed.add(id(original))
        if verb != "request":
            args = [cst.Arg(cst.SimpleString(f'"{verb.upper()}"')), *args]
        method = "METHOD" if verb == "request" else verb.upper()
        self.record(original, f"requests.{verb}(..., stream=True) -> async with {client}.stream(\"{method}\", ...) on an "
                    f"{self.client_module}.AsyncClient: the body is read as it arrives, inside the block")
        return updated.with_changes(func=cst.Attribute(cst.Name(client), cst.Name("stream")), args=_laid_out(args, updated.args))

    def _session_problem_for_call(self, call: cst.Call) -> str | None:
        """Sessions this codemod does not convert, reported where they block."""
        if self._is_session_factory(call) and (id(call) not in self._life.calls or self.in_def_header()):
            why = (requests_plan.IN_DEF_HEADER if self.in_def_header()
                   else self._life.refused.get(id(call), "it stands in a lambda or generator expression"))
            return (f"requests.Session() in async code; not rewritten: {why}. Manual fix: an {self.client_module}.AsyncClient "
                    "(`async with` it, or close it with `await client.aclose()`) whose calls are awaited")
        stored = self._stored_session(call)
        if stored is not None:
            verb = call.func.attr.value  # type: ignore[attr-defined]
            return (f"{stored}.{verb}() on a requests.Session kept on {'self' if '.' in stored else 'a module global'} "
                    "blocks the event loop; not rewritten: its lifecycle is outside this function. Manual fix: make it an "
                    f"{self.client_module}.AsyncClient created at startup (a lifespan handler), closed with "
                    f"`await {stored}.aclose()` at shutdown, and `await` its calls")
        return None

    def _plan_arguments(self, original: cst.Call, updated: cst.Call, verb: str, streaming: bool = False):
        """(request arguments, client arguments), or why the call cannot be converted. `streaming`: the call
        becomes `client.stream(...)` (requests_plan said so): its `stream=True` is dropped."""
        request_args: list[cst.Arg] = []
        client_args: list[cst.Arg] = []
        follow: cst.BaseExpression = cst.Name("False" if verb == "head" else "True")
        timeout_seen = False
        keywords = {a.keyword.value: a for a in updated.args if a.keyword is not None}
        if "json" in keywords and "data" in keywords:
            return requests_plan.JSON_WITH_DATA
        if "json" in keywords and "files" in keywords and not _is_name(keywords["files"].value, "None"):  # httpx: json
            return requests_plan.JSON_WITH_FILES
        json_at = _json_helper_at(updated.args)
        if isinstance(json_at, str):
            return json_at
        for arg in updated.args:
            if arg.star:
                return requests_plan.STARRED
            if arg.keyword is None:
                request_args.append(arg)
                continue
            key = arg.keyword.value
            if key == "stream" and _is_name(arg.value, "True" if streaming else "False"):
                continue
            if key == "stream":
                return requests_plan.STREAM_BY_HAND
            if key not in PER_REQUEST | TO_CLIENT:
                return requests_plan.unknown_keyword(key)
            if key == "allow_redirects":
                follow = arg.value
            elif key == "timeout":
                timeout_seen = True
                request_args.append(arg.with_changes(value=self._timeout(arg.value)))
            elif key == "data" and _is_text_literal(arg.value):
                request_args.append(arg.with_changes(keyword=cst.Name("content")))
            elif key == "data" and not isinstance(arg.value, (cst.Dict, cst.DictComp)):
                return requests_plan.DATA_UNSEEN
            elif key in ("json", "headers") and "json" in keywords and arg is not json_at:
                continue  # (handed to the json= helper, written where the first of the two stood)
            elif key in ("json", "headers") and "json" in keywords:  # requests' bytes and Content-Type (`_requests_helpers`)
                pair = [a for a in updated.args if a.keyword is not None and a.keyword.value in ("json", "headers")]
                args = ([cst.Arg(a.value) for a in pair] if pair[0].keyword.value == "json"  # evaluated in their order
                        else [_kw("headers", pair[0].value), _kw("value", pair[1].value)])
                self.record(original, f"json= -> **{self._helper(helpers.JSON)}(...): the body requests sends (\", \" and \": \" "
                            "separators, non-ASCII escaped) and its Content-Type unless the headers set one; httpx writes "
                            "compact JSON", dependent=True)
                request_args.append(cst.Arg(cst.Call(cst.Name(self._helper(helpers.JSON)), with_commas(args)), star="**"))
            elif key == "params" and not helpers.literal_params(arg.value):
                self.record(original, f"params= -> {self._helper(helpers.PARAMS)}(...): requests leaves out None values and "
                            "writes values with str(); httpx sends `key=` for None and `true` for True", dependent=True)
                call = cst.Call(cst.Name(self._helper(helpers.PARAMS)), [cst.Arg(arg.value)])
                request_args.append(arg.with_changes(value=call))
            elif key == "auth" and _is_name(arg.value, "None"):
                continue  # requests: no auth= given, so .netrc applies; httpx's auth=None would turn it off
            elif key == "auth" and isinstance(arg.value, (cst.Name, cst.Attribute)) and _inert(arg.value):
                default = cst.Attribute(cst.Name(self.client_module), cst.Name("USE_CLIENT_DEFAULT"))  # None: .netrc, as requests
                request_args.append(arg.with_changes(value=cst.IfExp(
                    test=cst.Comparison(arg.value, [cst.ComparisonTarget(cst.IsNot(), cst.Name("None"))]),
                    body=arg.value, orelse=default)))
            elif key == "auth" and not (isinstance(arg.value, cst.Tuple) or _constructs_auth(arg.value)):
                return requests_plan.AUTH_MAY_BE_NONE
            elif key == "proxies":
                proxy = self._single_proxy(arg.value)
                if proxy is None:
                    return requests_plan.SEVERAL_PROXIES
                client_args.append(_kw("proxy", proxy))
            elif key == "verify" and not (isinstance(arg.value, cst.Name) and arg.value.value == "False" or _is_text_literal(arg.value)):
                trusted = self._request_verify(arg.value, original, own="cert" in keywords)
                if trusted is None:
                    return requests_plan.VERIFY_MAY_BE_TRUE
                client_args.append(_kw(key, trusted))
            elif key in TO_CLIENT:
                client_args.append(_kw(key, arg.value))
            else:
                request_args.append(arg)
        if len(original.args) and any(a.keyword is None for a in original.args[2 if verb == "request" else 1:]):
            return requests_plan.POSITIONAL_PAST_URL
        if requests_plan.CERT_WITHOUT_VERIFY in _keywords(updated.args):
            return requests_plan.CERT_WITHOUT_VERIFY_WHY
        request_args.append(_kw("follow_redirects", follow))
        if not timeout_seen and not self.config.httpx_default_timeout:
            request_args.append(_kw("timeout", cst.Name("None")))
        return request_args, client_args

    def _timeout(self, value: cst.BaseExpression) -> cst.BaseExpression:
        if isinstance(value, cst.Tuple) and len(value.elements) == 2:
            connect, read = (e.value for e in value.elements)
            return cst.Call(func=cst.Attribute(cst.Name(self.client_module), cst.Name("Timeout")),
                            args=with_commas([cst.Arg(cst.Name("None")), _kw("connect", connect), _kw("read", read)]))
        return value

    @staticmethod
    def _single_proxy(value: cst.BaseExpression) -> cst.BaseExpression | None:
        if not isinstance(value, cst.Dict):
            return None
        values = [e.value for e in value.elements if isinstance(e, cst.DictElement)]
        texts = {cst.Module([]).code_for_node(v) for v in values}
        return values[0] if values and len(texts) == 1 and len(values) == len(value.elements) else None

    def _schedule_import_removal(self, func: cst.BaseExpression) -> None:
        if isinstance(func, cst.Name):
            RemoveImportsVisitor.remove_unused_import(self.context, "requests", func.value)
        elif isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
            RemoveImportsVisitor.remove_unused_import(self.context, "requests", asname=func.value.value if func.value.value != "requests" else None)

    # --- responses ---------------------------------------------------------------------------------
    def _converted_response(self, original: cst.BaseExpression, updated: cst.BaseExpression) -> bool:
        """`updated` is the await this codemod wrote for the requests call `original`."""
        if isinstance(original, cst.NamedExpr) and isinstance(updated, cst.NamedExpr):  # `(r := requests.get(u))`
            return self._converted_response(original.value, updated.value)
        if self._returned_response(original):
            return True
        return isinstance(original, cst.Call) and isinstance(updated, cst.Await) and (
            self._verb(original) is not None or self._on_session(original))

    def _edit(self, updated: cst.CSTNode, original: cst.CSTNode, kind: str, name: str) -> None:
        self._response_edits[id(updated)] = f"text:{self._helper(helpers.TEXT)}" if kind == "text" else kind
        self._alive.append(updated)
        if kind in ("ok", "truth", "bool"):
            what = {"ok": f"{name}.ok", "truth": f"the truth of `{name}`", "bool": f"bool({name})"}[kind]
            self.record(original, f"{what} -> not {name}.is_error: requests' ok (and a response's truth) is "
                        "status < 400; an httpx response is always true", dependent=True)
        elif kind in RESPONSE_CALLS:
            self.record(original, f"{name}: {RESPONSE_CALLS[kind]}", dependent=True)
        else:
            self.record(original, f"{name}.{kind} -> {name}.{RESPONSE_ATTRS[kind]}", dependent=True)

    def _use(self, target: cst.BaseExpression, updated_target: cst.BaseExpression, updated: cst.CSTNode,
             original: cst.CSTNode, kind: str) -> None:
        """A response use (`kind`) of `target`: a converted call (edited now) or a name (decided when
        the function that binds it is left)."""
        if self._converted_response(target, updated_target):
            self._edit(updated, original, kind, "response")
        elif isinstance(target, cst.Name):
            owner = self._owner_of(target.value)
            if owner is not None and (owner.asynchronous or self._returned_sites):  # (a bridged sync test)
                owner.pending.append((target.value, updated, original, kind))

    def visit_Assign(self, node: cst.Assign) -> bool:
        function = self.function
        if (function is not None and function.ambiguous and len(node.targets) == 1
                and isinstance(node.targets[0].target, cst.Name) and node.targets[0].target.value in function.ambiguous
                and isinstance(node.value, cst.Call)):
            self._ambiguous_calls[id(node.value)] = node.targets[0].target.value
        return True

    def leave_Assign(self, original: cst.Assign, updated: cst.Assign) -> cst.Assign:
        if (self._functions and len(updated.targets) == 1 and isinstance(updated.targets[0].target, cst.Name)
                and self._returned_response(original.value)):  # (a sync test's asyncio.run(...) too)
            self._functions[-1].responses.add(updated.targets[0].target.value)
            return updated
        function = self.function
        if (function is not None and len(updated.targets) == 1 and isinstance(updated.targets[0].target, cst.Name)
                and isinstance(original.value, cst.Call) and self._is_response_call(original.value, function.sessions)):
            name = updated.targets[0].target.value
            converted = isinstance(updated.value, cst.Await) or id(original.value) in self._streamed
            (function.responses if converted else function.refused).add(name)
        return updated

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.BaseExpression:
        if original.attr.value == "json" and isinstance(updated.value, (cst.Name, cst.Await)):
            self._json_read = True  # (for handlers around awaited helpers of this module: on the safe side)
        if original.attr.value in ("ok", *RESPONSE_ATTRS, "url", "text"):
            self._use(original.value, updated.value, updated, original, original.attr.value)
        self._as_value(original)
        return updated

    # --- requests' functions used as values ----------------------------------------------------------
    def visit_Call(self, node: cst.Call) -> bool:
        super().visit_Call(node)
        self._called.add(id(node.func))
        if self.qualified_name(node.func) in OFFLOADERS or m.matches(node.func, m.Attribute(attr=m.Name("run_in_executor"))):
            self._called.update(id(arg.value) for arg in node.args)  # run in a thread already: no blocking here
        return True

    def visit_Expr(self, node: cst.Expr) -> bool:
        self._statement_calls.add(id(node.value))  # (a call whose value is dropped)
        return True

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False  # (a function-level `from requests import get` names it, it does not use it)

    def _as_value(self, node: cst.BaseExpression) -> None:
        """`fetch = requests.get` (or passing it on) in async code: the calls made through it block and
        cannot be seen here, so they are not rewritten; said loudly."""
        if self.scope_kind != ASYNC or self.function is None or id(node) in self._called:
            return
        if isinstance(node, cst.Name) and not self._may_import(node.value):
            return
        name = self.qualified_name(node) or ""
        if requests_plan.verb_of(name):
            self.diagnose(node, f"{name} used as a value in async code: the calls made through it block the event loop "
                          "and are not rewritten; call it directly (then it is converted) or run it in a thread "
                          "(`await asyncio.to_thread(...)`)")

    def _may_import(self, name: str) -> bool:
        """Whether a Name spelling `name` may resolve to something imported (`requests.get`). Not when
        no import in the file binds it and no class is called `requests`: it is then a local, a
        builtin or unbound (`f.<locals>.name`, `name`, `builtins.name`), never a requests verb.
        Saves the scope analysis a name the index cannot resolve alone would cost."""
        index = self.session.names()
        return index is None or not index.usable or name in index.imported or "requests" in index.classes

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.Name:
        self._as_value(original)
        return updated

    def leave_NamedExpr(self, original: cst.NamedExpr, updated: cst.NamedExpr) -> cst.NamedExpr:
        if self._functions and isinstance(original.target, cst.Name) and self._returned_response(original.value):
            self._functions[-1].responses.add(original.target.value)
            return updated
        function = self.function
        if (function is not None and isinstance(original.target, cst.Name) and isinstance(original.value, cst.Call)
                and self._is_response_call(original.value, function.sessions)):
            (function.responses if isinstance(updated.value, cst.Await) else function.refused).add(original.target.value)
        return updated

    def _response_method(self, original: cst.Call, updated: cst.Call) -> None:
        """`r.iter_content(n)` and `r.cookies.get_dict()` on a converted (non-streamed) response."""
        func, new = original.func, updated.func
        if not (isinstance(func, cst.Attribute) and isinstance(new, cst.Attribute)):
            return
        if func.attr.value == "iter_content":
            self._use(func.value, new.value, updated, original, "iter_content")
        elif func.attr.value == "raise_for_status" and id(original) in self._statement_calls and isinstance(func.value, cst.Name):
            self._use(func.value, new.value, updated, original, "raise_for_status")
        elif (func.attr.value == "raise_for_status" and id(original) in self._statement_calls and self._functions
              and self._converted_response(func.value, new.value)):  # `requests.get(u).raise_for_status()`
            name = self._functions[-1].fresh("response")
            self._edit(updated, original, "raise_on_call", "response")
            self._response_edits[id(updated)] = f"raise_on_call:{name}"
        elif (func.attr.value == "get_dict" and isinstance(func.value, cst.Attribute) and func.value.attr.value == "cookies"
              and isinstance(new.value, cst.Attribute)):
            self._use(func.value.value, new.value.value, updated, original, "get_dict")

    def _truth(self, original: cst.BaseExpression, updated: cst.BaseExpression) -> None:
        """`original` is used only for its truth value: a response there means `.ok`."""
        if isinstance(original, (cst.Name, cst.Call, cst.Await)):
            self._use(original, updated, updated, original, "truth")
        elif isinstance(original, cst.UnaryOperation) and isinstance(updated, cst.UnaryOperation) and isinstance(original.operator, cst.Not):
            self._truth(original.expression, updated.expression)
        elif isinstance(original, cst.BooleanOperation) and isinstance(updated, cst.BooleanOperation):
            self._truth(original.left, updated.left)
            self._truth(original.right, updated.right)

    def _response_truth_call(self, original: cst.Call, updated: cst.Call) -> None:
        if (isinstance(original.func, cst.Name) and self.qualified_name(original.func) == "builtins.bool"
                and len(original.args) == 1 and not original.args[0].keyword and not original.args[0].star):
            self._use(original.args[0].value, updated.args[0].value, updated, original, "bool")

    def leave_If(self, original: cst.If, updated: cst.If) -> cst.BaseStatement:
        self._truth(original.test, updated.test)
        return updated

    def leave_While(self, original: cst.While, updated: cst.While) -> cst.BaseStatement:
        self._truth(original.test, updated.test)
        return updated

    def leave_IfExp(self, original: cst.IfExp, updated: cst.IfExp) -> cst.BaseExpression:
        self._truth(original.test, updated.test)
        return updated

    def leave_Assert(self, original: cst.Assert, updated: cst.Assert) -> cst.Assert:
        self._truth(original.test, updated.test)
        return updated

    def leave_CompIf(self, original: cst.CompIf, updated: cst.CompIf) -> cst.CompIf:
        self._truth(original.test, updated.test)
        return updated

    def leave_UnaryOperation(self, original: cst.UnaryOperation, updated: cst.UnaryOperation) -> cst.BaseExpression:
        if isinstance(original.operator, cst.Not):
            self._truth(original.expression, updated.expression)
        return updated

    # --- exceptions ----------------------------------------------------------------------------
    def _count_converted(self) -> None:
        self._converted += 1
        if self._functions:
            self._converting.add(self._functions[-1].name)

    def leave_Await(self, original: cst.Await, updated: cst.Await) -> cst.BaseExpression:
        if self._functions:
            name = awaited_name(original)
            if name:
                self._functions[-1].awaits.add(name)
        return updated

    def _guard(self, body: cst.CSTNode) -> Guard:
        guard = Guard((self._converted, self._unconverted))
        read(GuardScan(guard, self._foreign_call, self._is_asyncio_run), body)
        return guard

    def _is_asyncio_run(self, call: cst.Call) -> bool:
        # (propagation may have just written it: its `import asyncio` is added after every codemod ran)
        return self.qualified_name(call.func) == "asyncio.run" or m.matches(call.func, m.Attribute(m.Name("asyncio"), m.Name("run")))

    def _foreign_call(self, call: cst.Call) -> tuple[bool, bool]:
        func = call.func
        name = func.value if isinstance(func, cst.Name) else func.attr.value if isinstance(func, cst.Attribute) else ""
        key = (self.original_lines(call)[0], name)
        return key in self._foreign, self._foreign.get(key, False)

    def _guard_left(self, guard: Guard) -> None:
        guard.counts = (self._converted - guard.marks[0], self._unconverted - guard.marks[1])

    def visit_Try(self, node: cst.Try) -> bool:
        guard = self._guard(node.body)
        self._guards.append(guard)
        self._try_bodies[id(node.body)] = guard  # (the try statement keeps its body alive)
        return True

    def _left_try_body(self, original: cst.CSTNode) -> None:
        # what the handlers guard: the calls of the try body (converted, left as they are), counted when
        # the body is left. Not a `leave_Try_body`: with an attribute hook, libcst looks one up on every attribute.
        guard = self._try_bodies.pop(id(original), None)
        if guard is not None:
            self._guard_left(guard)

    def leave_Try(self, original: cst.Try, updated: cst.Try) -> cst.BaseStatement:
        guard = self._guards.pop()
        typed = [(h, o.type) for o, h in zip(original.handlers, updated.handlers) if o.type is not None]
        self._handler_origin.update((id(o.type), o) for o in original.handlers if o.type is not None)
        new, keep = self._guarded_types(guard, typed)
        handlers = []
        for o, h in zip(original.handlers, updated.handlers):
            if id(h) in new:
                h = self._exception_response(o, h.with_changes(type=new[id(h)]), keep)
            handlers.append(h)
        return updated.with_changes(handlers=handlers)

    def _exception_response(self, original: cst.ExceptHandler, updated: cst.ExceptHandler, keeps_requests: bool) -> cst.ExceptHandler:
        """`exc.response.reason` & co. in a handler that now catches httpx's exception: httpx's spelling, or
        (where it catches requests' too, so `exc.response` may be either) a form that works on both."""
        reads = response_reads(original)
        for read in reads:
            self.record(read, f"exc.response.{read.attr.value}: spelled for the httpx response the exception now holds"
                        + (" (or the requests one it may still hold)" if keeps_requests else ""), dependent=True)
        if not reads:
            return updated
        return updated.visit(ExceptionResponse({id(n) for n in response_reads(updated)}, either=keeps_requests,  # type: ignore[return-value]
                                               text=lambda: self._helper(helpers.TEXT)))

    def _guarded_types(self, guard: Guard, typed: list) -> tuple[dict[int, cst.BaseExpression], bool]:
        """The new type of each (node, type) guarding a body that can now raise httpx's exceptions: it holds
        converted calls, reads a converted response (`r.raise_for_status()`, `r.json()` after the call), or
        awaits a helper of another module that does. The requests type stays beside the httpx one where
        requests calls can still raise there (unconverted ones, a name also bound by one, another module)."""
        converted, unconverted = guard.counts
        function = self.function
        responses = guard.names & function.responses if function is not None else set()
        refused = guard.names & function.refused if function is not None else set()
        if not (converted or responses or guard.foreign):
            if guard.awaited and function is not None and typed:  # decided when the whole module is known
                self._deferred_handlers.append((guard.awaited, typed))
            return {}, False
        keep = (unconverted > 0 or bool(refused) or guard.foreign or guard.sync_foreign
                or bool(guard.sync_calls & self._requests_holders))
        json = bool(guard.json_on & responses) or (guard.json_on_call and converted > 0) or guard.foreign_json
        return {id(node): self._handler_type(type_, keep, json) for node, type_ in typed}, keep

    def visit_With(self, node: cst.With) -> bool:
        if any(isinstance(i.item, cst.Call) and self.qualified_name(i.item.func) == "pytest.raises" and i.item.args
               for i in node.items):
            self._raises[id(node)] = self._guard(node.body)
        return True

    def _raises_left(self, original: cst.With, updated: cst.With) -> cst.With:
        """`with pytest.raises(requests.X):` around converted calls -> the httpx class (as an `except`)."""
        guard = self._raises.pop(id(original), None)
        if guard is None:
            return updated
        self._guard_left(guard)
        items = list(updated.items)
        for i, item in enumerate(original.items):
            if isinstance(item.item, cst.Call) and self.qualified_name(item.item.func) == "pytest.raises" and item.item.args:
                call = items[i].item
                first = call.args[0]  # type: ignore[attr-defined]
                new = self._guarded_types(guard, [(first, item.item.args[0].value)])[0].get(id(first))
                if new is not None:
                    items[i] = items[i].with_changes(item=call.with_changes(args=[first.with_changes(value=new), *call.args[1:]]))  # type: ignore[attr-defined]
        return updated.with_changes(items=items)

    def _handler_type(self, expr: cst.BaseExpression, keep_requests: bool, json: bool = False) -> cst.BaseExpression:
        """The httpx exception(s) for `except <expr>`; with `keep_requests` (the try also guards requests
        calls that stay) the requests ones are kept beside them; `json`: a converted response's `.json()`
        can raise there (requests.RequestException caught it, httpx raises json.JSONDecodeError)."""
        if isinstance(expr, cst.Tuple):
            elements: list[cst.BaseExpression] = []
            for element in expr.elements:
                elements.extend(self._exceptions(element.value, keep_requests, json))
            elements = _distinct(elements)
            return elements[0] if len(elements) == 1 else expr.with_changes(elements=_elements(elements))
        found = self._exceptions(expr, keep_requests, json)
        if len(found) == 1:
            return found[0]
        return cst.Tuple(elements=_elements(found))

    def _httpx_exception(self, short: str | None) -> cst.BaseExpression:
        if short is None:
            AddImportsVisitor.add_needed_import(self.context, "json")
            return cst.Attribute(cst.Name("json"), cst.Name("JSONDecodeError"))
        AddImportsVisitor.add_needed_import(self.context, self.client_module)  # (a module with no converted call)
        return cst.Attribute(cst.Name(self.client_module), cst.Name(short))

    def _exceptions(self, expr: cst.BaseExpression, keep_requests: bool, json: bool = False) -> list[cst.BaseExpression]:
        name = self.qualified_name(expr) or ""
        short = name.rpartition(".")[2]
        if name in OS_ERRORS:  # every requests exception is an OSError; no httpx one is
            self.record(expr, f"except {short} -> also {self.client_module}.HTTPError{' and json.JSONDecodeError' if json else ''}:"
                        " requests' exceptions are OSErrors, httpx's are not", dependent=True)
            return [expr.with_changes(lpar=[], rpar=[]), self._httpx_exception("HTTPError"), *([self._httpx_exception(None)] if json else [])]
        if not name.startswith("requests."):
            return [expr]
        if short not in EXCEPTIONS:
            self.diagnose(expr, f"except {name}: httpx has no exception for the same errors; it no longer catches "
                          "anything from the converted calls in this try; choose the httpx exception by hand")
            return [expr]
        if isinstance(expr, cst.Name) and not keep_requests:
            RemoveImportsVisitor.remove_unused_import(self.context, name.rpartition(".")[0], short)
        self.record(expr, f"except {name} -> the httpx exception raised for the same errors"
                    + (" (kept beside it: requests calls that stay are guarded too)" if keep_requests else ""), dependent=True)
        mapped = EXCEPTIONS[short]
        new = [self._httpx_exception(n) for n in mapped] if isinstance(mapped, tuple) else [self._httpx_exception(mapped)]
        if json and short in CATCH_JSON:
            new.append(self._httpx_exception(None))
        return [expr.with_changes(lpar=[], rpar=[]), *new] if keep_requests else new


class _Unnest(cst.CSTTransformer):
    """Inside a new `async with` block: an `async with` written earlier for a client of the same name
    (so the same settings) is dropped, its body taking its place; nested functions are not entered
    (their clients are their own)."""

    def __init__(self, names: set[str], made: dict[int, cst.With]) -> None:
        super().__init__()
        self.names = names
        self.made = made
        self.moved: dict[int, cst.CSTNode] = {}  # id(node before) -> the node now
        self._old: list[cst.CSTNode] = []  # kept alive: their ids are keys above

    def on_leave(self, original: cst.CSTNode, updated: cst.CSTNode):  # type: ignore[override]
        result = super().on_leave(original, updated)
        if isinstance(result, cst.CSTNode) and result is not original:
            self.moved[id(original)] = result
            self._old.append(original)
        return result

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def leave_With(self, original: cst.With, updated: cst.With):
        if id(original) not in self.made:
            return updated
        items = [i for i in updated.items if not (i.asname and isinstance(i.asname.name, cst.Name) and i.asname.name.value in self.names)]
        if len(items) == len(updated.items):
            return updated
        if items:
            items[-1] = items[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
            return updated.with_changes(items=items)
        body = list(updated.body.body)  # type: ignore[attr-defined]
        body[0] = body[0].with_changes(leading_lines=updated.leading_lines)
        return cst.FlattenSentinel(body)


def _holds_made_with(node: cst.CSTNode, names: set[str], made: dict[int, cst.With]) -> bool:
    """Does `node` hold (outside nested defs and lambdas) an `async with` written here that binds one
    of `names`? Read without libcst's visitor, past trivia: a `with` is never trivia."""
    stack = [node]
    while stack:
        current = stack.pop()
        kind = type(current)
        if kind is cst.FunctionDef or kind is cst.Lambda:
            continue
        if kind is cst.With and id(current) in made and any(
                i.asname and isinstance(i.asname.name, cst.Name) and i.asname.name.value in names for i in current.items):
            return True
        stack.extend(code_children(current))
    return False


def _keywords(args: Sequence[cst.Arg]) -> str:
    """The trust keywords a call passes: `requests_plan.trust_keywords` on a libcst call."""
    return requests_plan.trust_keywords({a.keyword.value for a in args if a.keyword is not None})


def _laid_out(args: list[cst.Arg], before: Sequence[cst.Arg]) -> list[cst.Arg]:
    """`args` (kept, changed and added arguments) laid out as `before` was: one per line stays one per
    line, a trailing comma and the whitespace before `)` stay at the end."""
    if not before or not args:
        return with_commas(args)
    last = before[-1]
    inner = next((a.comma for a in before[:-1] if isinstance(a.comma, cst.Comma)), None)
    if inner is None:
        inner = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    out = []
    for i, arg in enumerate(args):
        if i < len(args) - 1:
            own = arg.comma if isinstance(arg.comma, cst.Comma) and arg.comma is not last.comma else inner
            out.append(arg.with_changes(comma=own, whitespace_after_arg=cst.SimpleWhitespace("")
                                        if arg.whitespace_after_arg is last.whitespace_after_arg else arg.whitespace_after_arg))
        else:
            out.append(arg.with_changes(comma=last.comma, whitespace_after_arg=last.whitespace_after_arg))
    return out


def _distinct(values: list[cst.BaseExpression]) -> list[cst.BaseExpression]:
    """Each exception once (a file migrated in steps may name httpx's already); where the handler names
    a `TransportError` already, the classes requests.ConnectionError maps to are in it."""
    codes = [cst.Module([]).code_for_node(value) for value in values]
    bases = {code.rpartition(".")[0] for code in codes if code.endswith(".TransportError")}
    seen: set[str] = set()
    out = []
    for value, code in zip(values, codes):
        module, _, short = code.rpartition(".")
        if code not in seen and not (module in bases and short in CONNECTION_ERRORS):
            seen.add(code)
            out.append(value)
    return out


def _elements(values: list[cst.BaseExpression]) -> list[cst.Element]:
    out = []
    for i, value in enumerate(values):
        comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")) if i < len(values) - 1 else cst.MaybeSentinel.DEFAULT
        out.append(cst.Element(value=value, comma=comma))
    return out


def _holding(tree: cst.CSTNode, targets: set[int]) -> set[int]:
    """The ids of the nodes of `tree` a rewrite of `targets` must enter to give what libcst's visit of
    every node gives: those that are or hold a target, and every node standing twice in the tree (libcst's
    defaults, a `Dot()` say, are shared by the nodes built without one) with all it holds, so that each
    place gets a copy of its own; the others are kept as they are. Each node's children are read once."""
    kids: dict[int, list[cst.CSTNode]] = {}
    order: list[cst.CSTNode] = []  # each node once, after the node it was first found in
    twice: list[cst.CSTNode] = []
    stack: list[cst.CSTNode] = [tree]
    while stack:
        node = stack.pop()
        if id(node) in kids:
            twice.append(node)
            continue
        found = kids[id(node)] = node_children(node)
        order.append(node)
        stack.extend(found)
    holding: set[int] = set()
    while twice:  # a node standing twice, and all it holds
        node = twice.pop()
        if id(node) not in holding:
            holding.add(id(node))
            twice.extend(kids[id(node)])
    # Any other node stands once, under one parent, and comes after it in `order`: read backwards,
    # a node's children are decided before it.
    for node in reversed(order):
        key = id(node)
        if key not in holding and (key in targets or any(id(child) in holding for child in kids[key])):
            holding.add(key)
    return holding


class _ResponseEdits(cst.CSTTransformer):
    """Applies the response rewrites decided per function: `r.ok`, `if r`, `bool(r)` -> `not r.is_error`
    (`not r.ok` -> `r.is_error`), `r.reason` -> `r.reason_phrase`, `r.next` -> `r.next_request`."""

    def __init__(self, edits: dict[int, str], handler_types: dict[int, cst.BaseExpression], exc_rewrites: dict[int, bool],
                 text=None, holding: set[int] | None = None) -> None:
        super().__init__()
        self.holding = holding  # ids of the nodes to enter (`_holding`; None: every node)
        self.edits = edits
        self.handler_types = handler_types
        self.exc_rewrites = exc_rewrites  # handlers whose `exc.response.reason` & co. now read an httpx response
        self.text = text  # () -> the module's `_requests_text` helper
        self.negations: set[int] = set()

    def _not_error(self, expr: cst.BaseExpression) -> cst.UnaryOperation:
        if isinstance(expr, cst.Await) and not expr.lpar:
            expr = expr.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        negated = cst.UnaryOperation(cst.Not(), cst.Attribute(expr, cst.Name("is_error")),
                                     lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        self.negations.add(id(negated))
        return negated

    def on_visit(self, node: cst.CSTNode) -> bool:
        return self.holding is None or id(node) in self.holding

    def on_leave(self, original: cst.CSTNode, updated: cst.CSTNode):  # type: ignore[override]
        result = super().on_leave(original, updated)
        if id(original) in self.handler_types and isinstance(result, cst.ExceptHandler):
            result = result.with_changes(type=self.handler_types[id(original)])
            if id(original) in self.exc_rewrites:
                result = result.visit(ExceptionResponse({id(n) for n in response_reads(result)}, self.exc_rewrites[id(original)],
                                                        self.text))
            return result
        kind = self.edits.get(id(original))
        if kind == "ok" and isinstance(result, cst.Attribute):
            return self._not_error(result.value)
        if kind in RESPONSE_ATTRS and isinstance(result, cst.Attribute):
            return result.with_changes(attr=cst.Name(RESPONSE_ATTRS[kind]))
        if kind == "url" and isinstance(result, cst.Attribute):
            return cst.Call(cst.Name("str"), [cst.Arg(result)])
        if kind and kind.startswith("text:") and isinstance(result, cst.Attribute):
            return cst.Call(cst.Name(kind.partition(":")[2]), [cst.Arg(result.value)])
        if kind == "iter_content" and isinstance(result, cst.Call) and m.matches(result.func, m.Attribute(attr=m.Name("iter_content"))):
            args = result.args or [cst.Arg(cst.Integer("1"))]  # requests' default chunk size
            return result.with_changes(func=result.func.with_changes(attr=cst.Name("iter_bytes")), args=args)  # type: ignore[attr-defined]
        if kind == "raise_for_status" and isinstance(result, cst.Call) and isinstance(result.func, cst.Attribute):
            return cst.BooleanOperation(cst.Attribute(result.func.value, cst.Name("is_error")), cst.And(), result)
        if kind and kind.startswith("raise_on_call:") and isinstance(result, cst.Call) and isinstance(result.func, cst.Attribute):
            name = cst.Name(kind.partition(":")[2])
            bound = cst.NamedExpr(name, result.func.value.with_changes(lpar=[], rpar=[]), lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
            return cst.BooleanOperation(cst.Attribute(bound, cst.Name("is_error")), cst.And(),
                                        result.with_changes(func=result.func.with_changes(value=name)))
        if kind == "get_dict" and isinstance(result, cst.Call) and isinstance(result.func, cst.Attribute):
            return cst.Call(cst.Name("dict"), [cst.Arg(result.func.value)])
        if kind == "truth" and isinstance(result, cst.BaseExpression):
            return self._not_error(result)
        if kind == "bool" and isinstance(result, cst.Call):
            return self._not_error(result.args[0].value)
        return result

    def leave_UnaryOperation(self, original: cst.UnaryOperation, updated: cst.UnaryOperation) -> cst.BaseExpression:
        inner = updated.expression
        if isinstance(updated.operator, cst.Not) and id(inner) in self.negations:  # `not r.ok` -> `r.is_error`
            return inner.expression.with_changes(lpar=updated.lpar, rpar=updated.rpar)  # type: ignore[attr-defined]
        return updated


# httpx's verbs that take no request body: requests' get(url, json=...) must become request("GET", ...)
_BODYLESS_VERBS = frozenset({"get", "head", "options", "delete"})
_BODY_ARGUMENTS = frozenset({"data", "json", "files", "content"})


def _sends_body_without_verb_body(verb: str, args: list[cst.Arg]) -> bool:
    return verb in _BODYLESS_VERBS and any(a.keyword is not None and a.keyword.value in _BODY_ARGUMENTS or a.star == "**"
                                           for a in args)  # (`**` only from the json= helper: the call's own are refused)
