from __future__ import annotations

from pathlib import Path

import pytest

from awaitify_runs import run_awaitify


@pytest.fixture
def cli(tmp_path: Path):
    """Run the real command line in a folder; returns (exit code, stdout bytes, stderr text). Each run
    is a process of its own (tests/awaitify_runs.py: forked from an interpreter that imported
    awaitify once)."""

    def _run(*args: str, cwd: Path | None = None) -> tuple[int, bytes, str]:
        proc = run_awaitify(*args, cwd=cwd or tmp_path)
        return proc.returncode, proc.stdout, proc.stderr.decode("utf-8", "replace")

    return _run
