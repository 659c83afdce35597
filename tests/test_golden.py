"""Golden before/after files: tests/golden/<codemod>/<case>.in.py -> <case>.out.py (no .out.py:
the file must come back byte-identical). Diagnostics are checked where a case expects them."""

from __future__ import annotations

from pathlib import Path

import pytest

from awaitify.config import Config
from awaitify.plan import FilePlan
from awaitify.rules import all_rules
from awaitify.runner import fix_file
from awaitify.source import read_source

GOLDEN = Path(__file__).resolve().parent / "golden"
CASES = sorted(GOLDEN.glob("*/*.in.py"))

EXPECTED_DIAGNOSTICS = {
    "sleep/diagnostics": ["5:21 AW101", "6:12 AW101"],
    "asyncio_run/import_time": ["8:19 AW102"],
    "asyncio_run/loops": ["28:12 AW102"],
    # the stream is converted first: its `async with` keeps the file's block on the loop, said
    "requests_httpx/stream": ["5:10 AW507"],  # at the block's open(), where check reports it
    "requests_httpx/refusals": ["11:16 AW201", "15:12 AW201", "19:12 AW201", "23:12 AW201", "27:12 AW201", "31:9 AW201",
                                "38:9 AW514"],  # a session left is reported as check does: AW514
}


def _fix(path: Path):
    source = read_source(path, path.name)
    return fix_file(source, all_rules(), Config(root=path.parent), FilePlan())


@pytest.mark.parametrize("case", CASES, ids=lambda p: f"{p.parent.name}/{p.name[:-6]}")
def test_golden(case: Path) -> None:
    result = _fix(case)
    assert result.error is None
    expected_file = case.with_name(case.name.replace(".in.py", ".out.py"))
    expected = expected_file.read_bytes() if expected_file.exists() else case.read_bytes()
    assert result.new.decode() == expected.decode()
    key = f"{case.parent.name}/{case.name[:-6]}"
    found = [f"{d.line}:{d.column} {d.code}" for d in result.diagnostics]
    assert found == EXPECTED_DIAGNOSTICS.get(key, [])


@pytest.mark.parametrize("case", [c for c in CASES if c.with_name(c.name.replace(".in.py", ".out.py")).exists()],
                         ids=lambda p: f"{p.parent.name}/{p.name[:-6]}")
def test_golden_output_is_a_fixed_point(case: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.py"
    out.write_bytes(case.with_name(case.name.replace(".in.py", ".out.py")).read_bytes())
    assert _fix(out).new == out.read_bytes()


def test_diagnostic_rendering() -> None:
    result = _fix(GOLDEN / "sleep" / "diagnostics.in.py")
    assert result.diagnostics[0].render().startswith("diagnostics.in.py:5:21 AW101 time.sleep() blocks the event loop, but it stands in a lambda")
