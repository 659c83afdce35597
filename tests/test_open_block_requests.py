"""A `with open(...)` block holding a requests call (AW507 + AW201, every rule on): AW201's fix turns
the call into an `await` where it can, and AW507's fix then refuses to move the block (it says so);
where AW201's fix refuses the call (its response's name is bound to something else too), the block
moves to a thread, call and all. check must foresee which, and give fix's reasons."""

from __future__ import annotations

from pathlib import Path

import pytest

from awaitify import api
from both_commands import check_and_fix, function_at

CONVERTED = """\
import requests


async def download(path, url):
    with open(path, "wb") as f:
        r = requests.get(url)
        f.write(r.content)
"""

# `r` is also bound to None and read as a response (`.text`): the requests fix leaves the call
KEPT = """\
import requests


async def download(path, url):
    with open(path, "wb") as f:
        r = requests.get(url)
        f.write(r.text)
        r = None
    return path
"""


def _fixable(report: api.Report) -> dict[str, bool]:
    return {f"{f.code}:{f.line}": f.fixable for f in report.findings}


def _fixable_after_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> list[str]:
    monkeypatch.chdir(tmp_path)
    check_and_fix(tmp_path, text, write=True)
    again = api.check([tmp_path], config=str(tmp_path / "pyproject.toml"), cache=False, jobs=1)
    return [f"{f.code}:{f.line}" for f in again.findings if f.fixable]


def test_a_block_whose_requests_call_becomes_an_await_stays_and_both_say_why(tmp_path: Path) -> None:
    report, result = check_and_fix(tmp_path, CONVERTED)
    assert _fixable(report) == {"AW507:5": False, "AW201:6": True, "AW509:7": False}
    # the request's statement goes into `async with httpx.AsyncClient(...)`: the fix meets that first
    why = "the `with open(...)` block cannot move into a helper run in a thread (`async with`/`async for` in the block)"
    for finding in (f for f in report.findings if f.code in ("AW507", "AW509")):
        assert f"not fixed: {why}" in finding.message
    [refusal] = [d for d in result.diagnostics if d.code == "AW507"]
    assert refusal.line == 5 and refusal.message.startswith(why)
    assert b"_file_io" not in result.patch and b"await client.get(url" in result.patch


def test_a_block_whose_requests_call_is_kept_moves_and_check_foresees_it(tmp_path: Path) -> None:
    report, result = check_and_fix(tmp_path, KEPT)
    assert _fixable(report) == {"AW507:5": True, "AW201:6": False, "AW509:7": True}
    [kept] = [f for f in report.findings if f.code == "AW201"]
    [refusal] = [d for d in result.diagnostics if d.code == "AW201"]
    reason = "`r` is also bound to something else in this function and read as a response"
    assert (refusal.line, refusal.column) == (kept.line, kept.column)
    assert reason in refusal.message and f"not fixed: {reason}" in kept.message
    assert b"_file_io" in result.patch and not [d for d in result.diagnostics if d.code == "AW507"]


@pytest.mark.parametrize("text", [CONVERTED, KEPT], ids=["converted", "kept"])
def test_after_the_fix_check_finds_nothing_it_calls_fixable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            text: str) -> None:
    assert _fixable_after_write(tmp_path, monkeypatch, text) == []


# what AW201's fix writes in a block that AW507's fix then meets first, in each function
WRITTEN = """\
import time

import requests


async def request(url, path):
    with open(path, "w") as out:
        out.write(requests.get(url, timeout=5).text)


async def request_returned(url, path):
    with open(path, "w") as out:
        return requests.get(url, timeout=5).text


async def sleep_then_return(path):
    with open(path, "w") as out:
        time.sleep(1)
        return out.name


async def with_session(url, path):
    with open(path, "w") as out:
        with requests.Session() as s:
            out.write(s.get(url, timeout=5).text)


async def session_outside(url, path):
    s = requests.Session()
    with open(path, "w") as out:
        out.write(s.get(url, timeout=5).text)
    s.close()


async def stream_outside(url, path):
    r = requests.get(url, stream=True, timeout=5)
    with open(path, "wb") as out:
        for chunk in r.iter_content(1024):
            out.write(chunk)
    return r.status_code
"""


def test_check_gives_the_reason_of_what_the_fix_meets_first_in_a_block(tmp_path: Path, monkeypatch) -> None:
    """A request's statement goes into `async with` (the client), as does a `with` session; a streamed
    response's loop becomes `async for`; a session's calls and a sleep become `await`s. AW507's fix
    names the first it meets; check gave "`await`" for each (and called the block under a stream's
    loop fixable)."""
    report, result = check_and_fix(tmp_path, WRITTEN)
    said = {(f.line, f.column, f.message.partition("; not fixed: ")[2]) for f in report.findings
            if f.code == "AW507" and not f.fixable}
    left = {(d.line, d.column, d.message) for d in result.diagnostics if d.code == "AW507"}
    assert said == left and len(left) == 6
    kinds = {function_at(WRITTEN, line): why.partition("thread (")[2].partition(");")[0] for line, _, why in left}
    assert kinds == {"request": "`async with`/`async for` in the block", "request_returned": "`async with`/`async for` in the block",
                     "sleep_then_return": "`await` in the block", "with_session": "`async with`/`async for` in the block",
                     "session_outside": "`await` in the block", "stream_outside": "`async with`/`async for` in the block"}
    assert _fixable_after_write(tmp_path, monkeypatch, WRITTEN) == []
