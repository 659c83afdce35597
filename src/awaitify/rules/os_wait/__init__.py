"""# AW506 `os-wait`: `os.wait`/`waitpid` and friends in async code

## What it does
Reports `os.wait()`, `os.wait3()`, `os.wait4()`, `os.waitid()` and `os.waitpid()` in an `async def`,
or in a sync function that async code reaches through resolved calls (then with the chain of calls
that reaches it). Every import form is recognised (`from os import waitpid`, `import os as _os`).
The options are not read: a call with `os.WNOHANG`, which returns at once, is reported too.

## Why is this bad?
These calls put the calling thread to sleep until a child process changes state. In async code that
thread runs the event loop: every other request, task and timer waits until the child exits.
(flake8-async: ASYNC222.)

## Example
```python
import os

async def reap(pid: int) -> int:
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)
```
is reported as `AW506 os.waitpid() blocks the event loop until a child exits [*]`, and
`awaitify fix` writes:
```python
import os
import asyncio

async def reap(pid: int) -> int:
    _, status = await asyncio.to_thread(os.waitpid, pid, 0)
    return os.waitstatus_to_exitcode(status)
```
Same arguments, same result, same exceptions (`ChildProcessError`), raised at the `await`. For a
process you start yourself, `asyncio.create_subprocess_exec(...)` and `await proc.wait()` avoid the
thread altogether.

## When it is not reported
- `os.waitstatus_to_exitcode`, `os.WIFEXITED` and the other status helpers (no waiting);
  `Popen.wait()` and `Process.wait()` methods.
- Sync code that no async code reaches; sync FastAPI endpoints and the code only they reach.
- Code in a lambda, or in a function handed to `asyncio.to_thread`, `loop.run_in_executor` or
  `anyio.to_thread.run_sync`; module level and class bodies.

## Suppressing
`# awaitify: ignore[AW506]` (or `# awaitify: ignore`) on the first or last line of the call, or the
flake8-async comment `# noqa: ASYNC222` (the right choice for a deliberate `os.WNOHANG` poll). `awaitify fix` honours the same comments: it leaves the call as it is.

## Fix
`awaitify fix` rewrites each call inside `async def` to `await asyncio.to_thread(os.waitpid, ...)`
(with `--target anyio`: `await anyio.to_thread.run_sync(...)`). A call inside a list comprehension is
rewritten; one in a generator expression is reported, not rewritten. A sync helper that holds the
call and is reached from async code is offloaded at its async call sites, unless `propagate = "off"`.

Like every fix, this one writes no `await` inside an await barrier (a held thread lock, process-wide
state, a stretch another task may change, a `try` that swallows cancellation): such a call is left as
it is, and both commands say why ([which, and why](../safety.md#behaviour-is-kept-and-proved-by-running-the-code)).

## Fix safety
Safe: the call moves to a thread unchanged.
"""

from __future__ import annotations

from awaitify.rule import Example, offload_rule

RULE = offload_rule(
    "AW506", "os-wait",
    "os.wait/waitpid and friends in async code -> await asyncio.to_thread(...)",
    triggers=("wait",),
    offload_fixes=tuple(sorted(f"os.{f}" for f in ("wait", "wait3", "wait4", "waitid", "waitpid"))),
    why="blocks the event loop until a child exits",
    family="Subprocess",
    flake8_async=("ASYNC222",),
    fixed_by="AW506",
)

# Cases the suite runs with every rule on (tests/test_rule_examples.py; awaitify.rule.Example)
VALID = (
    Example("""\
import os


def reap(pid):
    return os.waitpid(pid, 0)
"""),
)

INVALID = (
    Example("""\
import os


async def reap(pid):
    _, status = os.waitpid(pid, 0)
    return status
""", fixed="""\
import asyncio
import os


async def reap(pid):
    _, status = await asyncio.to_thread(os.waitpid, pid, 0)
    return status
"""),
    Example("""\
import os


async def reap_all(pids):
    return list(os.waitpid(p, 0) for p in pids)
"""),
)
