"""`fix --interactive`, driven through a real pseudo-terminal: each change is offered with its
reason, the propagation plan as one unit, and whatever subset is accepted leaves valid code."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pexpect

FILES = {
    "pkg/__init__.py": "",
    "pkg/helpers.py": """
        import time


        def settle():
            time.sleep(0.01)
            return "settled"
    """,
    "pkg/handlers.py": """
        import time

        from pkg.helpers import settle


        async def first():
            time.sleep(0.01)
            return "first"


        async def second():
            time.sleep(0.01)
            return settle()
    """,
    "pkg/other.py": """
        import subprocess


        async def run():
            return subprocess.run(["true"]).returncode
    """,
}
RUN = "import asyncio, pkg.handlers as h, pkg.other as o\nprint(asyncio.run(h.first()), asyncio.run(h.second()), asyncio.run(o.run()))\n"


def _project(root: Path) -> None:
    for name, text in FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))


def _spawn(root: Path) -> pexpect.spawn:
    return pexpect.spawn(sys.executable, ["-m", "awaitify", "fix", "--interactive", "--no-cache", "--allow-dirty", "--color", "never", "."],
                         cwd=str(root), encoding="utf-8", timeout=60, dimensions=(50, 200))


def _runs(root: Path) -> str:
    proc = subprocess.run([sys.executable, "-W", "error::RuntimeWarning", "-c", RUN], cwd=root, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_accept_some_changes(tmp_path: Path) -> None:
    _project(tmp_path)
    assert _runs(tmp_path) == "first settled 0"
    child = _spawn(tmp_path)
    child.expect(r"why: made `settle` async")
    child.expect(r"Apply the whole propagation plan \(2 file\(s\), one unit\)\? \[y,n,q\]")
    child.sendline("y")
    child.expect(r"pkg/handlers.py:7 AW101")  # first(): its time.sleep
    child.expect(r"why: time.sleep\(\) -> await asyncio.sleep\(\)")
    child.expect(r"Apply this change\?")
    child.sendline("n")
    child.expect(r"pkg/handlers.py:12 AW101")
    child.sendline("maybe")  # not an answer: asked again
    child.expect(r"Apply this change\?")
    child.sendline("a")  # the rest of this file
    child.expect(r"pkg/helpers.py:5 AW101")  # the sleep in the helper the plan makes async
    child.expect(r"Apply this change\?")
    child.sendline("y")
    child.expect(r"pkg/other.py:5 AW505")
    child.expect(r"Apply this change\?")
    child.sendline("y")
    child.expect(r"wrote 3 of 3 files")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    handlers = (tmp_path / "pkg/handlers.py").read_text()
    assert "async def first():\n    time.sleep(0.01)" in handlers  # declined
    assert "    await asyncio.sleep(0.01)\n    return await settle()" in handlers
    assert "async def settle():\n    await asyncio.sleep(0.01)" in (tmp_path / "pkg/helpers.py").read_text()
    assert "await asyncio.to_thread(subprocess.run" in (tmp_path / "pkg/other.py").read_text()
    assert _runs(tmp_path) == "first settled 0"


def test_declining_the_propagation_plan_keeps_code_valid(tmp_path: Path) -> None:
    _project(tmp_path)
    child = _spawn(tmp_path)
    child.expect(r"\[y,n,q\]")
    child.sendline("n")
    for _ in range(4):  # handlers x2, the helper's sleep (no effect once the plan is declined), other
        child.expect(r"Apply this change\?")
        child.sendline("y")
    child.expect(pexpect.EOF)
    helpers = (tmp_path / "pkg/helpers.py").read_text()
    assert helpers == textwrap.dedent(FILES["pkg/helpers.py"]).lstrip("\n")  # propagation declined: untouched
    assert "    return settle()" in (tmp_path / "pkg/handlers.py").read_text()
    assert _runs(tmp_path) == "first settled 0"


def test_quit_writes_nothing(tmp_path: Path) -> None:
    _project(tmp_path)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*.py")}
    child = _spawn(tmp_path)
    child.expect(r"\[y,n,q\]")
    child.sendline("q")
    child.expect(pexpect.EOF)
    assert {p: p.read_bytes() for p in tmp_path.rglob("*.py")} == before
