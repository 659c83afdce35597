"""# AW512 `sync-db-client`: sync redis/psycopg2/sqlite3/pymysql clients created in async code

## What it does
Reports the creation of a sync database or cache client in an `async def`, or in a sync function that
async code reaches through resolved calls (then with the chain of calls that reaches it):

- redis-py's sync client: `redis.Redis(...)`, `redis.StrictRedis(...)`, `redis.from_url(...)`,
  `redis.client.Redis(...)`;
- `psycopg2.connect(...)`, `sqlite3.connect(...)`, `pymysql.connect(...)`, `MySQLdb.connect(...)`.

Every import form is recognised (`from redis import Redis`, `import psycopg2 as pg`). The rule looks
at where the client is made: its commands (`cache.get(...)`, `cursor.execute(...)`) are not reported.

## Why is this bad?
These clients talk to the server over blocking sockets (sqlite3 over blocking file I/O): every
command waits for its answer on the calling thread. In async code that thread runs the event loop, so
one slow query or a network hiccup stalls every other request. Created per call, they also open a new
connection each time. (No flake8-async equivalent.)

## Example
```python
import redis

async def get_session(token: str) -> bytes | None:
    cache = redis.from_url(REDIS_URL)
    return cache.get(f"session:{token}")
```
is reported as `AW512 redis.from_url() is a sync client: every command blocks the event loop`. Use
the async client, created once (in the app's lifespan) and awaited:
```python
import redis.asyncio as redis

cache = redis.from_url(REDIS_URL)  # `await cache.aclose()` at shutdown

async def get_session(token: str) -> bytes | None:
    return await cache.get(f"session:{token}")
```
For PostgreSQL use asyncpg or psycopg 3's `AsyncConnection`; for SQLite, aiosqlite; for MySQL,
aiomysql or asyncmy.

## When it is not reported
- Async clients: `redis.asyncio.Redis(...)`, `redis.asyncio.from_url(...)` (also as
  `import redis.asyncio as redis`), asyncpg, aiosqlite.
- A client created in sync code that no async code reaches and that async code does not use. A sync
  redis client async code uses without having made it (a module global, a class attribute, or one a
  sync method stores on `self` for the class's async methods) is reported where it is made, not
  fixable, with the reason: every command on it blocks the loop.
- Sync FastAPI endpoints and the code only they reach; code in a lambda, or in a function handed to
  `asyncio.to_thread`, `loop.run_in_executor` or `anyio.to_thread.run_sync`; class bodies.

## Suppressing
`# awaitify: ignore[AW512]` (or `# awaitify: ignore`) on the first or last line of the call. There is
no flake8-async code for it. `awaitify fix` honours the same comment.

## Fix
`awaitify fix` rewrites the **redis** part; psycopg2, sqlite3, pymysql and MySQLdb connections stay
manual (moving to an async driver changes cursors and transactions too). A sync redis-py client is
rewritten when it is created in an `async def` and its whole life is in that function:
`c = redis.Redis(...)`, `redis.StrictRedis(...)`, `redis.from_url(...)`, `redis.Redis.from_url(...)`
(any import form), or `with redis.Redis(...) as c:`.

```python
import redis


async def touch_session(url: str, token: str) -> str | None:
    cache = redis.from_url(url, decode_responses=True, socket_timeout=5)
    try:
        value = cache.get(f"session:{token}")
        if value is not None:
            with cache.pipeline() as pipe:
                pipe.expire(f"session:{token}", 3600)
                pipe.hincrby("sessions:stats", "hits", 1)
                pipe.execute()
        return value
    finally:
        cache.close()
```
becomes
```python
import redis.asyncio as aioredis


async def touch_session(url: str, token: str) -> str | None:
    cache = aioredis.from_url(url, decode_responses=True, socket_timeout=5)
    try:
        value = await cache.get(f"session:{token}")
        if value is not None:
            async with cache.pipeline() as pipe:
                pipe.expire(f"session:{token}", 3600)
                pipe.hincrby("sessions:stats", "hits", 1)
                await pipe.execute()
        return value
    finally:
        await cache.aclose()
```

What changes:
- the factory becomes its `redis.asyncio` twin with every argument kept (`host`, `port`, `db`,
  `password`, `decode_responses`, timeouts, ...); `import redis.asyncio as aioredis` is added (another
  alias when `aioredis` is taken; an existing `import redis.asyncio as X` is reused) and the `redis`
  import is dropped when nothing else uses it;
- every command called on the client is awaited (`await cache.get(k)`, `(await cache.get(k)).upper()`);
- the client is closed where it was before: `cache.close()` -> `await cache.aclose()` (redis-py 5.0.1
  and later; `await cache.close()` when the redis-py that awaitify runs with is older), and
  `with redis.Redis(...) as c:` -> `async with ...`; a client that was never closed is still not closed;
- pipelines: `with c.pipeline() as p:` -> `async with`, `p = c.pipeline()` stays; their commands are
  buffered and stay un-awaited, `p.execute()` / `p.reset()` are awaited, and so is a
  `c.pipeline().set(...).get(...).execute()` chain;
- `for k in c.scan_iter(...)` (and `sscan_iter`, `hscan_iter`, `zscan_iter`) -> `async for`, in loops and
  list/set/dict comprehensions.

Results are the same: both clients share redis-py's response parsing and exception classes
(`except redis.ConnectionError` still catches). The client is still created on every call, as before;
making it once in the app's lifespan is left to you.

Not rewritten, reported with the manual fix ("create one redis.asyncio client in the app's lifespan and
await its commands"):
- a client stored on `self` or another object (also one set up in `__init__` and used by async
  methods), a module global or class attribute that async code uses, a `global` name;
- a client passed to or returned from another function, rebound, used in a lambda, a nested function
  (a `with open()` block that AW507's fix, run first, moves into a helper function counts), a
  class body or a generator expression, read as an attribute (`c.connection_pool`), or not bound to a
  name at all (`redis.from_url(url).get(k)`, or made in a default or decorator of a `def` inside the
  function); a scan iterator not looped over by a `for`;
- methods that hand out other objects whose methods change with redis.asyncio: `pubsub()`, `lock()`,
  `register_script()`, `monitor()`, `transaction()`, `bitfield()`, `json()`/`ft()`/`ts()` and the other
  module accessors; pipelines that `watch()`/`multi()` (in immediate mode each command needs an `await`),
  or are passed on;
- arguments that hold sync-only objects or settings: `connection_pool=`, `connection_class=`,
  `parser_class=`, `retry=`, `redis_connect_func=`, `cache=`/`cache_config=`, the `ssl_*ocsp*` options,
  and `*args`/`**kwargs`; a `with` that also holds other context managers; an annotated variable
  (`c: redis.Redis = ...`);
- a command (or `close()`, or a pipeline's `execute()`) the code already awaits (`await c.get(k)`): on
  the sync client that raises TypeError when it runs; the async client would make it succeed, a change
  of behaviour left to you.

A client is rewritten whole or not at all: an `# awaitify: ignore[AW512]` on any line that uses it keeps
all of it sync. Sync functions are left alone. `check` reports each client made in an `async def` that
`fix` leaves not fixable, with the same reason at the same place (`[*]` marks the ones it converts).

Like every fix, this one writes no `await` inside an await barrier (a held thread lock, process-wide
state, a stretch another task may change, a `try` that swallows cancellation): such a call is left as
it is, and both commands say why ([which, and why](../safety.md#behaviour-is-kept-and-proved-by-running-the-code)).

## Fix safety
Safe: the client is converted whole (every command awaited, scans iterated with `async for` only where that stays a list, set or dict comprehension or a `for` statement, closed the async way) or not at all; refused in a trio program. The tests compare both against a real redis-server.
"""

from __future__ import annotations

from awaitify.rule import Example, Rule

RULE = Rule(
    code="AW512",
    name="sync-db-client",
    summary="sync redis clients local to an async function -> redis.asyncio, commands awaited",
    why="is a sync client: every command blocks the event loop",
    family="Databases and caches",
    fixed_by="AW512",
    fixable=True,
    triggers=("redis",),
    order=47,
    async_only=True,
    local_edits=True,
    sync_tokens=("redis",),  # a client or loop made in a sync function and used by async code
)

# Cases the suite runs with every rule on (tests/test_rule_examples.py; awaitify.rule.Example)
VALID = (
    Example("""\
import redis.asyncio as redis


async def hits(key):
    client = redis.Redis()
    return await client.incr(key)
"""),
)

INVALID = (
    Example("""\
import redis


async def hits(key):
    client = redis.Redis()
    return client.incr(key)
""", fixed="""\
import redis.asyncio as aioredis


async def hits(key):
    client = aioredis.Redis()
    return await client.incr(key)
"""),
    Example("""\
import sqlite3


async def count(path):
    conn = sqlite3.connect(path)
    return conn.execute("select 1").fetchone()
"""),
    Example("""\
import redis


class Counter:
    def __init__(self):
        self.client = redis.Redis()

    async def hit(self, key):
        return self.client.incr(key)
"""),
)
