"""The requests codemod's read-only walks (`visit_order`) against libcst's own visit: the same
visit and leave calls in the same order, on the goldens, examples and test apps, on a module of
the constructs libcst visits in an order of its own (f-strings, matches, decorators) and, in the
slow suite, on the standard library's own modules; and the node-copying rewrite at leave time
(`_holding`) against a full visit."""

from __future__ import annotations

import sysconfig
from pathlib import Path

import libcst as cst
import pytest
from libcst_corpus import corpus_paths, every_node, parsed

from awaitify.node_walk import TRIVIA
from awaitify.rules.requests_httpx.fix import _holding
from awaitify.rules.requests_httpx.visit_order import preorder, read

STDLIB = Path(sysconfig.get_paths()["stdlib"])


# what the stdlib slice (slow) taught: f-strings, matches and decorators, whose fields libcst visits
# in an order of its own; the quick suite walks this module instead (a few ms, not a parse of 40 modules)
ORDERS_OF_THEIR_OWN = '''
plain = f"{x} {y!r}"  # a type's first node lacks what the next has (`format_spec`): learnt again


@decorator
@factory(arg, key=f"{x!r:>{width}}")
class C(Base, metaclass=M):
    @property
    def _hidden(self): return g(self)

    @staticmethod
    async def run(a: int = 1, *args, b=f"{y}", **kw) -> "C":
        async with open(f"{a}.txt") as f, ctx() as (g, h):
            async for item in aiter(f):
                print(f"{item=} {item!s:{'>' if a else '<'}10} {{literal}} {f'{nested}'}")
        return [f(v) for v in args if v] or {k: v for k, v in kw.items()}


match command.split():
    case [Point(x=0, y=y), *rest] if y > f(rest):
        print(f"origin {y}")
    case {"action": str(action), **others} | [action, _] as whole:
        call(action, others, whole)
    case Color.RED | None | -1 | 1+2j:
        pass
    case _:
        lambda q, /, *, r=f"{q}": q(r)
'''
MODULES = [*parsed(corpus_paths()), ("orders_of_their_own", cst.parse_module(ORDERS_OF_THEIR_OWN))]


class _Events(cst.CSTVisitor):
    """Every visit and leave, and a subtree skipped where libcst lets a visitor skip one."""

    def __init__(self) -> None:
        self.events: list[tuple[str, int]] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self.events.append(("visit", id(node)))
        return not node.name.value.startswith("_")  # a skipped body must stay skipped

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.events.append(("leave", id(node)))

    def visit_Name(self, node: cst.Name) -> None:
        self.events.append(("visit", id(node)))

    def visit_Call(self, node: cst.Call) -> None:
        self.events.append(("visit", id(node)))

    def leave_Call(self, node: cst.Call) -> None:
        self.events.append(("leave", id(node)))

    def visit_FormattedStringText(self, node: cst.FormattedStringText) -> None:
        self.events.append(("visit", id(node)))


class _Order(cst.CSTVisitor):
    """The nodes libcst's visit enters, in order, but trivia (whitespace, comments, punctuation)."""

    def __init__(self) -> None:
        self.nodes: list[int] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        if not isinstance(node, TRIVIA):
            self.nodes.append(id(node))
        return True


@pytest.mark.parametrize("path,module", MODULES, ids=[p for p, _ in MODULES])
def test_same_calls_in_the_same_order_as_libcst(path: str, module: cst.Module) -> None:
    """And `preorder` gives the nodes libcst enters, in its order, but trivia."""
    _assert_same_order(module)


@pytest.mark.slow  # a real tree: parsed in the test, not while collecting the quick suite
@pytest.mark.parametrize("path", sorted(STDLIB.glob("*.py"))[:40], ids=str)
def test_stdlib_modules_in_the_same_order_as_libcst(path: Path) -> None:
    for _, module in parsed([path]):
        _assert_same_order(module)


def _assert_same_order(module: cst.Module) -> None:
    theirs, ours = _Events(), _Events()
    module.visit(theirs)
    read(ours, module)
    assert ours.events == theirs.events
    order = _Order()
    module.visit(order)
    assert [id(node) for node in preorder(module)] == order.nodes


class _Renamer(cst.CSTTransformer):
    """Renames the names whose ids it is given: a stand-in for the response edits."""

    def __init__(self, targets: set[int], holding: set[int] | None) -> None:
        super().__init__()
        self.targets, self.holding = targets, holding

    def on_visit(self, node: cst.CSTNode) -> bool:
        return self.holding is None or id(node) in self.holding

    def on_leave(self, original: cst.CSTNode, updated: cst.CSTNode):  # type: ignore[override]
        return updated.with_changes(value=updated.value + "_x") if id(original) in self.targets else updated


def _sharing(tree: cst.CSTNode) -> list[tuple[int, ...]]:
    """The places (in one walk's order) that hold one node object, for each object in more than one."""
    where: dict[int, list[int]] = {}
    for i, node in enumerate(every_node(tree)):
        where.setdefault(id(node), []).append(i)
    return sorted(tuple(found) for found in where.values() if len(found) > 1)


def test_entering_only_what_holds_an_edit_or_stands_twice_gives_a_full_visit() -> None:
    shared = cst.Attribute(cst.Name("a"), cst.Name("b"))  # one object in three places, as libcst's defaults are
    module = cst.parse_module("x = 1\ny = f(z)\n")
    statements = list(module.body)
    statements[0] = statements[0].with_changes(body=[cst.Expr(cst.Tuple([cst.Element(shared), cst.Element(shared)]))])
    statements.append(cst.SimpleStatementLine([cst.Expr(shared)]))
    tree = module.with_changes(body=statements)
    targets = {id(n) for n in every_node(tree) if isinstance(n, cst.Name) and n.value == "z"}
    full = tree.visit(_Renamer(targets, None))
    pruned = tree.visit(_Renamer(targets, _holding(tree, targets)))
    assert pruned.code == full.code == "(a.b, a.b)\ny = f(z_x)\na.b\n"
    assert _sharing(pruned) == _sharing(full)  # the places that hold one node object: the same as after a full visit
    assert len(_sharing(tree)) > len(_sharing(full))
    assert pruned.body[1].body[0].targets[0] is tree.body[1].body[0].targets[0]  # (what holds no edit is kept)
