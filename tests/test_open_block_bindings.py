"""AW507 moves a `with open(...)` block into a helper run in a thread, and refuses a block that may
leave unbound a name read after it. `check` reads the same question with `ast`
(awaitify.audit.block_bindings): in every case its fixable flag for the block's `open()` equals
whether `fix` moved the block."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from both_commands import check_and_fix

BLOCKS = {
    "loop, read after": ("for line in f:\n            last = line\n", "return last", False),
    "loop, not read after": ("for line in f:\n            last = line\n", "return 1", True),
    "plain, read after": ("last = f.read()\n", "return last", True),
    "if without else": ("if path:\n            last = f.read()\n", "return last", False),
    "if and else": ("if path:\n            last = f.read()\n        else:\n            last = ''\n", "return last", True),
    "else raises": ("if path:\n            last = f.read()\n        else:\n            raise ValueError(path)\n",
                    "return last", True),
    "try": ("try:\n            last = f.read()\n        except OSError:\n            pass\n", "return last", False),
    "nested with": ("with open(path + '.2') as g:\n            last = g.read()\n", "return last", True),
    "annotated": ("last: str = f.read()\n", "return last", True),
    "tuple target": ("first, last = f.read(), 1\n", "return first, last", True),
    "locals()": ("for line in f:\n            last = line\n", "return locals()", False),
    "attribute of the same name": ("for line in f:\n            last = line\n", "return path.last", False),
}


@pytest.mark.parametrize("case", BLOCKS, ids=list(BLOCKS))
def test_check_calls_fixable_exactly_the_blocks_fix_moves(case: str, tmp_path: Path) -> None:
    body, after, moved = BLOCKS[case]
    text = f"async def read(path):\n    with open(path) as f:\n        {body}    {after}\n"
    report, result = check_and_fix(tmp_path, text)
    [opened] = [f for f in report.findings if f.code == "AW507" and f.line == 2]
    changed = any(c.code == "AW507" for f in result.files for c in f.changes)
    assert changed == moved, "the case no longer tests what it says"
    assert opened.fixable == changed


INNER_WORK = {
    "a nested with open": ("with open(path + '.2') as g:\n            second = g.read()\n", "second"),
    "a Path read": ("second = Path(path + '.2').read_text()\n", "second"),
    "an open() call": ("second = open(path + '.2').read()\n", "second"),
}


@pytest.mark.parametrize("case", INNER_WORK, ids=list(INNER_WORK))
def test_blocking_work_inside_a_moving_block_moves_with_it(case: str, tmp_path: Path, monkeypatch) -> None:
    """The block moves to the thread whole; what blocks inside it goes along (offloaded on its
    own, its `await` would land in the sync helper: a file the fix could not write)."""
    monkeypatch.chdir(tmp_path)  # the tree `--write` may write in
    inner, name = INNER_WORK[case]
    text = ("from pathlib import Path\n\n\nasync def read(path):\n    with open(path) as f:\n"
            f"        first = f.read()\n        {inner}    return first, {name}\n")
    report, result = check_and_fix(tmp_path, text, write=True)
    assert not result.skipped and not result.diagnostics
    new = (tmp_path / "m.py").read_text(encoding="utf-8")
    assert "await asyncio.to_thread(_file_io)" in new and new.count("to_thread") == 1
    assert all(f.fixable for f in report.findings)
    (tmp_path / "data").write_text("one", encoding="utf-8")
    (tmp_path / "data.2").write_text("two", encoding="utf-8")
    for source in (text, new):  # the original and the rewrite give the same answer
        namespace: dict = {}
        exec(compile(source, "m.py", "exec"), namespace)
        assert asyncio.run(namespace["read"](str(tmp_path / "data"))) == ("one", "two")


REFUSED = {
    "an await": ("async def read(path, fetch):\n    with open(path, 'w') as f:\n        f.write(await fetch())\n",
                 "cannot move into a helper run in a thread (`await` in the block)"),
    "a sleep the sleep rule awaits": ("import time\n\n\nasync def read(path):\n    with open(path) as f:\n"
                                      "        time.sleep(1)\n        return f.read()\n", "(`await` in the block)"),
    "the file used after": ("async def read(path):\n    with open(path) as f:\n        first = f.read()\n"
                            "    f.close()\n    return first\n", "file object is used after the block"),
    "a subprocess run offloaded first": ("import subprocess\n\n\nasync def read(path):\n    with open(path) as f:\n"
                                         "        subprocess.run(['true'])\n        return f.read()\n",
                                         "(`await` in the block)"),
    "a name bound before": ("async def read(path):\n    data = ''\n    with open(path) as f:\n        data = f.read()\n"
                            "    return data\n", "assigns a name bound before it"),
}


@pytest.mark.parametrize("case", REFUSED, ids=list(REFUSED))
def test_a_block_left_on_the_loop_is_said(case: str, tmp_path: Path) -> None:
    """check reports the block's `open()`, so fix says why it leaves it: never silently."""
    text, why = REFUSED[case]
    report, result = check_and_fix(tmp_path, text)
    line = next(n for n, source in enumerate(text.splitlines(), 1) if "with open" in source)
    assert [f.fixable for f in report.findings if f.code == "AW507" and f.line == line] == [False]
    assert [(d.line, d.code) for d in result.diagnostics if d.code == "AW507"] == [(line, "AW507")]
    assert why in next(d.message for d in result.diagnostics if d.code == "AW507")
    assert not any(c.code == "AW507" for f in result.files for c in f.changes)
