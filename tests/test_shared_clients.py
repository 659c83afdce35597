"""AW512 for a sync redis client that async code uses without having made it: `check` reports it
where it is made, not fixable, with the reason `fix` gives for leaving it; and reports nothing where
`fix` says nothing. Every case runs both commands with all rules on."""

from __future__ import annotations

from pathlib import Path

import pytest
from both_commands import check_and_fix

CASES = {
    "module global": ("""\
import redis

client = redis.Redis()


async def hit(key):
    return client.incr(key)


async def miss(key):
    return client.decr(key)
""", "it is a module global that async code uses (hit() line 7, miss() line 11)"),
    "class attribute": ("""\
import redis


class Cache:
    client = redis.from_url("redis://localhost")

    async def get(self, key):
        return self.client.get(key)
""", "it is a class attribute that async methods use (get())"),
    "stored on self": ("""\
from redis import Redis


class Counter:
    def __init__(self):
        self.client = Redis()

    async def hit(self, key):
        return self.client.incr(key)
""", "it is stored on `self.client`, which async methods use (hit())"),
    "used by sync code only": ("""\
import redis

client = redis.Redis()


def hit(key):
    return client.incr(key)
""", None),
    "a parameter of the same name": ("""\
import redis

client = redis.Redis()


async def hit(client, key):
    return await client.incr(key)
""", None),
    "used in a nested sync def": ("""\
import redis

client = redis.Redis()


async def hit(key):
    def later():
        return client.incr(key)
    return later
""", None),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_check_reports_what_fix_refuses(case: str, tmp_path: Path) -> None:
    text, reason = CASES[case]
    report, result = check_and_fix(tmp_path, text)
    findings = [f for f in report.findings if f.code == "AW512"]
    refusals = [d for d in result.diagnostics if d.code == "AW512"]
    assert not result.files
    if reason is None:
        assert findings == [] and refusals == []
        return
    [finding] = findings
    [refusal] = refusals
    assert not finding.fixable
    assert finding.message.endswith(f"; not fixed: {reason}")
    assert f"not rewritten: {reason}." in refusal.message
    assert (finding.line, finding.column) == (refusal.line, refusal.column)
