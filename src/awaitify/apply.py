"""Applying a run's results to disk, safely.

- Refuses to write over uncommitted changes to the files it would touch (like `cargo fix`),
  unless `allow_dirty`.
- Never writes through a symlink that leads out of the folder the run was started in.
- Each file is written atomically (writer.atomic_write); Ctrl-C or SIGTERM between files leaves
  every file either fully old or fully new, and the caller learns which were written.
- With a verify command: runs it before and after; if it passed before and fails after, every
  written file is restored from the originals kept in memory.
"""

from __future__ import annotations

import signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from awaitify.errors import UsageError
from awaitify.runner import FileResult
from awaitify.writer import atomic_write


@dataclass
class ApplyReport:
    written: list[FileResult] = field(default_factory=list)
    refused: list[tuple[FileResult, str]] = field(default_factory=list)
    interrupted: bool = False
    restored: bool = False
    verify_output: str = ""


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
    return dirty


def _escapes(path: Path, root: Path) -> bool:
    return path.is_symlink() and not path.resolve().is_relative_to(root.resolve())


class _StopBetweenFiles:
    """Ctrl-C and SIGTERM during the writes only ask the loop to stop: it does so between two files,
    so no write is cut short and the list of written files is exact."""

    def __init__(self) -> None:
        self.requested = False

    def __enter__(self) -> "_StopBetweenFiles":
        self.previous = {sig: signal.signal(sig, self._request) for sig in (signal.SIGTERM, signal.SIGINT)}
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)

    def _request(self, signum: int, frame: object) -> None:
        self.requested = True


def _run_shell(command: str, cwd: Path) -> tuple[bool, str]:
    proc = subprocess.run(command, shell=True, cwd=cwd, capture_output=True, text=True)
    return proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]


def refuse_dirty(changed: list[FileResult]) -> None:
    dirty = dirty_files([r.path for r in changed])
    if dirty:
        names = ", ".join(sorted(str(p) for p in dirty)[:5]) + (" ..." if len(dirty) > 5 else "")
        raise UsageError(f"refusing to write over uncommitted changes in {names} "
                         "(commit or stash them, or pass --allow-dirty)")


def apply_results(changed: list[FileResult], root: Path, allow_dirty: bool = False,
                  verify_cmd: str | None = None) -> ApplyReport:
    report = ApplyReport()
    if not allow_dirty:
        refuse_dirty(changed)
    baseline_ok = _run_shell(verify_cmd, root)[0] if verify_cmd else False
    with _StopBetweenFiles() as stop:
        for result in changed:
            if stop.requested:
                report.interrupted = True
                return report
            if _escapes(result.path, root):
                report.refused.append((result, "a symlink that leads out of the tree; not written"))
                continue
            try:
                atomic_write(result.path, result.new)
            except OSError as exc:  # a read-only file or folder: this file is skipped, the others written
                report.refused.append((result, f"cannot write: {exc.strerror or exc}; left unchanged"))
                continue
            report.written.append(result)
        if stop.requested:  # arrived during the last write: everything was written all the same
            report.interrupted = True
            return report
    if verify_cmd and baseline_ok and report.written:
        ok, output = _run_shell(verify_cmd, root)
        if not ok:
            for result in report.written:
                atomic_write(result.path, result.old)
            report.restored, report.verify_output = True, output
    return report
