"""What awaitify guarantees when it writes: nothing broken, nothing half-written, nothing lost."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
import warnings
from pathlib import Path

import pytest

from awaitify.config import Config
from awaitify.plan import FilePlan
from awaitify.rules import all_rules
from awaitify.runner import fix_file
from awaitify.source import read_source

BLOCKING = b"import time\n\n\nasync def handler():\n    time.sleep(1)\n"
FIXED = b"import asyncio\n\n\nasync def handler():\n    await asyncio.sleep(1)\n"


def test_a_rewrite_that_would_not_compile_is_not_written(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text("def sync():\n    return work()\n")
    # a plan that (wrongly) awaits a call inside a sync function: the result does not compile
    plan = FilePlan(await_calls={(2, 15): "test"})
    result = fix_file(read_source(path, "m.py"), all_rules(), Config(root=tmp_path), plan)
    assert result.error and "does not compile" in result.error and "'await' outside async function" in result.error
    assert not result.changed and result.new == result.old


def test_dirty_git_files_are_not_overwritten(tmp_path: Path, cli) -> None:
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    (tmp_path / "m.py").write_bytes(BLOCKING)
    subprocess.run(["git", "add", "."], cwd=tmp_path, check=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x"], cwd=tmp_path, check=True)
    assert cli("fix", "--write", ".")[0] == 0  # clean: written
    (tmp_path / "m.py").write_bytes(BLOCKING + b"# local edit\n")
    code, _, err = cli("fix", "--write", ".")
    assert code == 2 and "refusing to write over uncommitted changes" in err and "m.py" in err
    assert (tmp_path / "m.py").read_bytes() == BLOCKING + b"# local edit\n"
    assert cli("fix", "--write", "--allow-dirty", ".")[0] == 0
    assert (tmp_path / "m.py").read_bytes() == FIXED + b"# local edit\n"


def test_verify_command_failure_restores_every_file(tmp_path: Path, cli) -> None:
    for i in range(3):
        (tmp_path / f"m{i}.py").write_bytes(BLOCKING)
    (tmp_path / "guard.sh").write_text("grep -q time.sleep m0.py\n")
    code, _, err = cli("fix", "--write", "--verify-cmd", "sh guard.sh", ".")
    assert code == 1 and "restored 3 files" in err
    for i in range(3):
        assert (tmp_path / f"m{i}.py").read_bytes() == BLOCKING
    (tmp_path / "guard.sh").write_text("true\n")
    assert cli("fix", "--write", "--verify-cmd", "sh guard.sh", ".")[0] == 0
    assert (tmp_path / "m0.py").read_bytes() == FIXED


def test_symlink_out_of_the_tree_is_not_written(tmp_path: Path, cli) -> None:
    outside = tmp_path / "outside.py"
    outside.write_bytes(BLOCKING)
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "link.py").symlink_to(outside)
    code, _, err = cli("fix", "--write", "link.py", cwd=tree)
    assert "link.py: a symlink that leads out of the tree; not written" in err
    assert outside.read_bytes() == BLOCKING


def test_killed_write_leaves_every_file_old_or_new(tmp_path: Path) -> None:
    count = 400
    for i in range(count):
        (tmp_path / f"m{i:03}.py").write_bytes(BLOCKING)
    proc = subprocess.Popen([sys.executable, "-m", "awaitify", "fix", "--write", "--no-cache", "-q", "."],
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if any((tmp_path / f"m{i:03}.py").read_bytes() == FIXED for i in range(0, count, 7)):
            proc.send_signal(signal.SIGTERM)
            break
        time.sleep(0.002)
    _, err = proc.communicate(timeout=60)
    contents = [(tmp_path / f"m{i:03}.py").read_bytes() for i in range(count)]
    assert all(c in (BLOCKING, FIXED) for c in contents)
    assert not [p for p in tmp_path.iterdir() if "awaitify-tmp" in p.name]
    if proc.returncode == 130:
        written = sum(c == FIXED for c in contents)
        assert f"wrote {written} of {count} files completely" in err.decode()
    else:
        assert proc.returncode == 0 and all(c == FIXED for c in contents)


def _compiles(path: Path) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the stdlib's tests hold deliberate SyntaxWarnings
        try:
            compile(path.read_bytes(), str(path), "exec", dont_inherit=True)
            return True
        except Exception:
            return False


@pytest.mark.slow
def test_real_tree_cpython_stdlib(tmp_path: Path) -> None:
    tree = tmp_path / "stdlib"
    shutil.copytree(sysconfig.get_paths()["stdlib"], tree, symlinks=True,
                    ignore=shutil.ignore_patterns("site-packages", "__pycache__", "*.pyc"))
    files = sorted(p for p in tree.rglob("*.py") if p.is_file() and not p.is_symlink())
    before = {p: p.read_bytes() for p in files}
    compiled_before = {p for p in files if _compiles(p)}
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    proc = subprocess.run([sys.executable, "-m", "awaitify", "fix", "--write", "-q", "."], cwd=tree,
                          capture_output=True, text=True, env=env, timeout=1200)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    changed = [p for p in files if p.read_bytes() != before[p]]
    assert changed, "the stdlib has async code with blocking calls: something must change"
    for path in compiled_before:
        assert _compiles(path), path
    for path in set(files) - compiled_before:
        assert path.read_bytes() == before[path], f"{path} did not compile and must stay untouched"
    again = subprocess.run([sys.executable, "-m", "awaitify", "fix", "--check", "-q", "."], cwd=tree,
                           capture_output=True, text=True, env=env, timeout=1200)
    assert again.returncode == 0, again.stdout[-3000:]
