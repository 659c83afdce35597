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


def _monorepo(root: Path) -> None:
    """Two services, each with a `pkg` package: a's `pkg.util.slow` blocks and its async caller is in
    another module; b's `pkg.util.f` blocks, an async function beside it calls it, and a sync function
    of another module (`pkg.other.g`) calls it too."""
    files = {
        "a/pkg/util.py": "import time\n\n\ndef slow():\n    time.sleep(0.01)\n    return 5\n",
        "a/pkg/svc.py": "from pkg.util import slow\n\n\nasync def h():\n    return slow()\n",
        "b/pkg/util.py": ("import time\n\n\ndef f():\n    time.sleep(0.01)\n    return 2\n\n\n"
                          "async def handler():\n    return f()\n"),
        "b/pkg/other.py": "from pkg.util import f\n\n\ndef g():\n    return f() + 1\n",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
        (root / name).with_name("__init__.py").touch()


def _run(folder: Path, code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], cwd=folder, capture_output=True, text=True,
                          check=True, timeout=30).stdout


def test_each_service_imports_its_own_package(tmp_path: Path, monkeypatch) -> None:
    _monorepo(tmp_path)
    alone = [_awaitify("fix", "--no-cache", service, cwd=tmp_path).stdout for service in ("a", "b")]
    together = _awaitify("fix", "--no-cache", ".", cwd=tmp_path)
    assert together.stdout == "".join(alone)
    # b's sync caller keeps a sync `f` (once made async there while g, resolved to a's module, was left)
    assert "async def f" not in together.stdout and "await asyncio.to_thread(f)" in together.stdout
    # a's helper is still followed into the module that awaits it
    assert "async def slow" in together.stdout and "return await slow()" in together.stdout

    monkeypatch.chdir(tmp_path)
    api.fix([tmp_path], cache=False, jobs=1, write=True)
    assert _run(tmp_path / "b", "from pkg.other import g; print(g())") == "3\n"
    assert _run(tmp_path / "b", "import asyncio; from pkg.util import handler; print(asyncio.run(handler()))") == "2\n"
    assert _run(tmp_path / "a", "import asyncio; from pkg.svc import h; print(asyncio.run(h()))") == "5\n"


def test_a_copy_kept_inside_the_project_is_not_what_the_project_imports(tmp_path: Path) -> None:
    """`backup/pkg/` beside `pkg/` (bybit's `checkpoints/`): `pkg.svc` imports `pkg.util` from
    the project's own folder, the copy's modules import the copy."""
    _monorepo(tmp_path)
    for name in ("pkg/util.py", "pkg/svc.py"):
        (tmp_path / "backup" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "backup" / name).write_text((tmp_path / "a" / name).read_text())
        (tmp_path / "backup" / name).with_name("__init__.py").touch()
    # the copy's `slow` blocks no more: only the project's own pkg.util.slow is made async
    (tmp_path / "backup/pkg/util.py").write_text("def slow():\n    return 5\n", encoding="utf-8")
    result = _awaitify("fix", "--no-cache", "a", "backup", cwd=tmp_path).stdout
    assert "+++ b/a/pkg/util.py" in result and "return await slow()" in result
    assert "backup/pkg/svc.py" not in result and "backup/pkg/util.py" not in result


def test_an_import_that_names_neither_file_leaves_the_function_sync(tmp_path: Path) -> None:
    """`tools/run.py` imports `pkg.util` from a folder under neither service: which `f` it calls
    cannot be told, so b's `f` keeps its signature and is offloaded where async code calls it."""
    _monorepo(tmp_path)
    (tmp_path / "tools").mkdir()
    (tmp_path / "tools/run.py").write_text("from pkg.util import f\n\n\ndef main():\n    return f()\n", encoding="utf-8")
    (tmp_path / "b/pkg/other.py").unlink()  # (else b's own sync caller would keep `f` sync anyway)
    result = api.fix([tmp_path], cache=False, jobs=1)
    patch = result.patch.decode()
    assert "async def f" not in patch and "await asyncio.to_thread(f)" in patch
    assert any("more than one file of this run bears" in c.message for f in result.files for c in f.changes)
