"""A parameter or a local variable named like a module-level function is that variable inside its
function, not the function: `async def f(a, b): b(a)`, `for b in callables: b(a)` and `with cm as
b: b(a)` call what the code was given. Both commands resolve calls with the enclosing functions' and
lambdas' own names in mind, so `fix` neither awaits such a call nor rewrites the uses of its result as
an httpx response (it did both, and the function then raised TypeError). A default (`fetch=b`) is
read where the function is defined: it still names the module's `b`. Every rule on."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from both_commands import check_and_fix, function_source as _function

from awaitify import api

TEXT = '''\
import requests


def b(u):
    return requests.get(u, timeout=5)


async def f(a, b):
    r = b(a)
    return r.ok


async def through_a_lambda(items):
    return [x for x in map(lambda b: b.ok, items)]


async def g(u):
    r = b(u)
    return r.ok
'''

WITH_A_DEFAULT = TEXT + '''

async def k(a, fetch=b):
    return fetch(a).ok
'''

RUN = '''\
import asyncio, m
class Answer:
    ok = "passed through"
print(asyncio.run(m.f(1, lambda a: Answer())), asyncio.run(m.through_a_lambda([Answer()])))
'''


def test_the_parameter_is_left_alone_and_the_helper_still_fixed(tmp_path: Path) -> None:
    report, result = check_and_fix(tmp_path, TEXT)
    new = result.files[0].new.decode()
    assert _function(new, "f") == _function(TEXT, "f")  # no `await b(a)`, no `r.is_error`
    assert _function(new, "through_a_lambda") == _function(TEXT, "through_a_lambda")
    assert _function(new, "g") != _function(TEXT, "g")  # the module's `b` is still fixed where g calls it
    lines = TEXT.splitlines()
    assert [lines[f.line - 1].strip() for f in report.findings if f.code == "AW201"] == [
        "return requests.get(u, timeout=5)"]
    assert [[link.function for link in f.chain] for f in report.findings] == [["m.g"]]  # not through f


def test_a_default_still_names_the_module_function(tmp_path: Path) -> None:
    _, result = check_and_fix(tmp_path, WITH_A_DEFAULT)
    new = result.files[0].new.decode() if result.files else WITH_A_DEFAULT
    # `fetch=b` keeps a reference to `b`: it stays a sync function (offloaded where g calls it)
    assert "def b(u):" in new and "async def b(u):" not in new
    assert _function(new, "k") == _function(WITH_A_DEFAULT, "k")


def test_the_program_gives_what_it_gave(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "run.py").write_text(RUN, encoding="utf-8")
    (tmp_path / "m.py").write_text(TEXT, encoding="utf-8")

    def run() -> str:
        return subprocess.run([sys.executable, "run.py"], cwd=tmp_path, capture_output=True, text=True, check=True).stdout

    before = run()
    monkeypatch.chdir(tmp_path)
    check_and_fix(tmp_path, TEXT, write=True)
    assert (tmp_path / "m.py").read_text(encoding="utf-8") != TEXT
    assert run() == before == "passed through ['passed through']\n"
    report = api.check([tmp_path], config=str(tmp_path / "pyproject.toml"), cache=False, jobs=1)
    assert [(f.line, f.code) for f in report.findings if f.fixable] == []


ASYNC_HELPER = '''\
import requests


async def b(u):
    return requests.get(u, timeout=5)


async def f(a, b):
    r = await b(a)
    return r.ok


async def g(u):
    r = await b(u)
    return r.ok
'''


def test_the_returned_response_is_followed_into_callers_of_the_function_only(tmp_path: Path) -> None:
    """AW201 follows the httpx response `b` now returns into its callers (`r.ok` -> `not
    r.is_error`): `g`'s, not `f`'s, whose `b` is its parameter."""
    _, result = check_and_fix(tmp_path, ASYNC_HELPER)
    new = result.files[0].new.decode()
    assert _function(new, "f") == _function(ASYNC_HELPER, "f")
    assert "return (not r.is_error)" in _function(new, "g")


LOCALS = '''\
import requests


async def b(u):
    return requests.get(u, timeout=5)


async def bound_by_with(a, cm):
    with cm as b:
        r = await b(a)
    return r.ok


async def bound_by_for(a, callables):
    for b in callables:
        r = await b(a)
        return r.ok


async def bound_by_except(a):
    try:
        raise ValueError(a)
    except ValueError as b:
        return b.args


async def declared_global(u):
    global b
    r = await b(u)
    return r.ok
'''


def test_a_local_variable_is_left_alone_and_a_global_is_not(tmp_path: Path) -> None:
    _, result = check_and_fix(tmp_path, LOCALS)
    new = result.files[0].new.decode()
    for name in ("bound_by_with", "bound_by_for", "bound_by_except"):
        assert _function(new, name) == _function(LOCALS, name), name
    assert "return (not r.is_error)" in _function(new, "declared_global")  # `global b`: the module's `b`
