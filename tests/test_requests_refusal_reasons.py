"""A `requests` call in async code that AW201's fix leaves, for its arguments, for what its function's
plan refuses (a response used in a way httpx spells otherwise, passed on), or for a returned response
the project plan cannot follow into every caller: `check` reports it not fixable, at the same place,
with the reason the fix gives (it gave none, and called four of the argument cases fixable). All rules on."""

from __future__ import annotations

from pathlib import Path

from awaitify import api
from both_commands import check_and_fix, function_at

TEXT = '''import requests


async def auth_call(u, f):
    return requests.get(u, auth=f(), timeout=5).status_code


async def verify_call(u, f):
    return requests.get(u, verify=f(), timeout=5).status_code


async def between(u, f, h):
    return requests.post(u, json={}, timeout=f(), headers=h()).status_code


async def json_files(u, j):
    return requests.post(u, json=j, files={"a": 1}).status_code


async def cert_only(u):
    return requests.get(u, cert="c.pem", timeout=5).status_code


async def proxies(u, p):
    return requests.get(u, proxies={"http": p, "https": "x"}, timeout=5).status_code


async def hooks(u):
    return requests.get(u, hooks={}).status_code


async def starred(u, options):
    return requests.get(u, **options).status_code


async def raw(u):
    r = requests.get(u, timeout=5)
    return r.raw.read()


async def passed(u, sink):
    r = requests.get(u, timeout=5)
    sink(r)


async def returned(u):
    return requests.get(u, timeout=5)


async def caller(u):
    r = await returned(u)
    return r.iter_lines()


async def converted(u):
    return requests.get(u, auth=("a", "b"), verify=True, timeout=5).status_code
'''


def test_check_gives_the_reason_fix_leaves_a_request_for(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    report, result = check_and_fix(tmp_path, TEXT, write=True)
    said = {(f.line, f.column, f.message.partition("; not fixed: ")[2]) for f in report.findings
            if f.code == "AW201" and not f.fixable}
    left = {(d.line, d.column, d.message.partition("; not rewritten: ")[2]) for d in result.diagnostics if d.code == "AW201"}
    assert said == left and all(reason for _, _, reason in said)
    assert len({function_at(TEXT, line) for line, _, _ in left}) == len(left) == 11
    assert [function_at(TEXT, f.line) for f in report.findings if f.fixable] == ["converted"]
    assert any(reason.startswith("the response is returned and not followed into every caller: in its caller `caller`")
               for _, _, reason in said)
    after = api.check([tmp_path], config=str(tmp_path / "pyproject.toml"), cache=False, jobs=1)
    assert [f for f in after.findings if f.fixable] == []
