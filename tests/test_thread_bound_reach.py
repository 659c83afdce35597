"""Thread-bound state the analysis must reach (awaitify.thread_bound): a connection opened in a
module-level `try:`/`if`/`with` block, a threading.local subclass imported from another module, and
an object built with a bound connection (`Repo(conn)`, whose constructor keeps `self.conn = conn`).
Each offload is left out by default (the program keeps its results), and `--unsafe-fixes` shows the
hazard is real (ProgrammingError, an empty threading.local). Run with every rule."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from inprocess_cli import cli_here  # noqa: F401  (a fixture)

STATE = '''
import threading


class State(threading.local):
    user = None
'''

APP = '''
import asyncio
import json
import os
import sqlite3
from state import State


class Repo:
    def __init__(self, conn):
        self.conn = conn

    def get(self):
        os.path.exists("x")
        return self.conn.execute("select 1").fetchone()[0]


try:
    conn2 = sqlite3.connect(":memory:")
except Exception:
    conn2 = None
if conn2 is not None:
    with conn2:
        conn3 = sqlite3.connect(":memory:")

conn = sqlite3.connect(":memory:")
repo = Repo(conn)
st = State()
st.user = "loop"


def lookup(r):
    os.path.exists("x")
    return r.get()


def lookup2():
    os.path.exists("x")
    return conn2.execute("select 2").fetchone()[0]


def lookup3():
    os.path.exists("x")
    return conn3.execute("select 3").fetchone()[0]


def who():
    os.path.exists("x")
    return st.user


async def by_param():
    return lookup(repo)


async def by_local():
    local_repo = Repo(conn)
    return lookup(local_repo)


async def by_receiver():
    built = Repo(conn)
    return built.get()


async def in_try():
    return lookup2()


async def in_with():
    return lookup3()


async def imported_local():
    return who()


async def main():
    out = {}
    for h in (by_param, by_local, by_receiver, in_try, in_with, imported_local):
        try:
            out[h.__name__] = await h()
        except Exception as exc:
            out[h.__name__] = type(exc).__name__
    return out


print(json.dumps(asyncio.run(main())))
'''
EXPECTED = {"by_param": 1, "by_local": 1, "by_receiver": 1, "in_try": 2, "in_with": 3, "imported_local": "loop"}


def _project(root: Path) -> None:
    (root / "state.py").write_text(textwrap.dedent(STATE).lstrip(), encoding="utf-8")
    (root / "app.py").write_text(textwrap.dedent(APP).lstrip(), encoding="utf-8")


def _run(root: Path) -> dict:
    proc = subprocess.run([sys.executable, "-W", "error::RuntimeWarning", "app.py"], cwd=root, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_bound_state_in_blocks_other_modules_and_holders_stays_on_the_loop(tmp_path: Path, cli_here) -> None:
    _project(tmp_path)
    assert _run(tmp_path) == EXPECTED
    code, _, err = cli_here("fix", "--write", "--allow-dirty", "--no-cache", ".", cwd=tmp_path)
    assert code == 0, err
    assert _run(tmp_path) == EXPECTED
    assert "to_thread" not in (tmp_path / "app.py").read_text()
    for why in ("passes `app.repo` (app.py:", "built with the sqlite3 connection `app.conn`",
                "uses the sqlite3 connection `app.conn2` (app.py:", "uses the sqlite3 connection `app.conn3` (app.py:",
                "uses `app.st` (app.py:", "a threading.local"):
        assert why in err, why
    assert "`app.Repo.get` would run in a thread" in err  # the receiver moves into the thread too
    assert err.count("unsafe fix not applied") == 6, err


def test_with_unsafe_fixes_the_hazards_are_real(tmp_path: Path, cli_here) -> None:
    _project(tmp_path)
    code, _, err = cli_here("fix", "--write", "--allow-dirty", "--no-cache", "--unsafe-fixes", ".", cwd=tmp_path)
    assert code == 0, err
    got = _run(tmp_path)
    assert got == {"by_param": "ProgrammingError", "by_local": "ProgrammingError", "by_receiver": "ProgrammingError",
                   "in_try": "ProgrammingError", "in_with": "ProgrammingError", "imported_local": None}
