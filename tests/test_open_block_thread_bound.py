"""A `with open(...)` block AW507's fix leaves on the loop because it uses state bound to the loop's
thread (awaitify.thread_bound: a sqlite3 connection or cursor, a threading.local, a context variable
it sets, an asyncio object, what `thread-bound` lists; here or imported from a project module):
`check` says so at the block's `open()`, not fixable, with the fix's words; what only the block's
move would fix (its file object's reads) is not fixable either. After `fix --write`, `check` finds
nothing fixable. Every rule on."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from both_commands import function_at

from awaitify import api

DB = '''\
import sqlite3

conn = sqlite3.connect(":memory:")
cache = {}
'''

APP = '''\
import asyncio
import contextvars
import sqlite3
import threading
import time
from asyncio import get_running_loop

import db
from db import cache, conn as imported

conn = sqlite3.connect(":memory:")
cur = conn.cursor()
shared = sqlite3.connect(":memory:", check_same_thread=False)
local = threading.local()
var = contextvars.ContextVar("var")
queue = asyncio.Queue()
listed = {}


class State(threading.local):
    pass


state = State()


async def module_connection(path):
    with open(path) as f:
        conn.execute(f.read())


async def imported_connection(path):
    with open(path) as f:
        imported.execute(f.read())


async def module_attribute(path):
    with open(path) as f:
        db.conn.execute(f.read())


async def module_cursor(path):
    with open(path) as f:
        cur.execute(f.read())


async def own_connection(path, name):
    mine = sqlite3.connect(name)
    with open(path) as f:
        mine.execute(f.read())


async def any_thread(path):
    with open(path) as f:
        shared.execute(f.read())


async def thread_local(path):
    with open(path) as f:
        local.text = f.read()


async def local_subclass(path):
    with open(path) as f:
        state.text = f.read()


async def sets_a_context_variable(path):
    with open(path) as f:
        var.set(f.read())


async def reads_a_context_variable(path):
    with open(path) as f:
        data = f.read() + var.get()
    return data


async def asyncio_object(path):
    with open(path) as f:
        queue.put_nowait(f.read())


async def configured(path):
    with open(path) as f:
        cache[path] = f.read()


async def listed_here(path):
    with open(path) as f:
        listed[path] = f.read()


async def makes_a_task(path, work):
    with open(path) as f:
        task = asyncio.create_task(work(f.read()))
    return await task


async def gets_the_running_loop(path):
    with open(path) as f:
        loop = get_running_loop()
        data = f.read()
    return loop, data


async def two_bound_names(path):
    with open(path) as f:
        local.text = f.read()
        conn.execute(local.text)


async def may_leave_unbound_too(path):
    with open(path) as f:
        for line in f:
            last = line
            conn.execute(line)
    return last


async def awaits_first(path):
    with open(path) as f:
        time.sleep(1)
        conn.execute(f.read())


async def keyword_named_like_a_connection(path, run):
    with open(path) as f:
        run(conn=f.read())


async def outer_uses_it_inner_moves(path, other):
    with open(path) as f:
        conn.execute(f.read())
        with open(other) as g:
            data = g.read()
    return data


async def inner_uses_it(path, other):
    with open(path) as f:
        first = f.read()
        with open(other) as g:
            conn.execute(g.read())
    return first


class Repository:
    def __init__(self):
        self.conn = sqlite3.connect(":memory:")
        self.cur = self.conn.cursor()

    async def keeps_its_connection(self, path):
        with open(path) as f:
            self.conn.execute(f.read())


class Child(Repository):
    async def inherited_cursor(self, path):
        with open(path) as f:
            self.cur.execute(f.read())


async def clean(path):
    with open(path) as f:
        data = f.read()
    return data
'''

CONFIG = '[tool.awaitify]\nthread-bound = ["db.cache", "app.listed"]\n'


def _reasons_and_fixable(tmp_path: Path) -> tuple[api.Report, api.FixResult]:
    (tmp_path / "pyproject.toml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "db.py").write_text(DB, encoding="utf-8")
    (tmp_path / "app.py").write_text(APP, encoding="utf-8")
    config = str(tmp_path / "pyproject.toml")
    return (api.check([tmp_path], config=config, cache=False, jobs=1),
            api.fix([tmp_path], config=config, cache=False, jobs=1))


def _line(text: str) -> int:
    return APP.splitlines().index(text) + 1


def test_check_gives_the_fix_s_thread_bound_refusals(tmp_path: Path) -> None:
    report, result = _reasons_and_fixable(tmp_path)
    said = {(f.line, f.column, f.code, f.message.partition("; not fixed: ")[2]) for f in report.findings
            if f.code == "AW507" and not f.fixable}
    left = {(d.line, d.column, d.code, d.message) for d in result.diagnostics}
    assert said == left
    uses = {function_at(APP, line): message.partition("block uses ")[2].partition(", bound to")[0]
            for line, _, _, message in left}
    assert uses == {
        "module_connection": "`conn` (a sqlite3 connection)",
        "imported_connection": "`imported` (a sqlite3 connection)",
        "module_attribute": "`db.conn` (a sqlite3 connection)",
        "module_cursor": "`cur` (a sqlite3 connection)",
        "own_connection": "`mine` (a sqlite3 connection)",
        "thread_local": "`local` (a threading.local)",
        "local_subclass": "`state` (a threading.local)",
        "sets_a_context_variable": "`var` (a context variable it sets)",
        "asyncio_object": "`queue` (an asyncio object, not thread-safe)",
        "configured": "`db.cache` (listed in `thread-bound`)",
        "listed_here": "`listed` (listed in `thread-bound`)",  # a module-level object of its own module
        "two_bound_names": "`conn` (a sqlite3 connection)",  # the first name in alphabetical order
        "may_leave_unbound_too": "`conn` (a sqlite3 connection)",  # asked before the names it may leave unbound
        "awaits_first": "",  # the sleep's fix writes an `await` first: that is the reason
        "keyword_named_like_a_connection": "`conn` (a sqlite3 connection)",  # as the fix reads names
        "outer_uses_it_inner_moves": "`conn` (a sqlite3 connection)",
        "inner_uses_it": "`conn` (a sqlite3 connection)",  # its block, and the one around it
        "makes_a_task": "`asyncio.create_task()` (it needs the running loop of the calling thread: a worker thread "
                        "has none)",
        "gets_the_running_loop": "`asyncio.get_running_loop()` (it needs the running loop of the calling thread: a "
                                 "worker thread has none)",
        "keeps_its_connection": "`self.conn` (a sqlite3 connection)",  # made in __init__
        "inherited_cursor": "`self.cur` (a sqlite3 connection)",  # kept by the base class
    }
    assert len(left) == 22


def test_what_only_the_move_fixes_is_not_fixable_where_the_block_stays(tmp_path: Path) -> None:
    report, _ = _reasons_and_fixable(tmp_path)
    fixable = {(f.line, f.code): f.fixable for f in report.findings}
    assert fixable[(_line("        conn.execute(f.read())") - 1, "AW507")] is False
    assert fixable[(_line("        shared.execute(f.read())"), "AW509")] is True  # check_same_thread=False: it moves
    assert fixable[(_line("        data = f.read() + var.get()"), "AW509")] is True  # only reads the variable
    assert fixable[(_line("            data = g.read()"), "AW509")] is True  # its own block moves
    assert fixable[(_line("            data = g.read()") - 1, "AW507")] is True
    assert fixable[(_line("        first = f.read()"), "AW509")] is False  # its block contains the inner one's use


@pytest.mark.parametrize("select", [None, ["AW507", "AW509"]])
def test_after_the_fix_nothing_is_left_fixable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, select) -> None:
    _reasons_and_fixable(tmp_path)
    monkeypatch.chdir(tmp_path)
    config = str(tmp_path / "pyproject.toml")
    api.fix([tmp_path], config=config, cache=False, jobs=1, write=True, select=select)
    report = api.check([tmp_path], config=config, cache=False, jobs=1, select=select)
    assert [(f.line, f.code) for f in report.findings if f.fixable] == []
    assert not api.fix([tmp_path], config=config, cache=False, jobs=1, select=select).files


PROGRAM = """\
import asyncio
import sqlite3


class Repository:
    def __init__(self):
        self.conn = sqlite3.connect(":memory:")
        self.conn.execute("create table t (x)")

    async def load(self, path):
        with open(path) as f:
            self.conn.execute("insert into t values (?)", (f.read(),))
        return self.conn.execute("select count(*) from t").fetchone()[0]


if __name__ == "__main__":
    with open("data.txt", "w") as out:
        out.write("x")
    print(asyncio.run(Repository().load("data.txt")))
"""


TASK = """\
import asyncio


async def double(text):
    return text * 2


async def load(path):
    with open(path) as f:
        task = asyncio.create_task(double(f.read()))
    return await task


if __name__ == "__main__":
    with open("data.txt", "w") as out:
        out.write("x")
    print(asyncio.run(load("data.txt")))
"""


@pytest.mark.parametrize(("program", "printed", "use"), [
    (PROGRAM, "1", "`self.conn` (a sqlite3 connection)"),
    (TASK, "xx", "`asyncio.create_task()` (it needs the running loop of the calling thread: a worker thread has none)"),
], ids=["self.conn", "create_task"])
def test_a_block_using_loop_bound_state_still_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, program: str,
                                                   printed: str, use: str) -> None:
    # moved to a thread, `self.conn` would raise sqlite3.ProgrammingError (made on the loop's thread),
    # `asyncio.create_task` RuntimeError (no running event loop)
    (tmp_path / "pyproject.toml").write_text("[tool.awaitify]\n", encoding="utf-8")
    (tmp_path / "app.py").write_text(program, encoding="utf-8")
    run = lambda: subprocess.run([sys.executable, "app.py"], cwd=tmp_path, capture_output=True, text=True, timeout=60)  # noqa: E731
    before = run()
    assert (before.returncode, before.stdout) == (0, printed + "\n"), before.stderr
    monkeypatch.chdir(tmp_path)
    result = api.fix([tmp_path], config=str(tmp_path / "pyproject.toml"), cache=False, jobs=1, write=True)
    after = run()
    assert (after.returncode, after.stdout) == (0, printed + "\n"), after.stderr
    assert [d.message.partition(", bound")[0] for d in result.diagnostics] == [
        f"the `with open(...)` block uses {use}"]
