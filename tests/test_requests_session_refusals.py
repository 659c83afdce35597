"""A `requests.Session()` in async code that AW201's fix leaves (not bound once to a name whose whole use
is in the function): `check` reports it (AW514) not fixable with the reason the fix gives, at the place
the fix names."""

from __future__ import annotations

from pathlib import Path

from both_commands import check_and_fix

TEXT = '''import requests

STATE = {}


async def startup():
    STATE["session"] = requests.Session()


async def fetch(url):
    with requests.Session() as s:
        return s.get(url, timeout=5).json()
'''


def test_check_gives_the_reason_fix_leaves_a_session(tmp_path: Path) -> None:
    report, result = check_and_fix(tmp_path, TEXT)
    said = {(f.line, f.column, f.message.partition("; not fixed: ")[2]) for f in report.findings
            if f.code == "AW514" and not f.fixable}
    left = {(d.line, d.column, d.message.partition("; not rewritten: ")[2].partition(". Manual fix:")[0])
            for d in result.diagnostics if "requests.Session()" in d.message}
    assert said == left and {line for line, _, _ in said} == {7}
    assert [f.line for f in report.findings if f.code == "AW514" and f.fixable] == [11]
