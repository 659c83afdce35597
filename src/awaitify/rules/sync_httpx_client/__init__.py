"""# AW503 `sync-httpx-client`: methods of a sync `httpx.Client` in async code

## What it does
Reports the request methods of a sync `httpx.Client` — `get`, `post`, `put`, `patch`, `delete`,
`head`, `options`, `request`, `stream` and `send` — in an `async def` or in a sync function that
async code reaches (then with the chain of calls). The client must be one the scanner sees being made
with `httpx.Client(...)` (any import form, `from httpx import Client` too):

- a name assigned `httpx.Client(...)` in the same function, an enclosing function, or at module level;
- a name bound by `with httpx.Client(...) as client:`;
- or the call itself: `httpx.Client().get(url)`.

## Why is this bad?
`httpx.Client` is httpx's *sync* client: each method sends the request and waits for the response on
the calling thread. In async code that thread runs the event loop, so every other request, task and
timer waits for the whole round trip. `httpx.AsyncClient` has the same methods, awaited.
(flake8-async: ASYNC212.)

## Example
```python
import httpx

crm = httpx.Client(base_url=CRM_URL, timeout=10)

async def sync_contact(contact: dict) -> None:
    crm.post("/contacts", json=contact)
```
is reported as `AW503 crm.post() blocks the event loop for a whole network round trip`. Use an
`httpx.AsyncClient` (same constructor arguments), opened in the app's lifespan and closed at shutdown:
```python
crm = httpx.AsyncClient(base_url=CRM_URL, timeout=10)  # `await crm.aclose()` at shutdown

async def sync_contact(contact: dict) -> None:
    await crm.post("/contacts", json=contact)
```

## When it is not reported
- A client the scanner cannot see being made: an attribute (`self.client.get(...)`), a parameter, a
  client returned by a factory or imported from another module.
- `httpx.AsyncClient` methods; the module-level `httpx.get(...)` (that is AW501).
- Sync code that no async code reaches; sync FastAPI endpoints and the code only they reach.
- Code in a lambda, or in a function handed to `asyncio.to_thread`, `loop.run_in_executor` or
  `anyio.to_thread.run_sync`; module level and class bodies.

A client *created* inside an `async def` is also reported as AW514 `client-per-call`.

## Suppressing
`# awaitify: ignore[AW503]` (or `# awaitify: ignore`) on the first or last line of the call, or the
flake8-async comment `# noqa: ASYNC212`. `awaitify fix` honours the same comments: it leaves the call as it is.

## Fix
Not rewritten by `awaitify fix` yet: the finding is marked manual. Switch the client to
`httpx.AsyncClient` and await its calls, as above.

## Fix safety
No automatic fix (`check` reports it; the page above says how to fix it by hand), so no fix-safety class.
"""

from __future__ import annotations

from awaitify.rule import Example, Rule

RULE = Rule(
    code="AW503",
    name="sync-httpx-client",
    summary="methods of a sync httpx.Client in async code",
    why="blocks the event loop for a whole network round trip",
    family="HTTP",
    flake8_async=("ASYNC212",),
)

# Cases the suite runs with every rule on (tests/test_rule_examples.py; awaitify.rule.Example)
VALID = (
    Example("""\
import httpx

client = httpx.AsyncClient()


async def fetch(url):
    return (await client.get(url)).text
"""),
)

INVALID = (
    Example("""\
import httpx

client = httpx.Client()


async def fetch(url):
    return client.get(url).text
"""),
)
