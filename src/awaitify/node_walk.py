"""Walking a libcst tree without libcst's visitor machinery, for the questions that only read it.

A libcst visit rebuilds every node it passes (its `_visit_and_replace_children`), and so does the
`children` property: a read-only walk of a module cost as much as a codemod's pass. The children
of a node are the values of its dataclass fields that are nodes, or sequences of nodes; reading
them directly gives the same set of children (tests/test_node_walk.py compares them with libcst's
`children` on every node of the goldens and examples), in field order rather than source order.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Iterator

import libcst as cst

# Per node type, its fields that may hold a node or a sequence of nodes; per value type, what it is
# (1: a node, 2: a list or tuple, 0: neither). libcst's node classes are ABCs: isinstance() against
# them goes through ABCMeta, on every field of every node; a type's answer never changes.
_FIELDS: dict[type, tuple[str, ...]] = {}
_VALUE_KIND: dict[type, int] = {}


def _value_kind(kind: type) -> int:
    found = _VALUE_KIND[kind] = 1 if issubclass(kind, cst.CSTNode) else 2 if issubclass(kind, (list, tuple)) else 0
    return found


def children(node: cst.CSTNode) -> list[cst.CSTNode]:
    """`node.children`, in field order."""
    kind = type(node)
    names = _FIELDS.get(kind)
    if names is None:
        names = _FIELDS[kind] = tuple(f.name for f in dataclasses.fields(kind))
    return nodes_in(node, names)


# libcst's trivia: whitespace, comments, brackets, punctuation and operators. They hold nothing else (their
# fields hold trivia only), and most nodes of a tree are trivia (on the change-heavy tree's modules two
# thirds; whitespace alone over 40%): a walk that looks for code (names, calls, statements) skips them.
TRIVIA = (cst.BaseParenthesizableWhitespace, cst.Comment, cst.Newline, cst.EmptyLine, cst.TrailingWhitespace,
          cst.LeftParen, cst.RightParen, cst.LeftSquareBracket, cst.RightSquareBracket, cst.LeftCurlyBrace,
          cst.RightCurlyBrace, cst.Comma, cst.Dot, cst.Semicolon, cst.Colon, cst.AssignEqual,
          cst.BaseBinaryOp, cst.BaseBooleanOp, cst.BaseCompOp, cst.BaseUnaryOp, cst.BaseAugOp)
_CODE_FIELDS: dict[type, frozenset[str]] = {}
_CODE_NAMES: dict[type, tuple[str, ...]] = {}


def code_fields(kind: type) -> frozenset[str]:
    """The fields of a node type that may hold a node other than trivia, read from libcst's annotations
    of the type (all of its fields when they cannot be read)."""
    found = _CODE_FIELDS.get(kind)
    if found is None:
        names = [f.name for f in dataclasses.fields(kind)]
        try:
            hints = typing.get_type_hints(kind)
            found = frozenset(name for name in names if not _trivia_only(hints[name]))
        except Exception:  # noqa: BLE001 - an annotation that does not resolve: every field may hold code
            found = frozenset(names)
        _CODE_FIELDS[kind] = found
    return found


def _trivia_only(hint: object) -> bool:
    held = [kind for kind in _classes(hint) if isinstance(kind, type) and issubclass(kind, cst.CSTNode)]
    return bool(held) and all(issubclass(kind, TRIVIA) for kind in held)


def _classes(hint: object) -> list[object]:
    """The classes an annotation names (`Union[Sequence[Comma], MaybeSentinel]`: Comma, MaybeSentinel)."""
    args = typing.get_args(hint)
    return [hint] if not args else [found for arg in args for found in _classes(arg)]


def code_children(node: cst.CSTNode) -> list[cst.CSTNode]:
    """`children(node)` less its trivia, in field order."""
    kind = type(node)
    names = _CODE_NAMES.get(kind)
    if names is None:
        code = code_fields(kind)
        names = _CODE_NAMES[kind] = tuple(f.name for f in dataclasses.fields(kind) if f.name in code)
    return nodes_in(node, names)


def nodes_in(node: cst.CSTNode, names: tuple[str, ...]) -> list[cst.CSTNode]:
    """The nodes `node` holds in the fields `names`, in that order (a node, or the nodes of a list)."""
    found: list[cst.CSTNode] = []
    kinds = _VALUE_KIND
    for name in names:
        value = getattr(node, name)
        what = kinds.get(type(value))
        if what is None:
            what = _value_kind(type(value))
        if what == 1:
            found.append(value)
        elif what == 2:
            for item in value:
                sort = kinds.get(type(item))
                if (sort if sort is not None else _value_kind(type(item))) == 1:
                    found.append(item)
    return found


_STATEMENT: dict[type, bool] = {}  # node type -> is it a statement (see is_statement)


def is_statement(node: cst.CSTNode) -> bool:
    """`isinstance(node, (cst.SimpleStatementLine, cst.BaseCompoundStatement))`, told by the node's type:
    a negative isinstance() against libcst's abstract classes goes through ABCMeta, and walks ask this
    of every node."""
    kind = type(node)
    found = _STATEMENT.get(kind)
    if found is None:
        found = _STATEMENT[kind] = issubclass(kind, (cst.SimpleStatementLine, cst.BaseCompoundStatement))
    return found


def walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """`node` and every node inside it (as often as it stands there), in no particular order."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(children(current))


def parents(module: cst.Module) -> tuple[dict[int, cst.CSTNode], set[int]]:
    """id(node) -> its parent (what libcst's ParentNodeProvider gives), for every node of `module`;
    and the ids of the nodes that stand under two different parents (a codemod may reuse a node
    object): libcst's answer for those depends on the order of its walk, so the caller asks libcst."""
    found: dict[int, cst.CSTNode] = {}
    ambiguous: set[int] = set()
    stack: list[cst.CSTNode] = [module]
    while stack:
        node = stack.pop()
        for child in children(node):
            known = found.get(id(child))
            if known is None:
                found[id(child)] = node
            elif known is not node:
                ambiguous.add(id(child))
            stack.append(child)
    return found, ambiguous


def names_by_function(node: cst.CSTNode) -> tuple[frozenset[str], list[tuple[cst.FunctionDef, frozenset[str]]]]:
    """Every name (`cst.Name`) spelled inside `node`, and the same for each `def` inside it."""
    totals: list[set[str]] = [set()]  # the node's names, then those of each def being read
    functions: list[tuple[cst.FunctionDef, frozenset[str]]] = []
    stack: list[tuple[cst.CSTNode, bool]] = [(node, False)]
    while stack:
        current, done = stack.pop()
        if done:  # every node inside this def was read
            names = totals.pop()
            functions.append((current, frozenset(names)))  # type: ignore[arg-type]
            totals[-1].update(names)
            continue
        kind = type(current)  # neither class has subclasses
        if kind is cst.Name:
            totals[-1].add(current.value)  # type: ignore[attr-defined]
        elif kind is cst.FunctionDef:
            totals.append(set())
            stack.append((current, True))
        stack.extend((child, False) for child in code_children(current))  # no name in trivia
    return frozenset(totals[0]), functions


def own_hook(cls: type, name: str):  # type: ignore[no-untyped-def]
    """The visitor class's method `name` (`visit_Call`, `leave_Name`), or None when it has none or only
    libcst's no-op stub: a walk then has nothing to call."""
    method = getattr(cls, name, None)
    return None if method is None or getattr(method, "_is_no_op", False) else method
