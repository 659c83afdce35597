"""Offloads that would lose state bound to the loop's thread are unsafe fixes (awaitify.thread_bound).

A sync helper that blocks (a call with no async twin) is offloaded with `asyncio.to_thread` where
async code calls it. That is wrong when the helper uses a sqlite3 connection made on the loop's
thread, a `threading.local`, sets a ContextVar (the thread runs in a copy of the context), or an
object the settings mark `thread-bound`: such an offload is left out (and said why) unless
`--unsafe-fixes`. Every test runs all rules and runs the original and the rewritten code.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from inprocess_cli import cli_here  # noqa: F401  (a fixture)

DB = '''
import contextvars
import os
import sqlite3
import threading

conn = sqlite3.connect(":memory:")
conn.execute("create table notes (text)")
shared = sqlite3.connect(":memory:", check_same_thread=False)
shared.execute("create table notes (text)")
request_id = contextvars.ContextVar("request_id", default="none")
local = threading.local()
local.user = "loop-user"
THREADS = []


def save(text):
    os.path.exists(text)
    conn.execute("insert into notes values (?)", (text,))
    return conn.execute("select count(*) from notes").fetchone()[0]


def _count():
    return conn.execute("select count(*) from notes").fetchone()[0]


def audit(text):
    os.path.exists(text)
    return _count()


def save_shared(text):
    os.path.exists(text)
    THREADS.append(threading.get_ident())
    shared.execute("insert into notes values (?)", (text,))
    return shared.execute("select count(*) from notes").fetchone()[0]


def tag(value):
    os.path.isdir(value)
    request_id.set(value)
    return value


def current():
    os.path.isdir("nowhere")
    THREADS.append(threading.get_ident())
    return request_id.get()


def user():
    os.path.isdir("nowhere")
    return local.user


def insert(db, text):
    os.path.exists(text)
    db.execute("insert into notes values (?)", (text,))
    return db.execute("select count(*) from notes").fetchone()[0]


class Store:
    def __init__(self):
        self.conn = sqlite3.connect(":memory:")
        self.conn.execute("create table t (x)")

    def put(self, x):
        os.path.exists(str(x))
        self.conn.execute("insert into t values (?)", (x,))
        return self.conn.execute("select count(*) from t").fetchone()[0]
'''

HANDLERS = '''
import sqlite3
import threading

from app import db


async def save():
    return db.save("a")


async def audit():
    return db.audit("b")


async def shared():
    return db.save_shared("c")


async def user():
    return db.user()


async def own_connection():
    mine = sqlite3.connect(":memory:")
    mine.execute("create table notes (text)")
    return db.insert(mine, "d")


async def put():
    store = db.Store()
    return store.put(7)


async def tag_then_read():
    db.tag("req-1")
    return db.request_id.get()


async def read_current():
    return db.current()


async def main():
    out = {}
    for case in (save, audit, shared, user, own_connection, put, tag_then_read, read_current):
        try:
            out[case.__name__] = await case()
        except Exception as exc:
            out[case.__name__] = type(exc).__name__
    loop = threading.get_ident()
    return {"same": out, "in_threads": bool(db.THREADS) and all(t != loop for t in db.THREADS)}
'''


def _project(root: Path) -> None:
    (root / "app").mkdir()
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "db.py").write_text(textwrap.dedent(DB).lstrip())
    (root / "app" / "handlers.py").write_text(textwrap.dedent(HANDLERS).lstrip())


def _run(root: Path) -> dict:
    show = "import asyncio, json; from app import handlers; print(json.dumps(asyncio.run(handlers.main())))"
    proc = subprocess.run([sys.executable, "-W", "error::RuntimeWarning", "-c", show], cwd=root, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_helpers_using_thread_bound_state_stay_on_the_loop_and_say_why(tmp_path: Path, cli_here) -> None:
    _project(tmp_path)
    before = _run(tmp_path)
    assert before["in_threads"] is False
    code, out, err = cli_here("fix", "--write", "--allow-dirty", "--no-cache", "--format", "json", ".")
    assert code == 0, err
    text = (tmp_path / "app" / "handlers.py").read_text()
    # nothing thread-bound: offloaded (a connection made with check_same_thread=False; a ContextVar read)
    assert "await asyncio.to_thread(db.current)" in text
    assert "await asyncio.to_thread(db.save_shared" in text
    for kept in ("return db.insert(mine, \"d\")", "    db.tag(\"req-1\")", "return store.put(7)", "return db.save(\"a\")",
                 "return db.audit(\"b\")", "return db.user()"):
        assert kept in text, text
    report = json.loads(out)
    refused = {(u["path"], u["line"]): u["message"] for u in report["unsafe_not_applied"]}
    messages = "\n".join(refused.values())
    assert "`app.db.tag` would run in a thread" in messages and "sets the context variable `app.db.request_id`" in messages
    assert "`app.db.insert` would run in a thread" in messages and "passes the sqlite3 connection `mine`" in messages
    assert "`app.db.Store.put` would run in a thread" in messages and "sqlite3 connection `app.db.Store.conn`" in messages
    after = _run(tmp_path)
    assert after["same"] == before["same"]
    assert after["in_threads"] is True  # the safe offloads did leave the loop
    assert cli_here("fix", "--check", "--no-cache", ".")[0] == 0  # a second run changes nothing


def test_the_hazards_are_real_with_unsafe_fixes(tmp_path: Path, cli_here) -> None:
    """--unsafe-fixes makes the offloads (marked unsafe): and the rewritten code does break, which is
    why they are unsafe."""
    _project(tmp_path)
    before = _run(tmp_path)
    code, out, err = cli_here("fix", "--write", "--allow-dirty", "--no-cache", "--unsafe-fixes", "--format", "json", ".")
    assert code == 0, err
    report = json.loads(out)
    unsafe = [c["message"] for f in report["files"] for c in f["changes"] if c.get("safety") == "unsafe"]
    assert any("app.db.tag" in m for m in unsafe) and any("app.db.Store.put" in m for m in unsafe), unsafe
    assert report["unsafe_not_applied"] == []
    after = _run(tmp_path)["same"]
    for case in ("save", "audit", "own_connection", "put"):  # sqlite3: objects created in another thread
        assert after[case] == "ProgrammingError" != before["same"][case], case
    assert after["tag_then_read"] == "none" != before["same"]["tag_then_read"]  # the value set in the thread is lost
    assert after["user"] == "AttributeError" != before["same"]["user"]  # the thread's own threading.local


SINGLE = '''
import os
import sqlite3

conn = sqlite3.connect(":memory:")
conn.execute("create table notes (text)")


def _count():
    return conn.execute("select count(*) from notes").fetchone()[0]


def audit(text):
    os.path.exists(text)
    return _count()


async def handler():
    return audit("x")
'''


def test_a_hazard_found_through_the_helpers_calls_and_reported_by_check(tmp_path: Path, cli_here) -> None:
    (tmp_path / "svc.py").write_text(textwrap.dedent(SINGLE).lstrip())
    code, out, err = cli_here("fix", "--no-cache", ".")
    assert code == 0 and out == b"", err
    assert "calls `svc._count`, which uses the sqlite3 connection `svc.conn` (svc.py:4)" in err
    code, out, err = cli_here("check", "--no-cache", "--format", "json", ".")
    finding = json.loads(out)["findings"][0]
    assert finding["fixable"] is False
    assert "not fixed: offloading `svc.audit` is an unsafe fix: it calls `svc._count`" in finding["message"]


CUSTOM = '''
import os
import threading


class Handle:
    """A driver object that must be used from the thread that opened it."""

    def __init__(self):
        self.owner = threading.get_ident()

    def use(self):
        if threading.get_ident() != self.owner:
            raise RuntimeError("used from another thread")
        return "ok"


handle = Handle()


def work():
    os.path.exists(".")
    return handle.use()


async def handler():
    try:
        return work()
    except RuntimeError as exc:
        return str(exc)
'''


def _custom_result(root: Path) -> str:
    proc = subprocess.run([sys.executable, "-c", "import asyncio, svc; print(asyncio.run(svc.handler()))"], cwd=root,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_the_thread_bound_setting_names_what_the_tool_cannot_see(tmp_path: Path, cli_here) -> None:
    for setting in ('["svc.handle"]', '["svc.Handle"]'):  # the object, or the class that makes such objects
        root = tmp_path / setting.strip('[]"')
        root.mkdir()
        (root / "svc.py").write_text(textwrap.dedent(CUSTOM).lstrip())
        assert _custom_result(root) == "ok"
        # unmarked: the tool cannot know, and the offload breaks the program (what the setting is for)
        unmarked = root.parent / (root.name + "-unmarked")
        unmarked.mkdir()
        (unmarked / "svc.py").write_text(textwrap.dedent(CUSTOM).lstrip())
        assert cli_here("fix", "--write", "--allow-dirty", "--no-cache", ".", cwd=unmarked)[0] == 0
        assert _custom_result(unmarked) == "used from another thread"
        (root / "pyproject.toml").write_text(f"[tool.awaitify]\nthread-bound = {setting}\n")
        code, _, err = cli_here("fix", "--write", "--allow-dirty", "--no-cache", ".", cwd=root)
        assert code == 0, err
        assert "marked thread-bound in the settings" in err
        assert "to_thread" not in (root / "svc.py").read_text()
        assert _custom_result(root) == "ok"


def test_a_bad_thread_bound_setting_is_a_one_line_error(tmp_path: Path, cli_here) -> None:
    (tmp_path / "svc.py").write_text("x = 1\n")
    (tmp_path / "pyproject.toml").write_text('[tool.awaitify]\nthread-bound = ["conn"]\n')
    code, _, err = cli_here("fix", "--no-cache", ".")
    assert code == 2
    assert "thread-bound" in err and "'conn'" in err


def test_a_configured_offload_of_a_thread_bound_helper_is_named(tmp_path: Path, cli_here) -> None:
    """`blocking-calls = {"svc.audit" = "offload"}` is the user's word (AW103 makes it), but a helper
    that uses a sqlite3 connection made on the loop's thread is named in needs-review with why."""
    (tmp_path / "svc.py").write_text(textwrap.dedent(SINGLE).lstrip().split("\n\nasync def")[0])
    (tmp_path / "app.py").write_text("from svc import audit\n\n\nasync def handler():\n    return audit('x')\n")
    (tmp_path / "pyproject.toml").write_text('[tool.awaitify.blocking-calls]\n"svc.audit" = "offload"\n')
    code, out, err = cli_here("fix", "--no-cache", ".")
    assert code == 0, err
    assert b"return await asyncio.to_thread(audit, 'x')" in out
    assert ("needs review: `svc.audit` is offloaded here as `blocking-calls` says, but it calls `svc._count`, which uses "
            "the sqlite3 connection `svc.conn`") in err


FILE_IO = '''
import asyncio
import contextvars
import sqlite3

conn = sqlite3.connect(":memory:")
conn.execute("create table notes (text)")
last = contextvars.ContextVar("last", default=None)
shared = sqlite3.connect(":memory:", check_same_thread=False)
shared.execute("create table notes (text)")


async def load(path):
    with open(path) as fh:
        for line in fh:
            conn.execute("insert into notes values (?)", (line,))
    return conn.execute("select count(*) from notes").fetchone()[0]


async def remember(path):
    with open(path) as fh:
        last.set(fh.read())
    return last.get()


async def peek(path):
    with open(path) as fh:
        text = fh.read() + str(last.get())
    return text


async def local_db(path):
    mine = sqlite3.connect(":memory:")
    mine.execute("create table t (x)")
    with open(path) as fh:
        mine.execute("insert into t values (?)", (fh.read(),))
    return mine.execute("select count(*) from t").fetchone()[0]


async def shared_db(path):
    with open(path) as fh:
        shared.execute("insert into notes values (?)", (fh.read(),))
    return shared.execute("select count(*) from notes").fetchone()[0]


async def main(path):
    out = []
    for case in (load, remember, peek, local_db, shared_db):
        try:
            out.append(await case(path))
        except Exception as exc:
            out.append(type(exc).__name__)
    return out
'''


def test_a_with_open_block_using_thread_bound_state_stays_on_the_loop(tmp_path: Path, cli_here) -> None:
    """The file I/O rule moves a `with open(...)` block into a function run in a thread: not one that
    uses a sqlite3 connection made on the loop or sets a context variable (said why); one that only
    reads the variable, or uses a connection opened with check_same_thread=False, still moves."""
    (tmp_path / "svc.py").write_text(textwrap.dedent(FILE_IO).lstrip())
    (tmp_path / "data.txt").write_text("one\ntwo\n")
    show = "import asyncio, json, svc; print(json.dumps(asyncio.run(svc.main('data.txt'))))"

    def run() -> list:
        proc = subprocess.run([sys.executable, "-c", show], cwd=tmp_path, capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)

    before = run()
    code, _, err = cli_here("fix", "--write", "--allow-dirty", "--no-cache", ".")
    assert code == 0, err
    for name in ("`conn` (a sqlite3 connection)", "`last` (a context variable it sets)", "`mine` (a sqlite3 connection)"):
        assert f"the `with open(...)` block uses {name}, bound to the loop's thread" in err, err
    text = (tmp_path / "svc.py").read_text()
    assert text.count("await asyncio.to_thread(_file_io)") == 2  # peek and shared_db moved
    assert run() == before == [2, "one\ntwo\n", "one\ntwo\none\ntwo\n", 1, 1]  # peek reads what remember set


LOOP_BOUND = '''
import asyncio
import os
import threading

jobs = asyncio.Queue()


class State(threading.local):
    user = "nobody"


state = State()
state.user = "loop-user"


def stamp(text):
    os.path.exists(text)
    return asyncio.get_running_loop().is_running()


def enqueue(text):
    os.path.exists(text)
    jobs.put_nowait(text)
    return jobs.qsize()


def who(text):
    os.path.exists(text)
    return state.user


async def stamped():
    return stamp("x")


async def enqueued():
    return enqueue("x")


async def whom():
    return who("x")


async def main():
    out = []
    for case in (stamped, enqueued, whom):
        try:
            out.append(await case())
        except Exception as exc:
            out.append(type(exc).__name__)
    return out
'''


def test_helpers_that_need_the_loop_or_a_threading_local_subclass_stay(tmp_path: Path, cli_here) -> None:
    (tmp_path / "svc.py").write_text(textwrap.dedent(LOOP_BOUND).lstrip())
    show = "import asyncio, json, svc; print(json.dumps(asyncio.run(svc.main())))"

    def run() -> list:
        proc = subprocess.run([sys.executable, "-c", show], cwd=tmp_path, capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)

    before = run()
    assert before == [True, 1, "loop-user"]
    code, out, err = cli_here("fix", "--no-cache", ".")
    assert code == 0 and out == b"", err
    assert "calls `asyncio.get_running_loop()` (svc.py:18), which needs the loop of the calling thread" in err
    assert "uses `svc.jobs` (svc.py:5), an asyncio object made for the loop's thread" in err
    assert "uses `svc.state` (svc.py:12), a threading.local" in err
    assert cli_here("fix", "--write", "--allow-dirty", "--no-cache", "--unsafe-fixes", ".")[0] == 0
    after = run()
    assert after[0] == "RuntimeError" and after[2] == "nobody"  # what the unsafe offload does


FASTAPI_APP = '''
import os
import sqlite3
from contextlib import asynccontextmanager

from fastapi import FastAPI

conn = None


@asynccontextmanager
async def lifespan(app):
    global conn
    conn = sqlite3.connect(":memory:")  # on the loop's thread, at startup
    conn.execute("create table notes (text)")
    yield
    conn.close()


app = FastAPI(lifespan=lifespan)


def save(text):
    if os.path.exists(os.path.join(os.environ.get("NOTES_DIR", "."), "read-only")):
        raise PermissionError("read-only")
    conn.execute("insert into notes values (?)", (text,))
    return conn.execute("select count(*) from notes").fetchone()[0]


@app.post("/notes/{text}")
async def add(text: str):
    return {"count": save(text)}
'''
CLIENT = ("import json\nfrom fastapi.testclient import TestClient\nfrom service import app\n"
          "with TestClient(app, raise_server_exceptions=False) as client:\n"
          "    print(json.dumps([(r.status_code, r.text) for r in (client.post(f'/notes/n{i}') for i in range(3))]))\n")


def test_a_fastapi_handler_keeps_its_sqlite_connection(tmp_path: Path, cli_here) -> None:
    """The connection is opened at startup, on the loop's thread, through `global conn`: a route's
    helper that uses it is not offloaded (with --unsafe-fixes it is, and every request fails)."""
    pytest.importorskip("fastapi")
    (tmp_path / "service.py").write_text(textwrap.dedent(FASTAPI_APP).lstrip())

    def requests() -> list:
        proc = subprocess.run([sys.executable, "-c", CLIENT], cwd=tmp_path, capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)

    before = requests()
    assert before == [[200, '{"count":1}'], [200, '{"count":2}'], [200, '{"count":3}']]
    code, _, err = cli_here("fix", "--write", "--allow-dirty", "--no-cache", ".")
    assert code == 0, err
    assert "`service.save` would run in a thread" in err and "sqlite3 connection `service.conn`" in err
    assert requests() == before
    assert cli_here("fix", "--write", "--allow-dirty", "--no-cache", "--unsafe-fixes", ".")[0] == 0
    assert "await asyncio.to_thread(save, text)" in (tmp_path / "service.py").read_text()
    assert [status for status, _ in requests()] == [500, 500, 500]  # ProgrammingError in the worker thread


HOOK_APP = '''
import os
import sqlite3

from fastapi import FastAPI

app = FastAPI()
conn = None


@app.on_event("startup")
def connect():
    global conn
    os.path.exists(os.environ.get("NOTES_DIR", "."))
    conn = sqlite3.connect(":memory:")
    conn.execute("create table notes (text)")


@app.post("/notes/{text}")
async def add(text: str):
    conn.execute("insert into notes values (?)", (text,))
    return {"count": conn.execute("select count(*) from notes").fetchone()[0]}
'''


def test_a_startup_hook_opening_the_connection_stays_on_the_loop(tmp_path: Path, cli_here) -> None:
    """The reverse case: the sync hook the lifespan rewrite calls *opens* the connection the routes use
    on the loop's thread. Offloaded, it would open it in a worker thread: kept on the loop, said why."""
    pytest.importorskip("fastapi")
    (tmp_path / "service.py").write_text(textwrap.dedent(HOOK_APP).lstrip())

    def requests() -> list:
        proc = subprocess.run([sys.executable, "-W", "ignore", "-c", CLIENT], cwd=tmp_path, capture_output=True,
                              text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)

    before = requests()
    code, _, err = cli_here("fix", "--write", "--allow-dirty", "--no-cache", ".")
    assert code == 0, err
    text = (tmp_path / "service.py").read_text()
    assert "lifespan=lifespan" in text and "    connect()\n" in text
    assert "opens the sqlite3 connection `service.conn` (service.py:14) for later use" in err
    assert requests() == before == [[200, '{"count":1}'], [200, '{"count":2}'], [200, '{"count":3}']]


CURSOR = '''
import asyncio
import os
import sqlite3


class Store:
    def __init__(self):
        self.conn = sqlite3.connect(":memory:")
        self.cur = self.conn.cursor()
        self.cur.execute("create table t (x)")

    def count(self, path):
        os.path.exists(path)
        return self.cur.execute("select count(*) from t").fetchone()[0]


async def handler(store: Store):
    try:
        return store.count("x")
    except sqlite3.ProgrammingError:
        return "ProgrammingError"


print(asyncio.run(handler(Store())))
'''


def test_a_cursor_kept_on_the_instance_is_thread_bound_too(tmp_path: Path, cli_here) -> None:
    (tmp_path / "svc.py").write_text(textwrap.dedent(CURSOR).lstrip())

    def run() -> str:
        proc = subprocess.run([sys.executable, "svc.py"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout.strip()

    assert run() == "0"
    code, _, err = cli_here("fix", "--write", "--allow-dirty", "--no-cache", ".")
    assert code == 0 and "uses the sqlite3 connection `svc.Store.cur` (svc.py:9)" in err, err
    assert run() == "0"
    assert cli_here("fix", "--write", "--allow-dirty", "--no-cache", "--unsafe-fixes", ".")[0] == 0
    assert run() == "ProgrammingError"
