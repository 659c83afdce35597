"""Every reason AW507's fix gives for leaving a `with open(...)` block on the loop, `check` gives for
the block's `open()`: at the same line and column (the `open()` call), not fixable, with the fix's
words as its reason ("...; not fixed: <reason>"). All rules on."""

from __future__ import annotations

from pathlib import Path

from both_commands import check_and_fix

BLOCKS = '''\
import time


async def awaits(path, fetch):
    with open(path, "w") as f:
        f.write(await fetch())


async def returns(path):
    with open(path) as f:
        return f.read()


async def deletes(path, cache):
    with open(path) as f:
        for line in f:
            if not line:
                break
        del cache[path]


async def used_after(path):
    with open(path) as f:
        first = f.read()
    f.close()
    return first


async def bound_before(path):
    data = ""
    with open(path) as f:
        data = f.read()
    return data


async def unbound(path):
    with open(path) as f:
        for line in f:
            last = line
            first = line
    return last, first


async def a_sleep_the_sleep_fix_awaits(path):
    with open(path) as f:
        time.sleep(1)
        return f.read()


async def augmented(path):
    n = 0
    with open(path) as f:
        n += len(f.read())
    return n


async def awaits_in_a_comprehension(path, fetch, keys):
    with open(path) as f:
        got = [await fetch(k) for k in keys]
        data = f.read()
    return got, data


async def moved(path):
    with open(path) as f:
        data = f.read()
    return data
'''


def test_check_gives_each_reason_fix_leaves_a_block_for(tmp_path: Path) -> None:
    report, result = check_and_fix(tmp_path, BLOCKS)
    said = {(f.line, f.column): f.message.partition("; not fixed: ")[2] for f in report.findings
            if f.code == "AW507" and not f.fixable}
    left = {(d.line, d.column): d.message for d in result.diagnostics if d.code == "AW507"}
    assert said == left
    lines = BLOCKS.splitlines()
    assert sorted(line for line, _ in left) == [n for n, text in enumerate(lines, 1) if "with open" in text][:-1]
    assert all(lines[line - 1].index("open(") + 1 == column for line, column in left)
    assert [f.fixable for f in report.findings if f.code == "AW507"][-1]  # the block that moves
    reasons = sorted(left.values())
    assert [r.partition(" (")[0].partition(";")[0] for r in reasons] == sorted([
        "the `with open(...)` block cannot move into a helper run in a thread"] * 6 + [
        "the `with open(...)` block's file object is used after the block",
        "the `with open(...)` block assigns a name bound before it, which a helper run in a thread would make its own",
        "the `with open(...)` block may leave `first`, `last` unbound"])
    assert {r.partition("thread (")[2].partition("); ")[0] for r in reasons if "cannot move" in r} == {
        "`await` in the block", "`return` in the block", "`break` in the block", "`n` is updated in place"}
