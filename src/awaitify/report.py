"""Human output for `fix`: the patch on stdout, the summary, skips and diagnostics on stderr."""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from typing import IO, TYPE_CHECKING, Callable, Iterator

from rich.console import Console
from rich.text import Text

from awaitify.diff import patch_base, patch_name, unified_diff
from awaitify.runner import RunResult

if TYPE_CHECKING:
    from awaitify.apply import ApplyReport


def make_console(color: str, stream: IO[str] | None = None) -> Console:
    force = {"always": True, "never": False}.get(color)
    return Console(
        file=stream or sys.stderr,
        force_terminal=force,
        no_color=color == "never",
        highlight=False,
        soft_wrap=True,
    )


@contextmanager
def progress_bar(console: Console, quiet: bool) -> Iterator[Callable[[str, int, int], None] | None]:
    """A progress bar on a terminal, shown only once a run has taken a second; nothing otherwise."""
    if quiet or not console.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    started = time.monotonic()
    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   console=console, transient=True)
    overall = Overall()
    task: list[int] = []

    def update(stage: str, done: int, total: int) -> None:
        overall.update(stage, done, total)
        if time.monotonic() - started < 1.0 and not task:
            return
        if not task:
            bar.start()
            task.append(bar.add_task("", total=overall.total))
        bar.update(task[0], description=f"{stage} files", completed=overall.done, total=overall.total)

    try:
        yield update
    finally:
        if task:
            bar.stop()


class Overall:
    """One bar for the whole run: the stages report their batches (`done` of `total`, starting again
    at 0 for each batch of the worker pool); the bar adds them up, so it never starts over."""

    def __init__(self) -> None:
        self._stages: dict[str, list[int]] = {}  # stage -> [files of finished batches, done, total]

    def update(self, stage: str, done: int, total: int) -> None:
        state = self._stages.setdefault(stage, [0, 0, 0])
        if done < state[1] or (done == 0 and state[2] and state[1] == state[2]):  # a new batch began
            state[0] += state[2]
        state[1], state[2] = done, total

    @property
    def done(self) -> int:
        return sum(base + done for base, done, _ in self._stages.values())

    @property
    def total(self) -> int:
        return sum(base + total for base, _, total in self._stages.values())


def patch_bytes(result: RunResult) -> bytes:
    base = patch_base([(str(r.path), r.display) for r in result.changed])
    return b"".join(unified_diff(r.old, r.new, patch_name(str(r.path), r.display, base)) for r in result.changed)


def patch_note(result: RunResult) -> str | None:
    """What to say beside a patch that names its files from another folder than the current one."""
    base = patch_base([(str(r.path), r.display) for r in result.changed])
    if base is None:
        return None
    return (f"awaitify: some changed files are outside the current folder: the patch names them from {base}; "
            f"apply it there (`git -C {base} apply`)")


def write_patch(result: RunResult, color: bool) -> None:
    data = patch_bytes(result)
    if not color:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    console = Console(file=sys.stdout, force_terminal=True, highlight=False, soft_wrap=True)
    for line in data.decode("utf-8", "replace").splitlines():
        style = "bold" if line.startswith(("---", "+++")) else "green" if line.startswith("+") else \
            "red" if line.startswith("-") else "cyan" if line.startswith("@@") else ""
        console.print(Text(line, style=style))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def print_summary(result: RunResult, console: Console, mode: str, quiet: bool, explain: bool,
                  applied: "ApplyReport | None" = None) -> None:
    """mode: "dry-run", "write" or "check": it picks the verb ("would change" / "changed")."""
    if applied is not None:
        if applied.interrupted:
            names = ", ".join(r.display for r in applied.written) or "none"
            console.print(Text(f"awaitify: interrupted: wrote {len(applied.written)} of {len(result.changed)} "
                               f"files completely ({names}); the others are untouched", style="red"))
            return
        if applied.restored:
            console.print(Text(f"awaitify: the verify command failed after the rewrite; restored "
                               f"{len(applied.written)} files. Its output ended with:\n{applied.verify_output}", style="red"))
            return
    for skipped in result.skipped:
        console.print(Text(f"{skipped.display}: {skipped.error}", style="yellow"))
    for diagnostic in result.diagnostics:
        console.print(Text(diagnostic.render()))
    for path, line, col, why in result.plan.needs_review:
        console.print(Text(f"{path}:{line}:{col} needs review: {why}", style="yellow"))
    for path, line, col, why in result.plan.unsafe_not_applied:
        console.print(Text(f"{path}:{line}:{col} unsafe fix not applied: {why}", style="yellow"))
    if quiet:
        return
    verb = "changed" if mode == "write" else "would change"
    outside = {r.display for r in result.outside_scope}
    for changed in result.changed:
        note = " (outside --changed-since: it calls a function the changed files made async)" if changed.display in outside else ""
        console.print(Text(f"{verb} {changed.display}{note}", style="bold"))
        if explain:
            for change in changed.changes:
                unsafe = " [unsafe]" if change.safety == "unsafe" else ""
                console.print(Text(f"  {change.line}:{change.column} {change.code}{unsafe} {change.message}"))
    if explain:
        for chain in result.plan.explanations:
            console.print(Text(chain))
    console.print(
        f"awaitify: {_plural(result.scanned, 'file')} scanned, {len(result.changed)} {verb}, "
        f"{len(result.skipped)} skipped, {_plural(len(result.diagnostics), 'diagnostic')}"
    )
