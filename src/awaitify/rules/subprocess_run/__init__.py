"""# AW505 `subprocess-run`: `subprocess.run/call/check_*`, `os.system`, `os.posix_spawn*` in async code

## What it does
Reports these calls in an `async def`, or in a sync function that async code reaches through
resolved calls (then with the chain of calls that reaches it):

- `subprocess.run`, `call`, `check_call`, `check_output`, `getoutput`, `getstatusoutput`;
- `os.system`;
- `os.posix_spawn`, `os.posix_spawnp`;
- `os.spawnl`, `spawnv`, ... (the eight `os.spawn*` functions) when the first argument is written
  `os.P_WAIT`. Other modes, or a mode not spelled `os.P_WAIT`, are AW504 `subprocess-spawn`.

Every import form is recognised (`from subprocess import run`, `import subprocess as sp`).

## Why is this bad?
`subprocess.run` and friends start a process and wait on the calling thread until it exits; in async
code that thread runs the event loop, so every other request waits for the whole command.
`os.posix_spawn*` return the child's pid without waiting, but start it with a blocking call; they are
grouped here as flake8-async groups them. (flake8-async: ASYNC221.)

## Example
```python
import subprocess

async def thumbnail(src: str, dst: str) -> None:
    subprocess.run(["convert", src, "-resize", "256x256", dst], check=True)
```
is reported as `AW505 subprocess.run() blocks the event loop until the process exits [*]`, and
`awaitify fix` writes:
```python
import subprocess
import asyncio

async def thumbnail(src: str, dst: str) -> None:
    await asyncio.to_thread(subprocess.run, ["convert", src, "-resize", "256x256", dst], check=True)
```
Same arguments, same result (`CompletedProcess`, exit status, output) and the same exceptions
(`CalledProcessError`, `TimeoutExpired`), raised at the `await`. A native alternative, by hand:
`proc = await asyncio.create_subprocess_exec("convert", src, ...)` then `await proc.wait()`.

## When it is not reported
- Sync code that no async code reaches (CLIs, Celery tasks); sync FastAPI endpoints and the code only
  they reach.
- Code in a lambda, or in a function handed to a thread: `await asyncio.to_thread(subprocess.run,
  cmd)`, `loop.run_in_executor(None, build)`, `anyio.to_thread.run_sync(build)`.
- Module level and class bodies (import time).

## Suppressing
`# awaitify: ignore[AW505]` (or `# awaitify: ignore`) on the first or last line of the call, or the
flake8-async comment `# noqa: ASYNC221`. `awaitify fix` honours the same comments: it leaves the call as it is.

## Fix
`awaitify fix` rewrites every spelling above except `os.spawn*(os.P_WAIT, ...)`:
`f(*args, **kwargs)` -> `await asyncio.to_thread(f, *args, **kwargs)` (with `--target anyio`:
`await anyio.to_thread.run_sync(...)`, through `functools.partial` when there are keyword arguments).
Arguments are still evaluated on the loop, in the same order. A call inside a list comprehension is
rewritten; one in a generator expression is reported, not rewritten. A sync helper that holds the
call and is reached from async code is offloaded at its async call sites
(`await asyncio.to_thread(build, cmd)`), unless `propagate = "off"`.

### `subprocess = "exec"` (or `--subprocess exec`)
A simple `subprocess.run([...])` (the program and its arguments as a list or tuple literal; keywords
among `capture_output`, `text`, `check`, `stdout`, `stderr`, `input`, `cwd`, `env`) becomes
`await _run_process([...], ...)`: a helper written once into the module (after its imports) that runs
the program with `asyncio.create_subprocess_exec` and `communicate()`, no thread involved, and returns
the same `subprocess.CompletedProcess`: `args`, `returncode`, `stdout`/`stderr` as bytes, or as text
decoded with the locale's encoding and universal newlines for `text=True`; `check=True` raises
`CalledProcessError` with the captured output; `input=` is written to the program's stdin. Every other
call (`shell=True`, `timeout=`, a command in a variable, `call`/`check_output`, ...) is still offloaded
to a thread. The tests run both versions and compare results, errors and timing.

Like every fix, this one writes no `await` inside an await barrier (a held thread lock, process-wide
state, a stretch another task may change, a `try` that swallows cancellation): such a call is left as
it is, and both commands say why ([which, and why](../safety.md#behaviour-is-kept-and-proved-by-running-the-code)).

## Fix safety
Safe: the call moves to a thread unchanged; with `--subprocess exec` the helper returns the same `CompletedProcess` (the tests compare results and errors).
"""

from __future__ import annotations

from awaitify.rule import Example, offload_rule

# the subprocess functions that wait for the process
SUBPROCESS_CALLS = ("run", "call", "check_call", "check_output", "getoutput", "getstatusoutput")

RULE = offload_rule(
    "AW505", "subprocess-run",
    "subprocess.run/call/check_*, os.system in async code -> await asyncio.to_thread(...)",
    triggers=("subprocess", "system", "posix_spawn"),
    offload_fixes=tuple(sorted({*(f"subprocess.{f}" for f in SUBPROCESS_CALLS), "os.system", "os.posix_spawn", "os.posix_spawnp"})),
    why="blocks the event loop until the process exits",
    family="Subprocess",
    flake8_async=("ASYNC221",),
    fixed_by="AW505",
)

# Cases the suite runs with every rule on (tests/test_rule_examples.py; awaitify.rule.Example)
VALID = (
    Example("""\
import subprocess


def version():
    return subprocess.run(["git", "--version"], capture_output=True, text=True).stdout
"""),
)

INVALID = (
    Example("""\
import subprocess


async def version():
    done = subprocess.run(["git", "--version"], capture_output=True, text=True)
    return done.stdout
""", fixed="""\
import asyncio
import subprocess


async def version():
    done = await asyncio.to_thread(subprocess.run, ["git", "--version"], capture_output=True, text=True)
    return done.stdout
"""),
    Example("""\
import os


async def notify():
    os.system("true")
""", fixed="""\
import asyncio
import os


async def notify():
    await asyncio.to_thread(os.system, "true")
"""),
    Example("""\
import subprocess


async def run_all(cmds):
    return list(subprocess.run(c) for c in cmds)
"""),
)
