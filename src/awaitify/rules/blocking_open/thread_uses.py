"""What a `with open(...)` block uses that is bound to the loop's thread: the question AW507's fix
asks before moving the block into a helper run in a thread (awaitify.thread_bound says what is
bound). The fix reads the block with libcst, `check`'s scan with `ast` (`read_block`); both hand
what they read to `bound_use`, so both give the same reason for the same block.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from awaitify.thread_bound import LOOP_CALLS

# how the reason names each kind of awaitify.thread_bound (and the fix's UNSEEN)
KINDS = {"sqlite3": "a sqlite3 connection", "threading.local": "a threading.local",
         "contextvars.ContextVar": "a context variable it sets", "configured": "made by what `thread-bound` lists",
         "asyncio": "an asyncio object, not thread-safe", "unseen": "imported from a module this pass cannot read",
         "listed": "listed in `thread-bound`"}
_CONTEXTVAR = "contextvars.ContextVar"
# the last names of the calls that need the calling thread's running loop: only a chain ending in
# one needs its qualified name (`asyncio.create_task`, `from asyncio import get_running_loop`)
LOOP_CALL_NAMES = frozenset(name.rpartition(".")[2] for name in LOOP_CALLS)
_WRITES = ("set", "reset")


@dataclass(frozen=True)
class BlockUses:
    """The names a block spells; the names it calls `.set()`/`.reset()` on; its Name and Attribute
    chains in the order the fix visits them, each as (`a.b` for an attribute, "" for a name; its
    qualified name or "")."""

    names: frozenset[str]
    set_on: frozenset[str]
    chains: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class OpenBlock:
    """A `with open(...)` block of async code that the fix moves to a thread unless it uses thread-bound
    state (`movable`), or that it leaves for names it may leave unbound (asked after the thread-bound
    question): its `open()` where a site stands (1-based column), its lines, the function holding it."""

    line: int
    col: int
    start: int
    end: int
    owner: str
    movable: bool
    uses: BlockUses


def bound_use(bound: dict[str, str], uses: BlockUses, configured: Iterable[str]) -> str | None:
    """What in the block would not survive the move to a thread, spelled with its kind: a name of
    `bound` (name -> kind: awaitify.thread_bound's file facts; a context variable only when the block
    sets it), an attribute chain of it (`db.conn`), what the `thread-bound` setting lists, or a call
    that needs the running loop (`asyncio.create_task`: a worker thread has none). The first bound
    name in alphabetical order, so the reason never depends on a set's order."""
    for name in sorted(uses.names):
        kind = bound.get(name)
        if kind == _CONTEXTVAR and name not in uses.set_on:
            continue  # only read: the thread's copy of the context holds the caller's value
        if kind is not None:
            return f"`{name}` ({KINDS.get(kind, kind)})"
    listed = tuple(configured)
    for spelled, qualified in uses.chains:
        if spelled in bound:  # `db.conn`, with `import db`
            return f"`{spelled}` ({KINDS.get(bound[spelled], bound[spelled])})"
        if qualified and any(qualified == name or qualified.startswith(name + ".") for name in listed):
            return f"`{qualified}` (listed in `thread-bound`)"
        if qualified in LOOP_CALLS:
            return f"`{qualified}()` (it needs the running loop of the calling thread: a worker thread has none)"
    return None


def read_block(body: list[ast.stmt], qualify: Callable[[ast.expr], str]) -> BlockUses:
    """`BlockUses` of a block's statements, read as the fix's libcst visitor reads them: every name
    node (keyword arguments, lambda parameters and `except ... as` names too, which libcst spells as
    names), an attribute's value but not its attribute name; `qualify` gives a chain's qualified name."""
    names: set[str] = set()
    set_on: set[str] = set()
    chains: list[tuple[str, str]] = []
    stack: list[ast.AST] = list(reversed(body))
    while stack:  # depth first, in source order: the order libcst visits
        node = stack.pop()
        if isinstance(node, ast.Name):
            names.add(node.id)
            chains.append(("", qualify(node)))
            continue
        if isinstance(node, ast.Attribute):
            chains.append((_spelled(node), qualify(node)))
            stack.append(node.value)
            continue
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _WRITES \
                and isinstance(node.func.value, ast.Name):
            set_on.add(node.func.value.id)
        names.update(_other_names(node))
        stack.extend(reversed(list(ast.iter_child_nodes(node))))
    return BlockUses(frozenset(names), frozenset(set_on), tuple(chains))


def _spelled(node: ast.Attribute) -> str:
    """`a.b.c` as written, for a plain chain of names (the fix compares its source text)."""
    parts: list[str] = []
    expr: ast.expr = node
    while isinstance(expr, ast.Attribute):
        parts.append(expr.attr)
        expr = expr.value
    if not isinstance(expr, ast.Name):
        return ""
    return ".".join([expr.id, *reversed(parts)])


def _other_names(node: ast.AST) -> list[str]:
    """The names libcst holds as Name nodes where `ast` holds plain strings."""
    if isinstance(node, ast.keyword) and node.arg:
        return [node.arg]
    if isinstance(node, ast.arg):
        return [node.arg]
    if isinstance(node, ast.ExceptHandler) and node.name:
        return [node.name]
    if isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
        return [node.name]
    if isinstance(node, ast.MatchMapping) and node.rest:
        return [node.rest]
    if isinstance(node, ast.MatchClass):
        return list(node.kwd_attrs)
    return []
