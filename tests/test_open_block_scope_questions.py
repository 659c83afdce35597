"""What AW507's fix asks of the function around a `with open(...) as f:` block (is the file read
after it? does the block bind again a name bound before it?) is read from the `ast` tree of the
file, with the functions `check`'s scan calls (awaitify.rules.blocking_open.bindings), not from
libcst's scope analysis. So both commands answer alike where the two analyses used to differ (a
nested scope with a name of its own spelled like the file's), and the fix resolves no libcst scope
for these questions. Every rule on."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from both_commands import check_and_fix, function_at, refusal_sets
from libcst.metadata.scope_provider import ScopeVisitor

from awaitify import api

USED_AFTER = "the `with open(...)` block's file object is used after the block"
REBINDS = "the `with open(...)` block assigns a name bound before it, which a helper run in a thread would make its own"

TEXT = '''\
import json


async def inner_function_has_its_own_f(path):
    with open(path) as f:
        data = json.load(f)

    def name_of(f):
        return f.name

    return data, name_of


async def lambda_has_its_own_f(path):
    with open(path) as f:
        data = json.load(f)
    return data, (lambda f: f.name)


async def comprehension_has_its_own_f(path, files):
    with open(path) as f:
        data = json.load(f)
    return data, [f.name for f in files]


async def nothing_after(path):
    with open(path) as f:
        data = json.load(f)
    return data


async def bound_before_in_a_nested_function_only(path):
    def helper():
        data = 0
        return data

    with open(path) as f:
        data = json.load(f)
    return data, helper()


async def bound_before(path):
    data = None
    with open(path) as f:
        data = json.load(f)
    return data
'''


def test_check_and_fix_give_the_same_reasons(tmp_path: Path) -> None:
    report, result = check_and_fix(tmp_path, TEXT)
    said, left = refusal_sets(report, result, "AW507")
    assert said == left
    lines = TEXT.splitlines()
    # a nested scope's own `f` counts as a read of the file's: where unsure, the block stays (it did
    # move before, while `check` said it stays)
    assert sorted((function_at(TEXT, line), why.partition(";")[0]) for line, _, why in left) == [
        ("bound_before", REBINDS),
        ("comprehension_has_its_own_f", USED_AFTER),
        ("inner_function_has_its_own_f", USED_AFTER),
        ("lambda_has_its_own_f", USED_AFTER),
    ]
    fixable = sorted(function_at(TEXT, f.line) for f in report.findings if f.code == "AW507" and f.fixable)
    assert fixable == ["bound_before_in_a_nested_function_only", "nothing_after"]
    changes = [c for file in result.files for c in file.changes if c.code == "AW507"]
    assert {function_at(TEXT, c.line) for c in changes} == {"bound_before_in_a_nested_function_only", "nothing_after"}
    assert all(lines[c.line - 1].strip().startswith("with open(") for c in changes)


def test_the_rewritten_program_returns_what_the_original_did(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "data.json").write_text('{"a": [1, 2]}', encoding="utf-8")
    runner = (
        "import asyncio, json, m\n"
        "class F:\n    name = 'other'\n"
        "async def main():\n"
        "    p = 'data.json'\n"
        "    data, name_of = await m.inner_function_has_its_own_f(p)\n"
        "    data2, name = await m.lambda_has_its_own_f(p)\n"
        "    out = [data, name_of(F()), data2, name(F()), await m.comprehension_has_its_own_f(p, [F()]),\n"
        "           await m.nothing_after(p), await m.bound_before_in_a_nested_function_only(p), await m.bound_before(p)]\n"
        "    print(json.dumps(out))\n"
        "asyncio.run(main())\n"
    )
    (tmp_path / "run.py").write_text(runner, encoding="utf-8")

    def run() -> str:
        done = subprocess.run([sys.executable, "run.py"], cwd=tmp_path, capture_output=True, text=True, check=True)
        return done.stdout

    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.py").write_text(TEXT, encoding="utf-8")
    before = run()
    check_and_fix(tmp_path, TEXT, write=True)
    assert (tmp_path / "m.py").read_text(encoding="utf-8") != TEXT  # (two blocks moved)
    assert run() == before
    report = api.check([tmp_path], config=str(tmp_path / "pyproject.toml"), cache=False, jobs=1)
    assert [(f.line, f.code) for f in report.findings if f.fixable] == []


def test_the_fix_resolves_no_libcst_scope_for_these_questions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file whose only work is `with open(...)` blocks: libcst's scope analysis (more than the rest
    of the rewrite cost on such files) is never run."""
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("libcst's scope analysis was run")

    monkeypatch.setattr(ScopeVisitor, "infer_accesses", refuse)
    (tmp_path / "pyproject.toml").write_text("[tool.awaitify]\n", encoding="utf-8")
    (tmp_path / "m.py").write_text(TEXT, encoding="utf-8")
    result = api.fix([tmp_path], config=str(tmp_path / "pyproject.toml"), cache=False, jobs=1)
    changes = [c for file in result.files for c in file.changes]
    assert {c.code for c in changes} == {"AW507"} and len(changes) == 2
