"""`pip install .` (not only `-e`) must ship every package and its data: a subpackage or data file
left out works in the editable install the tests use and breaks a real install."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_subpackage_is_shipped(tmp_path: Path) -> None:
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "src" / "awaitify", tmp_path / "src" / "awaitify", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    subprocess.run([sys.executable, "-c", "from setuptools import setup; setup()", "-q", "build_py", "--build-lib", "out"],
                   cwd=tmp_path, check=True, capture_output=True)
    source = {p.relative_to(ROOT / "src").as_posix() for p in (ROOT / "src" / "awaitify").rglob("*")
              if p.is_file() and "__pycache__" not in p.parts}
    built = {p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*") if p.is_file()}
    assert source - built == set(), "left out of the build"
