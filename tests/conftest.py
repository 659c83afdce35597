from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


@pytest.fixture
def cli(tmp_path: Path):
    """Run the real command line in a folder; returns (exit code, stdout bytes, stderr text)."""

    def _run(*args: str, cwd: Path | None = None) -> tuple[int, bytes, str]:
        proc = subprocess.run([sys.executable, "-m", "awaitify", *args], cwd=cwd or tmp_path, capture_output=True)
        return proc.returncode, proc.stdout, proc.stderr.decode("utf-8", "replace")

    return _run
