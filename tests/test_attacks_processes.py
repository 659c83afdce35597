"""Faults around processes: the run killed mid-way, and a verify command that hangs, fails or is
interrupted. What must hold: no process outlives the run, every file is whole (old or new), and
files written before a failed or cut-short verification are restored."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

BLOCKING = b"import time\n\n\nasync def handler():\n    time.sleep(1)\n"
FIXED = b"import asyncio\n\n\nasync def handler():\n    await asyncio.sleep(1)\n"

linux_only = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")


@pytest.fixture(autouse=True)
def private_key_home(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg")))


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for its parent to reap it counts as gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return fields[0] != "Z"


def _descendants(pid: int) -> set[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                pass
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _tree(tmp_path: Path, count: int) -> None:
    """Enough files that the run starts a worker pool."""
    for i in range(count):
        (tmp_path / f"m{i:03}.py").write_bytes(BLOCKING + b"".join(b"x%d = %d\n" % (j, j) for j in range(200)))


def _start_and_wait_for_helpers(tmp_path: Path, helpers: int) -> tuple[subprocess.Popen, set[int]]:
    proc = subprocess.Popen([sys.executable, "-m", "awaitify", "fix", "--no-cache", "-j", "2", "-q", "."], cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seen: set[int] = set()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        seen |= _descendants(proc.pid)
        if len(seen) >= helpers:
            break
        time.sleep(0.02)
    assert proc.poll() is None and len(seen) >= helpers, f"the run did not start {helpers} helpers ({seen})"
    return proc, seen


def _gone(pids: set[int], within: float = 10.0) -> set[int]:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.05)
    return {p for p in pids if _alive(p)}


@linux_only
def test_sigkill_of_the_run_leaves_no_helper_process(tmp_path: Path) -> None:
    """SIGKILL cannot be caught: the helpers (the pool's workers) must notice alone.
    Before: they stayed forever, blocked on their pipes (~490 MB on a large tree)."""
    _tree(tmp_path, 240)
    proc, helpers = _start_and_wait_for_helpers(tmp_path, 2)
    proc.kill()
    proc.wait(timeout=30)
    assert _gone(helpers | _descendants(proc.pid)) == set()


@linux_only
def test_sigterm_ends_the_run_like_ctrl_c(tmp_path: Path) -> None:
    _tree(tmp_path, 240)
    proc, helpers = _start_and_wait_for_helpers(tmp_path, 2)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "awaitify: interrupted" in err.decode()
    assert _gone(helpers) == set()
    assert all((tmp_path / f"m{i:03}.py").read_bytes().startswith(BLOCKING) for i in range(240))  # a dry run


# --- --verify-cmd -----------------------------------------------------------------------------
def _files(tmp_path: Path, count: int = 3) -> None:
    for i in range(count):
        (tmp_path / f"m{i}.py").write_bytes(BLOCKING)


def test_a_hanging_verify_command_times_out_is_killed_and_files_restored(tmp_path: Path, cli) -> None:
    _files(tmp_path)
    # passes at once on the original code; on the rewritten code it starts a child that hangs
    (tmp_path / "verify.sh").write_text("grep -q time.sleep m0.py && exit 0\nsleep 300 &\necho $! > hung.pid\nwait\n")
    start = time.monotonic()
    code, _, err = cli("fix", "--write", "--verify-cmd", "sh verify.sh", "--verify-timeout", "1", ".")
    assert time.monotonic() - start < 60
    assert code == 1 and "the verify command timed out after 1 s; restored 3 of 3 written files" in err
    assert all((tmp_path / f"m{i}.py").read_bytes() == BLOCKING for i in range(3))
    assert not _alive(int((tmp_path / "hung.pid").read_text()))  # its process group was killed


@linux_only
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupting_the_verify_command_restores_and_kills_it(tmp_path: Path, sig: int) -> None:
    _files(tmp_path)
    (tmp_path / "verify.sh").write_text("grep -q time.sleep m0.py && exit 0\nsleep 300 &\necho $! > hung.pid\nwait\n")
    proc = subprocess.Popen([sys.executable, "-m", "awaitify", "fix", "--write", "--verify-cmd", "sh verify.sh", "."],
                            cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not (tmp_path / "hung.pid").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.1)  # the pid file is written just before `wait`
    assert (tmp_path / "m0.py").read_bytes() == FIXED  # rewritten, under verification
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "the verify command interrupted; restored 3 of 3 written files" in err.decode()
    assert all((tmp_path / f"m{i}.py").read_bytes() == BLOCKING for i in range(3))
    assert _gone({int((tmp_path / "hung.pid").read_text())}) == set()


def test_a_failing_baseline_is_an_error_unless_allowed(tmp_path: Path, cli) -> None:
    _files(tmp_path, 1)
    code, _, err = cli("fix", "--write", "--verify-cmd", "echo broken before; exit 4", ".")
    assert code == 2 and "--verify-cmd failed (exit 4) before any file was written; nothing written" in err
    assert "broken before" in err and (tmp_path / "m0.py").read_bytes() == BLOCKING
    code, _, err = cli("fix", "--write", "--verify-cmd", "exit 4", "--verify-allow-failing-baseline", ".")
    assert code == 0 and (tmp_path / "m0.py").read_bytes() == FIXED


def test_restore_goes_on_after_a_file_fails_to_restore(tmp_path: Path, monkeypatch) -> None:
    from awaitify import apply
    from awaitify.runner import FileResult

    _files(tmp_path)
    results = [FileResult(tmp_path / f"m{i}.py", f"m{i}.py", BLOCKING, FIXED) for i in range(3)]
    real = apply.write_one

    def broken_restore(result, root, data, expect):
        if data == BLOCKING and result.display == "m0.py":
            return "cannot write: Input/output error; left unchanged"
        return real(result, root, data, expect)

    monkeypatch.setattr(apply, "write_one", broken_restore)
    (tmp_path / "verify.sh").write_text("grep -q time.sleep m2.py\n")
    report = apply.apply_results(results, tmp_path, allow_dirty=True, verify_cmd="sh verify.sh")
    assert report.restored and report.verify_problem == "failed (exit 1)"
    assert [r.display for r, _ in report.restore_failed] == ["m0.py"]
    assert [(tmp_path / f"m{i}.py").read_bytes() for i in range(3)] == [FIXED, BLOCKING, BLOCKING]
