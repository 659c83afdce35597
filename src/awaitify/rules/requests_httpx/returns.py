"""The project-wide half of AW201 for responses that leave their function: `def fetch(u): return
requests.get(u)` whose callers (any module) read `r.ok`, `r.json()`, `if not r:`.

Once AW201 converts the call, every caller receives an httpx response. This planner follows the
returned response into every caller the project shows, with `ast` (no libcst): each use there must be
one AW201 keeps or rewrites on a local response (`awaitify.requests_responses`). Then the helper's
call is converted (returning the response is kept) and each caller's uses are rewritten in its own
module (`r.ok` -> `not r.is_error`, ...). A caller that passes the response on again (`return
fetch(u)`) is followed the same way. Where any caller cannot be seen or mapped, the helper's call is
refused, naming that caller: the function is used as a value or by a computed name, called at module
level or from a nested function, has no caller in the project, is public API of a library (its
callers are outside the project), or a caller uses the response in a way httpx spells differently.

The callers' rewrites apply only where the call is awaited when AW201 runs: propagation awaits a
helper it made async, so a helper left sync (requests kept) leaves its callers as they are.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

from awaitify import requests_plan, requests_responses
from awaitify.ast_statements import walk_linked
from awaitify.summary import comprehension_names, function_locals
from awaitify.entry_points import has_project_metadata
from awaitify.rules.requests_httpx.detect import SESSION_FACTORIES

FOLLOWED = "followed_returns"  # the facts' key in the helper's module: [line of each requests call whose return is kept]
RESPONSES = "returned_responses"  # in a caller's module: [[line, called name as written, which such call on the line], ...]
UNFOLLOWED = "unfollowed_returns"  # in the helper's module: [[line, why], ...] of returned responses not followed
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_UNSHIPPED = frozenset({"examples", "example", "docs", "doc", "scripts", "benchmarks", "bench", "tools", "tests", "test"})


@dataclass
class _Returner:
    module: object  # codemods._requests_raisers._Module
    func: ast.FunctionDef | ast.AsyncFunctionDef
    calls: list[ast.Call]  # the calls whose response it returns (requests calls, or calls of other returners)
    why: str = ""  # why its return cannot be followed ("" while it can)
    callers: list[tuple[object, ast.Call]] = field(default_factory=list)  # (module, call) of every call of it


class _Function:
    """A function's parents and names, and which of its calls give a response."""

    def __init__(self, module, func, returners: dict[str, _Returner]) -> None:
        self.module, self.func = module, func
        self._parents: dict[int, ast.AST] | None = None
        self._names: dict[str, list[ast.Name]] = {}
        self.returners = returners

    # Linked when first asked: only a function holding a call that gives a response is (a tenth of
    # a project's functions, or none: every function is read each round of the fixed point).
    @property
    def parents(self) -> dict[int, ast.AST]:
        if self._parents is None:
            self._link()
        return self._parents  # type: ignore[return-value]

    @property
    def names(self) -> dict[str, list[ast.Name]]:
        if self._parents is None:
            self._link()
        return self._names

    def _link(self) -> None:
        nodes, self._parents = walk_linked(self.func)
        for node in nodes:
            if isinstance(node, ast.Name):
                self._names.setdefault(node.id, []).append(node)

    def target(self, call: ast.Call) -> str:
        return self.module.dotted(call.func) or ""

    def is_verb(self, call: ast.Call) -> bool:
        """A requests call giving a (non-streamed) response, or a call of a function returning one."""
        target = self.target(call)
        if target in self.returners:
            return True
        return (requests_plan.verb_of(target) is not None and target not in SESSION_FACTORIES
                and not requests_plan.streams(call))


def _returned_calls(fn: _Function) -> tuple[list[ast.Call], bool]:
    """The response-giving calls of `fn.func` whose response it returns (every other use kept), and
    whether every `return` returns one of them and the body ends in a return or raise (no implicit
    None: `not r` on None would become `not None.is_error`)."""
    found = [node for node in requests_plan.walk_scope(fn.func)
             if isinstance(node, ast.Call) and fn.is_verb(node)
             and requests_responses.returns_response(node, fn.parents, fn.names, fn.is_verb)]
    if not found:
        return [], True
    returns = [n for n in requests_plan.walk_scope(fn.func) if isinstance(n, ast.Return)]
    values = {id(_returned_value(r.value)) for r in returns}
    only = isinstance(fn.func.body[-1], (ast.Return, ast.Raise)) and values <= {id(c) for c in found} | _names_of(fn, found)
    return found, only


def _returned_value(value: ast.expr | None) -> ast.AST | None:
    return value.value if isinstance(value, ast.Await) else value


def _names_of(fn: _Function, calls: list[ast.Call]) -> set[int]:
    """The ids of the loads of names bound (only) to those calls."""
    out: set[int] = set()
    for call in calls:
        parent = fn.parents.get(id(call))
        if isinstance(parent, ast.Await):
            parent = fn.parents.get(id(parent))
        if isinstance(parent, (ast.Assign, ast.NamedExpr)):
            target = parent.targets[0] if isinstance(parent, ast.Assign) else parent.target
            if isinstance(target, ast.Name):
                out.update(id(n) for n in fn.names.get(target.id, []) if isinstance(n.ctx, ast.Load))
    return out


def plan_returns(modules: list, root: Path, unparsed: dict[str, str] | None = None, kept: dict[str, str] | None = None,
                 ) -> tuple[dict[str, set[int]], dict[str, list[list]], dict[tuple[str, int], str]]:
    """`unparsed`: path -> text of the project's files that do not parse (a caller there cannot be seen).
    `kept`: path -> why a module converts none of its requests calls (its returns are not followed).
    (path -> lines of the requests calls whose returned response is followed, path -> [line, called
    name] of the calls whose result becomes an httpx response, (path, line) -> why a returned response
    is not followed)."""
    returners: dict[str, _Returner] = {}
    read: dict[int, _Function] = {}  # id(def) -> its parents and names, read once for every round (they see `returners`)
    changed = True
    while changed:  # a caller returning the response again is a returner too
        changed = False
        for module in modules:
            for name, func in module.functions.items():
                if any(f"{n}.{name}" in returners for n in module.names):
                    continue
                fn = read.get(id(func))
                if fn is None:
                    fn = read[id(func)] = _Function(module, func, returners)
                calls, only = _returned_calls(fn)
                if calls:
                    returner = _Returner(module, func, calls)
                    if not only:
                        returner.why = (f"`{name}` returns a response on some paths and something else on others "
                                        "(or nothing): its callers cannot tell which")
                    for n in module.names:
                        returners[f"{n}.{name}"] = returner
                    changed = True
    if not returners:
        return {}, {}, {}
    unique = list({id(r): r for r in returners.values()}.values())
    _find_callers(modules, returners)
    library = has_project_metadata(root)
    for returner in unique:
        name = returner.func.name
        broken = next((path for path, text in (unparsed or {}).items() if re.search(rf"\b{re.escape(name)}\b", text)), None)
        if broken and not returner.why:
            returner.why = f"`{name}` is named in {Path(broken).name}, which does not parse: its callers there cannot be seen"
        if not returner.why and (kept or {}).get(returner.module.path):
            returner.why = kept[returner.module.path]  # type: ignore[index]
        if not returner.why:
            returner.why = _own_problem(returner, returners, library, root)
    while True:  # a returner is followed only when its callers are, and the returner it passes on is
        refused = False
        for returner in unique:
            if returner.why:
                continue
            for module, call in returner.callers:
                caller = _returner_of(module, call, returners)
                if caller is not None and caller.why:
                    returner.why = f"its caller `{caller.func.name}` ({_where(module, call)}) cannot pass it on: {caller.why}"
                    refused = True
                    break
            else:
                inner = [returners[t] for t in (returner.module.dotted(c.func) or "" for c in returner.calls) if t in returners]
                bad = next((r for r in inner if r.why), None)
                if bad is not None:
                    returner.why = f"the response it returns comes from `{bad.func.name}`, whose return is not followed"
                    refused = True
        if not refused:
            break
    followed: dict[str, set[int]] = {}
    responses: dict[str, list[list]] = {}
    why: dict[tuple[str, int], str] = {}
    for returner in unique:
        requests_calls = [c for c in returner.calls if (returner.module.dotted(c.func) or "") not in returners]
        if returner.why:
            for call in requests_calls:
                why[(returner.module.path, call.lineno)] = returner.why
            continue
        followed.setdefault(returner.module.path, set()).update(c.lineno for c in requests_calls)
        for module, call in returner.callers:
            spelled = _spelled(call)
            entry = [call.lineno, spelled, _occurrence(module, call, spelled)]
            if entry not in responses.setdefault(module.path, []):
                responses[module.path].append(entry)
    return followed, responses, why


def _spelled(call: ast.Call) -> str | None:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None


def _occurrence(module, call: ast.Call, spelled: str | None) -> int:
    """Which of the calls spelled `spelled` that start on the call's line it is, from the left: two calls
    of one name on a line (`a.fetch(u), b.fetch(u)`) are told apart; the codemod counts alike."""
    columns = sorted(c.col_offset for c in ast.walk(module.tree)
                     if isinstance(c, ast.Call) and c.lineno == call.lineno and _spelled(c) == spelled)
    return columns.index(call.col_offset)


def _where(module, node: ast.AST) -> str:
    return f"{Path(module.path).name}:{getattr(node, 'lineno', 0)}"


def _find_callers(modules: list, returners: dict[str, _Returner]) -> None:
    """Every call of each returner, and its uses that are no call (`why`), in every module."""
    names = {r.func.name for r in returners.values()}
    own_names: dict[int, frozenset[str]] = {}  # id(function) -> `function_locals`, read once
    for module in modules:
        nodes, parents = walk_linked(module.tree)
        for node in nodes:
            if isinstance(node, ast.Constant) and node.value in names and isinstance(parents.get(id(node)), ast.Call):
                for returner in {id(r): r for r in returners.values() if r.func.name == node.value}.values():
                    returner.why = returner.why or (f"`{node.value}` is named in a string at {_where(module, node)} "
                                                    "(a computed access): its callers cannot all be seen")
            if not isinstance(node, (ast.Name, ast.Attribute)) or isinstance(parents.get(id(node)), ast.Attribute):
                continue
            returner = returners.get(module.dotted(node) or "")
            if returner is None or isinstance(node.ctx, ast.Store) or _a_local(node, parents, own_names):
                continue
            parent = parents.get(id(node))
            if isinstance(parent, (ast.Import, ast.ImportFrom, ast.alias)):
                continue
            if not (isinstance(parent, ast.Call) and parent.func is node):
                returner.why = returner.why or (f"`{returner.func.name}` is used as a value at {_where(module, node)}: "
                                                "the calls made through it are not seen")
                continue
            returner.callers.append((module, parent))


def _a_local(node: ast.Name | ast.Attribute, parents: dict[int, ast.AST], own_names: dict[int, frozenset[str]]) -> bool:
    """Does the name the chain starts with stand for a variable of a function (or lambda) around
    it (a parameter, `for fetch in ...`, `with ... as fetch`, `:=`, a `case` capture) or of a
    comprehension around it (`[fetch(a) for fetch in fs]`), not the module's function of that name
    (`async def f(a, fetch): fetch(a)`)?"""
    head: ast.AST = node
    while isinstance(head, ast.Attribute):
        head = head.value
    if not isinstance(head, ast.Name):
        return False
    below, inner, around = None, node, parents.get(id(node))
    while around is not None:
        # only in its body: a default or a decorator is read where the function is defined
        if isinstance(around, _FUNCTIONS) and _in_body(inner, around):
            if id(around) not in own_names:
                own_names[id(around)] = function_locals(around)
            if head.id in own_names[id(around)]:
                return True
        # all of a comprehension but its first iterable, which is read around it
        if (isinstance(around, _COMPREHENSIONS) and not (inner is around.generators[0] and below is inner.iter)
                and head.id in comprehension_names(around)):
            return True
        below, inner, around = inner, around, parents.get(id(around))
    return False


def _in_body(child: ast.AST, function: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> bool:
    """Is `child` (a node right under `function`) its body: a statement of a def's, a lambda's expression?"""
    body = function.body
    return child is body or (isinstance(body, list) and any(child is statement for statement in body))


_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def _own_problem(returner: _Returner, returners: dict[str, _Returner], library: bool, root: Path) -> str:
    """Why `returner`'s response cannot be followed, from its own calls and each caller's uses."""
    name = returner.func.name
    if returner.func.decorator_list:
        return f"`{name}` is decorated: what wraps it receives the response first"
    if not returner.callers:
        return f"`{name}` has no caller in the project: what receives the response is not seen"
    if library and _public(returner, root):
        return f"`{name}` is public API of a library: its callers outside the project are not seen"
    problem = _calls_problem(returner, returners)
    if problem:
        return problem
    for module, call in returner.callers:
        owner = _enclosing_function(module, call)
        if owner is None:
            return f"its caller at {_where(module, call)} is not in a function (module level, a class body)"
        if not any(n is call for n in requests_plan.walk_scope(owner)):
            return f"its caller at {_where(module, call)} stands in a nested function, lambda or comprehension"
        fn = _Function(module, owner, returners)
        if _in_lambda(fn, call):
            return f"its caller at {_where(module, call)} stands in a lambda (it cannot await the helper)"
        why = requests_responses.flow(call, fn.parents, fn.names, fn.is_verb,
                                      returns=_returner_of(module, call, returners) is not None)
        if why:
            return f"in its caller `{owner.name}` ({_where(module, call)}), {why}"
    return ""


def _in_lambda(fn: _Function, node: ast.AST) -> bool:
    parent = fn.parents.get(id(node))
    while parent is not None and parent is not fn.func:
        if isinstance(parent, ast.Lambda):
            return True
        parent = fn.parents.get(id(parent))
    return False


def _calls_problem(returner: _Returner, returners: dict[str, _Returner]) -> str:
    """Why one of the requests calls whose response it returns would not be converted."""
    module, func = returner.module, returner.func
    source_lines = getattr(module, "lines", None) or []

    def kind(call: ast.Call) -> str | None:
        target = module.dotted(call.func) or ""
        if target in SESSION_FACTORIES:
            return requests_plan.SESSION
        return requests_plan.verb_of(target)

    returned = {id(c) for c in returner.calls}
    plans = requests_plan.plan(func, kind, lambda call: id(call) in returned)
    for call in returner.calls:
        verb = kind(call)
        if verb is None or verb == requests_plan.SESSION:
            continue
        if id(call) in plans.refused:
            return plans.refused[id(call)][1]
        if not requests_plan.call_fixable(call, verb):
            return "its requests call's arguments cannot all be kept"
        text = "\n".join(source_lines[call.lineno - 1:(call.end_lineno or call.lineno)])
        if "awaitify:" in text:
            return "its requests call carries an awaitify comment"
    return ""


def _enclosing_function(module, call: ast.Call) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The module-level function (or method of a module-level class) holding `call` in its own scope."""
    for node in module.tree.body:
        candidates = [node] if isinstance(node, _FUNCTIONS) else [n for n in node.body if isinstance(n, _FUNCTIONS)] \
            if isinstance(node, ast.ClassDef) else []
        for func in candidates:
            if any(n is call for n in ast.walk(func)):
                return func  # (in a nested scope of it too: the caller says so)
    return None


def _returner_of(module, call: ast.Call, returners: dict[str, _Returner]) -> _Returner | None:
    """The returner whose body holds `call` (the caller passes the response on)."""
    owner = _enclosing_function(module, call)
    if owner is None or owner.name not in module.functions or module.functions[owner.name] is not owner:
        return None
    return returners.get(f"{module.names[0]}.{owner.name}")


def _public(returner: _Returner, root: Path) -> bool:
    """A library's function whose module path and name have no part with a leading underscore (as
    propagation decides it, awaitify.planner.Propagator.public_api)."""
    try:
        parts = Path(returner.module.path).resolve().relative_to(root.resolve()).parts
    except ValueError:
        return False
    if parts and parts[0] in _UNSHIPPED:
        return False
    module_parts = [p.removesuffix(".py") for p in parts if p not in ("__init__.py", "__main__.py")]
    return not any(part.startswith("_") for part in (*module_parts, returner.func.name))
