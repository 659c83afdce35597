"""Which `requests` sessions and streamed responses of one function the requests-httpx codemod (AW201)
converts as a whole, read with `ast`.

`check` (awaitify.audit.scan) and `fix` (codemods/requests_httpx.py) both ask this module, so what
one calls fixable the other converts. A session or a streamed response is converted only when its
whole life is visible in the function: one binding, every use in the block that the conversion
wraps (`try: ... finally: await s.aclose()`, `async with client.stream(...) as r:`), and each use
one that means the same on the httpx object.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from awaitify import requests_responses
from awaitify.ast_statements import push_children, walk_linked

VERBS = ("get", "post", "put", "patch", "delete", "head", "options", "request")


def ambiguous_reason(name: str) -> str:
    """Why the requests-httpx fix leaves a call whose response `name` is also bound to something
    else in its function (check gives the same reason)."""
    return (f"`{name}` is also bound to something else in this function and read as a response "
            f"(`.ok`, `.reason`, `.next` or its truth), which httpx spells differently; give the response "
            "a name of its own")


def verb_of(dotted: str) -> str | None:
    """The verb `requests.get` or `requests.api.get` (a dotted target) names, else None."""
    verb = dotted.rpartition(".")[2]
    return verb if dotted in (f"requests.{verb}", f"requests.api.{verb}") and verb in VERBS else None
REQUEST_KEYWORDS = {"params", "headers", "json", "files", "auth", "data", "timeout", "allow_redirects"}
CLIENT_KEYWORDS = {"verify", "cert", "cookies", "proxies"}  # per request in requests, on the client in httpx
SESSION = "Session"  # what `kind` says of a requests.Session() call
# why a session is left when one of its calls stays sync (AW514 on the `requests.Session()`): an
# ignore comment on it (AW514, or AW201 on a request), or an await barrier around a request
# (awaitify.await_barriers, said on the request): a call left sync would be wrong on an AsyncClient
SUPPRESSED_SESSION = ("one of its calls says `# awaitify: ignore`, or stands inside an await barrier (its own "
                      "finding says which): it stays sync")
# why a requests call (or session) in a decorator or default of a `def` inside async code is left: it
# runs in the async function when the `def` does, but no statement of that function holds it for a client
IN_DEF_HEADER = "it stands in a decorator or default of a function defined in async code"
# on a streamed httpx response these need no body read (`.content`, `.text`, `.json()` do)
STREAM_ATTRS = ("status_code", "headers", "ok", "reason")
SESSION_SETTINGS = ("verify", "cert")  # httpx takes these only when the client is made
COOKIE_METHODS = ("set", "get", "update", "clear")  # on both a requests cookie jar and httpx.Cookies
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.GeneratorExp)


CERT_WITHOUT_VERIFY = "cert-only"
CERT_WITHOUT_VERIFY_WHY = ("cert= without verify=: requests checks the server against REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE "
                           "(or certifi's bundle), an httpx client given cert= against SSL_CERT_FILE/certifi's; pass "
                           "verify= with the CA to trust")


def trust_keywords(keywords: set[str]) -> str:
    """`CERT_WITHOUT_VERIFY` when a client certificate comes without its own `verify=`: httpx would build
    that client's context from its own default trust, not requests' (refused), else ""."""
    return CERT_WITHOUT_VERIFY if "cert" in keywords and "verify" not in keywords else ""


# why the codemod leaves a request for its arguments (`_plan_arguments` there words them with these)
JSON_WITH_DATA = "json= with data=: requests sends data= and drops json= (unless data= is empty); pass one of them"
JSON_WITH_FILES = "json= with files=: requests sends the files (multipart) and drops json=; pass one of them"
STARRED = "*args/**kwargs may carry arguments httpx takes elsewhere"
STREAM_BY_HAND = "stream=True needs `async with client.stream(...)`; convert the body reading by hand"
DATA_UNSEEN = "data= of a type awaitify cannot see: httpx sends str/bytes with content= and forms with data="
AUTH_MAY_BE_NONE = "auth= that may be None: requests then applies .netrc, httpx sends no credentials; name it first"
SEVERAL_PROXIES = "proxies= with several proxies needs httpx `mounts=`"
VERIFY_MAY_BE_TRUE = ("verify= that may be True: requests then checks against REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE, httpx "
                      "ignores them; name it first")
POSITIONAL_PAST_URL = "positional arguments after the URL: pass them by keyword first"


def unfollowed(why: str) -> str:
    """A returned response the project plan could not follow into every caller (`why` names the caller)."""
    return f"the response is returned and not followed into every caller: {why}"


def unknown_keyword(key: str) -> str:
    return f"httpx has no `{key}=` argument"


def json_helper_split(between: list[str]) -> str:
    """Arguments (`timeout=`...) standing between json= and headers=, one of which runs code."""
    return (f"{' and '.join(key + '=' for key in between)} between json= and headers= would be evaluated after both "
            "once they are handed to one helper; put json= and headers= side by side")


def call_fixable(node: ast.Call, verb: str, streaming: bool = False) -> bool:
    """The arguments the codemod converts; `stream=True` only for a call planned as a stream here."""
    return argument_refusal(node, verb, streaming) is None


def argument_refusal(node: ast.Call, verb: str, streaming: bool = False) -> str | None:
    """Why the codemod leaves the request for its arguments, the first reason its `_plan_arguments` meets
    (keep in step with it), or None; `streaming`: the call is planned as a stream here."""
    keywords = {kw.arg: kw for kw in node.keywords if kw.arg is not None}
    if "json" in keywords and "data" in keywords:
        return JSON_WITH_DATA
    if "json" in keywords and "files" in keywords and not _is_name(keywords["files"].value, "None"):
        return JSON_WITH_FILES
    written = sorted([*node.args, *node.keywords], key=lambda a: (a.lineno, a.col_offset))  # as the source has them
    at = [i for i, a in enumerate(written) if isinstance(a, ast.keyword) and a.arg in ("json", "headers")]
    if "json" in keywords:
        between = written[at[0] + 1:at[-1]]
        if not _inert(written[at[-1]].value) and not all(_inert(a.value) for a in between):
            return json_helper_split([a.arg for a in between if isinstance(a, ast.keyword) and a.arg])
    for arg in written:
        if isinstance(arg, ast.Starred) or (isinstance(arg, ast.keyword) and arg.arg is None):
            return STARRED
        if not isinstance(arg, ast.keyword):
            continue
        key, value = arg.arg, arg.value
        if key == "stream" and _is_name(value, "True" if streaming else "False"):
            continue
        if key == "stream":
            return STREAM_BY_HAND
        if key not in REQUEST_KEYWORDS | CLIENT_KEYWORDS:
            return unknown_keyword(key)  # type: ignore[arg-type]
        if key == "data" and not (_text_literal(value) or isinstance(value, (ast.Dict, ast.DictComp))):
            return DATA_UNSEEN
        if key == "auth" and not (_named(value) or isinstance(value, ast.Tuple) or _constructs_auth(value)):
            return AUTH_MAY_BE_NONE
        if key == "proxies" and not (isinstance(value, ast.Dict) and value.values and None not in value.keys
                                     and len({ast.unparse(v) for v in value.values}) == 1):
            return SEVERAL_PROXIES
        if key == "verify" and not (_named(value) or _text_literal(value)):
            return VERIFY_MAY_BE_TRUE
    if any(not isinstance(a, ast.Starred) for a in node.args[2 if verb == "request" else 1:]):
        return POSITIONAL_PAST_URL
    if trust_keywords(set(keywords)):
        return CERT_WITHOUT_VERIFY_WHY
    return None


_NAMED_CONSTANTS = {"True": True, "False": False, "None": None}


def _is_name(node: ast.expr, name: str) -> bool:
    """libcst's Name: `True`, `False` and `None` are names there, constants here."""
    if isinstance(node, ast.Constant):
        return name in _NAMED_CONSTANTS and node.value is _NAMED_CONSTANTS[name]
    return isinstance(node, ast.Name) and node.id == name


def _named(node: ast.expr) -> bool:
    """A name or an attribute of one, as libcst sees it (`True`, `None` are names there)."""
    if isinstance(node, ast.Constant):
        return any(node.value is value for value in _NAMED_CONSTANTS.values())
    return isinstance(node, ast.Name) or (isinstance(node, ast.Attribute) and _inert(node))


def _text_literal(node: ast.expr) -> bool:
    return isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes)))


def _inert(node: ast.expr) -> bool:
    """Evaluating `node` runs no code of the program's: a name, an attribute of one, a literal of those
    (as the codemod's `_inert`: numbers and strings, not f-strings or bytes... as libcst spells them)."""
    if isinstance(node, ast.Name):
        return True
    if isinstance(node, ast.Constant):
        return not isinstance(node.value, type(...))
    if isinstance(node, ast.Attribute):
        return _inert(node.value)
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return all(not isinstance(e, ast.Starred) and _inert(e) for e in node.elts)
    if isinstance(node, ast.Dict):
        return all(k is not None and _inert(k) and _inert(v) for k, v in zip(node.keys, node.values))
    return False


def _constructs_auth(node: ast.expr) -> bool:
    """`SomethingAuth(...)`: a class's instance, never None."""
    func = node.func if isinstance(node, ast.Call) else None
    last = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    return last.endswith("Auth")


def _constant(node: ast.expr) -> object:
    return node.value if isinstance(node, ast.Constant) else ...


def streams(call: ast.Call) -> bool:
    """`stream=` says anything but a literal False: the body is read later, or maybe."""
    return any(kw.arg == "stream" and _constant(kw.value) is not False for kw in call.keywords)


@dataclass
class Stream:
    """`r = requests.get(u, stream=True)` (then `statement .. last` go into the `async with`) or
    `with requests.get(u, stream=True) as r:` (`last` is None)."""

    name: str
    verb: str
    call: ast.Call
    statement: ast.stmt
    last: ast.stmt | None
    loops: list[ast.For] = field(default_factory=list)  # `for x in r.iter_content(...)`


@dataclass
class Session:
    """`s = requests.Session()` (`statement .. last` is its whole use) or `with requests.Session() as s:`."""

    name: str
    factory: ast.Call
    statement: ast.stmt
    last: ast.stmt | None
    settings: list[ast.Assign] = field(default_factory=list)  # leading `s.verify = x`: constructor keywords
    calls: list[ast.Call] = field(default_factory=list)  # `s.get(...)` & co.
    close: ast.Expr | None = None  # `s.close()`: the last statement (dropped) or in the `finally:` ending the region
    wrap: bool = True  # write `try: ... finally: await s.aclose()` (not when the region is `try: ... finally: s.close()`)


@dataclass
class Plans:
    streams: list[Stream] = field(default_factory=list)
    sessions: list[Session] = field(default_factory=list)
    refused: dict[int, tuple[ast.Call, str]] = field(default_factory=dict)  # id(call) -> (call, why)


class _Refused(Exception):
    pass


def plan(func: ast.FunctionDef | ast.AsyncFunctionDef, kind: Callable[[ast.Call], str | None],
         returned: Callable[[ast.Call], bool] = lambda call: False) -> Plans:
    """`kind(call)`: the requests verb a call is, SESSION for `requests.Session()`, else None.
    `returned(call)`: the project plan followed the response `call` gives into every caller of the function."""
    out = Plans()
    facts = _Facts(func)
    candidates: set[int] = set()
    for block in _blocks(func):
        spans: list[tuple[int, int]] = []  # the statements each plan of this block rewrites
        for index, stmt in enumerate(block):
            found = _candidate(stmt, kind)
            if found is None:
                continue
            call, name, what = found
            candidates.add(id(call))
            try:
                made = _session(facts, block, index, call, name) if what == SESSION else _stream(facts, block, index, call, name, what)
                last = next((i for i, s in enumerate(block) if s is made.last), index)
                if any(start < index <= end < last for start, end in spans):  # blocks nest; they cannot cross
                    raise _Refused(f"`{name}` is still used after the end of the use of a session or stream made before it")
                spans.append((index, last))
                (out.sessions if isinstance(made, Session) else out.streams).append(made)  # type: ignore[arg-type]
            except _Refused as exc:
                out.refused[id(call)] = (call, str(exc))
    for node in walk_scope(func):
        if isinstance(node, ast.Call) and id(node) not in candidates:
            what = kind(node)
            if what == SESSION:
                out.refused[id(node)] = (node, "only a session bound once (`s = requests.Session()` or `with requests.Session() "
                                               "as s:`) whose whole use is in the function is converted")
            elif what and streams(node):
                out.refused[id(node)] = (node, "stream=True is converted only as `r = requests.get(..., stream=True)` "
                                               "(or `with ... as r:`) whose uses follow in the same block")
    is_verb = lambda call: kind(call) not in (None, SESSION) and not streams(call)
    for call, why in requests_responses.refusals(func, facts.parents, facts.names, walk_scope(func), is_verb,
                                                   returned):
        out.refused.setdefault(id(call), (call, why))
    return out


def _candidate(stmt: ast.stmt, kind) -> tuple[ast.Call, str, str] | None:
    """(call, name, verb or SESSION) for `name = <call>` and `with <call> as name:`."""
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
        call, name = stmt.value, stmt.targets[0].id
    elif isinstance(stmt, ast.With) and len(stmt.items) == 1 and isinstance(stmt.items[0].optional_vars, ast.Name):
        call, name = stmt.items[0].context_expr, stmt.items[0].optional_vars.id
    else:
        return None
    if not isinstance(call, ast.Call):
        return None
    what = kind(call)
    if what == SESSION or (what and (streams(call) or isinstance(stmt, ast.With))):
        return call, name, what
    return None


class _Facts:
    """Where each name of the function appears (nested scopes included) and each node's parent."""

    def __init__(self, func: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.func = func
        self.parents: dict[int, ast.AST] = {}
        self.names: dict[str, list[ast.Name]] = {}
        self.other: set[str] = set()  # bound by something that is no ast.Name: params, defs, imports, except, global
        nodes, self.parents = walk_linked(func)
        for node in nodes:
            if isinstance(node, ast.Name):
                self.names.setdefault(node.id, []).append(node)
            elif isinstance(node, ast.arg):
                self.other.add(node.arg)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node is not func:
                self.other.add(node.name)
            elif isinstance(node, ast.alias):
                self.other.add((node.asname or node.name).split(".")[0])
            elif isinstance(node, (ast.Global, ast.Nonlocal)):
                self.other.update(node.names)
            elif isinstance(node, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)) and node.name:
                self.other.add(node.name)

    def parent(self, node: ast.AST) -> ast.AST | None:
        return self.parents.get(id(node))

    def nested(self, node: ast.AST) -> bool:
        """Inside a nested function, lambda, class or generator expression of the function."""
        parent = self.parent(node)
        while parent is not None and parent is not self.func:
            if isinstance(parent, _SCOPES):
                return True
            parent = self.parent(parent)
        return False

    def uses(self, name: str, binding: ast.Name, region: list[ast.stmt]) -> list[ast.Name]:
        """Every other appearance of `name`, all inside `region`, none a rebinding."""
        if name in self.other:
            raise _Refused(f"`{name}` is also bound otherwise in this function (a parameter, import, global...)")
        inside = {id(n) for stmt in region for n in ast.walk(stmt)}
        found = [n for n in self.names.get(name, []) if n is not binding]
        for node in found:
            if id(node) not in inside:
                raise _Refused(f"`{name}` is used outside the block that would hold it")
            if not isinstance(node.ctx, ast.Load):
                raise _Refused(f"`{name}` is bound again")
            if self.nested(node):
                raise _Refused(f"`{name}` is used in a nested function, lambda or generator expression")
        return found


def _blocks(func: ast.AST) -> Iterator[list[ast.stmt]]:
    """Every statement list of the function, not entering nested scopes."""
    stack: list[ast.AST] = [func]
    while stack:
        node = stack.pop()
        for name in ("body", "orelse", "finalbody"):
            block = getattr(node, name, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                yield block
                stack.extend(s for s in block if not isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)))
        stack.extend(getattr(node, "handlers", ()))
        stack.extend(getattr(node, "cases", ()))


def walk_scope(func: ast.AST) -> Iterator[ast.AST]:
    """The nodes of the function, lambdas and generator expressions included, not nested defs."""
    stack: list[ast.AST] = []
    push_children(func, stack)  # (`ast.iter_child_nodes`'s order, without its generators)
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            push_children(node, stack)


def _region_of(block: list[ast.stmt], index: int, name: str) -> tuple[ast.stmt, list[ast.stmt], ast.stmt | None, ast.Name]:
    """(the statement binding `name`, the statements its use spans, the last of them in the block or None
    for a `with` block, the name bound)."""
    stmt = block[index]
    if isinstance(stmt, ast.With):
        return stmt, stmt.body, None, stmt.items[0].optional_vars  # type: ignore[return-value]
    region = _region(block, index, name)
    return stmt, region, region[-1], stmt.targets[0]  # type: ignore[attr-defined]


def _region(block: list[ast.stmt], index: int, name: str) -> list[ast.stmt]:
    """The statements after `block[index]` through the last that names `name`, each on lines of its own
    (the codemod moves whole lines)."""
    last = max((i for i in range(index + 1, len(block))
                if any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(block[i]))), default=index)
    if last == index:
        raise _Refused(f"`{name}` is not used after it is made")
    for i in range(max(index, 1), min(last + 2, len(block))):
        if block[i].lineno <= (block[i - 1].end_lineno or block[i - 1].lineno):
            raise _Refused("statements share a line with it (`a; b`)")
    return block[index + 1:last + 1]


def _stream(facts: _Facts, block: list[ast.stmt], index: int, call: ast.Call, name: str, verb: str) -> Stream:
    if not streams(call):
        raise _Refused("a response used as a context manager is converted only with stream=True (an httpx "
                       "response is not one); bind it instead: `r = requests.get(...)`")
    if _constant(next(kw.value for kw in call.keywords if kw.arg == "stream")) is not True:
        raise _Refused("stream= is not a literal True")
    if not call_fixable(call, verb, streaming=True):
        raise _Refused("its arguments are not converted (see the rule's page)")
    stmt, region, last, binding = _region_of(block, index, name)
    found = Stream(name, verb, call, stmt, last)
    for use in facts.uses(name, binding, region):  # type: ignore[arg-type]
        loop = _stream_use(facts, use, name)
        if loop is not None:
            found.loops.append(loop)
    return found


def _stream_use(facts: _Facts, use: ast.Name, name: str) -> ast.For | None:
    """A use of a streamed response that means the same on httpx's; the loop it drives, if any."""
    attr = facts.parent(use)
    if not isinstance(attr, ast.Attribute):
        raise _Refused(f"`{name}` is used as a value (returned, passed on, stored, or tested for truth)")
    call = facts.parent(attr)
    called = isinstance(call, ast.Call) and call.func is attr
    if attr.attr in STREAM_ATTRS and not called and isinstance(attr.ctx, ast.Load):
        return None
    if attr.attr == "raise_for_status" and called and not call.args and not call.keywords:  # type: ignore[union-attr]
        return None
    if attr.attr == "iter_lines":
        raise _Refused("iter_lines() yields bytes lines, httpx's aiter_lines() str lines (split on more characters)")
    if attr.attr == "iter_content" and called:
        assert isinstance(call, ast.Call)
        loop = facts.parent(call)
        if any(kw.arg != "chunk_size" for kw in call.keywords) or len(call.args) > 1:
            raise _Refused("iter_content(decode_unicode=...) decodes with the response's declared charset or not at "
                           "all, httpx's aiter_text() with utf-8 by default")
        if isinstance(loop, ast.For) and loop.iter is call:
            return loop
        raise _Refused(f"`{name}.iter_content()` is converted only as the iterable of a `for` statement")
    raise _Refused(f"`{name}.{attr.attr}` reads the body or differs on a streamed httpx response")


def _session(facts: _Facts, block: list[ast.stmt], index: int, call: ast.Call, name: str) -> Session:
    if call.args or call.keywords:
        raise _Refused("requests.Session() with arguments")
    stmt, region, last, binding = _region_of(block, index, name)
    found = Session(name, call, stmt, last)
    closes: list[ast.Expr] = []
    for use in facts.uses(name, binding, region):  # type: ignore[arg-type]
        _session_use(facts, use, name, region, found, closes)
    if isinstance(stmt, ast.With) and closes:
        raise _Refused(f"`{name}.close()` inside its `with` block")
    _session_close(found, region, closes)
    if len(found.settings) + (found.close is region[-1]) >= len(region):
        raise _Refused(f"`{name}` makes no request")
    return found


def _session_use(facts: _Facts, use: ast.Name, name: str, region: list[ast.stmt], found: Session,
                 closes: list[ast.Expr]) -> None:
    attr = facts.parent(use)
    if not isinstance(attr, ast.Attribute):
        raise _Refused(f"`{name}` is used as a value (returned, passed on or stored)")
    parent = facts.parent(attr)
    called = isinstance(parent, ast.Call) and parent.func is attr
    stored = isinstance(attr.ctx, ast.Store)
    if attr.attr in VERBS and called:
        assert isinstance(parent, ast.Call)
        if not call_fixable(parent, attr.attr) or any(kw.arg in CLIENT_KEYWORDS for kw in parent.keywords):
            raise _Refused(f"`{name}.{attr.attr}()` has arguments that are not converted (stream=, per-request verify=/"
                           "cert=/cookies=/proxies=, ...)")
        on_session = lambda c: (isinstance(c.func, ast.Attribute) and isinstance(c.func.value, ast.Name)
                                and c.func.value.id == name and c.func.attr in VERBS)
        if any(kw.arg == "json" for kw in parent.keywords) and not all(
                _no_content_type(facts, n) for n in facts.names.get(name, [])):
            raise _Refused(f"`{name}.{attr.attr}(json=...)` on a session whose headers are set: requests keeps a Content-Type "
                           "they set, the json= body awaitify writes would replace it")
        params = next((kw.value for kw in parent.keywords if kw.arg == "params"), None)
        if params is not None and not _plain_params(params) and not all(
                _no_params(facts, n) for n in facts.names.get(name, [])):
            raise _Refused(f"`{name}.{attr.attr}(params=...)` on a session whose params are set: requests merges only a "
                           "dict into them and drops the keys it sets to None, httpx would keep them; pass a dict literal of "
                           "strings and numbers")
        why = requests_responses.flow(parent, facts.parents, facts.names, on_session)
        if why:
            raise _Refused(f"a response of `{name}.{attr.attr}()`: {why}")
        found.calls.append(parent)
    elif stored and attr.attr == "params" and not _plain_params(getattr(facts.parent(attr), "value", None)):
        raise _Refused(f"`{name}.params = ...` with values that may be None, True or bytes: requests leaves out None "
                       "and writes str(value), httpx writes `key=` and `true`; use a dict literal of strings and numbers")
    elif stored and attr.attr == "auth" and not _never_none_auth(getattr(facts.parent(attr), "value", None)):
        raise _Refused(f"`{name}.auth = ...` that may be None: requests then applies .netrc, httpx sends no credentials; "
                       "drop the assignment or assign a (user, password) tuple or an auth object")
    elif attr.attr == "headers" or (attr.attr in ("auth", "params") and stored):
        pass  # httpx's client headers are mutable alike; its params are immutable and its auth reads back as BasicAuth
    elif attr.attr == "cookies" and (stored or isinstance(parent, ast.Subscript) or _cookie_call(facts, parent)):
        pass
    elif attr.attr in SESSION_SETTINGS and stored and _leading_setting(facts, attr, region, found):
        pass
    elif attr.attr == "close" and called and not parent.args and isinstance(facts.parent(parent), ast.Expr):  # type: ignore[union-attr]
        closes.append(facts.parent(parent))  # type: ignore[arg-type]
    elif attr.attr in SESSION_SETTINGS and stored:
        raise _Refused(f"`{name}.{attr.attr} = ...` after its first request: httpx takes {attr.attr}= only when the "
                       "client is made")
    elif attr.attr == "params":
        raise _Refused(f"`{name}.params` is only assigned on an httpx client (its QueryParams cannot be changed in place)")
    elif attr.attr == "auth":
        raise _Refused(f"`{name}.auth` is only assigned on an httpx client (it reads back as an httpx.BasicAuth)")
    else:
        raise _Refused(f"`{name}.{attr.attr}` has no httpx.AsyncClient twin that means the same")


def _plain_params(node: ast.AST | None) -> bool:
    """A dict literal of string keys and string or number values: requests and httpx send it alike, and
    merge it into a session's params alike."""
    def plain(v: ast.AST | None) -> bool:
        return isinstance(v, ast.Constant) and type(v.value) in (str, int, float)

    return isinstance(node, ast.Dict) and all(isinstance(k, ast.Constant) and isinstance(k.value, str) and plain(v)
                                              for k, v in zip(node.keys, node.values))


def _never_none_auth(node: ast.AST | None) -> bool:
    """A (user, password) tuple or `SomethingAuth(...)`: a session auth that is never None."""
    func = node.func if isinstance(node, ast.Call) else None
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    return isinstance(node, ast.Tuple) or name.endswith("Auth")


def _no_params(facts: _Facts, use: ast.Name) -> bool:
    """This use of a session sets no params (`s.params = ...`)."""
    attr = facts.parent(use)
    return not (isinstance(attr, ast.Attribute) and attr.attr == "params" and isinstance(attr.ctx, ast.Store))


def _no_content_type(facts: _Facts, use: ast.Name) -> bool:
    """This use of a session sets no Content-Type header: no `.headers`, a read of them, or a write whose
    keys are string literals other than Content-Type."""
    attr = facts.parent(use)
    if not (isinstance(attr, ast.Attribute) and attr.attr == "headers"):
        return True
    parent = facts.parent(attr)

    def other(key: ast.AST | None) -> bool:
        return isinstance(key, ast.Constant) and isinstance(key.value, str) and key.value.lower() != "content-type"

    if isinstance(parent, ast.Subscript):
        return isinstance(parent.ctx, ast.Load) or other(parent.slice)
    if isinstance(parent, ast.Attribute) and parent.attr in ("get", "items", "keys", "values"):
        return True
    call = facts.parent(parent)
    if isinstance(parent, ast.Attribute) and parent.attr == "update" and isinstance(call, ast.Call) and len(call.args) == 1:
        value = call.args[0]
        return not call.keywords and isinstance(value, ast.Dict) and all(other(k) for k in value.keys)
    return False


def _cookie_call(facts: _Facts, node: ast.AST | None) -> bool:
    """`s.cookies.set(...)` & co.: the same on a requests cookie jar and on httpx.Cookies."""
    return isinstance(node, ast.Attribute) and node.attr in COOKIE_METHODS and isinstance(facts.parent(node), ast.Call)


def _leading_setting(facts: _Facts, attr: ast.Attribute, region: list[ast.stmt], found: Session) -> bool:
    """`s.verify = x` among the statements right after the session is made: it moves to the constructor."""
    stmt = facts.parent(attr)
    if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and stmt.targets[0] is attr):
        return False
    position = next((i for i, s in enumerate(region) if s is stmt), None)
    if position is None or any(not _is_setting(s, found.name) for s in region[:position]):
        return False
    found.settings.append(stmt)
    return True


def _is_setting(stmt: ast.stmt, name: str) -> bool:
    target = stmt.targets[0] if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 else None
    return (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == name
            and target.attr in SESSION_SETTINGS)


def _session_close(found: Session, region: list[ast.stmt], closes: list[ast.Expr]) -> None:
    """`s.close()` as the last statement (dropped: the `finally:` written does it), or in the `finally:` of
    the `try` that ends the region (it becomes `await s.aclose()`; no `try` is added when that `try` is
    all the region holds besides the settings)."""
    if not closes:
        return
    rest = region[len(found.settings):]
    last = region[-1]
    if len(closes) == 1 and closes[0] is last:
        found.close = closes[0]
    elif (len(closes) == 1 and isinstance(last, ast.Try) and not isinstance(found.statement, ast.With)
          and any(s is closes[0] for s in last.finalbody)):
        found.close, found.wrap = closes[0], len(rest) > 1
    else:
        raise _Refused(f"`{found.name}.close()` before the end of its use (httpx cannot use a closed client again)")
