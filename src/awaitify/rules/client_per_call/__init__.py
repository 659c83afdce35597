"""# AW514 `client-per-call`: a sync `requests.Session`/`httpx.Client` created on every call of an async function

## What it does
Reports `requests.Session()`, `requests.session()` and `httpx.Client()` created directly in the body
of an `async def` (a `with httpx.Client() as client:` block included), any import form
(`from httpx import Client`). Unlike most rules it is not followed into sync helpers: a client made
in a sync function is that function's business, even when async code calls it.

## Why is this bad?
Two problems at once. The client is sync: its requests block the event loop (they are reported too:
AW201 for a `requests.Session`, AW503 for an `httpx.Client`). And it is made on every call: each call
builds a new connection pool, so no connection is reused, and every request pays DNS, TCP and TLS
setup again. A client is meant to be created once and shared. (No flake8-async equivalent.)

## Example
```python
import httpx

async def fetch_profile(user_id: str) -> dict:
    with httpx.Client(base_url=PROFILE_URL, timeout=5) as client:
        return client.get(f"/users/{user_id}").json()
```
reports `AW514 httpx.Client() opens a new sync connection pool on every call, and its requests block
the event loop` and `AW503 client.get() ...`. Create one `httpx.AsyncClient` for the app in its
lifespan, close it at shutdown, and await its calls:
```python
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI, Request

@asynccontextmanager
async def lifespan(app: FastAPI):
    async with httpx.AsyncClient(base_url=PROFILE_URL, timeout=5) as client:
        app.state.profiles = client
        yield

async def fetch_profile(request: Request, user_id: str) -> dict:
    response = await request.app.state.profiles.get(f"/users/{user_id}")
    return response.json()
```

## When it is not reported
- A client created at module level, in a class body, or in a sync function (reached from async code
  or not); its method calls may still be reported (AW201, AW503).
- Async clients: `httpx.AsyncClient()`, `aiohttp.ClientSession()`.
- Code in a lambda inside the `async def`.

## Suppressing
`# awaitify: ignore[AW514]` (or `# awaitify: ignore`) on the first or last line of the call. There is
no flake8-async code for it. `awaitify fix` honours the same comment.

## Fix
A `requests.Session()` whose whole use the function shows (`with requests.Session() as s:`, or
`s = requests.Session()` used only below it in the same block) is fixable: AW201
([requests-httpx](requests-httpx.md)) makes it an `httpx.AsyncClient`, awaits its calls and closes it
(`async with`, or `try: ... finally: await s.aclose()`). That removes the blocking; the client is
still made on every call. `httpx.Client()` and every other session are marked manual. Where a
shared client lives (the lifespan, a dependency, a module global) is an application decision; move
it there as above.

## Fix safety
No automatic fix (`check` reports it; the page above says how to fix it by hand), so no fix-safety class.
"""

from __future__ import annotations

from awaitify.rule import Rule

RULE = Rule(
    code="AW514",
    name="client-per-call",
    summary="a sync requests.Session/httpx.Client created on every call of an async function",
    why="opens a new sync connection pool on every call, and its requests block the event loop",
    family="HTTP",
    fixed_by="AW201",
)
