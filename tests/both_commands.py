"""One module in a project of its own, run through `check` and `fix` with every rule on: how the
tests that hold the two commands to the same answer set up each case."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from awaitify import api


def check_and_fix(tmp_path: Path, text: str, *, write: bool = False) -> tuple[api.Report, api.FixResult]:
    """`m.py` holding `text` under an empty `[tool.awaitify]`: check's report, then fix's result
    (written when `write`: the caller must have made `tmp_path` the current folder)."""
    (tmp_path / "pyproject.toml").write_text("[tool.awaitify]\n", encoding="utf-8")
    (tmp_path / "m.py").write_text(text, encoding="utf-8")
    config = str(tmp_path / "pyproject.toml")
    report = api.check([tmp_path], config=config, cache=False, jobs=1)
    return report, api.fix([tmp_path], config=config, cache=False, jobs=1, write=write)


def run_program(folder: Path) -> str:
    """What `python m.py` prints in `folder` (10 s at most: a rewrite that hangs fails)."""
    return subprocess.run([sys.executable, "m.py"], cwd=folder, capture_output=True, text=True, check=True,
                          timeout=10).stdout


def before_and_after(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                     text: str) -> tuple[str, str, api.Report, api.FixResult]:
    """The program `text` run (`run_program`), then `fix --write` with every rule on, then run again:
    (output before, output after, check's report before the fix, fix's result). The differential
    tests of the refusals that keep behaviour."""
    (tmp_path / "m.py").write_text(text, encoding="utf-8")
    before = run_program(tmp_path)
    monkeypatch.chdir(tmp_path)
    report, result = check_and_fix(tmp_path, text, write=True)
    return before, run_program(tmp_path), report, result


def function_at(text: str, line: int) -> str:
    """The name of the `async def` whose body holds `line` of `text` (the last one opened above it,
    indented or not): the case a finding or diagnostic belongs to in a table of cases."""
    above = [row.strip() for row in text.splitlines()[:line] if row.strip().startswith("async def ")]
    return above[-1].removeprefix("async def ").partition("(")[0]


def function_source(text: str, name: str) -> str:
    """The source of `async def name(...)` in `text`, up to the next blank-lines gap: what a test
    compares before and after the fix to say a function was left byte for byte."""
    start = text.index(f"async def {name}(")
    end = text.find("\n\n\n", start)
    return text[start:] if end == -1 else text[start:end]


def refusal_sets(report: api.Report, result: api.FixResult, code: str) -> tuple[set, set]:
    """(line, column, reason) of each `code` finding `check` calls not fixable (the reason it gives
    after "; not fixed: "), and of each `code` diagnostic of `fix` (its message): the two sets an
    agreement test compares, for the rules whose diagnostic is the reason itself (AW507)."""
    said = {(f.line, f.column, f.message.partition("; not fixed: ")[2]) for f in report.findings
            if f.code == code and not f.fixable}
    return said, {(d.line, d.column, d.message) for d in result.diagnostics if d.code == code}
