"""The statement walk (awaitify.ast_statements) the thread-bound and runtime analyses read modules
with: the same statements, in the same order, as filtering `ast.walk`; `push_children` the same
children as `ast.iter_child_nodes`. Checked on this package's own sources and on hand-made blocks of
every kind (try/except*, match, with, loops, classes and functions nested in them)."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

import awaitify
from awaitify.ast_statements import push_children, statements

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


def test_push_children_gives_iter_child_nodes_in_order() -> None:
    for node in ast.walk(ast.parse(textwrap.dedent(BLOCKS))):
        stack: list[ast.AST] = []
        push_children(node, stack)
        assert stack == list(ast.iter_child_nodes(node))
