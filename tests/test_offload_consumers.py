"""A builtin that consumes a generator (or a lazy iterator) whole moves into the thread with it:
`sorted(rows())` -> `await asyncio.to_thread(sorted, rows())`. What else moves along must be safe
there too, or the offload is refused with a diagnostic (and `check` says it is not fixable):

- a `key=` function runs in the worker thread: only a builtin is known not to touch state bound to
  the loop's thread (`key=lambda k: conn.execute(...)` with a sqlite3 connection made on the loop);
- for a lazy iterator the called expression itself is evaluated in the thread, inside a lambda: one
  holding a call (`super().rows(p)`) would run it there, or fail (`super()` in a lambda).

Run with every rule; the original and the rewritten program are run and compared."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from inprocess_cli import cli_here  # noqa: F401  (a fixture)

KEYED = '''
import asyncio
import json
import os
import sqlite3
import threading

conn = sqlite3.connect(":memory:")
conn.execute("create table w (k, v)")
conn.execute("insert into w values ('a', 2), ('b', 1), ('C', 3)")
THREADS = []


def keys(path):
    os.path.exists(path)
    THREADS.append(threading.get_ident())
    yield "a"
    yield "b"
    yield "C"


async def by_weight():
    return sorted(keys("x"), key=lambda k: conn.execute("select v from w where k = ?", (k,)).fetchone()[0])


async def by_length():
    return sorted(keys("x"), key=len, reverse=True)


async def folded():
    return max(keys("x"), key=str.lower)


async def main():
    results = {}
    for name in ("by_weight", "by_length", "folded"):
        THREADS.clear()
        try:
            results[name] = await globals()[name]()
        except Exception as exc:
            results[name] = type(exc).__name__
        results[name + "_off_loop"] = THREADS != [threading.get_ident()]
    return results


print(json.dumps(asyncio.run(main())))
'''

SUPER = '''
import asyncio
import csv
import json
import os


class Base:
    def rows(self, path):
        os.path.exists(path)
        return csv.reader(open(path))


class Service(Base):
    async def rows_async(self, path):
        return list(super().rows(path))


with open("data.csv", "w") as fh:
    fh.write("a,b\\nc,d\\n")
try:
    print(json.dumps(asyncio.run(Service().rows_async("data.csv"))))
except Exception as exc:
    print(json.dumps(type(exc).__name__))
'''


def _run(tree: Path):
    proc = subprocess.run([sys.executable, "-W", "error::RuntimeWarning", "app.py"], cwd=tree, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def _fix(tree: Path, source: str, cli_here) -> tuple[object, object, str, str]:
    (tree / "app.py").write_text(textwrap.dedent(source).lstrip(), encoding="utf-8")
    before = _run(tree)
    code, _, err = cli_here("fix", "--write", "--allow-dirty", "--no-cache", ".", cwd=tree)
    assert code == 0, err
    return before, _run(tree), err, (tree / "app.py").read_text()


def test_a_key_function_that_is_not_a_builtin_keeps_the_consumer_on_the_loop(tmp_path: Path, cli_here) -> None:
    before, after, err, text = _fix(tmp_path, KEYED, cli_here)
    # moved into the thread, the key's sqlite3 connection (made on the loop) raised ProgrammingError
    assert before["by_weight"] == after["by_weight"] == ["b", "a", "C"]
    assert 'return sorted(keys("x"), key=lambda k:' in text
    assert "`keys()` is consumed whole by `sorted()`, but offloading that would run its `key=` function" in err
    # a builtin key is safe: those two are offloaded, and the generator's body runs off the loop
    assert "await asyncio.to_thread(sorted, keys(\"x\"), key=len, reverse=True)" in text
    assert "await asyncio.to_thread(max, keys(\"x\"), key=str.lower)" in text
    for name in ("by_length", "folded"):
        assert after[name] == before[name] and not before[f"{name}_off_loop"] and after[f"{name}_off_loop"], name
    assert not after["by_weight_off_loop"]


def test_check_says_a_key_function_makes_it_not_fixable(tmp_path: Path, cli_here) -> None:
    (tmp_path / "app.py").write_text(textwrap.dedent(KEYED).lstrip(), encoding="utf-8")
    code, out, err = cli_here("check", "--no-cache", ".", cwd=tmp_path)
    report = out.decode() + err
    assert "consumer's `key=` function would run in the worker thread" in report
    assert report.count("(reached from async `app.by_weight`)") == 1


def test_a_called_expression_holding_a_call_is_not_moved_into_the_thread(tmp_path: Path, cli_here) -> None:
    before, after, err, text = _fix(tmp_path, SUPER, cli_here)
    assert before == after == [["a", "b"], ["c", "d"]]  # in a lambda, super() raised RuntimeError
    assert "return list(super().rows(path))" in text
    assert "`super().rows()` returns a lazy iterator, and consuming it in a thread would evaluate" in err


@pytest.mark.parametrize("key", ["None", "len"])
def test_not_movable_knows_builtins_from_names_the_module_rebinds(key: str) -> None:
    import ast

    from awaitify.offload_refusals import not_movable

    consumer = ast.parse(f"sorted(rows(), key={key})").body[0].value
    assert not_movable(consumer, consumer.args[0], "generator", lambda name: False) is None
    assert not_movable(consumer, consumer.args[0], "generator", lambda name: name == key) == ("key" if key != "None" else None)
