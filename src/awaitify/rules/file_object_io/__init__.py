r"""# AW509 `file-object-io`: read/write methods of a file object in async code

## What it does
Reports `read()`, `readline()`, `readlines()`, `readinto()`, `write()`, `writelines()`, `seek()`,
`truncate()`, `flush()` and `tell()` on a file object, in an `async def` or in a sync function that
async code reaches (then with the chain of calls). A file object is what `open(...)`, `io.open(...)`,
`codecs.open(...)`, `os.fdopen(...)` or `Path(...).open()` returns, bound to:

- a name assigned in the same function, an enclosing function, or at module level
  (`AUDIT = open("audit.log", "a")`);
- a `with open(...) as f:` target;
- or nothing: `open(path).read()`.

The `open()` itself is AW507 `blocking-open` (AW508 for `os.fdopen`).

## Why is this bad?
A regular file object does blocking system calls: `read()` waits for the disk (or the pipe), `write()`
and `flush()` for the kernel to take the data. In async code they run on the event loop thread, so
every other task waits; a slow disk or a network file system turns that into a stall.
(flake8-async: ASYNC232.)

## Example
```python
AUDIT = open("/var/log/app/audit.log", "a")

async def record(event: str) -> None:
    AUDIT.write(event + "\n")
    AUDIT.flush()
```
reports `AW509 AUDIT.write() does blocking file I/O on the event loop` and `AW509 AUDIT.flush() ...`.
Offload the write, or use a logger whose handler writes from a thread (`logging.handlers.QueueHandler`
with a `QueueListener`):
```python
import asyncio

def _append(line: str) -> None:
    AUDIT.write(line)
    AUDIT.flush()

async def record(event: str) -> None:
    await asyncio.to_thread(_append, event + "\n")
```

## When it is not reported
- Iterating (`for line in f`), `f.close()`, and functions handed the file (`json.load(f)`,
  `csv.reader(f)`, `shutil.copyfileobj(f, out)`): only the method calls listed above are.
- A file object the scanner cannot see being made: an attribute (`self.log.write(...)`), a parameter,
  one returned by a function; `sys.stdout.write(...)`.
- Async file objects (`aiofiles`, `anyio.open_file`), whose methods are awaited.
- Sync code that no async code reaches; sync FastAPI endpoints and the code only they reach.
- Code in a lambda, or in a function handed to `asyncio.to_thread`, `loop.run_in_executor` or
  `anyio.to_thread.run_sync` (as `_append` above); module level and class bodies.

## Suppressing
`# awaitify: ignore[AW509]` (or `# awaitify: ignore`) on the first or last line of the call, or the
flake8-async comment `# noqa: ASYNC232`. `awaitify fix` honours the same comments: it leaves the call as it is.

## Fix
Inside a `with open(...) as f:` block that rule AW507 moves to a thread (see `awaitify explain AW507`),
the file's methods move with it: such findings are marked fixable and `awaitify fix` clears them. Others
are marked manual: offload the whole open/read/write work as one sync function
(`await asyncio.to_thread(...)`), or use `anyio.open_file` / `aiofiles`.

## Fix safety
No automatic fix (`check` reports it; the page above says how to fix it by hand), so no fix-safety class.
"""

from __future__ import annotations

from awaitify.rule import Example, Rule

RULE = Rule(
    code="AW509",
    name="file-object-io",
    summary="read/write methods of a file object in async code",
    why="does blocking file I/O on the event loop",
    family="File I/O",
    flake8_async=("ASYNC232",),
    fixed_by="AW507",
)

# Cases the suite runs with every rule on (tests/test_rule_examples.py; awaitify.rule.Example)
VALID = (
    Example("""\
async def head(reader):
    return await reader.readline()
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
async def load(path):
    with open(path) as f:
        return f.read()
"""),
)
