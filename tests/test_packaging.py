"""`pip install .` (not only `-e`) must ship every package: a subpackage missing from pyproject's
explicit list works in the editable install the tests use and breaks a real install."""

from __future__ import annotations

import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent


def test_every_subpackage_is_shipped() -> None:
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    packages, dirs = set(setuptools["packages"]), setuptools["package-dir"]
    found = {".".join(("awaitify", *p.parent.relative_to(ROOT / "src" / "awaitify").parts)).rstrip(".")
             for p in (ROOT / "src" / "awaitify").rglob("__init__.py")}
    assert found <= packages, f"missing from [tool.setuptools] packages: {sorted(found - packages)}"
    for package in packages:
        assert package in dirs and (ROOT / dirs[package]).is_dir(), package
