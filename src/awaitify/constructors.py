"""Classmethod constructors: `def load(cls, path): ...; return cls(data)`. A local bound by
`store = Store.load(path)` is then a `Store`, so `store.get(...)` is followed like a call on
`Store(...)`'s result (awaitify.index: `_instance_class`), in `fix` and in `check`.

Only a classmethod whose every `return` hands back `cls(...)` counts: one that may return something
else (a cached object, None, a dict) leaves its result's calls unresolved, as before.
"""

from __future__ import annotations

import ast
import functools

from awaitify import shared_parses


def builds_own_class(text: str, line: int, name: str) -> bool:
    """The function `name` defined at `line` of this module is a classmethod constructor."""
    node = _functions(text).get((line, name))
    if node is None or not any(isinstance(d, ast.Name) and d.id == "classmethod" for d in node.decorator_list):
        return False
    if not node.args.args:
        return False
    first = node.args.args[0].arg
    returns = [n for n in _own_nodes(node) if isinstance(n, ast.Return)]
    return bool(returns) and all(
        isinstance(r.value, ast.Call) and isinstance(r.value.func, ast.Name) and r.value.func.id == first for r in returns
    ) and not any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in _own_nodes(node))


def _own_nodes(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.AST]:
    """The nodes of the function's body, not of the functions, classes and lambdas defined in it."""
    found: list[ast.AST] = []
    stack: list[ast.AST] = list(function.body)
    while stack:
        node = stack.pop()
        found.append(node)
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            stack.extend(ast.iter_child_nodes(node))
    return found


@functools.lru_cache(maxsize=256)
def _functions(text: str) -> dict[tuple[int, str], ast.FunctionDef]:
    """Every sync function of the module by (line of its `def`, name)."""
    try:
        tree = shared_parses.parse(text)
    except (SyntaxError, ValueError):
        return {}
    return {(n.lineno, n.name): n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
