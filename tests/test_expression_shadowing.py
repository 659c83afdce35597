"""Names bound where test_parameter_shadowing's statements do not bind them: a comprehension's
variable (`[b(a) for b in fs]`: the comprehension's own, seen nowhere else), a walrus target (`(b :=
pick())` binds `b` in the function, from a comprehension too) and a `match` capture (`case b:`,
`[b, *rest]`, `{"k": b}`, `Box(b=b)`, `... as b`). There `b(a)` calls what the code was given, not
the module's `b`: neither command draws a chain through it, `fix` leaves those functions byte for
byte, and AW201 follows the response a converted `b` returns into its real callers only (it refused,
saying `b` was used as a value). Every rule on."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from both_commands import check_and_fix
from both_commands import function_source as _function

CALLERS = '''

class Box:
    __match_args__ = ("b",)

    def __init__(self, b):
        self.b = b


async def comprehension(a, fs):
    return [b(a).ok for b in fs]


async def set_and_dict(a, fs):
    return sorted({b(a).ok for b in fs}), list({b: b(a).ok for b in fs}.values())


async def generator(a, fs):
    return list(b(a).ok for b in fs)


async def first_iterable_is_outside(a, fs):
    return [b.ok for b in [f(a) for f in fs]]


async def walrus(a, fs):
    if (b := fs[0]):
        r = b(a)
        return r.ok


async def walrus_in_a_comprehension(a, fs):
    [(b := f) for f in fs]
    return b(a).ok


async def match_capture(a, x):
    match x:
        case b:
            return b(a).ok


async def match_sequence(a, x):
    match x:
        case [b, *rest]:
            return b(a).ok


async def match_mapping(a, x):
    match x:
        case {"k": b, **rest}:
            return b(a).ok


async def match_class(a, x):
    match x:
        case Box(b=b):
            return b(a).ok


async def match_as(a, x):
    match x:
        case [_] as b:
            return len(b)
'''

SHADOWED = ["comprehension", "set_and_dict", "generator", "first_iterable_is_outside", "walrus",
            "walrus_in_a_comprehension", "match_capture", "match_sequence", "match_mapping", "match_class", "match_as"]

SYNC_HELPER = '''\
import requests


def b(u):
    return requests.get(u, timeout=5)
''' + CALLERS + '''

async def g(u):
    r = b(u)
    return r.ok
'''

ASYNC_HELPER = SYNC_HELPER.replace("def b(u):", "async def b(u):").replace("    r = b(u)", "    r = await b(u)")

# each shadowed function's call in a program, with what it is given (a callable answering `.ok`)
CALLS = {"comprehension": "(1, [given])", "set_and_dict": "(1, [given])", "generator": "(1, [given])",
         "first_iterable_is_outside": "(1, [given])", "walrus": "(1, [given])", "walrus_in_a_comprehension": "(1, [given])",
         "match_capture": "(1, given)", "match_sequence": "(1, [given, 2])", "match_mapping": '(1, {"k": given})',
         "match_class": "(1, m.Box(given))", "match_as": "(1, [7])"}

RUN = '''\
import asyncio, m
class Answer:
    ok = "passed through"
given = lambda a: Answer()
print(asyncio.run(m.{name}{args}))
'''


def test_a_sync_helper_is_reached_from_its_real_caller_only(tmp_path: Path) -> None:
    report, result = check_and_fix(tmp_path, SYNC_HELPER)
    new = result.files[0].new.decode()
    for name in SHADOWED:
        assert _function(new, name) == _function(SYNC_HELPER, name), name
    assert _function(new, "g") != _function(SYNC_HELPER, "g")  # the module's `b` is still fixed where g calls it
    assert [[link.function for link in f.chain] for f in report.findings] == [["m.g"]]
    assert [f.fixable for f in report.findings] == [True] and result.diagnostics == ()


def test_the_response_is_followed_into_the_real_callers_only(tmp_path: Path) -> None:
    """AW201 converts `b` and follows its response into g (`r.ok` -> `not r.is_error`); it refused
    before, taking the comprehension's `b` for the module's used as a value."""
    _, result = check_and_fix(tmp_path, ASYNC_HELPER)
    new = result.files[0].new.decode()
    for name in SHADOWED:
        assert _function(new, name) == _function(ASYNC_HELPER, name), name
    assert "return (not r.is_error)" in _function(new, "g")
    assert result.diagnostics == ()


def _alone(text: str, name: str) -> str:
    """`text` with `name` the only shadowed function (with `Box`, the helper `b` and its caller `g`):
    on its own, no other use of `b` makes the fix refuse the helper."""
    others = [_function(text, other) for other in SHADOWED if other != name]
    for other in others:
        text = text.replace(other + "\n\n\n", "")
    return text


@pytest.mark.parametrize("name", SHADOWED)
def test_the_program_gives_what_it_gave(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Each shadowed function alone beside the helper: the fix makes `b` async and converts it (it
    awaited the given `b` in the function too, whose result has no `is_error`, or is no coroutine)."""
    text = _alone(SYNC_HELPER, name)
    (tmp_path / "run.py").write_text(RUN.format(name=name, args=CALLS[name]), encoding="utf-8")
    (tmp_path / "m.py").write_text(text, encoding="utf-8")

    def run() -> str:
        done = subprocess.run([sys.executable, "run.py"], cwd=tmp_path, capture_output=True, text=True, check=False)
        return done.stdout + done.stderr.strip().rpartition("\n")[2]

    before = run()
    monkeypatch.chdir(tmp_path)
    check_and_fix(tmp_path, text, write=True)
    new = (tmp_path / "m.py").read_text(encoding="utf-8")
    assert _function(new, "g") != _function(text, "g")
    assert run() == before and "Error" not in before
    assert _function(new, name) == _function(text, name)


FIRST_ITERABLE = '''\
import requests


def b(u):
    return requests.get(u, timeout=5)


async def f(u):
    return [r.ok for r in [b(u)]] + [x for x in b(u).json()]
'''


def test_a_comprehension_s_first_iterable_calls_the_module_function(tmp_path: Path) -> None:
    """`[... for r in [b(u)]]`: the first iterable is read where the comprehension stands, before
    any of its names exist: that `b` is the module's."""
    report, _ = check_and_fix(tmp_path, FIRST_ITERABLE)
    assert [[link.function for link in f.chain] for f in report.findings] == [["m.f"]]
