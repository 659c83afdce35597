"""# AW515 `shutil-io`: shutil copies, moves, rmtree and archives in async code

## What it does
Reports `shutil.copy`, `copy2`, `copyfile`, `copyfileobj`, `copytree`, `move`, `rmtree`, `make_archive`
and `unpack_archive` in an `async def`, or in a sync function that async code reaches (then with the
chain of calls), in every import form (`from shutil import copytree as ct`). `awaitify fix` moves each
call to a thread.

## Why is this bad?
These functions walk and copy whole file trees: milliseconds to minutes of blocking I/O, during which
the event loop serves nobody. There is no flake8-async rule for them.

## Example
```python
async def publish(build_dir, site_dir):
    shutil.rmtree(site_dir, ignore_errors=True)
    shutil.copytree(build_dir, site_dir)
```
becomes
```python
async def publish(build_dir, site_dir):
    await asyncio.to_thread(shutil.rmtree, site_dir, ignore_errors=True)
    await asyncio.to_thread(shutil.copytree, build_dir, site_dir)
```

## When it is not reported
Sync code no async code reaches; calls in a lambda or a nested function handed to
`asyncio.to_thread`/`run_in_executor`; sync FastAPI endpoints.

## Suppressing
`# awaitify: ignore[AW515]` (or `# awaitify: ignore`, or `# noqa: AW515`) on the call's line; `fix`
honours the same comments.

## Fix
`await asyncio.to_thread(shutil.f, *args, **kwargs)` (with `--target anyio`:
`anyio.to_thread.run_sync`, keywords through `functools.partial`). The arguments are evaluated on the
loop as before and in the same order; the result and any exception come back at the `await`. A call in a
generator expression inside async code is reported instead. A sync helper holding one of these calls and
reached from async code is offloaded at its async call sites. The tests copy, copy into and remove real
folders before and after the rewrite and compare the results.

Like every fix, this one writes no `await` inside an await barrier (a held thread lock, process-wide
state, a stretch another task may change, a `try` that swallows cancellation): such a call is left as
it is, and both commands say why ([which, and why](../safety.md#behaviour-is-kept-and-proved-by-running-the-code)).

## Fix safety
Safe: the call moves to a thread unchanged.
"""

from __future__ import annotations

from awaitify.rule import Example, offload_rule

# the shutil functions that copy, move or delete files
SHUTIL_CALLS = ("copy", "copy2", "copyfile", "copyfileobj", "copytree", "move", "rmtree", "make_archive", "unpack_archive")

RULE = offload_rule(
    "AW515", "shutil-io",
    "shutil copies, moves, rmtree and archives in async code -> await asyncio.to_thread(...)",
    triggers=("shutil",),
    offload_fixes=tuple(sorted(f"shutil.{f}" for f in SHUTIL_CALLS)),
    why="does blocking file-system work on the event loop",
    family="File I/O",
    fixed_by="AW515",
)

# Cases the suite runs with every rule on (tests/test_rule_examples.py; awaitify.rule.Example)
VALID = (
    Example("""\
import shutil


async def tool(name):
    return shutil.which(name)
"""),
)

INVALID = (
    Example("""\
import shutil


async def publish(build, site):
    shutil.rmtree(site)
    shutil.copytree(build, site)
""", fixed="""\
import asyncio
import shutil


async def publish(build, site):
    await asyncio.to_thread(shutil.rmtree, site)
    await asyncio.to_thread(shutil.copytree, build, site)
"""),
    Example("""\
import shutil


async def copy_all(pairs):
    return list(shutil.copy(a, b) for a, b in pairs)
"""),
)
