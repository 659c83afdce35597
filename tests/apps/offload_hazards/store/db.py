"""A small store whose sync helpers hold thread-affine state: a sqlite3 connection (usable only in the
thread that made it) and a context variable the caller reads back. `describe` only reads the
variable: it is the one helper a thread may run."""

import contextvars
import os
import sqlite3

conn = sqlite3.connect(":memory:")
conn.execute("create table notes (text)")
request_id: contextvars.ContextVar = contextvars.ContextVar("request_id", default=None)


def save(text: str) -> int:
    if os.path.exists(os.path.join(os.environ["APP_DATA"], "read-only")):
        raise PermissionError("store is read-only")
    conn.execute("insert into notes values (?)", (text,))
    return conn.execute("select count(*) from notes").fetchone()[0]


def tag(value: str) -> str:
    if not os.path.isdir(os.environ["APP_DATA"]):
        os.makedirs(os.environ["APP_DATA"])
    request_id.set(value)
    return value


def describe() -> dict:
    """Only reads the context variable: a thread sees the caller's value (to_thread copies the
    context), so this one may be offloaded."""
    return {"request_id": request_id.get(), "stored": os.path.isdir(os.environ["APP_DATA"])}


def nightly() -> tuple:
    """The cron job (sync, called from outside the project)."""
    return save("nightly"), tag("nightly")
