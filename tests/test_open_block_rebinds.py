"""A `with open(...)` block that assigns a name the function bound before it is left on the loop by
AW507's fix (a helper would make the name its own). What counts as "bound before" and "assigned in
the block" is libcst's scope analysis: `except ... as e`, an import, a nested `def`/`class` name
bind in the function; a comprehension's or a nested function's own names do not. `check` reads the
same, so it gives the fix's reason at the same place, or calls the block fixable. Every rule on."""

from __future__ import annotations

from pathlib import Path

import pytest
from both_commands import check_and_fix, function_at, refusal_sets

from awaitify import api

TEXT = '''\
import json


async def comprehension_before(path, rows):
    names = [data for data in rows]
    with open(path) as f:
        data = json.load(f)
    return data, names


async def nested_def_before(path):
    def helper():
        data = 1
        return data
    with open(path) as f:
        data = json.load(f)
    return data, helper


async def except_as_before(path):
    try:
        pass
    except ValueError as data:
        print(data)
    with open(path) as f:
        data = json.load(f)
    return data


async def except_as_in_both(path, fetch):
    try:
        await fetch()
    except Exception as e:
        print(e)
    with open(path) as f:
        try:
            data = json.load(f)
        except ValueError as e:
            data = str(e)
    return data


async def import_before(path):
    import os as data
    with open(path) as f:
        data = json.load(f)
    return data


async def class_before(path):
    class data:
        pass
    with open(path) as f:
        data = json.load(f)
    return data


async def comprehension_in_the_block(path, x):
    x = 0
    with open(path) as f:
        rows = [x for x in f]
    return rows, x


async def walrus_in_a_comprehension_before(path, rows):
    kept = [y for row in rows if (data := row)]
    with open(path) as f:
        data = json.load(f)
    return data, kept
'''

REBINDS = "the `with open(...)` block assigns a name bound before it, which a helper run in a thread would make its own"


def test_check_and_fix_agree_on_what_a_block_rebinds(tmp_path: Path) -> None:
    report, result = check_and_fix(tmp_path, TEXT)
    said, left = refusal_sets(report, result, "AW507")
    assert said == left
    assert sorted((function_at(TEXT, line), why.partition(";")[0]) for line, _, why in left) == [
        ("class_before", REBINDS), ("except_as_before", REBINDS), ("except_as_in_both", REBINDS),
        ("import_before", REBINDS)]


def test_nothing_is_left_fixable_after_the_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    check_and_fix(tmp_path, TEXT, write=True)
    report = api.check([tmp_path], config=str(tmp_path / "pyproject.toml"), cache=False, jobs=1)
    assert [(f.line, f.code) for f in report.findings if f.fixable] == []
