"""# AW507 `blocking-open`: `open()`, `io.open()`, `Path.open()`/`read_text()`/`write_bytes()`... in async code

## What it does
Reports, in an `async def` or in a sync function that async code reaches (then with the chain):

- the builtin `open(...)`, unless the file binds the name `open` itself (`from aiofiles import open`,
  a local `def open`); `io.open(...)`, `io.open_code(...)`, `codecs.open(...)`;
- `.open()`, `.read_text()`, `.read_bytes()`, `.write_text()`, `.write_bytes()` on a `pathlib.Path`
  the scanner sees being made: the call itself (`Path(p).read_text()`), or a name assigned
  `Path(...)` (`PosixPath`, `WindowsPath`) in the function, an enclosing function or at module level.

Reads and writes on the file object that `open()` returns are AW509 `file-object-io`.

## Why is this bad?
Opening, reading and writing a file are blocking system calls. Local disks are usually fast, but a
network file system, a busy disk or a large file can stall for many milliseconds, and in async code
the whole event loop stalls with it. (flake8-async: ASYNC230.)

## Example
```python
from pathlib import Path

async def save_upload(report_id: str, body: bytes) -> str:
    target = Path(UPLOAD_DIR, f"{report_id}.pdf")
    target.write_bytes(body)
    with open(TEMPLATE) as f:
        template = f.read()
    return template.format(path=target)
```
reports `AW507 target.write_bytes() ... [*]`, `AW507 open() ...` and `AW509 f.read() ...`.
`awaitify fix` rewrites the `Path` call: `await asyncio.to_thread(target.write_bytes, body)`. The
`open()` block is yours to move, e.g. `template = await asyncio.to_thread(Path(TEMPLATE).read_text)`,
or `async with await anyio.open_file(TEMPLATE) as f: template = await f.read()`.

## When it is not reported
- A path the scanner cannot see being made: `self.path.read_text()`, a parameter,
  `(base / name).read_text()`, a path returned by a function.
- Other `Path` methods (`exists()`, `stat()`, `iterdir()`, `mkdir()`, `unlink()`), `os.stat`,
  `os.listdir`; `aiofiles.open`, `anyio.open_file`, `anyio.Path`.
- Sync code that no async code reaches; sync FastAPI endpoints and the code only they reach.
- Code in a lambda, or in a function handed to `asyncio.to_thread`, `loop.run_in_executor` or
  `anyio.to_thread.run_sync`; module level and class bodies.

## Suppressing
`# awaitify: ignore[AW507]` (or `# awaitify: ignore`) on the first or last line of the call, or the
flake8-async comment `# noqa: ASYNC230`. `awaitify fix` honours the same comments: it leaves the call as it is.

## Fix
`awaitify fix` rewrites, inside `async def`:
- `read_text()`, `read_bytes()`, `write_text()` and `write_bytes()` on a `Path`:
  `await asyncio.to_thread(path.write_bytes, data)` (with `--target anyio`: `anyio.to_thread.run_sync`),
  arguments kept; the `Path` is still built on the loop;
- a `with open(...) as f:` block (also `io.open`, `codecs.open`): the block, unchanged, becomes the body
  of a local function run in a thread, and the names it assigns that the function reads outside the
  block are returned and bound again (the others stay local to the helper):
```python
async def load(path):
    with open(path, encoding="utf-8") as fh:
        raw = fh.read()
    return raw
```
becomes
```python
async def load(path):
    def _file_io():
        with open(path, encoding="utf-8") as fh:
            raw = fh.read()
        return raw
    raw = await asyncio.to_thread(_file_io)
    return raw
```
  Mode, encoding, newline and every other argument stay where they were, so the bytes written are the
  same. What blocks inside a block that moves goes with it: a nested `with open(...)`, a `Path` read, an
  `open()` call. Left alone, marked manual, and said in a diagnostic: a block that awaits (or holds an `async with`/`async for`, such as a
  requests download AW201 turned into an httpx stream), returns, yields, breaks, continues, deletes,
  imports, defines a function or class, declares `global`/`nonlocal`, updates an outer variable in place
  (`total += ...`), assigns a name bound before the block, whose file object is used after it (any
  later `f` in the function counts, a nested function's, lambda's or comprehension's own `f` too: the
  fix reads the function with Python's `ast`, as `check` does, and where unsure the block stays), or that
  may leave a name read after it unbound (assigned only in a loop, as in `for line in fh: last = line`,
  or in one branch of an `if`: the helper could not return it when the file is empty; a diagnostic
  says which name), or that uses state bound to the loop's thread (a sqlite3 connection or cursor made
  on the loop, at module level, in the function, imported from a project module or kept on `self`; a
  `threading.local`; a context variable it sets; an asyncio object; `asyncio.create_task()`,
  `get_running_loop()` and the other calls that need the running loop; what the `thread-bound` setting
  lists: docs/propagation.md). The diagnostic stands at the block's `open()`, where `check` reports it
  not fixable with the same reason: the first of those the fix meets, after the rules run before it
  (a requests call's statement in the block goes into `async with` for its client, so that block holds
  an `async with` before its `await`); `check` gives the reason on the file object's calls (AW509) too. Left alone and marked manual: a bare `open()` that is not such a `with` (nor
  inside one that moves); `io.open_code()`, `Path.open()`; a read or write in a generator
  expression (said, as `check` says it); and a call inside a sync helper (reported with its chain).

Like every fix, this one writes no `await` inside an await barrier (a held thread lock, process-wide
state, a stretch another task may change, a `try` that swallows cancellation): such a call is left as
it is, and both commands say why ([which, and why](../safety.md#behaviour-is-kept-and-proved-by-running-the-code)).

## Fix safety
Safe: the block moves unchanged into a helper run in a thread; only names read after it come back, and a block that may leave one of them unbound is refused (see Fix).
"""

from __future__ import annotations

from awaitify.rule import Example, offload_rule

# pathlib methods that read or write a whole file
PATH_IO_METHODS = ("read_text", "read_bytes", "write_text", "write_bytes")

RULE = offload_rule(
    "AW507", "blocking-open",
    "with open(...) blocks and Path.read_text/write_bytes/... in async code -> await asyncio.to_thread(...)",
    triggers=(*PATH_IO_METHODS, "open("),
    why="does blocking file I/O on the event loop",
    family="File I/O",
    flake8_async=("ASYNC230",),
    fixed_by="AW507",
)

# Cases the suite runs with every rule on (tests/test_rule_examples.py; awaitify.rule.Example)
VALID = (
    Example("""\
def load(path):
    with open(path) as f:
        return f.read()
"""),
)

INVALID = (
    Example("""\
async def save(path, text):
    with open(path, "w") as f:
        f.write(text)
""", fixed="""\
import asyncio

async def save(path, text):
    def _file_io():
        with open(path, "w") as f:
            f.write(text)
    await asyncio.to_thread(_file_io)
"""),
    Example("""\
from pathlib import Path


async def save(name, text):
    Path(name).write_text(text)
""", fixed="""\
import asyncio
from pathlib import Path


async def save(name, text):
    await asyncio.to_thread(Path(name).write_text, text)
"""),
    Example("""\
async def load(path):
    with open(path) as f:
        return f.read()
"""),
    Example("""\
async def last_line(path):
    with open(path) as f:
        for line in f:
            last = line
    return last
"""),
)
