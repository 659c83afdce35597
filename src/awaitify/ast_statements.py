"""Walking a Python `ast` tree fast, for the analyses that read a module's statements or link its nodes.

`ast.walk` and `ast.iter_child_nodes` run generators on every node; on the standard library the
thread-bound analysis walked each module's nodes several times with them. Cheaper walks:

- `statements`: only the statements under a node, in `ast.walk`'s order (an assignment, an import or
  a `global` is a statement, and a statement never stands inside an expression);
- `push_children`: a node's children, read from its `_fields`, appended to a stack;
- `local_names`: the names a function binds itself;
- `walk` / `walk_linked`: every node in `ast.walk`'s order, as a list (and each node's parent), for
  the requests planner and codemod's per-function facts and the import fix-ups' spelled names.

(`summary._statements` also yields statements, depth first and optionally without nested scopes:
for the summary's own walks, whose answers were fixed in that order.)
"""

from __future__ import annotations

import ast


# per node type, its fields, read without `ast.iter_child_nodes`'s generators (this runs on every node)
_FIELDS: dict[type, tuple[str, ...]] = {}


# what suspends a coroutine where it stands: the awaits an `async def` writes itself
SUSPENDS = (ast.Await, ast.AsyncFor, ast.AsyncWith)


def push_children(node: ast.AST, stack: list[ast.AST]) -> None:
    """Append the nodes `node` holds (what `ast.iter_child_nodes` gives, in its order) to `stack`."""
    kind = type(node)
    fields = _FIELDS.get(kind)
    if fields is None:
        fields = _FIELDS[kind] = kind._fields
    append = stack.append
    for name in fields:
        value = getattr(node, name, None)
        if isinstance(value, ast.AST):
            append(value)
        elif type(value) is list:  # (ast's own lists; a loop: a generator per list cost more)
            for item in value:
                if isinstance(item, ast.AST):
                    append(item)


# the fields that hold statements (or the handlers and cases that do), in `_fields` order
_STATEMENT_FIELDS = frozenset({"body", "orelse", "finalbody", "handlers", "cases"})
_BLOCK_FIELDS: dict[type, tuple[str, ...]] = {}


def statements(node: ast.AST) -> list[ast.stmt]:
    """`node` and the statements under it, in the order `ast.walk(node)` meets them. A statement
    stands only in a statement list (never in an expression), so a breadth-first walk of statements,
    handlers and cases alone, each level in field order, keeps `ast.walk`'s order among them."""
    found: list[ast.stmt] = []
    level: list[ast.AST] = [node]
    while level:
        below: list[ast.AST] = []
        for current in level:
            if isinstance(current, ast.stmt):
                found.append(current)
            kind = type(current)
            fields = _BLOCK_FIELDS.get(kind)
            if fields is None:
                fields = _BLOCK_FIELDS[kind] = tuple(f for f in kind._fields if f in _STATEMENT_FIELDS) \
                    if issubclass(kind, (ast.stmt, ast.excepthandler, ast.match_case, ast.Module)) else ()
            for name in fields:
                below.extend(getattr(current, name))
        level = below
    return found


def walk(node: ast.AST) -> list[ast.AST]:
    """The nodes `ast.walk(node)` gives, in its order (breadth first), as a list."""
    found = [node]
    at = 0
    while at < len(found):
        push_children(found[at], found)
        at += 1
    return found


def walk_linked(node: ast.AST) -> tuple[list[ast.AST], dict[int, ast.AST]]:
    """`walk(node)`, and each node's parent (by the child's id) under `node`."""
    found = [node]
    parents: dict[int, ast.AST] = {}
    at = 0
    while at < len(found):
        current, start = found[at], len(found)
        push_children(current, found)
        for child in found[start:]:
            parents[id(child)] = current
        at += 1
    return found, parents


def local_names(node: ast.AST) -> set[str]:
    """Names a function binds itself (parameters, assignments, imports, loops), minus `global` ones."""
    names: set[str] = set()
    declared: set[str] = set()
    args = getattr(node, "args", None)
    if isinstance(args, ast.arguments):
        names |= {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)}
        names |= {a.arg for a in (args.vararg, args.kwarg) if a is not None}
    stack: list[ast.AST] = [node]
    while stack:
        sub = stack.pop()
        if isinstance(sub, ast.Name):
            if isinstance(sub.ctx, (ast.Store, ast.Del)):
                names.add(sub.id)
            continue
        if isinstance(sub, (ast.Global, ast.Nonlocal)):
            declared.update(sub.names)
        elif isinstance(sub, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).partition(".")[0] for a in sub.names)
        push_children(sub, stack)
    return names - declared
