"""The `awaitify` command run in the test's own process: what the `cli` fixture (conftest.py) gives,
without starting an interpreter and importing libcst again for every run (about a second each here)."""

from __future__ import annotations

from pathlib import Path

import pytest

from awaitify.cli import main


@pytest.fixture
def cli_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes]):
    """Like `cli`: (exit code, stdout bytes, stderr text), run in `cwd` (default: tmp_path)."""

    def _run(*args: str, cwd: Path | None = None) -> tuple[int, bytes, str]:
        monkeypatch.chdir(cwd or tmp_path)
        capsysbinary.readouterr()
        try:
            main(list(args))
            code = 0
        except SystemExit as exit_info:
            code = exit_info.code if isinstance(exit_info.code, int) else (0 if exit_info.code is None else 1)
        out, err = capsysbinary.readouterr()
        return code, out, err.decode("utf-8", "replace")

    return _run
