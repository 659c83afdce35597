"""What a module binds a name to, read with `ast` alone (`check` loads no libcst): the question a
fix asks before it writes `asyncio.sleep(...)` into a module, namely whether `asyncio` there can only
be the standard module."""

from __future__ import annotations

import ast

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def only_imported(tree: ast.Module, name: str) -> bool:
    """True when the module scope binds `name` nowhere, or only by a plain `import name`: safe to
    use (and to import) as the standard module of that name. Any other binding counts: an
    assignment, a def or class, `import x as name`, `import name.sub`, `from m import name`, a loop
    or `with` target, an `except` name, a walrus, or a store in a function that declares it
    `global`. (What `from m import *` or `del` leave is not counted: the fix does not count it.)"""
    if any(_binds_otherwise(node, name) for node in _module_scope(tree)):
        return False
    return not any(_declares_global(fn, name) and any(_stores(n, name) for n in ast.walk(fn))
                   for fn in ast.walk(tree) if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)))


def _module_scope(tree: ast.Module):
    """The nodes of the module scope: a def or class is one (its name is bound here), not its body;
    a comprehension binds its own names."""
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, _SCOPES):
            stack.extend(child for child in ast.iter_child_nodes(node) if not isinstance(child, _COMPREHENSIONS))


def _declares_global(fn: ast.AST, name: str) -> bool:
    return any(isinstance(node, ast.Global) and name in node.names for node in ast.walk(fn))


def _binds_otherwise(node: ast.AST, name: str) -> bool:
    if isinstance(node, ast.Import):
        # `import asyncio.subprocess` binds `asyncio` too, but not as a plain `import asyncio` would
        return any((alias.asname or alias.name.partition(".")[0]) == name and (alias.asname or alias.name) != name
                   or alias.asname == name for alias in node.names)
    if isinstance(node, ast.ImportFrom):
        return any((alias.asname or alias.name) == name for alias in node.names)
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return node.name == name
    return _stores(node, name)


def _stores(node: ast.AST, name: str) -> bool:
    if isinstance(node, ast.Name):
        return node.id == name and isinstance(node.ctx, ast.Store)
    if isinstance(node, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)):
        return node.name == name
    if isinstance(node, ast.MatchMapping):
        return node.rest == name
    return False
