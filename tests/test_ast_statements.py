"""The statement walk (awaitify.ast_statements) the thread-bound and runtime analyses read modules
with: the same statements, in the same order, as filtering `ast.walk`; `push_children` the same
children as `ast.iter_child_nodes`; `walk` and `walk_linked` the nodes of `ast.walk`, in order, and
their parents. Checked on this package's own sources and on hand-made blocks of every kind
(try/except*, match, with, loops, classes and functions nested in them)."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

import awaitify
from awaitify.ast_statements import push_children, statements, walk, walk_linked

BLOCKS = '''
import os
x = 1; y = 2
def f(a, b=lambda: (z := 3)):
    global g
    for i in range(3):
        if i:
            g = i
        elif a:
            try:
                h = open(a)
            except OSError as e:
                k = 1
            else:
                m = 3
            finally:
                n = 4
        else:
            while b:
                b = None
            else:
                o = 5
    try:
        pass
    except* ValueError:
        k = 2
    with open(a) as fh, open(b):
        p = fh.read()
    match a:
        case [1, *rest] if rest:
            q = 1
        case {"k": v}:
            class C:
                r = v
                def m(self):
                    self.s = 1
        case _:
            async def inner():
                async with x:
                    t = 1
                async for u in x:
                    w: int = 2
    return [j for j in range(2)]
class D(object):
    import sys
    if sys:
        e = 1
'''


def _sources() -> list[str]:
    root = Path(awaitify.__file__).parent
    return [textwrap.dedent(BLOCKS)] + [p.read_text(encoding="utf-8") for p in sorted(root.rglob("*.py"))]


@pytest.mark.parametrize("source", _sources()[:1] + _sources()[1::15])
def test_statements_follow_ast_walk_in_every_function_and_class(source: str) -> None:
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            assert statements(node) == [n for n in ast.walk(node) if isinstance(n, ast.stmt)]


@pytest.mark.parametrize("source", _sources()[:1] + _sources()[1::15])
def test_walk_is_ast_walk_and_links_parents_as_a_walk_does(source: str) -> None:
    tree = ast.parse(source)
    expected = list(ast.walk(tree))
    assert walk(tree) == expected
    nodes, parents = walk_linked(tree)
    linked = {}
    for node in expected:  # the analyses' own loop: the last parent of a shared Load/Store wins alike
        for child in ast.iter_child_nodes(node):
            linked[id(child)] = node
    assert nodes == expected and parents == linked


def test_push_children_gives_iter_child_nodes_in_order() -> None:
    for node in ast.walk(ast.parse(textwrap.dedent(BLOCKS))):
        stack: list[ast.AST] = []
        push_children(node, stack)
        assert stack == list(ast.iter_child_nodes(node))


def test_thread_bound_reads_a_function_in_ast_walk_order_with_its_parents() -> None:
    from awaitify.thread_bound import _in_order, local_names

    tree = ast.parse(textwrap.dedent(BLOCKS))
    for function in [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]:
        assert _in_order(function) == list(ast.walk(function))
        for node in ast.walk(function):
            for child in ast.iter_child_nodes(node):
                assert child._tb_parent is node or isinstance(child, ast.expr_context)  # Load/Store: one object
        assert local_names(function) == _local_names_by_walk(function)


def _local_names_by_walk(node: ast.AST) -> set[str]:
    names = {a.arg for a in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs)}
    names |= {a.arg for a in (node.args.vararg, node.args.kwarg) if a is not None}
    declared: set[str] = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, (ast.Store, ast.Del)):
            names.add(sub.id)
        elif isinstance(sub, (ast.Global, ast.Nonlocal)):
            declared.update(sub.names)
        elif isinstance(sub, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).partition(".")[0] for a in sub.names)
    return names - declared
