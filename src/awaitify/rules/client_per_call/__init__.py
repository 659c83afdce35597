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
no flake8-async code for it. `awaitify fix` honours the same comment: it leaves that
`requests.Session()` sync, with its requests (their AW201 findings are then not fixable), and says
nothing of it. `ignore[AW201]` on that line names no finding there (AW001 reports it) and keeps nothing.

## Fix
A `requests.Session()` whose whole use the function shows (`with requests.Session() as s:`, or
`s = requests.Session()` used only below it in the same block) is fixable: AW201
([requests-httpx](requests-httpx.md)) makes it an `httpx.AsyncClient`, awaits its calls and closes it
(`async with`, or `try: ... finally: await s.aclose()`). That removes the blocking; the client is
still made on every call. `httpx.Client()` and every other session are marked manual; for a
`requests.Session()` the fix leaves (stored, returned, captured...: the list in
[requests-httpx](requests-httpx.md#when-it-refuses)) both commands give the same reason, under AW514,
at the call. Where a
shared client lives (the lifespan, a dependency, a module global) is an application decision; move
it there as above.

## Fix safety
No automatic fix (`check` reports it; the page above says how to fix it by hand), so no fix-safety class.
"""

from __future__ import annotations

from awaitify.rule import Example, Rule

RULE = Rule(
    code="AW514",
    name="client-per-call",
    summary="a sync requests.Session/httpx.Client created on every call of an async function",
    why="opens a new sync connection pool on every call, and its requests block the event loop",
    family="HTTP",
    fixed_by="AW201",
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
import requests


async def status(url):
    with requests.Session() as session:
        return session.get(url, timeout=5).status_code
""", fixed='''\
import asyncio
import os
import ssl

import certifi
import httpx

_HTTPX_CA_BUNDLE = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or certifi.where()
_HTTPX_SSL_CONTEXT = ssl.create_default_context(**{"capath" if os.path.isdir(_HTTPX_CA_BUNDLE) else "cafile": _HTTPX_CA_BUNDLE})


class _RequestsNetrc(httpx.Auth):
    """requests' .netrc: where a request has no auth=, the credentials the file NETRC names (else
    ~/.netrc, ~/_netrc) holds for its host, read at each request in a thread; else those in the URL (awaitify, AW201)."""

    @staticmethod
    def credentials(url):
        import netrc
        import os

        paths = [os.environ["NETRC"]] if os.environ.get("NETRC") is not None else ["~/.netrc", "~/_netrc"]
        path = next((p for p in map(os.path.expanduser, paths) if os.path.exists(p)), None)
        if path is not None:
            try:
                found = netrc.netrc(path).authenticators(url.host)
            except (netrc.NetrcParseError, OSError):
                found = None
            if found:
                return found[0] or found[1], found[2]
        return (url.username, url.password) if url.username or url.password else None

    async def async_auth_flow(self, request):
        found = await asyncio.to_thread(lambda: self.credentials(request.url))  # the file is read off the event loop
        for step in httpx.BasicAuth(*found).auth_flow(request) if found else [request]:
            yield step


async def _requests_trust(verify=True, shared=True):
    """requests' trust, read when a client is made (requests reads it at each request): the bundle
    REQUESTS_CA_BUNDLE, else CURL_CA_BUNDLE names, even over a session's verify= (as requests'
    merge_environment_settings does); else `verify` (True: certifi's). The context made at import while
    they still name its bundle, else one loaded in a thread once; `shared=False`: a context of its own,
    for a client certificate to be loaded into (awaitify, AW201)."""
    named = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if not named and verify is not True:
        return verify or False  # (requests checks nothing for a falsy verify, None too)
    bundle = named or certifi.where()
    load = lambda: ssl.create_default_context(**{"capath" if os.path.isdir(bundle) else "cafile": bundle})
    if not shared:
        return await asyncio.to_thread(load)
    if bundle == _HTTPX_CA_BUNDLE:
        return _HTTPX_SSL_CONTEXT
    if bundle not in _requests_trust.made:
        _requests_trust.made[bundle] = await asyncio.to_thread(load)
    return _requests_trust.made[bundle]


_requests_trust.made = {}


async def status(url):
    async with httpx.AsyncClient(verify=await _requests_trust(), max_redirects=30, auth=_RequestsNetrc()) as session:
        return (await session.get(url, timeout=5, follow_redirects=True)).status_code
'''),
    Example("""\
import httpx


async def status(url):
    client = httpx.Client()
    return client.get(url).status_code
"""),
)
