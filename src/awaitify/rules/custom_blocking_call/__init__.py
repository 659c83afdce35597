"""# AW103 `custom-blocking-call`: a call listed in `blocking-calls` config, in async code

## What it does
Reports a call to a function your project declares as blocking in `[tool.awaitify.blocking-calls]`,
when it stands in an `async def` or in a sync function that async code reaches through resolved
calls (then with the chain of calls). The name is matched through the file's imports, in any form:
`import mycorp.storage`, `from mycorp import storage`, `from mycorp.storage import get_blob [as g]`.
A configured name wins over the built-in tables: listing `subprocess.run` reports it as AW103.
Blocking calls *inside* a configured function are not reported; the calls to it are.

```toml
[tool.awaitify.blocking-calls]
"mycorp.storage.get_blob" = { replace = "mycorp.storage.aget_blob" }   # it has an async twin
"mycorp.pdf.render" = "offload"                                      # it has none: run it in a thread
```
A name must be dotted (`"pkg.mod.func"`); a value other than `"offload"` or `{ replace = "..." }` is
a configuration error (exit 2).

## Why is this bad?
Your own SDKs and helpers block like `requests.get` does: a storage client on a sync socket, a PDF
renderer that burns CPU. awaitify cannot know that from the code; this list tells it, and both
`check` and `fix` use it. (flake8-async: ASYNC200, its configurable blocking-call check.)

## Example
```python
from mycorp import storage
from mycorp.pdf import render

async def download(key):
    data = storage.get_blob(key)
    return render(data, dpi=300)
```
`awaitify check app/api.py` prints
```
app/api.py:5:12 AW103 mycorp.storage.get_blob() is configured as blocking; use `await mycorp.storage.aget_blob()` [*]
app/api.py:6:12 AW103 mycorp.pdf.render() is configured as blocking; use `asyncio.to_thread` [*]
```
and `awaitify fix` writes
```python
from mycorp import storage
from mycorp.pdf import render
import asyncio

async def download(key):
    data = await storage.aget_blob(key)
    return await asyncio.to_thread(render, data, dpi=300)
```

## When it is not reported
- Sync code that no async code reaches; code in a lambda outside async code or handed to a thread;
  a sync function handed to `asyncio.to_thread`, `loop.run_in_executor` or `anyio.to_thread.run_sync`;
  sync FastAPI endpoints.
- A call inside the module that defines the function, by its bare name: only names reached through
  an import are matched. A method of an instance (`client.get_blob()`) is not matched either.
- Module level and class bodies (import time).

## Suppressing
`# awaitify: ignore[AW103]` (or `# awaitify: ignore`) on the first or last line of the call, or the
flake8-async comment `# noqa: ASYNC200`. `awaitify fix` honours the same comments: it leaves the call as it is.

## Fix
`awaitify fix` rewrites it inside `async def`:
- `{ replace = "mycorp.storage.aget_blob" }`: `storage.get_blob(k)` -> `await storage.aget_blob(k)`;
  `get_blob(k)` -> `await aget_blob(k)`, adding `from mycorp.storage import aget_blob`. A sync helper
  that async code reaches is made `async def` by [propagation](../propagation.md) (its callers await
  it), or offloaded at its async call sites where it cannot become async.
- `"offload"`: `await asyncio.to_thread(mycorp.storage.get_blob, ...)`, spelled as the call was
  (`--target anyio`: `await anyio.to_thread.run_sync(...)`, with `functools.partial` for keyword
  arguments). A sync helper holding the call is offloaded the same way at its async call sites.
- A call in a lambda or generator expression inside async code is left as it is, with a diagnostic
  (`check` reports it not fixable, with the same reason).

Like every fix, this one writes no `await` inside an await barrier (a held thread lock, process-wide
state, a stretch another task may change, a `try` that swallows cancellation): such a call is left as
it is, and both commands say why ([which, and why](../safety.md#behaviour-is-kept-and-proved-by-running-the-code)).

## Fix safety
Safe as configured: the remedy (`offload` or `{ replace = ... }`) is the one your `blocking-calls` setting names; awaitify takes your word that the twin behaves the same. An `"offload"` entry naming a function of your project that touches state bound to the loop's thread (a sqlite3 connection made outside the call, a `threading.local`, a `ContextVar` it sets, an object the `thread-bound` setting lists: see [docs/propagation.md](../propagation.md#offloads-that-would-lose-thread-bound-state)) is still offloaded as configured, and each such call is named in `needs review` with the reason: the offload may break it. (A sync helper that only *holds* such a call is offloaded by propagation, where the same hazard makes the offload an unsafe fix.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from awaitify.rule import Example, Rule

if TYPE_CHECKING:
    from awaitify.config import Config


def _configured_names(config: Config) -> tuple[str, ...]:
    """The last names of the calls listed in `blocking-calls`: more trigger tokens."""
    return tuple(name.rpartition(".")[2] for name in config.blocking_calls)


RULE = Rule(
    code="AW103",
    name="custom-blocking-call",
    summary="calls listed in `blocking-calls` config -> their awaited async twin, or asyncio.to_thread",
    why="is configured as blocking",
    family="Configured",
    flake8_async=("ASYNC200",),
    fixed_by="AW103",
    fixable=True,
    triggers=(),  # only the configured names (config_triggers)
    order=35,
    config_triggers=_configured_names,
    async_only=True,
    local_edits=True,
    async_by_trigger=True,
)

# the settings the examples below run with
BLOCKING_CALLS = """\
[tool.awaitify.blocking-calls]
"corp.storage.get_blob" = { replace = "corp.storage.aget_blob" }
"corp.storage.scan" = "offload"
"""

# Cases the suite runs with every rule on (tests/test_rule_examples.py; awaitify.rule.Example)
VALID = (
    Example("""\
from corp import storage


def job(key):
    return storage.get_blob(key)
""", config=BLOCKING_CALLS),
)

INVALID = (
    Example("""\
from corp import storage


async def handler(key):
    return storage.get_blob(key)
""", fixed="""\
from corp import storage


async def handler(key):
    return await storage.aget_blob(key)
""", config=BLOCKING_CALLS),
    Example("""\
from corp.storage import scan


async def handler(prefix):
    return scan(prefix, limit=2)
""", fixed="""\
import asyncio

from corp.storage import scan


async def handler(prefix):
    return await asyncio.to_thread(scan, prefix, limit=2)
""", config=BLOCKING_CALLS),
    Example("""\
from corp import storage


async def sizes(keys):
    return sum(len(storage.get_blob(k)) for k in keys)
""", config=BLOCKING_CALLS),
)
