"""Property tests: generated modules never crash the engine, and what it writes is sound."""

from __future__ import annotations

import ast
import tempfile
import textwrap
from pathlib import Path

import hypothesmith
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from awaitify.config import Config
from awaitify.plan import FilePlan
from awaitify.rules import all_rules
from awaitify.runner import fix_file
from awaitify.source import read_source

RULES = all_rules()
TRIGGERS = [t for r in RULES for t in r.triggers]


def _fix(code: str | bytes):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "m.py"
        path.write_bytes(code if isinstance(code, bytes) else code.encode("utf-8"))
        return fix_file(read_source(path, "m.py"), RULES, Config(root=Path(tmp)), FilePlan())


def _check(code: str) -> None:
    result = _fix(code)
    if result.error is not None:  # the only allowed failure: input libcst cannot parse, left untouched
        assert result.new == result.old
        return
    ast.parse(result.new)
    assert _fix(result.new).new == result.new  # idempotent
    if not any(t in code for t in TRIGGERS):
        assert result.new == result.old


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(hypothesmith.from_grammar())
def test_generated_modules(code: str) -> None:
    _check(code)


STATEMENTS = st.sampled_from([
    "time.sleep(x)", "asyncio.run(job())", "await asyncio.run(job())", "y = [time.sleep(i) for i in range(2)]",
    "f = lambda: time.sleep(1)", "loop = asyncio.get_event_loop()", "loop.run_until_complete(job())",
    "asyncio.get_event_loop().run_until_complete(job()).x", "sleep(1)", "return time.sleep(0).y",
    "def inner():\n    time.sleep(1)", "g = (time.sleep(i) for i in range(2))", "nap(2)",
    "if x:\n    time.sleep(x)\nelse:\n    asyncio.run(job())",
])
IMPORTS = st.sampled_from(["import time", "import time as t", "from time import sleep", "from time import sleep as nap",
                           "import asyncio", "import asyncio as aio", "from asyncio import run"])


@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(IMPORTS, max_size=4), st.lists(STATEMENTS, min_size=1, max_size=6), st.booleans())
def test_trigger_patterns_in_async_functions(imports: list[str], body: list[str], is_async: bool) -> None:
    lines = "\n".join(body)
    code = "\n".join(imports) + "\n\n\n" + ("async " if is_async else "") + "def handler(x):\n" + textwrap.indent(lines, "    ") + "\n"
    _check(code)


def test_huge_and_deeply_nested_files_are_handled() -> None:
    huge = "import time\n\n\nasync def h():\n    time.sleep(1)\n" + "".join(f"x{i} = {i}\n" for i in range(3_000))
    result = _fix(huge)
    assert result.error is None and result.changed
    deep = "x = " + "(" * 400 + "1" + ")" * 400 + "\n" + "async def h():\n    time.sleep(1)\n"
    result = _fix("import time\n" + deep)
    assert result.new == result.old or result.error is None  # either fixed or refused, never a crash
