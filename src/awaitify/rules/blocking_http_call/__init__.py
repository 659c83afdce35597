"""# AW501 `blocking-http-call`: httpx/urllib3 module-level requests and `urllib.request.urlopen` in async code

## What it does
Reports these calls when they stand in an `async def`, or in a sync function that async code
reaches through resolved calls (then with the chain of calls that reaches it):

- httpx's module-level functions: `httpx.get`, `post`, `put`, `patch`, `delete`, `head`, `options`,
  `request` and `stream`;
- `urllib3.request(...)`;
- `urllib.request.urlopen(...)`.

Every import form is recognised (`import httpx as hx`, `from httpx import post`,
`from urllib.request import urlopen`). `requests.get(...)` and friends are AW201 `requests-httpx`.

## Why is this bad?
Each of these opens a connection, sends the request and waits for the answer on the calling thread.
In async code that thread runs the event loop: every other request, task and timer waits for the
whole network round trip, timeouts and retries included. (flake8-async: ASYNC210.)

## Example
```python
import httpx
from urllib.request import urlopen

async def forward_event(event: dict) -> int:
    response = httpx.post(WEBHOOK_URL, json=event, timeout=10)
    return response.status_code

async def fetch_rates() -> bytes:
    with urlopen(RATES_URL, timeout=5) as resp:
        return resp.read()
```
is reported as `AW501 httpx.post() blocks the event loop for a whole network round trip` and
`AW501 urllib.request.urlopen() ...`. Use an `httpx.AsyncClient`, ideally one for the whole app,
created at startup (in the lifespan) and closed at shutdown:
```python
async def forward_event(event: dict) -> int:
    response = await http.post(WEBHOOK_URL, json=event, timeout=10)  # http: httpx.AsyncClient
    return response.status_code

async def fetch_rates() -> bytes:
    response = await http.get(RATES_URL, timeout=5)
    return response.content
```

## When it is not reported
- Sync code that no async code reaches, and sync FastAPI endpoints (FastAPI runs them in a thread
  pool) with the code only they reach.
- Code in a lambda, or in a function handed to a thread: `await asyncio.to_thread(httpx.get, url)`,
  `loop.run_in_executor(None, fetch)`, `anyio.to_thread.run_sync(fetch)` (the function is passed,
  not called).
- Module level and class bodies (import time).
- Methods of clients: `httpx.Client` (AW503), `httpx.AsyncClient` (awaited), urllib3 pools (AW502).

## Suppressing
`# awaitify: ignore[AW501]` (or `# awaitify: ignore`) on the first or last line of the call, or the
flake8-async comment `# noqa: ASYNC210` (it silences AW201 on that line too). `awaitify fix` honours the same comments: it leaves the call as it is.

## Fix
`awaitify fix` moves these calls to a thread, inside `async def` (marked `[*]` by `check`):
- `httpx.get/post/put/patch/delete/head/options/request(...)` and `urllib3.request(...)`:
  `await asyncio.to_thread(httpx.post, WEBHOOK_URL, json=event)`, arguments kept;
- a `urlopen(...)` chain read at once, `urlopen(url).read().decode()`, moves as a whole:
  `await asyncio.to_thread(lambda: urlopen(url).read().decode())`, so the body is read in the thread too.
A bare `urlopen(...)` whose response is read later, `httpx.stream(...)`, and a call in a generator
expression are reported, not rewritten (the reads would still block). The lasting fix is a shared
`httpx.AsyncClient`, as above; the offload keeps behaviour and unblocks the loop today. A sync helper
that calls `httpx.get`/`urllib3.request` and is reached from async code is offloaded at its async call
sites.

Like every fix, this one writes no `await` inside an await barrier (a held thread lock, process-wide
state, a stretch another task may change, a `try` that swallows cancellation): such a call is left as
it is, and both commands say why ([which, and why](../safety.md#behaviour-is-kept-and-proved-by-running-the-code)).

## Fix safety
Safe: the call and its arguments move to a thread unchanged (`asyncio.to_thread`); the result is the same object.
"""

from __future__ import annotations

from awaitify.requests_plan import VERBS as HTTP_VERBS  # httpx has requests' verbs
from awaitify.rule import Example, offload_rule

RULE = offload_rule(
    "AW501", "blocking-http-call",
    "httpx/urllib3 module-level calls and urlopen(...).read() chains in async code -> await asyncio.to_thread(...)",
    triggers=("httpx", "urllib3", "urlopen"),
    offload_fixes=tuple(sorted({*(f"httpx.{v}" for v in HTTP_VERBS), "urllib3.request"})),
    why="blocks the event loop for a whole network round trip",
    family="HTTP",
    flake8_async=("ASYNC210",),
    fixed_by="AW501",
)

# Cases the suite runs with every rule on (tests/test_rule_examples.py; awaitify.rule.Example)
VALID = (
    Example("""\
import httpx


async def status(url):
    async with httpx.AsyncClient() as client:
        return (await client.get(url)).status_code
"""),
)

INVALID = (
    Example("""\
import httpx


async def status(url):
    return httpx.get(url).status_code
""", fixed="""\
import asyncio

import httpx


async def status(url):
    return (await asyncio.to_thread(httpx.get, url)).status_code
"""),
    Example("""\
from urllib.request import urlopen


async def page(url):
    return urlopen(url).read()
""", fixed="""\
import asyncio
from urllib.request import urlopen


async def page(url):
    return await asyncio.to_thread(lambda: urlopen(url).read())
"""),
    Example("""\
from urllib.request import urlopen


async def page(url):
    response = urlopen(url)
    return response.read()
"""),
)
