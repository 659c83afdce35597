"""A `with open(...)` block of async code is moved to a thread only when nothing in it is bound to
the loop's thread; what is bound is said in one place (awaitify.thread_bound), so the block sees
a connection imported from a project module (`from db import conn`, `import db` then `db.conn`),
a module-level cursor of one (`cur = conn.cursor()`), and one opened with `check_same_thread=True`
as bound, while one opened with `check_same_thread=False` moves. Every rule runs; the original and
the rewritten program are run and compared."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from awaitify_runs import run_awaitify
from inprocess_cli import cli_here  # noqa: F401  (a fixture)

DB = '''
import sqlite3

conn = sqlite3.connect(":memory:")
conn.execute("create table t (x)")
'''

APP = '''
import asyncio
import json
import sqlite3
import threading

import db
from db import conn

local_conn = sqlite3.connect(":memory:")
cur = local_conn.cursor()
cur.execute("create table t (x)")
explicit_conn = sqlite3.connect(":memory:", check_same_thread=True)
explicit_conn.execute("create table t (x)")
shared = sqlite3.connect(":memory:", check_same_thread=False)
shared.execute("create table t (x)")
THREADS = []


async def imported():
    with open("data.txt") as f:
        data = f.read()
        conn.execute("insert into t values (?)", (data,))
    return conn.execute("select count(*) from t").fetchone()[0]


async def module_attribute():
    with open("data.txt") as f:
        data = f.read()
        db.conn.execute("insert into t values (?)", (data,))
    return db.conn.execute("select count(*) from t").fetchone()[0]


async def cursor():
    with open("data.txt") as f:
        data = f.read()
        cur.execute("insert into t values (?)", (data,))
    return cur.execute("select count(*) from t").fetchone()[0]


async def explicit():
    with open("data.txt") as f:
        data = f.read()
        explicit_conn.execute("insert into t values (?)", (data,))
    return explicit_conn.execute("select count(*) from t").fetchone()[0]


async def any_thread():
    with open("data.txt") as f:
        data = f.read()
        THREADS.append(threading.get_ident())
        shared.execute("insert into t values (?)", (data,))
    return shared.execute("select count(*) from t").fetchone()[0]


async def main():
    out = {}
    for h in (imported, module_attribute, cursor, explicit, any_thread):
        try:
            out[h.__name__] = await h()
        except Exception as exc:
            out[h.__name__] = type(exc).__name__
    out["moved"] = THREADS != [threading.get_ident()]
    return out


with open("data.txt", "w") as fh:
    fh.write("x")
print(json.dumps(asyncio.run(main())))
'''


def _run(root: Path) -> dict:
    proc = subprocess.run([sys.executable, "-W", "error::RuntimeWarning", "app.py"], cwd=root, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_blocks_using_a_bound_connection_stay_and_the_others_move(tmp_path: Path, cli_here) -> None:
    (tmp_path / "db.py").write_text(textwrap.dedent(DB).lstrip(), encoding="utf-8")
    (tmp_path / "app.py").write_text(textwrap.dedent(APP).lstrip(), encoding="utf-8")
    before = _run(tmp_path)
    assert before == {"imported": 1, "module_attribute": 2, "cursor": 1, "explicit": 1, "any_thread": 1, "moved": False}
    code, _, err = cli_here("fix", "--write", "--allow-dirty", "--no-cache", ".", cwd=tmp_path)
    assert code == 0, err
    after = _run(tmp_path)
    assert after == {**before, "moved": True}  # each moved block with a bound connection raised ProgrammingError
    text = (tmp_path / "app.py").read_text()
    assert text.count("asyncio.to_thread") == 1
    for name in ("`conn` (a sqlite3 connection)", "`db.conn` (a sqlite3 connection)", "`cur` (a sqlite3 connection)",
                 "`explicit_conn` (a sqlite3 connection)"):
        assert f"the `with open(...)` block uses {name}" in err, name


def test_one_file_alone_uses_the_same_facts(tmp_path: Path) -> None:
    # fed on stdin, no project around it: a connection made in the file still keeps its block
    source = textwrap.dedent('''
        import sqlite3

        conn = sqlite3.connect(":memory:", check_same_thread=True)


        async def save():
            with open("data.txt") as f:
                conn.execute("select ?", (f.read(),))
        ''').lstrip()
    proc = run_awaitify("fix", "--no-cache", "-", input=source.encode(), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert b"to_thread" not in proc.stdout and b"uses `conn` (a sqlite3 connection)" in proc.stderr
    shared = source.replace("check_same_thread=True", "check_same_thread=False")
    proc = run_awaitify("fix", "--no-cache", "-", input=shared.encode(), cwd=tmp_path)
    assert b"await asyncio.to_thread(" in proc.stdout, proc.stderr
