"""# AW510 `os-path`: `os.path` functions that touch the file system, in async code

## What it does
Reports the `os.path` functions that ask the file system — `exists`, `lexists`, `isfile`, `isdir`,
`islink`, `ismount`, `getsize`, `getatime`, `getmtime`, `getctime`, `samefile`, `sameopenfile` and
`realpath` — in an `async def`, or in a sync function that async code reaches through resolved calls
(then with the chain of calls). Every import form is recognised (`import os.path as osp`,
`from os.path import exists`).

## Why is this bad?
Each of these is a `stat()` (or several, for `realpath`) on the calling thread. On a local disk with
a warm cache that is quick, but on a network file system, a cold cache or a busy disk it blocks, and
in async code the event loop blocks with it. (flake8-async: ASYNC240.)

## Example
```python
import os

async def report_size(path: str) -> int:
    if not os.path.exists(path):
        return 0
    return os.path.getsize(path)
```
is reported as `AW510 os.path.exists() makes a blocking file-system call on the event loop [*]` (and
`getsize`), and `awaitify fix` writes:
```python
import os
import asyncio

async def report_size(path: str) -> int:
    if not await asyncio.to_thread(os.path.exists, path):
        return 0
    return await asyncio.to_thread(os.path.getsize, path)
```

## When it is not reported
- Pure path arithmetic, which does no I/O: `join`, `basename`, `dirname`, `split`, `splitext`,
  `abspath`, `normpath`, `expanduser`, ...
- `os.stat`, `os.listdir`, `os.scandir` and `Path.exists()`/`Path.stat()`: not in this rule's table.
- Sync code that no async code reaches; sync FastAPI endpoints and the code only they reach.
- Code in a lambda, or in a function handed to `asyncio.to_thread`, `loop.run_in_executor` or
  `anyio.to_thread.run_sync`; module level and class bodies.

## Suppressing
`# awaitify: ignore[AW510]` (or `# awaitify: ignore`) on the first or last line of the call, or the
flake8-async comment `# noqa: ASYNC240`. `awaitify fix` honours the same comments: it leaves the call as it is.

## Fix
`awaitify fix` rewrites each call inside `async def` to `await asyncio.to_thread(os.path.exists,
path)`, spelled as the call was (with `--target anyio`: `await anyio.to_thread.run_sync(...)`). A call
inside a list comprehension is rewritten; one in a generator expression (`any(os.path.isfile(p) for p
in paths)`) is reported, not rewritten. A sync helper that holds the call and is reached from async
code is offloaded at its async call sites (`await asyncio.to_thread(helper, path)`), unless
`propagate = "off"`.

Like every fix, this one writes no `await` inside an await barrier (a held thread lock, process-wide
state, a stretch another task may change, a `try` that swallows cancellation): such a call is left as
it is, and both commands say why ([which, and why](../safety.md#behaviour-is-kept-and-proved-by-running-the-code)).

## Fix safety
Safe: the call moves to a thread unchanged; a call the code already awaits is refused, not awaited twice.
"""

from __future__ import annotations

from awaitify.rule import Example, offload_rule

# os.path functions that touch the file system (`join`, `basename`, ... do not)
OS_PATH_IO = ("exists", "lexists", "isfile", "isdir", "islink", "ismount", "getsize", "getatime", "getmtime",
              "getctime", "samefile", "sameopenfile", "realpath")

RULE = offload_rule(
    "AW510", "os-path",
    "os.path functions that touch the file system, in async code -> await asyncio.to_thread(...)",
    triggers=OS_PATH_IO,
    offload_fixes=tuple(sorted(f"os.path.{f}" for f in OS_PATH_IO)),
    why="makes a blocking file-system call on the event loop",
    family="File I/O",
    flake8_async=("ASYNC240",),
    fixed_by="AW510",
)

# Cases the suite runs with every rule on (tests/test_rule_examples.py; awaitify.rule.Example)
VALID = (
    Example("""\
import os


async def where(folder, name):
    return os.path.join(folder, os.path.basename(name))
"""),
)

INVALID = (
    Example("""\
import os


async def size_of(path):
    if os.path.exists(path):
        return os.path.getsize(path)
    return 0
""", fixed="""\
import asyncio
import os


async def size_of(path):
    if await asyncio.to_thread(os.path.exists, path):
        return await asyncio.to_thread(os.path.getsize, path)
    return 0
"""),
    Example("""\
import os


async def any_missing(paths):
    return any(not os.path.exists(p) for p in paths)
"""),
)
