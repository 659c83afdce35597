"""Applying a run's results to disk, safely.

- Refuses to write over uncommitted changes to the files it would touch (like `cargo fix`),
  unless `allow_dirty`.
- Writes only inside the tree the run was started in, never through a link (awaitify.safe_write):
  a fixed file whose real place is outside the tree, or behind a link swapped in, is refused.
- A read-only file is left alone, and so is a file that changed on disk since it was read (an
  editor saving during the run): both are failures, reported, and the run exits non-zero.
- Each file is written atomically; Ctrl-C or SIGTERM between files leaves every file either fully
  old or fully new, and the caller learns which were written.
- With a verify command: it must pass before anything is written (unless the caller allows a
  failing baseline); after the writes it runs again, with a timeout, in its own process group. If
  it fails, times out or is interrupted, every written file is restored from the originals kept in
  memory (all of them, even when one restore fails).
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from awaitify.errors import UsageError
from awaitify.runner import FileResult
from awaitify.safe_write import PathRefused, inside, write_file

VERIFY_TIMEOUT = 600.0  # seconds; `--verify-timeout`


@dataclass
class ApplyReport:
    written: list[FileResult] = field(default_factory=list)
    failed: list[tuple[FileResult, str]] = field(default_factory=list)  # not written: why
    interrupted: bool = False
    restored: bool = False
    restore_failed: list[tuple[FileResult, str]] = field(default_factory=list)
    verify_output: str = ""
    verify_problem: str = ""  # "failed", "timed out after 600 s", "interrupted"


def dirty_files(paths: list[Path]) -> list[Path]:
    """Files among `paths` with uncommitted changes in their git work tree (none outside git)."""
    dirty: list[Path] = []
    by_folder: dict[Path, list[Path]] = {}
    for path in paths:
        by_folder.setdefault(path.resolve().parent, []).append(path.resolve())
    for folder, files in by_folder.items():
        proc = subprocess.run(["git", "status", "--porcelain", "--", *map(str, files)], cwd=folder,
                              capture_output=True, text=True)
        if proc.returncode == 0 and proc.stdout.strip():
            top = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=folder, capture_output=True, text=True)
            root = Path(top.stdout.strip())
            dirty += [root / line[3:].strip('"') for line in proc.stdout.splitlines() if line[3:]]
    return list(dict.fromkeys(dirty))  # a path both staged and changed again is listed twice by git


class _StopBetweenFiles:
    """Ctrl-C and SIGTERM during the writes (and the verify command) only ask the loop to stop: it
    does so between two files, so no write is cut short and the list of written files is exact."""

    def __init__(self) -> None:
        self.requested = False

    def __enter__(self) -> "_StopBetweenFiles":
        # Python delivers signals to the main thread only, and only it may install handlers: called
        # from another thread (the Python API in a worker), there is nothing to catch.
        on_main = threading.current_thread() is threading.main_thread()
        self.previous = {sig: signal.signal(sig, self._request) for sig in (signal.SIGTERM, signal.SIGINT)} if on_main else {}
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)

    def _request(self, signum: int, frame: object) -> None:
        self.requested = True


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()


def run_verify(command: str, cwd: Path, timeout: float, stop: _StopBetweenFiles | None = None) -> tuple[str, str]:
    """Run the verify command in a process group of its own: ("" when it passed, else "failed",
    "timed out after N s" or "interrupted"; the tail of its output). On a timeout or a stop request
    the whole group is killed: a test runner's own children must not outlive it."""
    proc = subprocess.Popen(command, shell=True, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    output = bytearray()
    os.set_blocking(proc.stdout.fileno(), False)
    deadline = time.monotonic() + timeout
    problem = ""
    while True:
        chunk = _read_some(proc)
        if chunk:
            output += chunk
            del output[:-8000]
        if proc.poll() is not None and not chunk:
            break
        if stop is not None and stop.requested:
            problem = "interrupted"
            break
        if time.monotonic() > deadline:
            problem = f"timed out after {timeout:g} s"
            break
        if not chunk:
            time.sleep(0.02)
    _kill_group(proc)  # timed out or interrupted, or the shell exited: anything left in its group goes too
    if not problem and proc.returncode != 0:
        problem = f"failed (exit {proc.returncode})"
    proc.stdout.close()
    return problem, output.decode("utf-8", "replace")[-4000:]


def _read_some(proc: subprocess.Popen) -> bytes:
    try:
        return os.read(proc.stdout.fileno(), 65536)
    except BlockingIOError:
        return b""


def refuse_dirty(changed: list[FileResult]) -> None:
    dirty = dirty_files([r.path for r in changed])
    if dirty:
        names = ", ".join(sorted(str(p) for p in dirty)[:5]) + (" ..." if len(dirty) > 5 else "")
        raise UsageError(f"refusing to write over uncommitted changes in {names} "
                         "(commit or stash them, or pass --allow-dirty)")


def write_one(result: FileResult, root: Path, data: bytes, expect: bytes | None) -> str | None:
    """Write `data` to the file of `result`; None, or why it was not written."""
    try:
        top, parts = inside(result.path, root)
        write_file(top, parts, data, expect=expect, refuse_read_only=True)
    except PathRefused as exc:
        return str(exc)
    except OSError as exc:  # a full disk, a read-only folder: this file is skipped, the others written
        return f"cannot write: {exc.strerror or exc}; left unchanged"
    return None


def _fail(report: ApplyReport, result: FileResult, why: str) -> None:
    """A file not written is a failure, not a change: the summary lists it with the skipped files."""
    result.error = why
    report.failed.append((result, why))


def apply_results(changed: list[FileResult], root: Path, allow_dirty: bool = False,
                  verify_cmd: str | None = None, verify_timeout: float = VERIFY_TIMEOUT,
                  allow_failing_baseline: bool = False) -> ApplyReport:
    report = ApplyReport()
    if not allow_dirty:
        refuse_dirty(changed)
    with _StopBetweenFiles() as stop:
        verify_after = False
        if verify_cmd:
            problem, output = run_verify(verify_cmd, root, verify_timeout, stop)
            if problem == "interrupted":
                report.interrupted = True
                return report
            if problem and not allow_failing_baseline:
                raise UsageError(f"--verify-cmd {problem} before any file was written; nothing written (fix it, or "
                                 f"pass --verify-allow-failing-baseline). Its output ended with:\n{output[-1500:]}")
            verify_after = not problem
        for result in changed:
            if stop.requested:
                report.interrupted = True
                break
            why = write_one(result, root, result.new, expect=result.old)
            if why is None:
                report.written.append(result)
            else:
                _fail(report, result, why)
        if verify_after and report.written and not report.interrupted:
            problem, output = run_verify(verify_cmd, root, verify_timeout, stop)
            if problem:
                report.verify_problem, report.verify_output = problem, output
                _restore(report, root)  # a stop request during it is answered by this restore
        if stop.requested and not report.restored:
            report.interrupted = True  # arrived during the last write: everything was written all the same
    return report


def _restore(report: ApplyReport, root: Path) -> None:
    """Every written file back to what it was; one failing does not stop the others."""
    for result in report.written:
        why = write_one(result, root, result.old, expect=None)
        if why is not None:
            report.restore_failed.append((result, why))
    report.restored = True
