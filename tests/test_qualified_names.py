"""`NameIndex` (awaitify.qualified_names) against libcst's scope analysis: wherever the index answers,
it gives exactly what `Scope.get_qualified_names_for` gives, for every Name, Attribute and Call of
the goldens, examples, test apps, a slice of the standard library and the scoping cases below."""

from __future__ import annotations

import sysconfig
import textwrap
from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import FunctionScope, MetadataWrapper, PositionProvider, ScopeProvider

from awaitify.qualified_names import NameIndex

ROOT = Path(__file__).resolve().parent.parent

CASES = {
    "global_nonlocal": """
        import time
        def f():
            global time
            time = None
            time.sleep(1)
        def g():
            sleep = 1
            def h():
                nonlocal sleep
                sleep(2)
        time.sleep(3)
    """,
    "class_scope": """
        import time
        from os import path
        class A:
            path = 1
            time.sleep(1)
            def m(self):
                path.exists(self)
                time.sleep(2)
        path.join("a")
    """,
    "comprehensions": """
        import time
        x = [time.sleep(i) for i in range(3)]
        y = {time: 1 for time in range(3)}
        z = (sleep(1) for sleep in [time.sleep])
        def f(rows):
            names = [k.decode() if isinstance(k, bytes) else k for k in rows if k]
            pairs = {a: b.upper() for a, b in rows for c in a if c.strip()}
            return [time.sleep(j) for j in range(2)], any(n.lower() for n in names), pairs
        class C:
            items = [x.y for x in range(2)]
        [[y.z for y in x] for x in ([],)]
    """,
    "deletion": """
        import time
        del time
        import os
        def f():
            os.getcwd()
            del os
    """,
    "star_import": """
        from time import *
        from os.path import *
        def f():
            sleep(1)
            exists("a")
    """,
    "parameters": """
        import time, requests
        def f(time, *args, requests=None, **kw):
            time.sleep(1)
            requests.get("u")
        async def g(x=time.sleep(1)):
            requests.get(x)
        h = lambda requests: requests.get("u")
    """,
    "aliases": """
        import a.b as c
        import os.path
        import xml.etree.ElementTree
        from . import sibling
        from .. import cousin as far
        from .pkg.mod import thing
        def f():
            c.d()
            c()
            os.path.exists("x")
            os.getcwd()
            xml.etree.ElementTree.parse("x")
            xml.dom.minidom.parse("y")
            sibling.run()
            far.away()
            thing.do()
    """,
    "conditional_imports": """
        import sys
        if sys.version_info >= (3, 11):
            import tomllib
        else:
            import tomli as tomllib
        try:
            import ujson as json
        except ImportError:
            import json
        def f():
            tomllib.loads("")
            json.dumps({})
    """,
    "module_level_reads": """
        x = input()
        from mod import input
        def f():
            return input()
        input()
        helper = open
        def open(p):
            return helper(p)
        open("a")
    """,
    "shadowing": """
        import time
        async def f():
            time.sleep(1)
            for time in range(3):
                pass
        def g():
            try:
                pass
            except Exception as open:
                open.close()
            with open("a") as fh:
                fh.read()
        match = 1
        def h(v):
            match v:
                case [print, *rest]:
                    print(rest)
                case {"a": 1, **kw}:
                    kw.get("a")
        total: int
        count = 0
        count += 1
        (walrus := print)
    """,
    "order": """
        import json
        print(json.dumps(1), later)
        later = open
        later("x")
        def f(session):
            session.get("u")
            client = session
            client.get("u")
            for item in client:
                item.close()
            with open("a") as fh:
                fh.read()
            import json
            json.loads("1")
            value = requests()
            requests = value
            return requests
        class K:
            pass
        def f():
            pass
        f(K())
        import os.path
        os.path.exists("x")
    """,
    "non_ascii": """
        import time
        def f():
            s = "héllo"; time.sleep(1); print("ü", s)
    """,
}


def _corpus() -> list[tuple[str, str]]:
    files = [path for folder in ("tests/golden", "examples", "tests/apps") for path in sorted((ROOT / folder).rglob("*.py"))]
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    files += sorted(stdlib.glob("[a-c]*.py"))[:40] + sorted((stdlib / "asyncio").glob("*.py"))[:10]
    out = []
    for path in files:
        try:
            out.append((str(path), path.read_text(encoding="utf-8")))
        except (UnicodeDecodeError, OSError):
            continue
    return out


def _compare(code: str) -> tuple[int, int]:
    """(nodes the index answered, nodes asked); asserts every answer is libcst's."""
    try:
        module = cst.parse_module(code)
    except cst.ParserSyntaxError:
        return 0, 0
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    positions = wrapper.resolve(PositionProvider)
    scopes = wrapper.resolve(ScopeProvider)
    index = NameIndex(code)
    answered = asked = 0
    for node, where in positions.items():
        if not isinstance(node, (cst.Name, cst.Attribute, cst.Call)):
            continue
        asked += 1
        found = index.answer(node, where)
        if found is None:
            continue
        answered += 1
        scope = scopes.get(node)
        expected = scope.get_qualified_names_for(node) if scope is not None else set()
        assert found == set(expected), (module.code_for_node(node), where, found, expected)
    global_scope = scopes.get(module)
    for name in ("asyncio", "trio", "anyio", "time", "os", "json", "requests", "tomllib", "c", "xml"):  # not builtins
        free = index.module_name_free(name)
        if free is not None and global_scope is not None:
            expected_free = name not in global_scope or all(
                isinstance(a.node, cst.Import) and any(alias.evaluated_name == name and alias.asname is None
                                                       for alias in a.node.names)
                for a in global_scope[name])
            assert free == expected_free, name
    if global_scope is not None:  # sync_db_client's question: which async defs read a module global
        for assignment in global_scope.assignments:
            if index.spelled_in_async_def(assignment.name):
                continue
            for access in assignment.references:
                inner = access.scope
                while inner is not None and inner is not global_scope:
                    assert not (isinstance(inner, FunctionScope) and isinstance(inner.node, cst.FunctionDef)
                                and inner.node.asynchronous is not None), assignment.name
                    inner = inner.parent
    for name in ("asynccontextmanager", "contextmanager", "asyncio", "json"):  # lifespan's question
        bound = index.module_binds_but_by_from_import(name)
        if bound is not None and global_scope is not None:
            assert bound == (name in global_scope and not all(
                isinstance(a.node, cst.ImportFrom) for a in global_scope[name])), name
    return answered, asked


@pytest.mark.parametrize("name", sorted(CASES))
def test_scoping_cases_match_libcst(name: str) -> None:
    _compare(textwrap.dedent(CASES[name]).lstrip())


def test_the_index_declines_where_scopes_decide() -> None:
    code = textwrap.dedent(CASES["parameters"]).lstrip()
    module = cst.parse_module(code)
    positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    index = NameIndex(code)
    answers: dict[str, list] = {}
    for node, where in positions.items():
        if isinstance(node, cst.Attribute):
            answers.setdefault(module.code_for_node(node), []).append(index.answer(node, where))
    assert answers["requests.get"] == [None, None, None]  # a lambda's parameter somewhere: the scopes decide
    assert {str(a) for a in answers["time.sleep"]} == {
        "{QualifiedName(name='f.<locals>.time.sleep', source=<QualifiedNameSource.LOCAL: 3>)}",
        "{QualifiedName(name='time.sleep', source=<QualifiedNameSource.IMPORT: 1>)}"}


@pytest.mark.slow
def test_every_corpus_answer_matches_libcst() -> None:
    answered = asked = 0
    for _, code in _corpus():
        done, total = _compare(code)
        answered, asked = answered + done, asked + total
    assert asked > 10000
    assert answered > asked // 3  # the index must answer most questions to be worth having


def test_goldens_match_libcst() -> None:
    answered = asked = 0
    for path in sorted((ROOT / "tests/golden").rglob("*.py")):
        done, total = _compare(path.read_text(encoding="utf-8"))
        answered, asked = answered + done, asked + total
    assert answered > asked // 3
