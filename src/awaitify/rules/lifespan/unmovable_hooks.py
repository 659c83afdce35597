"""Startup/shutdown registrations the lifespan rule cannot move, found anywhere in a module.

Once an app is given `lifespan=`, Starlette no longer runs the hooks registered the old way: a hook
left behind is silently never run. So the planner moves the registrations it understands (made
once, unconditionally, when a module is imported) and everything else that registers a hook is
found here, so the app it reaches is refused instead: a registration inside a function
(`instrument(app)`), under an `if`/`try`/loop at module level, through `app.router.on_startup`
(other than a plain `.append(fn)`), or with a handler that is not a plain name
(`functools.partial(fn, arg)`).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

from awaitify.ast_statements import push_children, statements

EVENTS = ("startup", "shutdown")
# Starlette's registration methods and their parameters: a call that cannot bind to them (another
# library's `on_event(name, user, session)`) registers no hook.
_HOOK_METHODS = {"on_event": ("event_type",), "add_event_handler": ("event_type", "func")}
_HOOK_LISTS = ("on_startup", "on_shutdown", "lifespan_context")
_FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


@dataclass
class Registration:
    node: ast.AST  # the call or attribute that registers
    receiver: ast.expr  # what it registers on (`app`, `app.router`, a parameter)
    why: str  # how it is registered, for the diagnostic
    literal_event: bool | None  # True: startup/shutdown; False: another event; None: not a literal
    function: ast.AST | None = None  # the function it stands in, when its receiver is a parameter of it
    param: str | None = None
    local_value: ast.expr | None = None  # what a local receiver name was bound to in its function
    decorates: str | None = None  # the function a decorator registration registers

    @property
    def receiver_is_param(self) -> bool:
        return self.param is not None


def registrations(tree: ast.Module, seen: set[int]) -> Iterator[Registration]:
    """Every hook registration in `tree` whose node is not in `seen` (the ones that move)."""
    named: set[int] = set()  # registrations already reported with the call that passes the hook
    decorated = {id(d): f.name for f in statements(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
                 for d in f.decorator_list}
    for node, funcs, guard in _walk(tree, [], ""):
        inner = _registered_through(node)
        if inner is not None and id(inner) not in seen:
            named.add(id(inner))  # app.on_event("startup")(hook), app.router.on_startup.insert(0, hook)
            found = _registration(inner)
        elif id(node) in named or id(node) in seen:
            continue
        else:
            found = _registration(node)
        if found is None:
            continue
        receiver, how, literal = found
        if funcs:
            how += f" inside `{_name(funcs[-1])}`: it runs only when that is called"
        elif guard:
            how += f" inside a module-level `{guard}`: it runs only as that decides"
        elif literal is None or (isinstance(inner or node, ast.Call) and (inner or node).keywords):  # type: ignore[union-attr]
            how += " with an event awaitify cannot read (not a literal \"startup\" or \"shutdown\" argument)"
        else:
            how += " in a form awaitify does not move (a handler that is not a plain name, or not a single `.append`)"
        registration = Registration(node, receiver, how, literal, decorates=decorated.get(id(node)))
        root = _root(receiver)
        for func in reversed(funcs):
            if root is None:
                break
            if root.id in _params(func):
                registration.function, registration.param = func, root.id
                break
            bound = _local_binding(func, root.id)
            if bound is not None:
                registration.local_value = bound
                break
        yield registration


def arguments_for(tree: ast.Module, function: ast.AST, param: str) -> Iterator[ast.expr]:
    """The expressions passed as `param` in the calls of `function` (by its name) in `tree`."""
    if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return
    positional = [a.arg for a in (*function.args.posonlyargs, *function.args.args)]
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
        if name != function.name:
            continue
        index = positional.index(param) if param in positional else None
        if index is not None and isinstance(func, ast.Attribute) and positional and positional[0] in ("self", "cls"):
            index -= 1  # a method called on its instance or class
        keyword = next((k.value for k in node.keywords if k.arg == param), None)
        if keyword is not None:
            yield keyword
        elif index is not None and 0 <= index < len(node.args) and not any(isinstance(a, ast.Starred) for a in node.args):
            yield node.args[index]
        else:
            yield ast.Constant(None)  # passed some other way: not an app awaitify can name


def _registered_through(node: ast.AST) -> ast.AST | None:
    """For a call that passes the hook to a registration (`app.on_event("startup")(hook)`,
    `app.router.on_startup.insert(0, hook)`), that registration's node."""
    if not isinstance(node, ast.Call):
        return None
    if _registration(node.func) is not None and isinstance(node.func, ast.Call):
        return node.func
    func = node.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Attribute) and func.value.attr in _HOOK_LISTS:
        return func.value
    return None


def _registration(node: ast.AST) -> tuple[ast.expr, str, bool | None] | None:
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _HOOK_METHODS
            and _binds(node, _HOOK_METHODS[node.func.attr])):
        literal = _event(node.args[0]) if node.args else None
        return node.func.value, f"registered with `.{node.func.attr}(...)`", literal
    if isinstance(node, ast.Attribute) and node.attr in _HOOK_LISTS:
        return node.value, f"registered through `.{node.attr}`", True
    return None


def _binds(call: ast.Call, params: tuple[str, ...]) -> bool:
    """Could `call`'s arguments bind to exactly `params` (no more, none missing)? Yes when a `*args`
    or `**kwargs` hides how many there are."""
    if any(isinstance(arg, ast.Starred) for arg in call.args) or any(kw.arg is None for kw in call.keywords):
        return True
    named = [kw.arg for kw in call.keywords]
    return len(call.args) <= len(params) and sorted(named) == sorted(params[len(call.args):])


def _event(node: ast.expr) -> bool | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value in EVENTS
    return None


def _walk(node: ast.AST, funcs: list[ast.AST], guard: str) -> Iterator[tuple[ast.AST, list[ast.AST], str]]:
    """Each node below `node` (depth first, each before its children), with the functions it stands
    in and the first statement guarding it. A decorator stands where its function is defined, not
    inside it. (A stack, not nested generators: those pass every node up through each level.)"""
    stack: list[tuple[ast.AST, list[ast.AST], str]] = []
    _push_children(node, funcs, guard, stack)
    while stack:
        child, scope, child_guard = stack.pop()
        yield child, scope, child_guard
        _push_children(child, scope, child_guard, stack)


def _push_children(node: ast.AST, funcs: list[ast.AST], guard: str, stack: list) -> None:
    """`node`'s children, each with the functions and guard it stands in, onto `stack` (the first
    child on top)."""
    children: list[ast.AST] = []
    push_children(node, children)
    if not children:
        return
    inner = [*funcs, node] if isinstance(node, _FUNCS) else funcs
    inner_guard = guard or _GUARDS.get(type(node).__name__, "")
    decorators = getattr(node, "decorator_list", None)
    if decorators:
        ids = {id(d) for d in decorators}
        stack.extend([(child, funcs, guard) if id(child) in ids else (child, inner, inner_guard) for child in reversed(children)])
    else:
        stack.extend([(child, inner, inner_guard) for child in reversed(children)])


# statements whose body may run never, or more than once, or only in some cases
_GUARDS = {"If": "if", "Try": "try", "TryStar": "try", "With": "with", "AsyncWith": "async with", "For": "for",
           "AsyncFor": "async for", "While": "while", "Match": "match", "ClassDef": "class"}


def _root(expr: ast.expr) -> ast.Name | None:
    while isinstance(expr, (ast.Attribute, ast.Call, ast.Subscript)):
        expr = expr.func if isinstance(expr, ast.Call) else expr.value
    return expr if isinstance(expr, ast.Name) else None


def _params(func: ast.AST) -> set[str]:
    args = func.args  # type: ignore[attr-defined]
    names = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
    return {a.arg for a in names if a is not None}


def _local_binding(func: ast.AST, name: str) -> ast.expr | None:
    """The value `name` is assigned in `func`'s own body (not in nested functions), if it is."""
    if isinstance(func, ast.Lambda):
        return None
    stack: list[ast.AST] = list(func.body)  # type: ignore[attr-defined]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            return node.value
        if isinstance(node, (ast.AnnAssign, ast.NamedExpr)) and isinstance(node.target, ast.Name) and node.target.id == name:
            return node.value if node.value is not None else ast.Constant(None)
        if not isinstance(node, (*_FUNCS, ast.ClassDef)):
            stack.extend(ast.iter_child_nodes(node))
    return None


def _name(func: ast.AST) -> str:
    return getattr(func, "name", "<lambda>")
