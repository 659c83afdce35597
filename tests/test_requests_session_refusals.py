"""A `requests.Session()` in async code that AW201's fix leaves (not bound once to a name whose whole use
is in the function): `check` reports it (AW514) not fixable with the reason the fix gives, at the place
the fix names, and the fix's diagnostic is AW514 too, so one ignore comment acts the same in both
commands. An ignore on the session's `requests.Session()` (AW514) or on one of its requests (AW201)
keeps the whole session sync in both."""

from __future__ import annotations

from pathlib import Path

from awaitify import api
from both_commands import check_and_fix, function_at

TEXT = '''import requests

STATE = {}


async def startup():
    STATE["session"] = requests.Session()


async def fetch(url):
    with requests.Session() as s:
        return s.get(url, timeout=5).json()
'''


def _left(result: api.FixResult) -> set[tuple[int, int, str, str]]:
    """(line, column, code, reason) of each session the fix leaves, as its diagnostic says."""
    return {(d.line, d.column, d.code, d.message.partition("; not rewritten: ")[2].partition(". Manual fix:")[0])
            for d in result.diagnostics if d.message.startswith("requests.Session()")}


def _said(report: api.Report) -> set[tuple[int, int, str, str]]:
    return {(f.line, f.column, f.code, f.message.partition("; not fixed: ")[2]) for f in report.findings
            if f.code == "AW514" and not f.fixable}


def test_check_gives_the_code_and_reason_fix_leaves_a_session_with(tmp_path: Path) -> None:
    report, result = check_and_fix(tmp_path, TEXT)
    assert _said(report) == _left(result) and {(line, code) for line, _, code, _ in _left(result)} == {(7, "AW514")}
    assert [f.line for f in report.findings if f.code == "AW514" and f.fixable] == [11]


# Each case: an ignore comment on a session. The comment names the code `check` reports there: AW514
# on `requests.Session()`, AW201 on a request. (AW201 on a `requests.Session()` line names nothing.)
IGNORES = '''import requests

STATE = {}


async def left_silenced():
    STATE["a"] = requests.Session()  # awaitify: ignore[AW514]


async def left_wrong_code():
    STATE["b"] = requests.Session()  # awaitify: ignore[AW201]


async def kept_by_factory(url):
    with requests.Session() as s:  # awaitify: ignore[AW514]
        return s.get(url, timeout=5).json()


async def converted_wrong_code(url):
    with requests.Session() as s:  # awaitify: ignore[AW201]
        return s.get(url, timeout=5).json()


async def kept_by_request(url):
    with requests.Session() as s:
        return s.get(url, timeout=5).json()  # awaitify: ignore[AW201]
'''


def test_an_ignore_on_a_session_acts_the_same_in_both_commands(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    report, result = check_and_fix(tmp_path, IGNORES, write=True)
    assert _said(report) == _left(result)
    at = lambda found: {(function_at(IGNORES, line), code) for line, _, code, _ in found}  # noqa: E731
    assert at(_left(result)) == {("left_wrong_code", "AW514"), ("kept_by_request", "AW514")}
    assert {(function_at(IGNORES, d.line), d.message.partition("not rewritten: ")[2][:21]) for d in result.diagnostics} \
        == {("left_wrong_code", "only a session bound "), ("kept_by_request", "one of its calls says")}
    # an ignore naming a code nothing stands under is unused in check, and does nothing in fix
    assert {function_at(IGNORES, f.line) for f in report.findings if f.code == "AW001"} == {"left_wrong_code",
                                                                                          "converted_wrong_code"}
    # fixable in check exactly where the fix converts: the one session whose ignore names nothing
    assert {function_at(IGNORES, f.line) for f in report.findings if f.fixable} == {"converted_wrong_code"}
    written = (tmp_path / "m.py").read_text(encoding="utf-8")
    assert written.count("requests.Session()") == 4 and written.count("httpx.AsyncClient(") == 1
    after = api.check([tmp_path], config=str(tmp_path / "pyproject.toml"), cache=False, jobs=1)
    assert [f for f in after.findings if f.fixable] == []
    assert api.fix([tmp_path], config=str(tmp_path / "pyproject.toml"), cache=False, jobs=1).patch_text == ""
