"""Why AW507's fix leaves a `with open(...)` block on the loop: the words its diagnostic says at the
block's `open()`, which `check`'s scan gives as the reason its finding there is not fixable
("...; not fixed: <reason>"). No libcst: `block_problem` reads the block with `ast` as the fix's
`_Block` reads it with libcst.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

_BY_HAND = "left alone: move only the file I/O to a thread by hand"

FILE_USED_AFTER = f"the `with open(...)` block's file object is used after the block; {_BY_HAND}"
REBINDS_OUTER = ("the `with open(...)` block assigns a name bound before it, which a helper run in a thread would "
                 f"make its own; {_BY_HAND}")


def not_movable(problem: str) -> str:
    """The block holds something a helper function cannot (`problem`: see `block_problem`)."""
    return f"the `with open(...)` block cannot move into a helper run in a thread ({problem}); {_BY_HAND}"


def thread_bound(use: str) -> str:
    """The block uses `use` (spelled with its kind), bound to the loop's thread."""
    return (f"the `with open(...)` block uses {use}, bound to the loop's thread: run in a thread it would fail or "
            f"lose state (sqlite3 refuses other threads; a context variable set there is lost); {_BY_HAND}")


def may_leave_unbound(names: list[str]) -> str:
    """The block may leave these names, read after it, unbound."""
    return (f"the `with open(...)` block may leave {', '.join(f'`{n}`' for n in sorted(names))} unbound (assigned in "
            "a loop or a branch), which a helper run in a thread could not return; left alone: bind it before the "
            "block, or move the block to a thread by hand")


# statements and expressions a helper function cannot hold as they are, by libcst's name of them
_NOT_MOVABLE = {ast.Await: "await", ast.Return: "return", ast.Yield: "yield", ast.YieldFrom: "yield",
                ast.Break: "break", ast.Continue: "continue", ast.Delete: "del", ast.Import: "import",
                ast.ImportFrom: "importfrom", ast.FunctionDef: "functiondef", ast.AsyncFunctionDef: "functiondef",
                ast.ClassDef: "classdef", ast.Global: "global", ast.Nonlocal: "nonlocal"}
_OWN_SCOPES = (ast.Lambda, ast.GeneratorExp, ast.ListComp, ast.SetComp, ast.DictComp)
_COMPREHENSIONS = (ast.GeneratorExp, ast.ListComp, ast.SetComp, ast.DictComp)


def block_problem(body: list[ast.stmt]) -> tuple[str, ast.AST] | None:
    """The first thing in the block's statements, in source order, that a helper function cannot
    hold as it is: as the fix words it, and the node; or None. Lambdas and comprehensions are their
    own scopes (not looked into), an async comprehension (an `async for` or an `await` in it) aside."""
    assigned: set[str] = set()
    for node in _in_order(body):
        kind = _NOT_MOVABLE.get(type(node))
        if kind:
            return f"`{kind}` in the block", node
        if isinstance(node, (ast.AsyncWith, ast.AsyncFor)) or (
                isinstance(node, _COMPREHENSIONS) and any(g.is_async for g in node.generators)):
            return "`async with`/`async for` in the block", node
        if isinstance(node, _COMPREHENSIONS) and any(isinstance(n, ast.Await) for n in ast.walk(node)):
            return "`await` in the block", node  # an async comprehension: only valid in the async function
        if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name) and node.target.id not in assigned:
            return f"`{node.target.id}` is updated in place", node
        assigned.update(_bound_here(node))
    return None


def _bound_here(node: ast.AST) -> Iterator[str]:
    targets: list[ast.AST] = []
    if isinstance(node, ast.Assign):
        targets = list(node.targets)
    elif isinstance(node, (ast.AnnAssign, ast.For, ast.NamedExpr)):
        targets = [node.target]
    elif isinstance(node, ast.withitem) and node.optional_vars is not None:
        targets = [node.optional_vars]
    elif isinstance(node, ast.ExceptHandler) and node.name:
        yield node.name
    for target in targets:
        for name in ast.walk(target):
            if isinstance(name, ast.Name):
                yield name.id


def _in_order(nodes: list[ast.stmt]) -> Iterator[ast.AST]:
    """The nodes, depth first in source order; a lambda or a comprehension itself, not its inside."""
    stack: list[ast.AST] = list(reversed(nodes))
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, _OWN_SCOPES):
            stack.extend(reversed(list(ast.iter_child_nodes(node))))
