"""# AW508 `os-fdopen`: `os.fdopen()` in async code

## What it does
Reports `os.fdopen(...)` in an `async def`, or in a sync function that async code reaches through
resolved calls (then with the chain of calls that reaches it). Every import form is recognised
(`from os import fdopen`, `import os as _os`). The file object it returns is tracked like one from
`open()`: its `read()`, `write()`, ... calls are reported as AW509 `file-object-io`.

## Why is this bad?
`os.fdopen` wraps a file descriptor in a regular, blocking file object (it is `open()` for a
descriptor). Every read or write through it is a blocking system call; on a pipe or a socket it waits
until the other side writes. In async code that wait holds up the event loop and every task on it.
(flake8-async: ASYNC231.)

## Example
```python
import os

async def read_pipe(fd: int) -> bytes:
    with os.fdopen(fd, "rb") as pipe:
        return pipe.read()
```
reports `AW508 os.fdopen() does blocking file I/O on the event loop` and `AW509 pipe.read() ...`.
Move the blocking part into a sync function and offload it:
```python
import asyncio
import os

def _read_all(fd: int) -> bytes:
    with os.fdopen(fd, "rb") as pipe:
        return pipe.read()

async def read_pipe(fd: int) -> bytes:
    return await asyncio.to_thread(_read_all, fd)
```
`_read_all` is handed to a thread (passed, not called), so nothing is reported any more. For a pipe,
`loop.connect_read_pipe` gives a truly async reader.

## When it is not reported
- Sync code that no async code reaches; sync FastAPI endpoints and the code only they reach.
- Code in a lambda, or in a function handed to `asyncio.to_thread`, `loop.run_in_executor` or
  `anyio.to_thread.run_sync` (as `_read_all` above); module level and class bodies.
- `os.read(fd, n)` and `os.write(fd, data)` on the bare descriptor are not in this rule's table.

## Suppressing
`# awaitify: ignore[AW508]` (or `# awaitify: ignore`) on the first or last line of the call, or the
flake8-async comment `# noqa: ASYNC231`. `awaitify fix` honours the same comments: it leaves the call as it is.

## Fix
Not rewritten by `awaitify fix` yet: the finding is marked manual. Offload the whole open-and-read
block as above (offloading `os.fdopen` alone would leave the reads on the loop).

## Fix safety
No automatic fix (`check` reports it; the page above says how to fix it by hand), so no fix-safety class.
"""

from __future__ import annotations

from awaitify.rule import Example, Rule

RULE = Rule(
    code="AW508",
    name="os-fdopen",
    summary="os.fdopen() in async code",
    why="does blocking file I/O on the event loop",
    family="File I/O",
    flake8_async=("ASYNC231",),
)

# Cases the suite runs with every rule on (tests/test_rule_examples.py; awaitify.rule.Example)
VALID = (
    Example("""\
import os


def wrap(fd):
    return os.fdopen(fd, "w")
"""),
)

INVALID = (
    Example("""\
import os


async def wrap(fd):
    return os.fdopen(fd, "w")
"""),
)
