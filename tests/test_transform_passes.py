"""The passes a file's transform saves: a codemod class looked over for matcher decorators once, the
parenthesizing pass run only when an `await` stands bare under an attribute, subscript or call."""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from awaitify import codemod_base
from awaitify.codemod_base import AwaitifyCodemod, FileSession, ParenthesizeAwait, new_context, parenthesize_awaits
from awaitify.config import Config
from awaitify.plan import FilePlan


def _context():  # type: ignore[no-untyped-def]
    return new_context(FileSession(display="x.py", config=Config(), plan=FilePlan()))


def test_matcher_decorators_are_found_on_every_instance() -> None:
    class Decorated(AwaitifyCodemod):
        @m.visit(m.Name("x"))
        def seen(self, node: cst.Name) -> None:
            pass

    class Plain(AwaitifyCodemod):
        pass

    for _ in range(2):
        assert list(Decorated(_context())._extra_visit_funcs.values()) != []
        plain = Plain(_context())
        assert plain._extra_visit_funcs == {} and plain._extra_leave_funcs == {}
    assert Plain in codemod_base._UNDECORATED and Decorated not in codemod_base._UNDECORATED


def test_parenthesize_awaits_only_walks_when_an_await_stands_bare() -> None:
    parsed = cst.parse_module("async def f():\n    (await g()).x\n    await h()[0]\n")
    assert parenthesize_awaits(parsed) is parsed
    bare = cst.Call(func=cst.Attribute(value=cst.Await(cst.Call(func=cst.Name("f"))), attr=cst.Name("x")))
    built = cst.Module(body=[cst.SimpleStatementLine([cst.Expr(bare)])])
    assert parenthesize_awaits(built).code == built.visit(ParenthesizeAwait()).code == "(await f()).x()\n"
