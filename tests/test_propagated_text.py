"""`fix`'s pre-check where the plan makes a function async: the rules are asked about the file as
propagation leaves it (`awaitify.propagated_text`), since they act on that function as on any async
one. Asked about the file as it stands, sleep would skip the `time.sleep` of a helper made async."""

from __future__ import annotations

from pathlib import Path

import pytest

from awaitify.config import Config
from awaitify.propagated_text import as_propagated
from awaitify.rules import all_rules
from awaitify.runner import RunOptions, run
from awaitify.summary import summarize

HELPER_MADE_ASYNC = '''\
import time

import redis
import requests

CACHE = redis.Redis()
SHARED = redis.Redis()


def fetch(url):
    time.sleep(0.1)
    r = requests.get(url)
    SHARED.get("k")
    return r.status_code


def cached(key):
    return CACHE.get(key)


async def handler(url):
    return fetch(url)
'''


def test_the_text_spells_async_only_where_the_plan_says() -> None:
    text = "import time\n\nclass A:\n    @dec\n    def m(self):\n        time.sleep(1)\n\ndef f():\n  pass\r\n\ndef g():\n    pass\n"
    assert as_propagated(text, summarize("m.py", text), ["A.m", "f"]) == text.replace(
        "    def m", "    async def m").replace("def f", "async def f")
    assert as_propagated(text, summarize("m.py", text), []) == text
    assert as_propagated(text, summarize("m.py", text), ["nowhere"]) is None


def test_a_body_left_unread_is_not_guessed() -> None:
    """A function nested in a sync body the summary left unread is not in it: no text, so no rule's
    pre-check is asked (every rule the text allows runs)."""
    text = "def outer():\n    def inner():\n        return 1\n    return inner\n"
    summary = summarize("m.py", text)
    assert summary.pending and "outer.<locals>.inner" not in summary.functions
    assert as_propagated(text, summary, ["outer.<locals>.inner"]) is None


def _fix(tree: Path) -> tuple[bytes, list[str]]:
    result = run([tree], Config(root=tree), all_rules(), RunOptions(use_cache=False, jobs=1))
    [changed] = [r for r in result.results if r.changed]
    return changed.new, sorted(d.render() for d in result.diagnostics)


def test_rules_act_in_a_helper_the_plan_makes_async(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.py").write_text(HELPER_MADE_ASYNC)
    new, notes = _fix(tmp_path)
    assert b"async def fetch(url):\n    await asyncio.sleep(0.1)\n" in new
    assert any("module global that async code uses (fetch() line 13)" in n for n in notes)
    assert [n.split()[0].rpartition("/")[2] for n in notes if "AW512" in n] == ["a.py:7:10"]  # SHARED; CACHE only sync code uses
    import awaitify.runner
    import awaitify.transform

    for module in (awaitify.runner, awaitify.transform):  # every rule runs, no pre-check asked
        monkeypatch.setattr(module, "wants_hooks", dict)
    assert _fix(tmp_path) == (new, notes)


def test_a_rule_with_nothing_in_the_propagated_file_is_not_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With `SHARED` unused, no async function (fetch, once async, included) spells a redis client:
    sync-db-client is not run on the file, and the outcome is the same as when it is."""
    import awaitify.runner
    import awaitify.transform

    (tmp_path / "a.py").write_text(HELPER_MADE_ASYNC.replace('    SHARED.get("k")\n', ""))
    chosen: list[tuple[str, ...]] = []
    real = awaitify.runner.rules_for
    monkeypatch.setattr(awaitify.runner, "rules_for", lambda *a: chosen.append(tuple(r.name for r in real(*a))) or real(*a))
    new, notes = _fix(tmp_path)
    assert chosen and "sync-db-client" not in chosen[0] and "sleep" in chosen[0]
    for module in (awaitify.runner, awaitify.transform):
        monkeypatch.setattr(module, "wants_hooks", dict)
    assert _fix(tmp_path) == (new, notes)
