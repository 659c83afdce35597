"""A `with open(...) as f:` block whose file's name a later `with ... as f:` binds again: the reads
of `f` inside that later block are of the other file, so AW507's fix still moves the first block
(or leaves it for another reason, and says which). `check` reads the name the same way: it calls
the block fixable, or gives the fix's reason at the same line and column. Every rule on."""

from __future__ import annotations

from pathlib import Path

import pytest
from both_commands import check_and_fix, function_at, refusal_sets

from awaitify import api

TEXT = '''\
import json


async def reused(path, out):
    with open(path) as f:
        data = json.load(f)
    with open(out, "w") as f:
        json.dump(data, f)


async def reused_and_rebinds(path, out):
    data = None
    with open(path) as f:
        data = json.load(f)
    with open(out, "w") as f:
        json.dump(data, f)


async def read_after_the_later_block(path, out):
    with open(path) as f:
        data = json.load(f)
    with open(out, "w") as f:
        json.dump(data, f)
    return f.closed


async def read_between(path, out):
    with open(path) as f:
        data = json.load(f)
    print(f.name)
    with open(out, "w") as f:
        json.dump(data, f)
'''


def test_check_and_fix_agree_on_a_reused_file_name(tmp_path: Path) -> None:
    report, result = check_and_fix(tmp_path, TEXT)
    said, left = refusal_sets(report, result, "AW507")
    assert said == left
    lines = TEXT.splitlines()
    used_after = "the `with open(...)` block's file object is used after the block"
    rebinds = "the `with open(...)` block assigns a name bound before it, which a helper run in a thread would make its own"
    assert sorted((function_at(TEXT, line), lines[line - 1].strip(), why.partition(";")[0]) for line, _, why in left) == [
        ("read_after_the_later_block", "with open(out, \"w\") as f:", used_after),  # `return f.closed`
        ("read_after_the_later_block", "with open(path) as f:", used_after),
        ("read_between", "with open(path) as f:", used_after),
        ("reused_and_rebinds", "with open(path) as f:", rebinds),
    ]
    fixable = {f.line for f in report.findings if f.code == "AW507" and f.fixable}
    assert lines.index("    with open(path) as f:") + 1 in fixable  # `reused`'s first block moves


def test_nothing_is_left_fixable_after_the_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    check_and_fix(tmp_path, TEXT, write=True)
    report = api.check([tmp_path], config=str(tmp_path / "pyproject.toml"), cache=False, jobs=1)
    assert [(f.line, f.code) for f in report.findings if f.fixable] == []
