"""`check` sees a sync helper the plan makes async as `fix` does (awaitify.audit.propagated): what
`fix`'s rules refuse there, because the helper is an `async def` to them, `check` reports with the
same reason. Both commands, every rule on."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from both_commands import check_and_fix, refusal_sets
from test_propagated_text import HELPER_MADE_ASYNC

from awaitify import api

MEDIA = Path(__file__).parent / "apps" / "media"


def test_a_module_client_a_helper_made_async_uses_is_reported(tmp_path: Path) -> None:
    """`fetch` is made async (its `time.sleep`): `SHARED`, which it uses, is then a client async code
    uses, which `fix` leaves and says why; `check` reports it there, not fixable, for that reason."""
    report, result = check_and_fix(tmp_path, HELPER_MADE_ASYNC)
    reason = "it is a module global that async code uses (fetch() line 13)"
    assert [(f.line, f.column, f.fixable, f.message.partition("; not fixed: ")[2]) for f in report.findings
            if f.code == "AW512"] == [(7, 10, False, reason)]
    assert [(d.line, d.column) for d in result.diagnostics if d.code == "AW512" and reason in d.message] == [(7, 10)]


def test_an_open_block_in_a_helper_made_async_says_why_it_stays(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """tests/apps/media: `import_original` is made async (its `requests.get`), whose stream becomes
    `async with`; the `with open(...)` block inside then cannot move to a thread, and `check` says so
    as `fix` does."""
    tree = tmp_path / "media"
    shutil.copytree(MEDIA, tree)
    monkeypatch.chdir(tree)
    report = api.check(".", cache=False, jobs=1)
    result = api.fix(".", cache=False, jobs=1)
    said, told = refusal_sets(report, result, "AW507")
    assert said == told
    [(line, column, reason)] = [item for item in said if item[0] == 15]
    assert (line, column) == (15, 14) and "`async with`/`async for` in the block" in reason
    assert [f.path for f in report.findings if (f.line, f.code) == (15, "AW507")] == ["media/_importer.py"]


def test_no_plan_is_built_where_nothing_a_helper_holds_would_change(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The plan costs as much as `fix`'s: not asked for when making every helper on the chains
    async changes nothing `check` says (a `time.sleep` alone)."""
    import awaitify.audit.engine

    def no_plan(*args: object, **kwargs: object) -> None:
        raise AssertionError("the plan was built")

    monkeypatch.setattr(awaitify.audit.engine, "build_plan", no_plan)
    report, _ = check_and_fix(tmp_path, "import time\n\n\ndef nap():\n    time.sleep(1)\n\n\nasync def main():\n    nap()\n")
    assert [(f.code, f.fixable) for f in report.findings] == [("AW101", True)]
