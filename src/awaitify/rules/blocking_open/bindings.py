"""Which names a `with open(...)` block hands back, and whether it surely binds them: the question
AW507's fix asks before moving the block into a helper run in a thread (a helper cannot return a
name its block may leave unbound: `for line in f: last = line`, read after the block). Read with
`ast`, by the fix and by `check`'s scan alike, so that `check` calls fixable only the blocks the fix
moves."""

from __future__ import annotations

import ast
from collections import Counter

from awaitify.summary import target_names

# names through which a function can read any of its locals (every name then comes back)
READ_ALL_LOCALS = frozenset({"locals", "vars", "eval", "exec"})
# a branch that always raises binds every name as far as the code after it is concerned
ALL: frozenset[str] = frozenset({"\0all"})


def may_leave_unbound(func: ast.AsyncFunctionDef, block: ast.With, assigned: set[str]) -> list[str]:
    """The names the block assigns (`assigned`, its file's name aside) that the function spells
    outside it too, and that some normal completion of the block leaves unbound."""
    in_function, in_block = spelled(func), spelled(block)
    if any(in_function[name] for name in READ_ALL_LOCALS):
        returned = sorted(assigned)
    else:
        returned = sorted(name for name in assigned if in_function[name] > in_block[name])
    always = always_bound(block.body)
    return [] if always is ALL else [name for name in returned if name not in always]


def spelled(node: ast.AST) -> Counter[str]:
    """How often each identifier is written in the node: names, attributes, keywords, parameters,
    def and class names, imports (as the fix counts libcst's Name nodes)."""
    counts: Counter[str] = Counter()
    for n in ast.walk(node):
        if isinstance(n, ast.Name):
            counts[n.id] += 1
        elif isinstance(n, ast.Attribute):
            counts[n.attr] += 1
        elif isinstance(n, (ast.arg, ast.keyword)) and n.arg:
            counts[n.arg] += 1
        elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.ExceptHandler)) and n.name:
            counts[n.name] += 1
        elif isinstance(n, ast.alias):
            counts.update(n.name.split("."))
            if n.asname:
                counts[n.asname] += 1
        elif isinstance(n, (ast.Global, ast.Nonlocal)):
            counts.update(n.names)
    return counts


def always_bound(statements: list[ast.stmt]) -> set[str] | frozenset[str]:
    """What every normal completion of these statements binds, one after another: assignments at
    their level, in nested `with` blocks, in both branches of an `if`; a loop may not run and an
    exception may skip the rest, so what they bind is never counted. ALL once one always raises."""
    found: set[str] = set()
    for stmt in statements:
        bound = _binds(stmt)
        if bound is ALL:
            return ALL
        found |= bound
    return found


def _binds(stmt: ast.stmt) -> set[str] | frozenset[str]:
    if isinstance(stmt, ast.Raise):
        return ALL
    if isinstance(stmt, ast.Assign):
        return set().union(*(target_names(t) for t in stmt.targets))
    if isinstance(stmt, ast.AnnAssign):
        return target_names(stmt.target) if stmt.value is not None else set()
    if isinstance(stmt, ast.With):
        items = set().union(*(target_names(i.optional_vars) for i in stmt.items if i.optional_vars is not None))
        inner = always_bound(stmt.body)
        return ALL if inner is ALL else items | inner
    if isinstance(stmt, ast.If):
        first, other = always_bound(stmt.body), always_bound(stmt.orelse)
        if first is ALL:
            return other
        return first if other is ALL else first & other
    return set()


_OWN_SCOPES = (ast.Lambda, ast.GeneratorExp, ast.ListComp, ast.SetComp, ast.DictComp)


def block_assigned(block: ast.With) -> set[str]:
    """The names a `with` block binds, as the fix's `_Block` reads them (libcst): the targets of its
    assignments, `for` loops, walruses, `with ... as` and `except ... as`, the block's own item's
    too; not inside a lambda or a comprehension (their own scopes)."""
    names: set[str] = set()
    stack: list[ast.AST] = [block]
    while stack:
        node = stack.pop()
        if isinstance(node, _OWN_SCOPES):
            continue
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AnnAssign, ast.For, ast.AsyncFor, ast.NamedExpr)):
            targets = [node.target]
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            targets = [node.optional_vars]
        else:
            targets = []
        if isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
        for target in targets:
            names.update(target_names(target))
        stack.extend(ast.iter_child_nodes(node))
    return names


def scope_bindings(func: ast.AsyncFunctionDef) -> list[tuple[str, int]]:
    """(name, line) of what the function's own scope binds, as libcst's scope analysis (the fix's
    `_rebinds_outer`) records it: parameters, assignment targets, `for`/`with`/`except ... as`
    names, imports, nested `def`/`class` names; not the names a lambda, a comprehension or a
    nested function binds."""
    args = func.args
    found = [(a.arg, func.lineno) for a in (*args.posonlyargs, *args.args, *args.kwonlyargs,
                                              *(x for x in (args.vararg, args.kwarg) if x))]
    stack: list[ast.AST] = list(func.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.append((node.name, node.lineno))
            continue
        if isinstance(node, ast.Lambda):
            continue
        if isinstance(node, _OWN_SCOPES):  # (libcst records even a walrus in a comprehension there)
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            found.append((node.id, node.lineno))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            found += [(alias.asname or alias.name.partition(".")[0], node.lineno) for alias in node.names]
        elif isinstance(node, ast.ExceptHandler) and node.name:
            found.append((node.name, node.lineno))
        stack.extend(ast.iter_child_nodes(node))
    return found


def file_used_after(func: ast.AsyncFunctionDef, var: str, end: int, names: list[ast.Name] | None = None) -> bool:
    """Is the block's file object (`var`) read after the block (which ends on line `end`)? Not where a
    later `with ... as var:` binds the name to another object: the reads inside that one are of it.
    Every `Name` in the function counts, nested scopes' too (`names`: those, when the caller has
    them): a nested function's own `f` refuses the move, where unsure."""
    if names is None:
        names = [n for s in func.body for n in ast.walk(s) if isinstance(n, ast.Name)]
    after = [n.lineno for n in names if n.id == var and n.lineno > end and not isinstance(n.ctx, ast.Store)]
    if not after:
        return False
    rebound = [(w.lineno, w.end_lineno or w.lineno) for w in ast.walk(func) if isinstance(w, (ast.With, ast.AsyncWith))
               and w.lineno > end and any(isinstance(i.optional_vars, ast.Name) and i.optional_vars.id == var for i in w.items)]
    return any(not any(start <= line <= stop for start, stop in rebound) for line in after)


def rebinds_outer(block: ast.With, var: str | None, bound_before: set[str]) -> bool:
    """Does the block bind again (its file's name aside) a name the function binds before it
    (`bound_before`: `scope_bindings` before the block's line)? In a helper that name would be a
    fresh local, read before its assignment there (UnboundLocalError)."""
    return bool((block_assigned(block) - {var}) & bound_before)
