"""awaitify.node_walk against libcst's own answers: the children of every node, every node's parent
(ParentNodeProvider) and the names spelled in a module and in each of its defs (a libcst visitor),
on the goldens, examples and test apps, and on trees that reuse a node object."""

from __future__ import annotations

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, ParentNodeProvider
from libcst_corpus import corpus_paths, every_node, parsed

from awaitify.node_walk import TRIVIA, children, code_children, is_statement, names_by_function, parents
from awaitify.spelled_names import names_in, remembered

MODULES = parsed(corpus_paths())


def _visited_names(node: cst.CSTNode) -> set[str]:
    found: set[str] = set()

    class Names(cst.CSTVisitor):
        def visit_Name(self, name: cst.Name) -> None:
            found.add(name.value)

    node.visit(Names())
    return found


def test_corpus_is_not_empty() -> None:
    assert len(MODULES) > 30


@pytest.mark.parametrize("path,module", MODULES, ids=[p for p, _ in MODULES])
def test_children_parents_and_names_match_libcst(path: str, module: cst.Module) -> None:
    nodes = every_node(module)
    for node in nodes:
        assert sorted(map(id, children(node))) == sorted(map(id, node.children)), type(node).__name__
        assert is_statement(node) == isinstance(node, (cst.SimpleStatementLine, cst.BaseCompoundStatement))
        # a walk for code may skip trivia: they hold nothing else, and every other child is kept
        trivia = isinstance(node, TRIVIA)
        assert [c for c in children(node) if not isinstance(c, TRIVIA)] == code_children(node) or trivia
        assert not trivia or all(isinstance(c, TRIVIA) for c in children(node))
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    expected = wrapper.resolve(ParentNodeProvider)
    found, ambiguous = parents(module)
    assert not ambiguous
    assert {i: id(p) for i, p in found.items()} == {id(n): id(p) for n, p in expected.items()}
    names, functions = names_by_function(module)
    assert names == _visited_names(module)
    defs = [n for n in nodes if isinstance(n, cst.FunctionDef)]
    assert sorted(map(id, defs)) == sorted(id(f) for f, _ in functions)
    for function, spelled in functions:
        assert spelled == _visited_names(function)


def test_a_reused_node_under_two_parents_is_left_to_libcst() -> None:
    shared = cst.Name("shared")
    module = cst.Module(body=[cst.SimpleStatementLine([cst.Expr(shared)]),
                              cst.SimpleStatementLine([cst.Expr(cst.Call(func=shared))])])
    found, ambiguous = parents(module)
    assert ambiguous == {id(shared)}
    assert id(module.body[0]) in found


def test_names_in_remembers_within_a_transform_only() -> None:
    module = cst.parse_module("def f(a):\n    def g(b):\n        return c\n    return g\n")
    outer = module.body[0]
    inner = outer.body.body[0]
    with remembered():
        assert names_in(module) == {"f", "a", "g", "b", "c"}
        taken = names_in(inner)
        assert taken == {"g", "b", "c"}
        taken.add("mutated")  # callers add to what they get: the memo must not change
        assert names_in(inner) == {"g", "b", "c"}
        assert names_in(outer) == {"f", "a", "g", "b", "c"}
    assert names_in(inner) == {"g", "b", "c"}
