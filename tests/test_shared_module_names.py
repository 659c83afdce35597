"""Two files of one module name in a run: two projects given together (each with a top-level
`app.py`), two services of a monorepo each with its own `pkg/` package, or a copy of the project kept
inside it. An import of that name means the file beside the importer; where that cannot be told, the
call is left unresolved and a function it might reach keeps its signature."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from awaitify import api

SERVICE = """\
import requests


async def handler(url):
    try:
        return requests.get(url, timeout=2).status_code
    except requests.ConnectionError:
        return "down"
"""


def _awaitify(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    # a subprocess with a timeout: the case once hung both commands for good
    return subprocess.run([sys.executable, "-m", "awaitify", *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_two_projects_with_one_module_name_end_and_fix_each_as_alone(tmp_path: Path) -> None:
    for name in ("p1", "p2"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "app.py").write_text(SERVICE, encoding="utf-8")
    alone = _awaitify("fix", "--no-cache", "p1", cwd=tmp_path)
    together = _awaitify("fix", "--no-cache", "p1", "p2", cwd=tmp_path)
    checked = _awaitify("check", "--no-cache", "p1", "p2", cwd=tmp_path)
    assert together.returncode == 0, together.stderr
    assert checked.returncode == 1 and checked.stdout.count("AW201") == 2, checked.stdout
    patch_p1 = together.stdout[:together.stdout.index("--- a/p2/app.py")]
    assert patch_p1 == alone.stdout and "httpx.AsyncClient" in alone.stdout
    assert together.stdout[len(patch_p1):] == alone.stdout.replace("p1/", "p2/")
