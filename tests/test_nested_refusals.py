"""A blocking call in a lambda or a generator expression inside async code, for every rule whose fix
changes such a call elsewhere in async code: what `fix` leaves there with a diagnostic, `check`
reports not fixable, at the same line and column, with the same reason ("...; not fixed: <reason>",
the reason `fix` words its diagnostic with); and neither says anything of a call in a lambda handed
to a thread. All rules on."""

from __future__ import annotations

from pathlib import Path

import pytest

from awaitify import api
from awaitify.nested_calls import AWAIT_CANNOT_GO, OFFLOAD_BY_HAND, REWRITE_BY_HAND

# each nested spelling of one call ({c}) inside async code: (the module's text, is it refused?)
SHAPES = '''
async def in_genexp(xs):
    return [y for y in ({c} for x in xs)]


async def in_lambda(xs):
    g = lambda: {c}
    return g()


async def handed(xs):
    return await asyncio.to_thread(lambda: {c})


async def genexp_in_lambda(xs):
    g = lambda: list({c} for x in xs)
    return g()


async def genexp_in_def(xs):
    def inner():
        return list({c} for x in xs)
    return inner()


async def lambda_in_genexp(xs):
    return [g() for g in ((lambda: {c}) for x in xs)]


async def lambda_default(xs):
    g = lambda a={c}: a
    return g()
'''
EVERY = ("in_genexp", "in_lambda", "genexp_in_lambda", "genexp_in_def", "lambda_in_genexp", "lambda_default")
GENEXPS = ("in_genexp", "genexp_in_lambda", "genexp_in_def")

# (imports, the call, where fix refuses it, why)
CASES = {
    "AW101": ("import time", "time.sleep(1)", EVERY, AWAIT_CANNOT_GO),
    "AW103": ("import mycorp", "mycorp.render(x)", EVERY, REWRITE_BY_HAND),
    "AW201": ("import requests", "requests.get(x)", EVERY, REWRITE_BY_HAND),
    "AW501": ("import httpx", "httpx.get(x)", GENEXPS, OFFLOAD_BY_HAND),
    "AW505": ("import subprocess", "subprocess.run(x)", GENEXPS, OFFLOAD_BY_HAND),
    "AW506": ("import os", "os.waitpid(x, 0)", GENEXPS, OFFLOAD_BY_HAND),
    "AW507": ("from pathlib import Path", "Path(x).read_text()", GENEXPS, OFFLOAD_BY_HAND),
    "AW510": ("import os", "os.path.exists(x)", GENEXPS, OFFLOAD_BY_HAND),
    "AW511": ("", "input(x)", GENEXPS, OFFLOAD_BY_HAND),
    "AW515": ("import shutil", "shutil.copy(x, 'b')", GENEXPS, OFFLOAD_BY_HAND),
}


def _line_of(text: str, function: str) -> int:
    return text.splitlines().index(next(line for line in text.splitlines() if f"def {function}(" in line)) + 1


@pytest.mark.parametrize("code", sorted(CASES))
def test_check_reports_each_nested_call_fix_leaves_with_its_reason(tmp_path: Path, code: str) -> None:
    imports, call, refused_in, reason = CASES[code]
    text = f"import asyncio\n{imports}\n{SHAPES.format(c=call)}"
    (tmp_path / "pyproject.toml").write_text('[tool.awaitify]\n[tool.awaitify.blocking-calls]\n"mycorp.render" = "offload"\n',
                                             encoding="utf-8")
    (tmp_path / "m.py").write_text(text, encoding="utf-8")
    config = str(tmp_path / "pyproject.toml")
    report = api.check([tmp_path], config=config, cache=False, jobs=1)
    result = api.fix([tmp_path], config=config, cache=False, jobs=1)

    said = {(f.line, f.column): f.message.partition("; not fixed: ")[2] for f in report.findings if f.code == code}
    left = {(d.line, d.column): d.message for d in result.diagnostics if d.code == code}
    assert said.keys() == left.keys()
    assert all(message.endswith(f", but {said[at]}") for at, message in left.items())
    assert not any(f.fixable for f in report.findings if f.code == code)
    assert not result.files
    # one per refused shape, in the function of that name; none in the lambda handed to a thread
    lines = sorted(line for line, _ in said)
    assert lines == sorted(_line_of(text, name) + (2 if name == "genexp_in_def" else 1) for name in refused_in)
    assert reason in said.values() and set(said.values()) == {reason}
