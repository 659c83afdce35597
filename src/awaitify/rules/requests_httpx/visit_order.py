"""A read-only libcst visitor run without libcst's visit machinery, in libcst's own order.

`node.visit(visitor)` rebuilds every node it passes (`_visit_and_replace_children`), even for a
`CSTVisitor` that only reads: the requests codemod's questions about the module and each function
cost as much as its own pass. `read(visitor, node)` makes the same `visit_<Type>` / `leave_<Type>`
calls in the same order, reading each node's children from its attributes in the order libcst
visits them (learnt once per node type, from libcst itself), so a visitor whose answer depends on
that order (a session bound before its use) answers the same. It does not call attribute hooks
(`visit_Try_body`), nor enter trivia (whitespace, comments, punctuation: `node_walk.TRIVIA`, most of a
tree's nodes): the visitors it runs define hooks for neither.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import libcst as cst

from awaitify.node_walk import TRIVIA, code_fields, nodes_in, own_hook

# node type -> (its child attributes in libcst's visit order, the attributes that order left out because
# they held no node then: libcst visits some only when set, `format_spec` say)
_ORDER: dict[type, tuple[tuple[str, ...], tuple[str, ...]]] = {}
_ORDER_WITH: dict[tuple[type, tuple[str, ...]], tuple[str, ...]] = {}  # (type, such attributes set) -> the order
# (visitor class, node type) -> its visit and leave methods for that type, None for none or a no-op
_METHODS: dict[tuple[type, type], tuple[object, object]] = {}


class _Attributes(cst.CSTVisitor):
    """Which attributes libcst visits on one node, in order: its children are not entered."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        return False

    def on_leave(self, original_node: cst.CSTNode) -> None:
        return None

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        if attribute not in self.names:
            self.names.append(attribute)


def _holds_node(value: object) -> bool:
    return isinstance(value, cst.CSTNode) or (isinstance(value, (list, tuple)) and any(isinstance(v, cst.CSTNode) for v in value))


def _may_hold_node(value: object) -> bool:
    """An attribute libcst left unvisited that may hold a node on another node of the type (None, or an
    empty sequence, here): not a text, a number or a flag, which never does."""
    return not isinstance(value, (str, bytes, int, float, cst.CSTNode)) and not _holds_node(value)


def _learn(node: cst.CSTNode) -> tuple[str, ...]:
    recorder = _Attributes()
    node._visit_and_replace_children(recorder)  # children are left at once: cheap, once per type
    return tuple(recorder.names)


def _order(node: cst.CSTNode) -> tuple[str, ...]:
    """The attributes of `node` that may hold code, in the order libcst visits them."""
    kind = type(node)
    known = _ORDER.get(kind)
    if known is None:
        names = _learn(node)
        unseen = tuple(f.name for f in dataclasses.fields(node) if f.name not in names and _may_hold_node(getattr(node, f.name)))
        known = _ORDER[kind] = (_code(kind, names), unseen)
    names, unseen = known
    if unseen:
        present = tuple(name for name in unseen if _holds_node(getattr(node, name)))
        if present:
            key = (kind, present)
            names = _ORDER_WITH.get(key) or _ORDER_WITH.setdefault(key, _code(kind, _learn(node)))
    return names


def _code(kind: type, names: tuple[str, ...]) -> tuple[str, ...]:
    fields = code_fields(kind)
    return tuple(name for name in names if name in fields)


def children(node: cst.CSTNode) -> list[cst.CSTNode]:
    """The children of `node` that libcst visits, in its order, but trivia."""
    return nodes_in(node, _order(node))


def _methods(visitor: cst.CSTVisitor, kind: type):  # type: ignore[no-untyped-def]
    key = (type(visitor), kind)
    found = _METHODS.get(key)
    if found is None:
        if issubclass(kind, TRIVIA):  # never asked: trivia are not entered
            raise TypeError(f"{kind.__name__} is trivia, not read")
        if not _TRIVIA_FREE.get(key[0]) and not _TRIVIA_FREE.setdefault(key[0], _no_trivia_hook(key[0])):
            raise TypeError(f"{key[0].__name__} has a hook for trivia, which `read` does not enter")
        found = _METHODS[key] = (own_hook(key[0], f"visit_{kind.__name__}"), own_hook(key[0], f"leave_{kind.__name__}"))
    return found


_TRIVIA_FREE: dict[type, bool] = {}  # visitor class -> does it define no hook for a trivia type


def _no_trivia_hook(visitor: type) -> bool:
    kinds = [kind for kind in vars(cst).values() if isinstance(kind, type) and issubclass(kind, TRIVIA)]
    return all(own_hook(visitor, f"{hook}_{kind.__name__}") is None for kind in kinds for hook in ("visit", "leave"))


def read(visitor: cst.CSTVisitor, node: cst.CSTNode) -> None:
    """`node.visit(visitor)` for a visitor that only reads, through its `visit_<Type>` / `leave_<Type>`
    methods (no attribute hooks, no `on_visit` / `on_leave` of its own)."""
    visit, leave = _methods(visitor, type(node))
    if visit is None or visit(visitor, node) is not False:
        for child in children(node):
            read(visitor, child)
    if leave is not None:
        leave(visitor, node)


def preorder(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """`node` and every node inside it, in the order libcst's visit enters them."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(children(current)))
