"""Where the response of a (non-streamed) requests call goes, read with `ast`: AW201 converts the call
only where every use of the response means the same on an httpx response, or is one it rewrites.

Shared by the codemod (through `requests_plan.plan`), `check` and the AW201 project planner (so
propagation starts from no call AW201 would then refuse). A response may be: read through an
attribute in `SAME` (same meaning in httpx) or `MAPPED` (rewritten: `ok`, `reason`, `next`, `url`,
`text`, `iter_content(n)`, `cookies.get_dict()`), tested for truth (rewritten to `not r.is_error`), compared
with `is`, or dropped. Anything else refuses the call: another attribute (`apparent_encoding`,
`iter_lines()`, `raw`, ...), or the response leaving what this function shows (returned, yielded,
passed to a call, put in a list or a comprehension, stored): what receives it may rely on requests'
Response API (`ok`, its truth as in `filter(None, responses)`, `iter_lines()` bytes), which this
analysis cannot follow.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator

# same meaning on an httpx response (a non-streamed one is read in full)
SAME = frozenset({"status_code", "headers", "content", "json", "history", "elapsed", "links",
                  "is_redirect", "raise_for_status", "close", "cookies"})
# rewritten by the codemod
MAPPED = frozenset({"ok", "reason", "next", "url", "iter_content", "text"})  # text: `_requests_text(r)`
# on `r.cookies`: the same on requests' cookie jar and httpx.Cookies (`get_dict()` is rewritten: `dict(r.cookies)`)
COOKIE_READS = frozenset({"get", "items", "keys", "values", "get_dict"})
WHY_NOT = {
    "apparent_encoding": "charset detection, which httpx does not do",
    "iter_lines": "requests yields bytes lines split on \\r, \\n and \\r\\n; httpx yields str lines",
    "raw": "urllib3's raw stream; httpx has none on a read response",
    "request": "a requests PreparedRequest (`.body`, `.path_url`); httpx's Request spells them differently",
    "is_permanent_redirect": "no such property on an httpx response",
    "connection": "the requests adapter",
    "encoding": ("without a declared charset requests' is ISO-8859-1 for text/* or None, httpx's utf-8; and setting it "
                 "changes what requests' r.text decodes"),
}
_TRUTH_PARENTS = (ast.If, ast.While, ast.IfExp, ast.Assert)


def refusals(func: ast.AST, parents: dict[int, ast.AST], names: dict[str, list[ast.Name]],
             calls: Iterator[ast.AST], is_verb: Callable[[ast.Call], bool],
             returned: Callable[[ast.Call], bool] = lambda call: False) -> Iterator[tuple[ast.Call, str]]:
    """(call, why) for each requests call among `calls` whose response is used in a way AW201 cannot keep.
    `parents`/`names`: each node's parent and each name's appearances in the function (nested scopes too).
    `returned(call)`: the project plan followed the response of `call` into every caller (so returning it is kept)."""
    for call in calls:
        if isinstance(call, ast.Call) and is_verb(call):
            why = flow(call, parents, names, is_verb, returns=returned(call))
            if why:
                yield call, why


def flow(call: ast.Call, parents: dict[int, ast.AST], names: dict[str, list[ast.Name]], is_verb,
         returns: bool = False) -> str | None:
    """Why the response of `call` cannot be kept, or None. `is_verb(call)`: a call giving such a response
    (awaited or not: a helper returning one is awaited once propagation made it async). `returns`: returning
    the response is kept (the project plan follows it into every caller)."""
    node: ast.AST = call
    parent = parents.get(id(call))
    if isinstance(parent, ast.Await) and parent.value is call:
        node, parent = parent, parents.get(id(parent))
    if isinstance(parent, ast.NamedExpr) and parent.value is node:  # `(r := requests.get(u)).ok`
        why = _names_flow(parent.target.id, parents, names, is_verb, returns=returns)
        if why:
            return why
        node, parent = parent, parents.get(id(parent))
    if isinstance(parent, ast.Assign) and parent.value is node and len(parent.targets) == 1 and isinstance(parent.targets[0], ast.Name):
        return _names_flow(parent.targets[0].id, parents, names, is_verb, returns=returns)
    if isinstance(parent, ast.Assign) and parent.value is node:
        return "the response is stored (`self.x = ...`, unpacked or assigned twice): " + _LEAVES
    return _use(node, parents, names, is_verb, returns=returns)


def returns_response(call: ast.Call, parents: dict[int, ast.AST], names: dict[str, list[ast.Name]], is_verb) -> bool:
    """The response of `call` is returned by its function, and every other use of it is kept."""
    return flow(call, parents, names, is_verb, returns=True) is None and flow(call, parents, names, is_verb) is not None


def _response_value(value: ast.AST | None, is_verb) -> bool:
    if isinstance(value, ast.Await):
        value = value.value
    return isinstance(value, ast.Call) and is_verb(value)


def _names_flow(name: str, parents, names, is_verb, loop: ast.Name | None = None, returns: bool = False) -> str | None:
    """Every read of `name`, when each of its bindings is a requests call (or `loop`, the target of a
    `for` over responses); else not decided here."""
    loads = []
    other = False  # bound to something else too
    for n in names.get(name, []):
        if isinstance(n.ctx, ast.Load):
            loads.append(n)
            continue
        parent = parents.get(id(n))
        value = getattr(parent, "value", None)
        if n is not loop and not (isinstance(parent, (ast.Assign, ast.NamedExpr)) and _response_value(value, is_verb)):
            other = True
    if other:  # the codemod's own check for such names decides the rewritten uses; a response leaving is refused
        for load in loads:
            parent = parents.get(id(load))
            if not _truth(load, parents) and not (isinstance(parent, ast.Attribute) and parent.attr in SAME | MAPPED):
                why = _use(load, parents, names, is_verb)
                if why:
                    return why.replace("the response", f"`{name}` (bound to a response and to something else)", 1)
        return None
    for load in loads:
        why = _use(load, parents, names, is_verb, strict=loop is not None, returns=returns and loop is None)
        if why:
            return why.replace("the response", f"`{name}`", 1)
    return None


_LEAVES = ("what receives it may rely on requests' Response API (`ok`, its truth, `iter_lines()` bytes...), which "
           "httpx spells differently; pass on what is needed (`r.json()`, `r.status_code`) or convert by hand")


def _use(node: ast.AST, parents: dict[int, ast.AST], names=None, is_verb=None, strict: bool = False,
         returns: bool = False) -> str | None:
    """Why this use of a response cannot be kept, or None. `strict`: a loop variable over responses, which
    the codemod does not rewrite, so only the uses in `SAME` are kept."""
    parent = parents.get(id(node))
    if strict and isinstance(parent, ast.Attribute) and parent.value is node and parent.attr not in SAME - {"cookies"}:
        return f"`.{parent.attr}` of a loop variable over responses: httpx spells it differently; " + _LEAVES
    if strict and _truth(node, parents):
        return "the truth of a loop variable over responses (`ok` in requests, always true in httpx): " + _LEAVES
    loop = _loop_target(node, parent, parents)
    if loop is not None and names is not None:  # `for r in (a, b):` over responses: r's uses decide
        return _names_flow(loop.id, parents, names, is_verb, loop) if all(
            isinstance(n.ctx, ast.Load) or n is loop for n in names.get(loop.id, [])) else _leaves("is put in a container")
    if isinstance(parent, ast.Attribute) and parent.value is node:
        return _attribute(parent, parents)
    if _truth(node, parents):
        return None
    if isinstance(parent, ast.Expr):
        return None  # the response is dropped
    if returns and isinstance(parent, ast.Return):
        return None  # followed into every caller by the project plan
    if isinstance(parent, ast.Compare) and all(isinstance(op, (ast.Is, ast.IsNot)) for op in parent.ops):
        return None
    how = ("is returned" if isinstance(parent, ast.Return) else "is yielded" if isinstance(parent, (ast.Yield, ast.YieldFrom))
           else "is passed to a call" if isinstance(parent, (ast.Call, ast.keyword))
           else "is put in a container" if isinstance(parent, (ast.List, ast.Tuple, ast.Set, ast.Dict, ast.ListComp,
                                                                ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.Starred))
           else "is stored" if isinstance(parent, (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Subscript))
           else "is used as a value")
    return _leaves(how)


def _leaves(how: str) -> str:
    return f"the response {how}: {_LEAVES}"


def _loop_target(node: ast.AST, parent: ast.AST | None, parents: dict[int, ast.AST]) -> ast.Name | None:
    """The loop variable when `node` is an element of a tuple or list literal a `for` (or a
    comprehension) iterates over."""
    if not isinstance(parent, (ast.Tuple, ast.List)):
        return None
    loop = parents.get(id(parent))
    if isinstance(loop, (ast.For, ast.comprehension)) and loop.iter is parent and isinstance(loop.target, ast.Name):
        return loop.target
    return None


def _truth(node: ast.AST, parents: dict[int, ast.AST]) -> bool:
    """Only the truth value of `node` is used (`if r`, `not r`, `r and ...` in a test, `bool(r)`)."""
    parent = parents.get(id(node))
    while isinstance(parent, ast.BoolOp):
        node, parent = parent, parents.get(id(parent))
    if isinstance(parent, ast.UnaryOp) and isinstance(parent.op, ast.Not):
        return True
    if isinstance(parent, _TRUTH_PARENTS) and parent.test is node:
        return True
    if isinstance(parent, ast.comprehension) and node in parent.ifs:
        return True
    return (isinstance(parent, ast.Call) and isinstance(parent.func, ast.Name) and parent.func.id == "bool"
            and len(parent.args) == 1 and not parent.keywords)


def _attribute(attr: ast.Attribute, parents: dict[int, ast.AST]) -> str | None:
    name, parent = attr.attr, parents.get(id(attr))
    if name == "iter_content":
        if not (isinstance(parent, ast.Call) and parent.func is attr and len(parent.args) <= 1
                and all(k.arg == "chunk_size" for k in parent.keywords)):
            return "`.iter_content()` with decode_unicode= or not called: httpx's iter_bytes() gives bytes only"
        return None
    if name == "cookies" and isinstance(parent, ast.Attribute) and parent.value is attr:
        if parent.attr not in COOKIE_READS:
            return f"`.cookies.{parent.attr}`: requests' cookie jar has it, httpx.Cookies may not (or differs)"
        call = parents.get(id(parent))
        if parent.attr == "get_dict" and not (isinstance(call, ast.Call) and call.func is parent and not call.args and not call.keywords):
            return "`.cookies.get_dict(...)` with a domain or path: httpx.Cookies has no such filter"
        return None
    if name in SAME or name in MAPPED:
        return None
    return f"`.{name}` has no httpx equivalent with the same meaning" + (f" ({WHY_NOT[name]})" if name in WHY_NOT else "")
