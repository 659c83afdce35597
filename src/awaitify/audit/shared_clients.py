"""AW512's clients that async code uses but did not make: a sync redis client kept in a module
global, a class attribute, or on `self` by a sync method, and used by async code. Every command
on it blocks the event loop, so `check` reports the client where it is made; its fix converts only
a client whose whole life is in one async function, so these are reported not fixable, with the
reason the fix gives (awaitify.rules.sync_db_client.fix, `_escape_reason`). Read with `ast`."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from awaitify.rules.sync_db_client.detect import REDIS_FACTORIES

_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef)
USERS_SHOWN = 3  # as many users as the fix's diagnostic names


@dataclass(frozen=True)
class SharedClient:
    call: ast.Call  # the factory call
    factory: str  # its qualified name: `redis.Redis`
    reason: str  # why the fix leaves it: the fix's words


def shared_clients(tree: ast.Module, factory_of: Callable[[ast.expr], str | None]) -> list[SharedClient]:
    """The clients of the module that async code uses without having made them. `factory_of` gives
    the qualified name a call's callee resolves to through the module's imports (None: not one)."""
    found: list[SharedClient] = []

    def factory(value: ast.expr) -> str | None:
        name = factory_of(value.func) if isinstance(value, ast.Call) else None
        return name if name in REDIS_FACTORIES else None

    for stmt in _scope_statements(tree.body):  # module globals
        name, made = _assigned(stmt, ast.Name, factory)
        if made:
            users = _async_users(tree, name)
            if users:
                found.append(SharedClient(stmt.value, made, f"it is a module global that async code uses ({', '.join(users)})"))
    for cls in (node for node in ast.walk(tree) if isinstance(node, ast.ClassDef)):
        for stmt in _scope_statements(cls.body):  # class attributes
            name, made = _assigned(stmt, ast.Name, factory)
            if made and (users := _async_methods_using(cls, name)):
                found.append(SharedClient(stmt.value, made, f"it is a class attribute that async methods use ({', '.join(users)})"))
        for method in (s for s in cls.body if isinstance(s, ast.FunctionDef)):  # stored by a sync method
            for stmt in _scope_statements(method.body):
                attr, made = _assigned(stmt, ast.Attribute, factory)
                if made and (users := _async_methods_using(cls, attr)):
                    target = ast.unparse(stmt.targets[0])
                    found.append(SharedClient(stmt.value, made,
                                              f"it is stored on `{target}`, which async methods use ({', '.join(users)})"))
    return found


def _assigned(stmt: ast.stmt, kind: type, factory: Callable[[ast.expr], str | None]) -> tuple[str, str | None]:
    """`target = factory(...)` with one target of `kind`: (its name or attribute, the factory)."""
    if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], kind)):
        return "", None
    target = stmt.targets[0]
    return (target.id if isinstance(target, ast.Name) else target.attr), factory(stmt.value)  # type: ignore[attr-defined]


def _scope_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements of one scope, those under `if`/`try`/`with`/loops too, not nested scopes'."""
    stack = list(reversed(body))
    while stack:
        stmt = stack.pop()
        yield stmt
        if not isinstance(stmt, (*_DEFS, ast.ClassDef)):
            for field in ("body", "orelse", "finalbody", "handlers", "cases"):
                children = getattr(stmt, field, None) or []
                inner = [s for child in children for s in (child.body if isinstance(child, (ast.ExceptHandler, ast.match_case)) else [child])]
                stack.extend(reversed(inner))


def _async_users(tree: ast.Module, name: str) -> list[str]:
    """`f() line N` for each async function reading the module's `name` (a lambda or comprehension
    in it counts as it; a nested sync def does not), in source order; none binding `name` itself."""
    users: list[str] = []
    for func in (n for n in ast.walk(tree) if isinstance(n, ast.AsyncFunctionDef)):
        if _binds(func, name):
            continue
        for line in sorted(n.lineno for n in _own_nodes(func) if isinstance(n, ast.Name) and n.id == name
                           and isinstance(n.ctx, ast.Load)):
            label = f"{func.name}() line {line}"
            if label not in users:
                users.append(label)
    users.sort(key=lambda label: int(label.rpartition(" ")[2]))
    return users[:USERS_SHOWN]


def _async_methods_using(cls: ast.ClassDef, attr: str) -> list[str]:
    """The class's async methods that spell `self.<attr>`."""
    return [f"{m.name}()" for m in cls.body if isinstance(m, ast.AsyncFunctionDef)
            and any(isinstance(n, ast.Attribute) and n.attr == attr and isinstance(n.value, ast.Name)
                    and n.value.id == "self" for n in ast.walk(m))][:USERS_SHOWN]


def _own_nodes(func: ast.AST) -> Iterator[ast.AST]:
    """The nodes of a function's body, not of the defs nested in it."""
    stack = list(ast.iter_child_nodes(func))
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, _DEFS):
            stack.extend(ast.iter_child_nodes(node))


def _binds(func: ast.AsyncFunctionDef, name: str) -> bool:
    """Does the function make `name` a local of its own (a parameter, a store, not `global`)?"""
    if any(isinstance(n, (ast.Global, ast.Nonlocal)) and name in n.names for n in _own_nodes(func)):
        return False
    args = func.args
    params = [*args.posonlyargs, *args.args, *args.kwonlyargs, *(a for a in (args.vararg, args.kwarg) if a)]
    return any(p.arg == name for p in params) or any(
        isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Store) for n in _own_nodes(func))
