"""# AW502 `urllib3-pool-request`: requests on a urllib3 pool in async code

## What it does
Reports `.request()`, `.urlopen()`, `.request_encode_url()` and `.request_encode_body()` on a urllib3
pool, in an `async def` or in a sync function that async code reaches (then with the chain of calls).
A pool is what one of these returns: `urllib3.PoolManager(...)`, `urllib3.ProxyManager(...)`,
`urllib3.HTTPConnectionPool(...)`, `urllib3.HTTPSConnectionPool(...)`,
`urllib3.connection_from_url(...)` (any import form). The receiver must be:

- a name assigned one of those calls in the same function, an enclosing function, or at module level
  (`http = urllib3.PoolManager()`), or bound by `with urllib3.PoolManager() as http:`;
- or the call itself: `urllib3.PoolManager().request("GET", url)`.

The module-level `urllib3.request(...)` is AW501.

## Why is this bad?
A urllib3 pool does its I/O on sockets in blocking mode: the calling thread waits for the connection,
the request and the whole response. In async code that thread runs the event loop, so every other
request waits as well. (flake8-async: ASYNC211.)

## Example
```python
import urllib3

http = urllib3.PoolManager(retries=3)

async def geocode(address: str) -> dict:
    resp = http.request("GET", GEOCODER_URL, fields={"q": address})
    return resp.json()
```
is reported as `AW502 http.request() blocks the event loop for a whole network round trip`. With an
`httpx.AsyncClient` created once for the app:
```python
async def geocode(address: str) -> dict:
    resp = await http.get(GEOCODER_URL, params={"q": address})  # http: httpx.AsyncClient
    return resp.json()
```
or, keeping urllib3: `resp = await asyncio.to_thread(http.request, "GET", GEOCODER_URL, fields=...)`.

## When it is not reported
- A pool the scanner cannot see being made: an attribute (`self.http.request(...)`), a parameter, a
  pool returned by a helper function or imported from another module.
- Sync code that no async code reaches; sync FastAPI endpoints and the code only they reach.
- Code in a lambda, or in a function handed to `asyncio.to_thread`, `loop.run_in_executor` or
  `anyio.to_thread.run_sync`; module level and class bodies.

## Suppressing
`# awaitify: ignore[AW502]` (or `# awaitify: ignore`) on the first or last line of the call, or the
flake8-async comment `# noqa: ASYNC211`. `awaitify fix` honours the same comments: it leaves the call as it is.

## Fix
Not rewritten by `awaitify fix` yet: the finding is marked manual. Rewrite as above.

## Fix safety
No automatic fix (`check` reports it; the page above says how to fix it by hand), so no fix-safety class.
"""

from __future__ import annotations

from awaitify.rule import Example, Rule

RULE = Rule(
    code="AW502",
    name="urllib3-pool-request",
    summary="requests on a urllib3 pool in async code",
    why="blocks the event loop for a whole network round trip",
    family="HTTP",
    flake8_async=("ASYNC211",),
)

# Cases the suite runs with every rule on (tests/test_rule_examples.py; awaitify.rule.Example)
VALID = (
    Example("""\
import urllib3

http = urllib3.PoolManager()


def fetch(url):
    return http.request("GET", url).data
"""),
)

INVALID = (
    Example("""\
import urllib3

http = urllib3.PoolManager()


async def fetch(url):
    return http.request("GET", url).data
"""),
)
