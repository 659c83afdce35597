"""A blocking object a class keeps on `self` (`self.session = requests.Session()` in `__init__`),
used by an async method: every call on it blocks the loop. check reports the call (it used to miss
it), not fixable: fix leaves it (the object outlives the call; the class must change by hand)."""

from __future__ import annotations

from pathlib import Path

from both_commands import check_and_fix

TEXT = """\
from pathlib import Path

import requests


class Client:
    def __init__(self, root):
        self.session = requests.Session()
        self.root = Path(root)

    async def me(self):
        return self.session.get("https://api.example.com/me").json()

    async def config(self):
        return (self.root / "x").read_text(), self.root.read_text()

    def sync_me(self):
        return self.session.get("https://api.example.com/me")
"""


def test_calls_on_what_self_keeps_are_reported_not_fixable(tmp_path: Path) -> None:
    report, result = check_and_fix(tmp_path, TEXT)
    found = [(f.line, f.code, f.fixable) for f in report.findings]
    assert (12, "AW201", False) in found
    assert (15, "AW507", False) in found  # self.root.read_text()
    assert not any(f.line == 18 for f in report.findings)  # sync code no async code reaches
    refusals = [(d.line, d.column, d.code) for d in result.diagnostics]
    assert (12, 16, "AW201") in refusals
    assert next(f.column for f in report.findings if f.line == 12) == 16
    assert not result.files
