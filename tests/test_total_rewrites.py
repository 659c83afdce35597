"""Rewrites are total: every file `fix` writes compiles and behaves as before (minus the blocking), or
the edit is refused with a diagnostic. Run with every rule."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from inprocess_cli import cli_here  # noqa: F401  (a fixture)


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def run_python(root: Path, code: str) -> str:
    proc = subprocess.run([sys.executable, "-W", "error::RuntimeWarning", "-c", textwrap.dedent(code)],
                          cwd=root, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


ALREADY_AWAITED = {
    "svc.py": """
        import asyncio
        import os
        import time


        def fetch():
            time.sleep(0.01)
            return asyncio.sleep(0, result=5)


        async def checked(path):
            try:
                return await os.path.isfile(path)
            except TypeError as error:
                return type(error).__name__


        async def napped():
            try:
                await time.sleep(0)
            except TypeError as error:
                return type(error).__name__


        async def fetched():
            return await fetch()


        async def main():
            return [await checked("svc.py"), await napped(), await fetched()]
        """,
}
SHOW = "import asyncio, json, svc; print(json.dumps(asyncio.run(svc.main())))"


def test_an_already_awaited_blocking_call_is_refused_not_awaited_twice(tmp_path: Path, cli_here) -> None:
    """`await os.path.isfile(p)` (flake8-async's fixtures): the offload would write `await await`, which
    ended in an internal error for the whole file. Now that call is left as it is, with a diagnostic,
    and the rest of the file is fixed; a sync function whose result is awaited is a propagation
    boundary (made async, `await f()` would give back the inner awaitable)."""
    write(tmp_path, ALREADY_AWAITED)
    before = json.loads(run_python(tmp_path, SHOW))
    code, out, err = cli_here("fix", "--write", "--allow-dirty", "--no-cache", "--explain", ".")
    assert code == 0, err
    assert "internal error" not in err
    assert err.count("already awaited, so the rewrite would write `await await`") == 2, err
    assert "`svc.fetch` is already awaited at svc.py:" in err
    text = (tmp_path / "svc.py").read_text()
    assert "await await" not in text and "def fetch():" in text and "async def fetch(" not in text
    assert "return await os.path.isfile(path)" in text and "await time.sleep(0)" in text
    after = json.loads(run_python(tmp_path, SHOW))
    assert after == before == ["TypeError", "TypeError", 5]
