"""# AW504 `subprocess-spawn`: `subprocess.Popen`, `os.popen`, `os.spawn*` without `P_WAIT` in async code

## What it does
Reports calls that start a process, in an `async def` or in a sync function that async code reaches
(then with the chain of calls):

- `subprocess.Popen(...)`;
- `os.popen(...)`;
- `os.spawnl`, `spawnle`, `spawnlp`, `spawnlpe`, `spawnv`, `spawnve`, `spawnvp`, `spawnvpe` whose
  first argument is not written `os.P_WAIT` (e.g. `os.P_NOWAIT`). With `os.P_WAIT` the call waits for
  the process and is AW505 `subprocess-run`.

Every import form is recognised (`from subprocess import Popen`, `import subprocess as sp`).

## Why is this bad?
Starting a process is blocking work on the calling thread (fork or spawn, then exec; slower the
larger the parent process), and what usually follows — `proc.communicate()`, `proc.wait()`, reading `proc.stdout` — blocks
until the process writes or exits. In async code all of it runs on the event loop thread.
`asyncio.create_subprocess_exec` (or `anyio.open_process` / `anyio.run_process`) starts the process
and lets the loop serve other tasks while it runs. (flake8-async: ASYNC220.)

## Example
```python
import subprocess

async def tail_log(path: str) -> list[str]:
    proc = subprocess.Popen(["tail", "-n", "100", path], stdout=subprocess.PIPE, text=True)
    out, _ = proc.communicate()
    return out.splitlines()
```
is reported as `AW504 subprocess.Popen() starts a process with a blocking call`. Rewrite:
```python
import asyncio

async def tail_log(path: str) -> list[str]:
    proc = await asyncio.create_subprocess_exec("tail", "-n", "100", path, stdout=asyncio.subprocess.PIPE)
    out, _ = await proc.communicate()
    return out.decode().splitlines()
```
(asyncio's pipes carry bytes, and `text=True` is refused: decode the output yourself.)

## When it is not reported
- The calls on the `Popen` object (`communicate()`, `wait()`, ...): only the `Popen(...)` call is.
- `asyncio.create_subprocess_exec/shell`, `anyio.open_process`.
- Sync code that no async code reaches; sync FastAPI endpoints and the code only they reach.
- Code in a lambda, or in a function handed to `asyncio.to_thread`, `loop.run_in_executor` or
  `anyio.to_thread.run_sync`; module level and class bodies.

## Suppressing
`# awaitify: ignore[AW504]` (or `# awaitify: ignore`) on the first or last line of the call, or the
flake8-async comment `# noqa: ASYNC220`. `awaitify fix` honours the same comments: it leaves the call as it is.

## Fix
Not rewritten by `awaitify fix` yet: the finding is marked manual. Rewrite with
`asyncio.create_subprocess_exec` as above, or move the whole `Popen` + `communicate()` block into a
sync function and `await asyncio.to_thread(that_function, ...)`.

## Fix safety
No automatic fix (`check` reports it; the page above says how to fix it by hand), so no fix-safety class.
"""

from __future__ import annotations

from awaitify.rule import Example, Rule

RULE = Rule(
    code="AW504",
    name="subprocess-spawn",
    summary="subprocess.Popen, os.popen, os.spawn* without P_WAIT in async code",
    why="starts a process with a blocking call",
    family="Subprocess",
    flake8_async=("ASYNC220",),
)

# Cases the suite runs with every rule on (tests/test_rule_examples.py; awaitify.rule.Example)
VALID = (
    Example("""\
import asyncio


async def start(cmd):
    return await asyncio.create_subprocess_exec(*cmd)
"""),
)

INVALID = (
    Example("""\
import subprocess


async def start(cmd):
    return subprocess.Popen(cmd)
"""),
)
