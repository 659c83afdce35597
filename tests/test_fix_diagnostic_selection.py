"""`fix` shows a diagnostic only under a code `check` would report there: `--select`/`--ignore`,
the settings' `select`/`ignore` and `per-file-ignores` and `# awaitify: ignore[CODE]` drop the same
codes from both commands, in every output of `fix` (text, json, the Python API, stdin). A codemod may
speak under another rule's code (AW201 leaves a `requests.Session()` under AW514): deselecting that
code hid check's finding but not fix's diagnostic. The refusal itself stays: a session left sync is
still left sync when its diagnostic is not shown."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from inprocess_cli import cli_here  # noqa: F401  (a fixture)

from awaitify import api

SESSION = '''import requests


async def f(u):
    s = requests.Session()
    keep = s
    return keep.get(u, timeout=5)
'''

# AW101's fix leaves a sleep in a generator expression of async code (no await can go there)
SLEEP = '''import time


async def f(items):
    return list(time.sleep(i) for i in items)
'''

CASES = [(SESSION, "AW514", (5, 9)), (SLEEP, "AW101", (5, 17))]

# (pyproject.toml, select, ignore, the codes of CASES it hides); {code}: the case's code
SELECTIONS = [
    ("[tool.awaitify]\n", (), (), ()),
    ("[tool.awaitify]\n", (), ("{code}",), ("AW514", "AW101")),
    ("[tool.awaitify]\n", ("AW101", "AW201"), (), ("AW514",)),
    ('[tool.awaitify]\nignore = ["{code}"]\n', (), (), ("AW514", "AW101")),
    ('[tool.awaitify]\nselect = ["AW1", "AW2", "AW4"]\n', (), (), ("AW514",)),
    ('[tool.awaitify]\nper-file-ignores = {{"m.py" = ["{code}"]}}\n', (), (), ("AW514", "AW101")),
]


def _project(tmp_path: Path, text: str, pyproject: str) -> str:
    (tmp_path / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    (tmp_path / "m.py").write_text(text, encoding="utf-8")
    return str(tmp_path / "pyproject.toml")


def _places(items, code: str) -> set[tuple[int, int]]:
    return {(i.line, i.column) for i in items if i.code == code}


@pytest.mark.parametrize("text, code, place", CASES, ids=["AW514", "AW101"])
@pytest.mark.parametrize("pyproject, select, ignore, hides", SELECTIONS)
def test_fix_shows_a_diagnostic_where_check_reports_it(tmp_path: Path, text: str, code: str, place: tuple, pyproject: str,
                                                       select: tuple, ignore: tuple, hides: tuple) -> None:
    config = _project(tmp_path, text, pyproject.format(code=code))
    options = {"config": config, "select": select or None, "ignore": tuple(s.format(code=code) for s in ignore) or None,
               "cache": False, "jobs": 1}
    report, result = api.check([tmp_path], **options), api.fix([tmp_path], **options)
    expected = set() if code in hides else {place}
    assert _places(result.diagnostics, code) == _places(report.findings, code) == expected
    assert not result.changed  # the refusal is kept whether or not it is shown


def test_an_ignore_comment_hides_it_in_both(tmp_path: Path) -> None:
    text = SESSION.replace("requests.Session()", "requests.Session()  # awaitify: ignore[AW514]")
    config = _project(tmp_path, text, "[tool.awaitify]\n")
    report, result = api.check([tmp_path], config=config, cache=False), api.fix([tmp_path], config=config, cache=False)
    assert (report.findings, result.diagnostics, result.changed) == ((), (), False)


@pytest.mark.parametrize("args", [("--ignore", "AW514"), ("--select", "AW201")])
def test_every_output_of_the_command_leaves_it_out(tmp_path: Path, cli_here, args: tuple[str, str]) -> None:
    _project(tmp_path, SESSION, "[tool.awaitify]\n")
    code, _, err = cli_here("fix", "--no-cache", *args, "m.py")
    assert "AW514" not in err and "0 diagnostics" in err
    code, out, err = cli_here("fix", "--no-cache", "--format", "json", *args, "m.py")
    assert json.loads(out)["diagnostics"] == [] and "AW514" not in err
    code, out, _ = cli_here("fix", "--no-cache", "--format", "rdjson", *args, "m.py")
    assert "AW514" not in out.decode()
    code, _, err = cli_here("check", "--no-cache", *args, "m.py")
    assert code == 0 and "AW514" not in err
    # without the selection, the same runs show it (the cache holds every diagnostic)
    code, _, err = cli_here("fix", "m.py")
    code, _, again = cli_here("fix", *args, "m.py")
    code, _, after = cli_here("fix", "m.py")
    assert "m.py:5:9 AW514" in err and "AW514" not in again and "m.py:5:9 AW514" in after


def test_stdin_leaves_it_out(tmp_path: Path, cli_here, monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import sys

    _project(tmp_path, SESSION, "[tool.awaitify]\n")

    def run(*args: str) -> str:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(SESSION.encode())))
        return cli_here("fix", *args, "--stdin-filename", "m.py", "-")[2]

    assert "AW514" in run() and "AW514" not in run("--ignore", "AW514")


CHAINED = '''import time


def helper():
    time.sleep(0.01)
    return 1


async def f():
    time.sleep(0.01)
    return helper()
'''


@pytest.mark.parametrize(("select", "ignore", "both"), [
    (None, None, True), (("AW101", "AW401"), None, True), (("AW101",), None, False), (None, ("AW401",), False),
])
def test_a_finding_fixed_through_a_helper_is_fixable_only_when_propagation_is_selected(
        tmp_path: Path, select: tuple | None, ignore: tuple | None, both: bool) -> None:
    """The sleep in the helper is fixed by making the helper async (AW401): without AW401 in the
    selection `fix` leaves it, so `check` under that selection does not call it fixable (it did)."""
    config = _project(tmp_path, CHAINED, "[tool.awaitify]\n")
    options = {"config": config, "select": select, "ignore": ignore, "cache": False, "jobs": 1}
    report = api.check([tmp_path], **options)
    assert {(f.line, f.fixable) for f in report.findings if f.code == "AW101"} == {(5, both), (10, True)}
    fixed = api.fix([tmp_path], **options).files[0].new.decode()
    assert ("async def helper" in fixed) is both and "    await asyncio.sleep(0.01)\n    return" in fixed
