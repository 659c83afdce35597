"""AW512: a redis client made in async code that the fix leaves for its arguments or for how it is
bound, `check` reports not fixable, with the fix's reason, at the same place; one the fix converts,
`check` calls fixable. All rules on. (The refusals that follow a client's uses are the fix's alone:
`check` still calls such a client fixable; see the rule's docs.)"""

from __future__ import annotations

from pathlib import Path

from both_commands import check_and_fix

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
