"""A decorator, and a parameter's default, are evaluated where the `def` stands, not in the
function: at module level they run at import (no `await` may go there), inside async code they run on
the loop like the code around them. check and fix read them alike, and fix keeps what they do."""

from __future__ import annotations

import asyncio
from pathlib import Path

from both_commands import check_and_fix

MODULE_LEVEL = """\
import time


def deco(value):
    def wrap(fn):
        fn.marked = value
        return fn
    return wrap


@deco(time.sleep(0))
async def handler(x=time.sleep(0)):
    time.sleep(0.01)
    return x


async def other(z=lambda: time.sleep(0)):
    time.sleep(0.01)
    return z()
"""

NESTED = """\
import time


def deco(value):
    def wrap(fn):
        fn.marked = value
        return fn
    return wrap


async def outer():
    @deco(time.sleep(0))
    async def inner(x=time.sleep(0)):
        time.sleep(0.01)
        return x
    make = lambda y=time.sleep(0): y
    return await inner(), inner.marked, make()
"""


def _run(text: str, call: str) -> object:
    space: dict = {}
    exec(compile(text, "m.py", "exec"), space)  # noqa: S102 - the test's own module
    return asyncio.run(eval(call, space))  # noqa: S307


def test_module_level_decorators_and_defaults_stay(tmp_path: Path) -> None:
    """Before: fix wrote `await` into the decorator and the default, the result did not compile, and
    the whole file was skipped as an internal error while check called its sleeps fixable."""
    report, result = check_and_fix(tmp_path, MODULE_LEVEL)
    assert [(f.line, f.fixable) for f in report.findings if f.code == "AW101"] == [(13, True), (18, True)]
    assert not result.skipped and not result.diagnostics
    (fixed,) = result.files
    new = fixed.new.decode()
    assert "@deco(time.sleep(0))\nasync def handler(x=time.sleep(0)):\n    await asyncio.sleep(0.01)" in new
    assert "async def other(z=lambda: time.sleep(0)):\n    await asyncio.sleep(0.01)" in new
    assert _run(MODULE_LEVEL, "handler()") == _run(new, "handler()") is None
    assert _run(MODULE_LEVEL, "other()") == _run(new, "other()") is None


def test_inside_async_code_they_are_awaited_and_a_lambda_default_refused(tmp_path: Path) -> None:
    report, result = check_and_fix(tmp_path, NESTED)
    findings = {f.line: f.fixable for f in report.findings if f.code == "AW101"}
    assert findings == {12: True, 13: True, 14: True, 16: False}
    assert [d.line for d in result.diagnostics if d.code == "AW101"] == [16]
    (fixed,) = result.files
    new = fixed.new.decode()
    assert "    @deco(await asyncio.sleep(0))\n    async def inner(x=await asyncio.sleep(0)):" in new
    assert "make = lambda y=time.sleep(0): y" in new
    assert _run(NESTED, "outer()") == _run(new, "outer()") == (None, None, None)


CLIENTS = """\
import redis
import requests


def deco(*values):
    return lambda fn: fn


async def sync_inner(url):
    def inner(c=redis.Redis(), s=requests.Session(), r=requests.get(url, timeout=5)):
        return c, s, r
    return inner


async def async_inner(url):
    async def inner(*, c=redis.Redis(), s=requests.Session(), r=requests.get(url, timeout=5)):
        return c, s, r
    return inner


async def decorated(url):
    @deco(redis.Redis(), requests.Session(), requests.get(url, timeout=5))
    def inner():
        return 1
    return inner
"""


def test_clients_and_requests_there_are_left_by_both_commands_with_one_reason(tmp_path: Path) -> None:
    """A redis client, a requests session or a request made in a nested def's default or decorator runs
    in the async function, but no statement of it holds the call: the fix leaves each, saying why (it
    said nothing of the sync def's, and left its request that check called fixable); check gives the
    same code and reason at the same place."""
    report, result = check_and_fix(tmp_path, CLIENTS)
    said = {(f.line, f.column, f.code, f.message.partition("; not fixed: ")[2]) for f in report.findings}
    left = {(d.line, d.column, d.code, d.message.partition("not rewritten: ")[2].partition(". Manual fix:")[0])
            for d in result.diagnostics}
    assert said == left and len(left) == 9 and not result.files
    assert {(code, reason) for _, _, code, reason in left} == {
        ("AW512", "the client is not bound to a local name (it is passed on, returned, stored or chained)"),
        ("AW514", "it stands in a decorator or default of a function defined in async code"),
        ("AW201", "it stands in a decorator or default of a function defined in async code")}


ANNOTATIONS = """\
import time


async def returns() -> time.sleep(0):
    time.sleep(0.01)


async def parameter():
    def inner(x: time.sleep(0) = 3):
        return x
    time.sleep(0.01)
    return inner()


async def local():
    y: time.sleep(0) = 3
    time.sleep(0.01)
    return y
"""


def test_annotations_are_left_and_the_rest_of_the_file_fixed(tmp_path: Path) -> None:
    """An `await` in an annotation does not compile at module level (a def's return), nor anywhere
    under `from __future__ import annotations`; a local variable's annotation never runs. The fix
    wrote one into each, the file did not compile and was skipped whole, while check called the
    local annotation's sleep fixable: now neither touches an annotation."""
    report, result = check_and_fix(tmp_path, ANNOTATIONS)
    assert [(f.line, f.fixable) for f in report.findings] == [(5, True), (11, True), (17, True)]
    assert not result.skipped and not result.diagnostics
    (fixed,) = result.files
    new = fixed.new.decode()
    assert new.count("await asyncio.sleep(0.01)") == 3 and new.count("time.sleep(0)") == 3
    assert _run(new, "returns()") is None and _run(new, "parameter()") == 3 and _run(new, "local()") == 3
    future = "from __future__ import annotations\n" + ANNOTATIONS
    _, result = check_and_fix(tmp_path, future)
    assert not result.skipped and result.files[0].new.decode().count("await asyncio.sleep(0.01)") == 3
