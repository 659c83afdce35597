"""AW512 sync redis clients in async code -> redis.asyncio: the rewritten text, the refusals, and the
behaviour against a real `redis-server` on 127.0.0.1 (the original sync handler and the rewritten async
one give the same answers; gathered rewritten handlers overlap)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import textwrap
import time
import types
from pathlib import Path

import pytest

from awaitify.rules.sync_db_client.fix import close_method
from awaitify.config import Config
from awaitify.plan import FilePlan
from awaitify.rules import all_rules
from awaitify.runner import fix_file
from awaitify.source import read_source

try:  # only the behaviour tests need redis-py; the rewriting is checked without it
    import redis
    import redis.asyncio
except ImportError:
    redis = None

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "story221_backend"
CLOSE = close_method()  # what the codemod writes: `aclose` with redis-py >= 5.0.1 or without redis-py


# --- a real redis-server ----------------------------------------------------------------------------------------------
def _redis_server_binary() -> str | None:
    found = shutil.which("redis-server")
    if found or not (os.environ.get("CI") and hasattr(os, "geteuid") and os.geteuid() == 0):
        return found
    subprocess.run("apt-get update -qq && apt-get install -y -qq redis-server", shell=True,
                   capture_output=True, timeout=600)
    return shutil.which("redis-server")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def redis_url():
    if redis is None:
        pytest.skip("redis-py is not installed (python3 -m pip install redis); the behaviour tests need it")
    binary = _redis_server_binary()
    if binary is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server); the behaviour tests need a real one")
    port = _free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    proc.kill()
                    pytest.fail(f"redis-server did not start: {proc.stderr.read().decode(errors='replace')}")
                time.sleep(0.05)
        client.close()  # the tests count the server's connections
        yield url
    finally:
        client.close()
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def server(redis_url: str):
    """The server, emptied; yields (url, a sync client for checks)."""
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    client.flushall()
    yield redis_url, client
    client.close()


# --- helpers ----------------------------------------------------------------------------------------------------------
def fix(tmp_path: Path, source: str, name: str = "cache.py"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(source).lstrip())
    result = fix_file(read_source(path, name), all_rules(), Config(root=tmp_path), FilePlan())
    assert result.error is None, result.error
    return result.new.decode(), result


def load(source: str, name: str) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__file__ = f"<{name}>"
    exec(compile(source, f"<{name}>", "exec"), module.__dict__)
    return module


def messages(result) -> list[str]:
    return [d.message for d in result.diagnostics]


def connected_clients(client) -> int:
    return len(client.client_list())


# --- the rewritten text -------------------------------------------------------------------------------------------------
LOCAL = """
import redis


async def remember(url: str, key: str) -> dict:
    r = redis.Redis.from_url(url, decode_responses=True, socket_timeout=5)
    r.set(key, "v", ex=60)
    value = r.get(key).upper()
    hits = r.incr(f"{key}:hits") + 1
    with r.pipeline() as p:
        p.hset("h", "a", 1).hincrby("h", "a", 2)
        p.expire("h", 60)
        results = p.execute()
    r.close()
    return {"value": value, "hits": hits, "results": results}
"""

LOCAL_AFTER = f"""
import redis.asyncio as aioredis


async def remember(url: str, key: str) -> dict:
    r = aioredis.Redis.from_url(url, decode_responses=True, socket_timeout=5)
    await r.set(key, "v", ex=60)
    value = (await r.get(key)).upper()
    hits = await r.incr(f"{{key}}:hits") + 1
    async with r.pipeline() as p:
        p.hset("h", "a", 1).hincrby("h", "a", 2)
        p.expire("h", 60)
        results = await p.execute()
    await r.{CLOSE}()
    return {{"value": value, "hits": hits, "results": results}}
"""


def test_local_client_commands_awaited_and_closed_the_async_way(tmp_path: Path) -> None:
    new, result = fix(tmp_path, LOCAL)
    assert new == textwrap.dedent(LOCAL_AFTER).lstrip()
    assert result.diagnostics == []
    assert {c.code for c in result.changes} == {"AW512"}
    assert f"closed by `await r.{CLOSE}()`" in result.changes[0].message
    # a second run has nothing left to do
    again, second = fix(tmp_path, new, "again.py")
    assert again == new and second.changes == [] and second.diagnostics == []


def test_with_block_becomes_async_with_and_every_factory_spelling(tmp_path: Path) -> None:
    new, result = fix(tmp_path, """
        import redis
        import redis as rds
        from redis import Redis, StrictRedis
        from redis import from_url as connect


        async def a(url):
            with redis.from_url(url) as c:
                return c.hgetall("h")


        async def b():
            c = Redis(host="127.0.0.1", port=6379, db=2, password=None, decode_responses=True)
            return c.ping()


        async def c():
            c = StrictRedis.from_url("redis://x", health_check_interval=30)
            return c.dbsize()


        async def d(url):
            c = connect(url)
            return c.exists("k")


        async def e():
            c = rds.StrictRedis("localhost", 6379)
            return c.time()
    """)
    assert result.diagnostics == []
    assert "from redis import" not in new and "import redis as rds" not in new  # imports nothing uses any more
    assert "import redis.asyncio as aioredis" in new
    assert 'async with aioredis.from_url(url) as c:\n        return await c.hgetall("h")' in new
    assert 'c = aioredis.Redis(host="127.0.0.1", port=6379, db=2, password=None, decode_responses=True)' in new
    assert 'c = aioredis.StrictRedis.from_url("redis://x", health_check_interval=30)' in new
    assert "c = aioredis.from_url(url)\n    return await c.exists(\"k\")" in new
    assert 'c = aioredis.StrictRedis("localhost", 6379)\n    return await c.time()' in new
    assert "return await c.ping()" in new and "return await c.dbsize()" in new


def test_the_alias_never_collides_and_an_existing_one_is_reused(tmp_path: Path) -> None:
    new, _ = fix(tmp_path, """
        import redis

        aioredis = "the old package's name, used for something else"


        async def f(url):
            r = redis.from_url(url)
            return r.get("k")
    """)
    assert "import redis.asyncio as async_redis" in new and "r = async_redis.from_url(url)" in new
    new, _ = fix(tmp_path, """
        import redis
        from redis import asyncio as areds


        async def f(url):
            r = redis.from_url(url)
            return r.get("k")
    """, "reuse.py")
    assert new.count("import") == 1 and "r = areds.from_url(url)" in new


def test_pipelines_chains_and_scan_iterators(tmp_path: Path) -> None:
    new, result = fix(tmp_path, """
        import redis


        async def f(url):
            r = redis.Redis.from_url(url)
            first = r.pipeline(transaction=False).set("a", 1).get("a").execute()
            p = r.pipeline()
            p.incr("n")
            p.incr("n")
            second = p.execute()
            keys = sorted(k for k in [k for k in r.scan_iter("a*")])
            for k in r.scan_iter(match="n*", count=10):
                r.delete(k)
            return first, second, keys
    """)
    assert result.diagnostics == []
    assert 'first = await r.pipeline(transaction=False).set("a", 1).get("a").execute()' in new
    assert 'p = r.pipeline()\n    p.incr("n")\n    p.incr("n")\n    second = await p.execute()' in new
    assert 'keys = sorted(k for k in [k async for k in r.scan_iter("a*")])' in new
    assert 'async for k in r.scan_iter(match="n*", count=10):\n        await r.delete(k)' in new


def test_sync_code_and_async_clients_are_left_alone(tmp_path: Path) -> None:
    source = """
        import redis
        import redis.asyncio as aioredis


        def sync_handler(url):
            r = redis.from_url(url)
            return r.get("k")


        async def already_async(url):
            r = aioredis.from_url(url)
            return await r.get("k")


        async def offloaded(url):
            def work():
                r = redis.from_url(url)
                return r.get("k")
            return await asyncio.to_thread(work)
    """
    new, result = fix(tmp_path, source)
    assert new == textwrap.dedent(source).lstrip() and result.diagnostics == [] and result.changes == []


REFUSALS = {
    "stored on self": ("""
        class Cache:
            async def connect(self, url):
                self.r = redis.from_url(url)
                self.r.ping()
        """, "the client is stored on `self.r`, so its life is not local"),
    "set up in __init__, used by async methods": ("""
        class Cache:
            def __init__(self, url):
                self.r = redis.from_url(url)

            async def get(self, key):
                return self.r.get(key)
        """, "stored on `self.r`, which async methods use (get())"),
    "module global": ("""
        CACHE = redis.Redis(host="localhost")

        async def get(key):
            return CACHE.get(key)
        """, "module global that async code uses (get() line 6)"),
    # libcst keeps a name's references in a set: the users are named in source order, the first three
    "module global, many users": ("""
        CACHE = redis.Redis(host="localhost")

        async def a(key):
            return CACHE.get(key)

        async def b(key):
            return CACHE.get(key)

        async def c(key):
            return CACHE.get(key)

        async def d(key):
            return CACHE.get(key)
        """, "module global that async code uses (a() line 6, b() line 9, c() line 12)"),
    "declared global": ("""
        CACHE = None

        async def connect(url):
            global CACHE
            CACHE = redis.from_url(url)
            return CACHE.ping()
        """, "`CACHE` is a module global"),
    "passed on": ("""
        async def f(url):
            r = redis.from_url(url)
            return count_keys(r)
        """, "`r` is used as a value (passed on, returned or stored)"),
    "returned": ("""
        async def make(url):
            r = redis.from_url(url)
            r.ping()
            return r
        """, "`r` is used as a value"),
    "not bound": ("""
        async def f(url):
            return redis.from_url(url).get("k")
        """, "not bound to a local name"),
    "lambda": ("""
        async def f(url, keys):
            r = redis.from_url(url)
            return sorted(keys, key=lambda k: r.ttl(k))
        """, "lambda or nested function"),
    "made in a lambda": ("""
        async def f(url):
            get = lambda: redis.from_url(url)
            return get
        """, "lambda or generator expression"),
    "nested function": ("""
        async def f(url):
            r = redis.from_url(url)
            def inner():
                return r.get("k")
            return inner()
        """, "lambda or nested function"),
    "generator expression": ("""
        async def f(url, keys):
            r = redis.from_url(url)
            return list(r.get(k) for k in keys)
        """, "generator expression"),
    "rebound": ("""
        async def f(url):
            r = redis.from_url(url)
            r.ping()
            r = redis.from_url(url + "/1")
            return r.ping()
        """, "bound more than once"),
    "attribute read": ("""
        async def f(url):
            r = redis.from_url(url)
            r.connection_pool.reset()
        """, "`r.connection_pool` is read as an attribute"),
    "pubsub": ("""
        async def f(url):
            r = redis.from_url(url)
            p = r.pubsub()
            p.subscribe("c")
        """, "`r.pubsub()` hands out a PubSub object"),
    "lock": ("""
        async def f(url):
            r = redis.from_url(url)
            with r.lock("l"):
                r.incr("n")
        """, "`r.lock()` hands out a Lock"),
    "watch pipeline": ("""
        async def f(url):
            r = redis.from_url(url)
            with r.pipeline() as p:
                p.watch("k")
                v = p.get("k")
                p.multi()
                p.set("k", v)
                p.execute()
        """, "pipeline `.watch()`: WATCH puts the pipeline in immediate mode"),
    "pipeline passed on": ("""
        async def f(url):
            r = redis.from_url(url)
            p = r.pipeline()
            fill(p)
            return p.execute()
        """, "the pipeline `p` is used as a value"),
    "scan in a generator expression": ("""
        async def f(url):
            r = redis.from_url(url)
            return sum(1 for _ in r.scan_iter())
        """, "is iterated in a generator expression"),
    "scan in a nested comprehension": ("""
        async def f(url, prefixes):
            r = redis.from_url(url)
            return [[k for k in r.scan_iter(match=p)] for p in prefixes]
        """, "nested in another one or in a lambda"),
    "sync connection pool": ("""
        async def f(pool):
            r = redis.Redis(connection_pool=pool)
            return r.get("k")
        """, "`connection_pool=` is a sync ConnectionPool"),
    "sync retry": ("""
        async def f(retry):
            r = redis.Redis(retry=retry)
            return r.get("k")
        """, "`retry=` is a sync Retry object"),
    "kwargs": ("""
        async def f(settings):
            r = redis.Redis(**settings)
            return r.get("k")
        """, "`**` arguments may hold sync-only settings"),
    "several context managers": ("""
        async def f(url, path):
            with redis.from_url(url) as r, open(path) as fh:
                r.set("k", fh.read())
        """, "holds other context managers too"),
    "annotated": ("""
        async def f(url):
            r: redis.Redis = redis.from_url(url)
            return r.get("k")
        """, "annotated with the sync type"),
}


@pytest.mark.parametrize("case", list(REFUSALS), ids=list(REFUSALS))
def test_refused_clients_are_left_untouched_and_reported_with_the_manual_fix(tmp_path: Path, case: str) -> None:
    body, reason = REFUSALS[case]
    source = "import redis\n\n" + textwrap.dedent(body).lstrip()
    new, result = fix(tmp_path, source)
    assert new == source
    found = messages(result)
    assert len(found) == (2 if case == "rebound" else 1), found  # a rebound name refuses both of its clients
    for message in found:
        assert reason in message, message
        assert message.startswith("redis.") and "is a sync redis client used from async code; not rewritten" in message
        assert "create one redis.asyncio client in the app's lifespan" in message
    assert {d.code for d in result.diagnostics} == {"AW512"}


# Clients made outside async code that async code does not use: the fix neither changes nor reports
# them, so its pre-check (`wants`) lets the file go without a libcst parse.
UNUSED_BY_ASYNC_CODE = {
    "module global used by a sync helper": """
        CACHE = redis.Redis(host="localhost")

        def cached(key):
            return CACHE.get(key)

        async def handler(key):
            return len(key)
        """,
    "self client no async method uses": """
        class Store:
            def __init__(self):
                self.r = redis.Redis()

            def get(self, key):
                return self.r.get(key)

            async def ready(self):
                return True
        """,
    "module without async code": """
        CACHE = redis.Redis(host="localhost")
        """,
}
# Made outside async code but maybe used by it: kept for the codemod, whether or not it reports them.
MAYBE_USED_BY_ASYNC_CODE = {
    "two assignments on the line": """
        x = 1; CACHE = redis.Redis()

        async def get(key):
            return CACHE.get(key)
        """,
    "call on the line after the name": """
        CACHE = (
            redis.Redis())

        async def get(key):
            return CACHE.get(key)
        """,
    "class attribute read by an async method": """
        class Store:
            r = redis.Redis()

            async def get(self, key):
                return self.r.get(key)
        """,
}


@pytest.mark.parametrize("case", [*REFUSALS, *MAYBE_USED_BY_ASYNC_CODE, *UNUSED_BY_ASYNC_CODE])
def test_the_pre_check_keeps_every_file_the_fix_changes_or_reports(tmp_path: Path, monkeypatch, case: str) -> None:
    from awaitify import runner, transform
    from awaitify.rules import wants_hooks
    from awaitify.summary import summarize

    body = {**{k: v for k, (v, _) in REFUSALS.items()}, **MAYBE_USED_BY_ASYNC_CODE, **UNUSED_BY_ASYNC_CODE}[case]
    source = "import redis\n\n" + textwrap.dedent(body).lstrip()
    wanted = wants_hooks()["sync-db-client"](summarize("cache.py", source), source)
    for module in (runner, transform):  # every codemod runs, as if no pre-check said no
        monkeypatch.setattr(module, "wants_hooks", dict)
    new, result = fix(tmp_path, source)
    acted = new != source or any(d.code == "AW512" for d in result.diagnostics)
    assert wanted or not acted
    assert wanted == (case not in UNUSED_BY_ASYNC_CODE)
    assert acted == (case in REFUSALS or case in MAYBE_USED_BY_ASYNC_CODE)


def test_a_refused_client_does_not_stop_another_in_the_same_function(tmp_path: Path) -> None:
    new, result = fix(tmp_path, """
        import redis


        async def f(url):
            keep = redis.from_url(url)
            register(keep)
            local = redis.from_url(url)
            return local.get("k")
    """)
    assert "keep = redis.from_url(url)" in new and "local = aioredis.from_url(url)" in new
    assert 'return await local.get("k")' in new and "import redis\n" in new
    assert len(result.diagnostics) == 1 and "`keep` is used as a value" in result.diagnostics[0].message


def test_an_ignore_comment_on_any_use_keeps_the_whole_client(tmp_path: Path) -> None:
    source = """
        import redis


        async def f(url):
            r = redis.from_url(url)
            r.set("k", 1)
            return r.get("k")  # awaitify: ignore[AW512]


        async def g(url):
            r = redis.from_url(url)  # awaitify: ignore[AW512]
            return r.get("k")
    """
    new, result = fix(tmp_path, source)
    assert new == textwrap.dedent(source).lstrip()
    [message] = messages(result)
    assert "line 7 says `awaitify: ignore`" in message


def test_fix_from_the_command_line_reports_a_module_global_client(tmp_path: Path, cli) -> None:
    (tmp_path / "cache.py").write_text("import redis\n\nCACHE = redis.Redis()\n\n\nasync def get(k):\n    return CACHE.get(k)\n")
    code, out, err = cli("fix", "--no-cache", ".")
    assert code == 0 and out == b""
    assert "cache.py:3:9 AW512 redis.Redis() is a sync redis client used from async code; not rewritten: it is a module " \
           "global that async code uses (get() line 7)" in err


def test_an_older_redis_py_gets_close_instead_of_aclose(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if redis is None:
        pytest.skip("redis-py is not installed (python3 -m pip install redis)")
    monkeypatch.delattr(redis.asyncio.Redis, "aclose", raising=False)
    close_method.cache_clear()
    try:
        new, _ = fix(tmp_path, "import redis\n\n\nasync def f():\n    r = redis.Redis()\n    r.close()\n")
    finally:
        monkeypatch.undo()
        close_method.cache_clear()
    assert "    await r.close()\n" in new


# --- behaviour against a real redis-server ------------------------------------------------------------------------------
HANDLERS = """
import json

import redis
from redis import Redis


async def profile(url: str, user: str) -> dict:
    r = redis.Redis.from_url(url, decode_responses=True)
    key = f"user:{user}"
    r.set(f"{key}:name", user.title())
    r.set(f"{key}:token", "t-" + user, ex=100)
    visits = r.incr(f"{key}:visits")
    visits = r.incrby(f"{key}:visits", 10)
    r.hset(f"{key}:profile", mapping={"plan": "pro", "seats": 3})
    seats = r.hincrby(f"{key}:profile", "seats", 2)
    r.expire(f"{key}:name", 50)
    out = {
        "name": r.get(f"{key}:name"),
        "missing": r.get(f"{key}:nothing"),
        "visits": visits,
        "seats": seats,
        "profile": r.hgetall(f"{key}:profile"),
        "ttl_ok": 0 < r.ttl(f"{key}:token") <= 100 and 0 < r.ttl(f"{key}:name") <= 50,
        "exists": r.exists(f"{key}:name", f"{key}:nothing"),
    }
    with r.pipeline() as p:
        p.rpush(f"{key}:log", "a", "b").rpush(f"{key}:log", "c")
        p.lrange(f"{key}:log", 0, -1)
        p.hget(f"{key}:profile", "plan")
        out["pipeline"] = p.execute()
    out["chain"] = r.pipeline(transaction=False).sadd(f"{key}:tags", "x", "y").scard(f"{key}:tags").execute()
    out["keys"] = sorted(k for k in [k for k in r.scan_iter(match=f"{key}:*")])
    for k in r.scan_iter(match=f"{key}:t*"):
        r.delete(k)
    out["left"] = sorted(r.keys(f"{key}:*"))
    out["raw"] = r.execute_command("GET", f"{key}:name")
    r.close()
    return out


async def raw_bytes(url: str) -> list:
    with Redis.from_url(url) as r:
        r.set("bytes", b"\\x00\\xff")
        return [r.get("bytes"), r.strlen("bytes"), json.dumps(r.get("missing"))]


async def wait_for_job(url: str, queue: str):
    r = redis.from_url(url)
    try:
        return r.blpop(queue, timeout=0.3)
    finally:
        r.close()
"""


def _run_handlers(module: types.ModuleType, url: str) -> dict:
    async def main():
        return {"alice": await module.profile(url, "alice"), "bob": await module.profile(url, "bob"),
                "raw": await module.raw_bytes(url), "empty_queue": await module.wait_for_job(url, "jobs")}
    return asyncio.run(main())


def test_rewritten_handlers_give_the_same_results_as_the_sync_ones(tmp_path: Path, server) -> None:
    url, check = server
    new, result = fix(tmp_path, HANDLERS, "handlers.py")
    assert result.diagnostics == []
    assert "= redis." not in new and "async with aioredis.Redis.from_url(url) as r:" in new
    before = _run_handlers(load(HANDLERS, "handlers_sync"), url)
    assert connected_clients(check) == 1  # the sync clients were closed
    state_before = {k: check.type(k) for k in check.keys("*")}
    check.flushall()
    after = _run_handlers(load(new, "handlers_async"), url)
    assert after == before
    assert before["alice"]["name"] == "Alice" and before["alice"]["visits"] == 11 and before["alice"]["seats"] == 5
    assert before["alice"]["pipeline"] == [2, 3, ["a", "b", "c"], "pro"] and before["alice"]["chain"] == [2, 2]
    assert before["raw"] == [b"\x00\xff", 2, "null"] and before["empty_queue"] is None
    assert {k: check.type(k) for k in check.keys("*")} == state_before
    assert connected_clients(check) == 1  # and so were the async ones: aclose() / async with


SCAN_COUNTS = """
import redis


async def count_keys(url: str) -> dict:
    r = redis.from_url(url, decode_responses=True)
    direct = len([k for k in r.scan_iter(match="s:*")])
    sorted_keys = sorted(k for k in [k for k in r.scan_iter(match="s:*")])
    r.close()
    return {"direct": direct, "sorted": sorted_keys}


async def count_in_genexp(url: str) -> int:
    r = redis.from_url(url, decode_responses=True)
    return sum(1 for _ in r.scan_iter(match="s:*"))
"""


def test_scan_iterators_in_comprehensions_keep_their_results_or_are_refused(tmp_path: Path, server) -> None:
    """A list comprehension in the function (or in the first iterable of a generator expression) gets
    `async for`; a generator expression consuming the scan is refused, not turned into an async generator
    that `sum()` cannot iterate (TypeError)."""
    url, check = server
    for i in range(5):
        check.set(f"s:{i}", i)
    new, result = fix(tmp_path, SCAN_COUNTS, "scans.py")
    assert [d.line for d in result.diagnostics] == [13] and "generator expression" in messages(result)[0]
    assert "sum(1 for _ in r.scan_iter(" in new and "async for _" not in new
    results = {}
    for label, text in (("sync", SCAN_COUNTS), ("async", new)):
        module = load(text, f"scans_{label}")
        results[label] = asyncio.run(module.count_keys(url)), asyncio.run(module.count_in_genexp(url))
    assert results["async"] == results["sync"] == ({"direct": 5, "sorted": [f"s:{i}" for i in range(5)]}, 5)


def test_gathered_rewritten_handlers_overlap_instead_of_queueing(tmp_path: Path, server) -> None:
    url, _ = server
    new, _ = fix(tmp_path, HANDLERS, "handlers.py")
    timings = {}
    for label, text in (("sync", HANDLERS), ("async", new)):
        module = load(text, f"handlers_{label}")

        async def main(module=module):
            start = time.perf_counter()
            results = await asyncio.gather(*[module.wait_for_job(url, f"queue:{i}") for i in range(4)])
            return results, time.perf_counter() - start

        results, timings[label] = asyncio.run(main())
        assert results == [None] * 4  # each BLPOP timed out after 0.3 s
    assert timings["sync"] >= 1.1  # four blocking 0.3 s BLPOPs, one after the other
    assert timings["async"] < 0.75, timings  # the four overlap: about one BLPOP's time


def test_a_rewritten_consumer_is_woken_while_another_coroutine_pushes(tmp_path: Path, server) -> None:
    url, _ = server
    new, _ = fix(tmp_path, """
        import redis


        async def consume(url):
            r = redis.from_url(url, decode_responses=True)
            item = r.blpop("work", timeout=5)
            r.close()
            return item


        async def produce(url):
            r = redis.from_url(url)
            r.rpush("work", "job-1")
            r.close()
    """, "queue.py")
    module = load(new, "queue_async")

    async def main():
        consumer = asyncio.create_task(module.consume(url))
        await asyncio.sleep(0.1)  # the consumer is blocked in BLPOP, but the loop is free
        await module.produce(url)
        return await asyncio.wait_for(consumer, 3)

    assert asyncio.run(main()) == ("work", "job-1")  # what the sync client's BLPOP gives too


# --- the STORY-217-modelled example -------------------------------------------------------------------------------------
FEATURES_RUN = """
import asyncio, json, sys
from backend.routes import features
async def main():
    first = await features.get_my_features("ana-beta")
    again = await features.get_my_features("ana-beta")
    other = await features.get_my_features("bo")
    return [first, again, other]
print(json.dumps(asyncio.run(main())))
"""


def test_story221_features_route_gets_an_async_client(tmp_path: Path, server, cli) -> None:
    url, check = server
    tree = tmp_path / "story221"
    shutil.copytree(EXAMPLE, tree)
    features = tree / "backend" / "routes" / "features.py"
    env = {**os.environ, "REDIS_URL": url}

    def run() -> list:
        check.flushall()
        proc = subprocess.run([sys.executable, "-W", "error::RuntimeWarning", "-c", FEATURES_RUN], cwd=tree, env=env,
                              capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        return [json.loads(proc.stdout), check.hgetall("features:stats"), check.ttl("features:ana-beta") > 0]

    before = run()
    code, _, err = cli("fix", "--write", "--allow-dirty", "--no-cache", ".", cwd=tree)
    assert code == 0, err
    assert "backend/routes/features.py" in err
    new = features.read_text()
    assert "import redis.asyncio as aioredis" in new and "import redis\n" not in new
    assert "cache = aioredis.from_url(settings.redis_url, decode_responses=True, socket_timeout=5)" in new
    assert "cached = await cache.get(key)" in new and 'await cache.hincrby("features:stats", "hits", 1)' in new
    assert "async with cache.pipeline() as pipe:" in new and "await pipe.execute()" in new
    assert 'pipe.set(key, json.dumps(flags), ex=FLAG_TTL)\n' in new  # buffered: not awaited
    assert f"await cache.{CLOSE}()" in new
    after = run()
    assert after == before
    assert before[0][0] == before[0][1] == {"new_search": True, "export_csv": True}
    assert before[1] == {"hits": "1", "misses": "2"}
    assert connected_clients(check) == 1
    code, out, _ = cli("check", "--select", "AW512", ".", cwd=tree)
    assert b"AW512" not in out  # nothing left for `check` to report


# --- the documentation ---------------------------------------------------------------------------------------------------
def test_the_doc_pages_fix_example_is_what_fix_does(tmp_path: Path) -> None:
    page = (ROOT / "docs" / "rules" / "sync-db-client.md").read_text()
    fix_section = page.split("\n## Fix\n", 1)[1]
    before, after = [block.split("\n", 1)[1] for block in fix_section.split("```")[1:4:2]]
    new, result = fix(tmp_path, before)
    assert new == after.replace("aclose()", f"{CLOSE}()") and result.diagnostics == []
