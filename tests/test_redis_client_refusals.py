"""AW512: a redis client made in async code that the fix leaves for its arguments, for how it is
bound or for how its name is used afterwards, `check` reports not fixable, with the fix's reason, at
the same place; one the fix converts, `check` calls fixable. All rules on."""

from __future__ import annotations

import ast
from pathlib import Path

from awaitify import api
from both_commands import check_and_fix, function_at

CLIENTS = '''\
import redis


class Store:
    async def keep(self):
        self.r = redis.Redis()
        return self.r.get("k")


async def chained(k):
    return redis.Redis().get(k)


async def in_a_comprehension(ks):
    return [redis.Redis().get(k) for k in ks]


async def two_names(k):
    a = b = redis.Redis()
    return a.get(k)


async def with_two_items(k, f):
    with redis.Redis() as r, f:
        return r.get(k)


async def with_no_name(k):
    with redis.Redis():
        return k


async def annotated(k):
    r: redis.Redis = redis.Redis()
    return r.get(k)


async def starred(k, options):
    r = redis.Redis(**options)
    return r.get(k)


async def sync_pool(k, pool):
    r = redis.Redis(connection_pool=pool)
    return r.get(k)


async def positional(k):
    r = redis.Redis("h", 6379, 0, "pw", 5)
    return r.get(k)


async def converted(k):
    r = redis.Redis(host="h")
    value = r.get(k)
    r.close()
    return value
'''


def test_check_gives_the_reason_fix_leaves_a_client_for(tmp_path: Path) -> None:
    report, result = check_and_fix(tmp_path, CLIENTS)
    said = {(f.line, f.column): f.message.partition("; not fixed: ")[2] for f in report.findings
            if f.code == "AW512" and not f.fixable}
    left = {(d.line, d.column): d.message.partition("; not rewritten: ")[2].partition(". Manual fix:")[0]
            for d in result.diagnostics if d.code == "AW512"}
    assert said == left
    assert len(left) == 10  # every case but the last
    assert [f.line for f in report.findings if f.code == "AW512" and f.fixable] == [CLIENTS.count("\n", 0, CLIENTS.index(
        'r = redis.Redis(host="h")')) + 1]
    assert b"    value = await r.get(k)\n" in result.patch  # the one converted


# How the client's name is used after it is made: one case per reason the fix gives (and the order
# it asks in), and clients it converts, which `check` must keep calling fixable.
USES = '''\
import redis


async def passed_on(k):
    r = redis.Redis()
    use(r)
    return r.get(k)


async def returned(k):
    r = redis.Redis()
    r.set(k, 1)
    return r


async def stored(k, d):
    r = redis.Redis()
    d["c"] = r


async def deleted(k):
    r = redis.Redis()
    del r


async def attribute(k):
    r = redis.Redis()
    return r.connection_pool


async def rebound(k):
    r = redis.Redis()
    r = None


async def parameter(r, k):
    r = redis.Redis()
    return r.get(k)


async def loop_target(ks):
    r = redis.Redis()
    for r in ks:
        pass


async def declared_global(k):
    global g
    g = redis.Redis()
    return g.get(k)


async def in_lambda(k):
    r = redis.Redis()
    return lambda: r.get(k)


async def in_nested_function(k):
    r = redis.Redis()

    async def inner():
        return r.get(k)
    return await inner()


async def in_generator(ks):
    r = redis.Redis()
    return list(r.get(k) for k in ks)


async def in_class_body(k):
    r = redis.Redis()

    class Holder:
        client = r
    return Holder


async def in_string_annotation(k):
    r = redis.Redis()
    x: "r" = 1
    return x


async def match_capture(k, v):
    r = redis.Redis()
    match v:
        case r:
            pass


async def pubsub(k):
    r = redis.Redis()
    return r.pubsub()


async def private_method(k):
    r = redis.Redis()
    return r._helper(k)


async def scan_listed(k):
    r = redis.Redis()
    return list(r.scan_iter(k))


async def scan_in_generator(k):
    r = redis.Redis()
    return sum(1 for _ in r.scan_iter(k))


async def scan_in_nested_comprehension(ks):
    r = redis.Redis()
    return [[key for key in r.scan_iter(k)] for k in ks]


async def pipeline_with_no_name(k):
    r = redis.Redis()
    with r.pipeline():
        pass


async def pipeline_with_two_items(k, f):
    r = redis.Redis()
    with r.pipeline() as p, f:
        p.execute()


async def pipeline_as_value(k):
    r = redis.Redis()
    p = r.pipeline()
    use(p)


async def pipeline_stored(k):
    r = redis.Redis()
    p = r.pipeline().set(k, 1)
    return p


async def pipeline_watch(k):
    r = redis.Redis()
    with r.pipeline() as p:
        p.watch(k)
        p.execute()


async def pipeline_rebound(k):
    r = redis.Redis()
    p = r.pipeline()
    p = None


async def pipeline_in_lambda(k):
    r = redis.Redis()
    p = r.pipeline()
    return lambda: p.execute()


async def ignored_use(k):
    r = redis.Redis()
    return r.get(k)  # awaitify: ignore[AW512]


async def first_problem_first(k):
    r = redis.Redis()
    use(r)
    return r.pubsub()


async def read_before_a_nested_rebinding(k):
    r = redis.Redis()

    def inner():
        print(r)
        r = 2
    return r.get(k), inner


async def commands(ks):
    r = redis.Redis()
    first = r.get(ks[0])
    return first, [r.get(k) for k in ks]


async def pipelines(k):
    r = redis.Redis()
    with r.pipeline() as p:
        p.set(k, 1)
        p.execute()
    q = r.pipeline()
    q.get(k)
    return q.execute(), r.pipeline().get(k).execute()


async def scans(k):
    r = redis.Redis()
    for key in r.scan_iter(k):
        print(key)
    return [key for key in r.sscan_iter(k)]


async def closed(k):
    r = redis.Redis()
    value = r.get(k)
    r.close()
    return value


async def with_client(k):
    with redis.Redis() as r:
        return r.get(k)


async def shadowed(ks):
    r = redis.Redis()

    def inner():
        r = 1
        return r
    return [r for r in ks], inner, r.get("k")


async def two_clients(k):
    a = redis.Redis()
    b = redis.Redis()
    use(a)
    return b.get(k)
'''
CONVERTED = {"commands", "pipelines", "scans", "closed", "with_client", "shadowed", "two_clients"}


def _functions(text: str) -> dict[int, str]:
    """line -> the name of the function standing there."""
    return {line: node.name for node in ast.parse(text).body if isinstance(node, ast.AsyncFunctionDef)
            for line in range(node.lineno, (node.end_lineno or node.lineno) + 1)}


def test_check_gives_the_reason_fix_leaves_a_client_for_by_its_uses(tmp_path: Path) -> None:
    report, result = check_and_fix(tmp_path, USES)
    said = {(f.line, f.column, f.code, f.message.partition("; not fixed: ")[2]) for f in report.findings
            if f.code == "AW512" and not f.fixable}
    left = {(d.line, d.column, d.code, d.message.partition("; not rewritten: ")[2].partition(". Manual fix:")[0])
            for d in result.diagnostics if d.code == "AW512"}
    assert said == left
    functions = _functions(USES)
    assert len({functions[line] for line, *_ in left}) == len(left) == 31  # one per case, and two_clients' `a`
    assert {functions[f.line] for f in report.findings if f.code == "AW512" and f.fixable} == CONVERTED
    assert sum(1 for d in left if functions[d[0]] == "two_clients") == 1


def test_after_fix_write_check_finds_no_client_fixable(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    _, result = check_and_fix(tmp_path, USES, write=True)
    assert result.diagnostics  # the refused ones stay, reported
    after = api.check([tmp_path], config=str(tmp_path / "pyproject.toml"), cache=False, jobs=1)
    assert [f for f in after.findings if f.fixable] == []
    written = (tmp_path / "m.py").read_text(encoding="utf-8")
    assert written.count("aioredis.Redis()") == len(CONVERTED)


def test_an_ignore_that_keeps_a_client_sync_is_no_unused_suppression(tmp_path: Path) -> None:
    """`# awaitify: ignore[AW512]` on one command keeps the whole client sync (the fix says so): the
    comment does something, and AW001 must not call it unused."""
    text = ("import redis\n\n\nasync def handler(key):\n    r = redis.Redis()\n"
            "    value = r.get(key)  # awaitify: ignore[AW512]\n    return value\n\n\n"
            "async def other(key):\n    return key  # awaitify: ignore[AW512]\n")
    report, result = check_and_fix(tmp_path, text)
    assert [(f.line, f.code) for f in report.findings if f.code == "AW001"] == [(11, "AW001")]
    assert [(d.line, d.code) for d in result.diagnostics] == [(5, "AW512")]
    assert any(f.line == 5 and "line 6 says `awaitify: ignore`" in f.message for f in report.findings)


def test_a_trio_program_keeps_its_clients_in_check_as_in_fix(tmp_path: Path) -> None:
    """redis.asyncio runs on asyncio only: fix leaves a trio program's clients, whether the module
    imports trio itself or only the program does; check says the same, at the same place."""
    (tmp_path / "main.py").write_text('import trio\nfrom b import handler\n\ntrio.run(handler, "k")\n', encoding="utf-8")
    (tmp_path / "b.py").write_text("import redis\n\n\nasync def handler(key):\n    r = redis.Redis()\n    return r.get(key)\n",
                                   encoding="utf-8")
    report, result = check_and_fix(tmp_path, "import time\n\nimport redis\nimport trio\n\n\nasync def run(key):\n"
                                   "    r = redis.Redis()\n    time.sleep(1)\n    return r.get(key)\n")
    said = {(f.path.rpartition("/")[2], f.line, f.column, f.message.partition("; not fixed: ")[2])
            for f in report.findings if f.code == "AW512"}
    left = {(d.path.rpartition("/")[2], d.line, d.column,
             d.message.partition("; not rewritten: ")[2].partition(". Manual fix:")[0]) for d in result.diagnostics}
    assert said == left and {s[:2] for s in said} == {("b.py", 5), ("m.py", 8)}
    assert all("this is a trio program" in s[3] for s in said)
    assert [f.code for f in report.findings if f.fixable] == ["AW101"]  # the sleep becomes trio.sleep


AWAITED = '''\
import redis


async def command(k):
    r = redis.Redis()
    return await r.get(k)


async def pipeline(k):
    with redis.Redis() as r:
        with r.pipeline() as p:
            p.set(k, 1)
            await p.execute()


async def close(k):
    r = redis.Redis()
    value = r.get(k)
    await r.close()
    return value


async def chain(k):
    r = redis.Redis()
    return await r.pipeline().set(k, 1).execute()


async def converted(k):
    r = redis.Redis()
    return r.get(k)
'''


def test_a_client_whose_command_is_already_awaited_is_left_in_both(tmp_path: Path) -> None:
    """`await r.get(k)` on a sync client raises TypeError; converting the client would make it succeed.
    The fix leaves such a client whole (it used to convert it and say at the command that it did not),
    and check gives the same reason at the same place; the other client is converted."""
    report, result = check_and_fix(tmp_path, AWAITED)
    said = {(f.line, f.column, f.code, f.message.partition("; not fixed: ")[2]) for f in report.findings if not f.fixable}
    left = {(d.line, d.column, d.code, d.message.partition("; not rewritten: ")[2].partition(". Manual fix:")[0])
            for d in result.diagnostics}
    assert said == left
    assert {(function_at(AWAITED, line), reason.partition(" awaits")[0]) for line, _, _, reason in left} == {
        ("command", "line 6"), ("pipeline", "line 13"), ("close", "line 19"), ("chain", "line 25")}
    assert [function_at(AWAITED, f.line) for f in report.findings if f.fixable] == ["converted"]
    assert result.patch_text.count("aioredis.Redis()") == 1


IN_A_MOVED_BLOCK = '''\
import redis


async def used_in_block(path, k):
    r = redis.Redis()
    with open(path) as fh:
        r.set(k, fh.read())
    return r.get(k)


async def block_without_it(path, k):
    r = redis.Redis()
    with open(path) as fh:
        data = fh.read()
    r.set(k, data)
    return r.get(k)
'''


def test_a_client_used_in_a_block_the_file_fix_moves_is_left_in_both(tmp_path: Path, monkeypatch) -> None:
    """AW507's fix runs first and moves the `with open()` block into a helper run in a thread; the
    redis fix then finds the client used in a nested function and leaves it. check called it fixable."""
    monkeypatch.chdir(tmp_path)
    report, result = check_and_fix(tmp_path, IN_A_MOVED_BLOCK, write=True)
    said = {(f.line, f.column, f.message.partition("; not fixed: ")[2]) for f in report.findings
            if f.code == "AW512" and not f.fixable}
    left = {(d.line, d.column, d.message.partition("; not rewritten: ")[2].partition(". Manual fix:")[0])
            for d in result.diagnostics if d.code == "AW512"}
    assert said == left and [function_at(IN_A_MOVED_BLOCK, line) for line, _, _ in left] == ["used_in_block"]
    assert [function_at(IN_A_MOVED_BLOCK, f.line) for f in report.findings if f.code == "AW512" and f.fixable] == [
        "block_without_it"]
    after = api.check([tmp_path], config=str(tmp_path / "pyproject.toml"), cache=False, jobs=1)
    assert [f for f in after.findings if f.fixable] == []
