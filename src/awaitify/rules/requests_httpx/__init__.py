r"""# AW201 `requests-httpx`: `requests` in async code -> `httpx.AsyncClient`, behaviour kept

## What it does
Inside `async def`, every `requests.get/post/put/patch/delete/head/options/request(...)` call (any
import form: `import requests`, `import requests as rq`, `from requests import get`) becomes
`await client.<verb>(...)` on an `httpx.AsyncClient`, opened with
`async with httpx.AsyncClient(...) as client:` around the smallest statement that holds the call.
Adjacent statements that need the same client share one `async with`; a statement that needs clients
with different settings (one call with `verify=False`) gets both in one `async with a, b:`. Each
client setting has one name per function, and `client` is never a name the function already uses
(`http_client`, `client_1`, ... then). A block nested in a statement that already opened the same
client uses it instead of opening its own (a `while` test and its body share one client).

`import httpx` is added; `requests` imports are removed only when nothing else uses them. The
module gets one TLS context with requests' trust, made at import right after its imports:
```python
_HTTPX_CA_BUNDLE = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or certifi.where()
_HTTPX_SSL_CONTEXT = ssl.create_default_context(**{"capath" if os.path.isdir(_HTTPX_CA_BUNDLE) else "cafile": _HTTPX_CA_BUNDLE})
```
(other names if those are taken; one an earlier run wrote is reused, so a file migrated in steps
keeps one), and every client it opens is given requests' trust as the variables stand when the
client is made (`httpx.AsyncClient(verify=await _requests_trust(), ...)`): that context while
`REQUESTS_CA_BUNDLE`/`CURL_CA_BUNDLE` still name its bundle, else one made once, in a thread, for the
bundle they name now (requests reads them at each request). A client with a `verify=` of its own keeps it. Every client also gets `max_redirects=30` (requests'
limit) and `auth=_RequestsNetrc()` (requests' `.netrc` credentials; see [the helpers](#helpers-it-writes)). A sync helper that calls requests and is reached from
async code is made `async def` first by [propagation](../propagation.md) (its callers await it),
then converted; never for a call AW201 would then refuse (see [below](#when-it-refuses)). `--http-client httpx2` (or
`http-client = "httpx2"` in the config) writes the same code against the maintained fork `httpx2`.
When the project's requirements do not list the client, the run's summary says so ("add httpx to
your dependencies").

## Why is this bad?
A `requests` call blocks the thread it runs on for a whole network round trip; in async code that
thread runs the event loop, so every other request waits (the seeds' JWKS fetch and org lookup in a
middleware, on every authenticated request). (flake8-async: ASYNC210.) Swapping names is not a
migration: httpx follows no redirects by default, gives up after 5 s where requests waits forever,
treats `data="text"` differently, takes `verify`/`cert`/`proxies` only on the client, has no `r.ok`,
and its `HTTPError` is the base of every error, so a name-for-name `except` catches more.

## Example
```python
import requests
from requests.exceptions import HTTPError


async def org_for(api_key):
    try:
        r = requests.get(f"{ORG_SERVICE}/{api_key}", timeout=(3, 10))
        r.raise_for_status()
    except HTTPError:
        return None
    return r.json() if r.ok else None
```
becomes
```python
import asyncio
import os
import ssl

import certifi
import httpx

_HTTPX_CA_BUNDLE = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or certifi.where()
_HTTPX_SSL_CONTEXT = ssl.create_default_context(**{"capath" if os.path.isdir(_HTTPX_CA_BUNDLE) else "cafile": _HTTPX_CA_BUNDLE})


class _RequestsNetrc(httpx.Auth):
    ...  # requests' .netrc credentials (see "Helpers it writes" below)


async def _requests_trust():
    ...  # the context above, or one for the bundle the variables name now


async def org_for(api_key):
    try:
        async with httpx.AsyncClient(verify=await _requests_trust(), max_redirects=30, auth=_RequestsNetrc()) as client:
            r = await client.get(f"{ORG_SERVICE}/{api_key}", timeout=httpx.Timeout(None, connect=3, read=10), follow_redirects=True)
        r.is_error and r.raise_for_status()
    except httpx.HTTPStatusError:
        return None
    return r.json() if (not r.is_error) else None
```
A non-streamed httpx response is read in full, so using `r` after the client closed is fine. Arguments
written one per line stay one per line (trailing comma kept). See
[examples/jwks_middleware](../../examples/jwks_middleware) for the seed's middleware migrated end to end.

## Sessions and streamed responses
They are converted whole, or not at all: only where their whole use is in the function (bound once,
every use after the binding in the same block, none in a nested function, lambda or generator
expression) and every use means the same on the httpx object. `awaitify check` asks the same
planner, so it marks these findings fixable exactly where `fix` converts them (AW514 on the
`requests.Session()` included). A session `fix` leaves is reported where it is made, under AW514
([client-per-call](client-per-call.md)), the code `check` gives that line, in both commands: so
`# awaitify: ignore[AW514]` there silences it in both, and keeps the session sync. An ignore on one of
its requests (`ignore[AW201]` on `s.get(...)`) keeps the whole session sync too (a call left sync would
be wrong on an AsyncClient); one naming AW201 on the `requests.Session()` line names nothing
(`check` says so, AW001) and the session is converted.

A local session:
```python
async def sync_orgs(api, token, names):
    session = requests.Session()
    session.verify = False
    session.headers.update({"Authorization": f"Bearer {token}"})
    found = {}
    for name in names:
        r = session.get(f"{api}/orgs/{name}")
        if r.ok:
            found[name] = r.json()
    session.close()
    return found
```
becomes
```python
async def sync_orgs(api, token, names):
    session = httpx.AsyncClient(verify=await _requests_trust(False), max_redirects=30, auth=_RequestsNetrc())
    try:
        session.headers.update({"Authorization": f"Bearer {token}"})
        found = {}
        for name in names:
            r = await session.get(f"{api}/orgs/{name}", follow_redirects=True, timeout=None)
            if (not r.is_error):
                found[name] = r.json()
    finally:
        await session.aclose()
    return found
```
- The statements from the one after the assignment through the last use of the session go into
  `try: ... finally: await s.aclose()`, so the client is closed on every path, exceptions included
  (requests leaves an unclosed session to the garbage collector). A last `s.close()` is dropped: the
  `finally:` does it. When the use already ends in `try: ... finally: s.close()`, that close becomes
  `await s.aclose()` and no `try` is added if nothing comes before it (if something does, the added
  `finally:` stays too: closing twice is harmless, leaking on an early error is not).
- `s.verify = x` and `s.cert = x` right after the session is made move into the constructor
  (`httpx.AsyncClient(verify=x)`): httpx takes them only there (assigning `verify` on an httpx client
  silently does nothing). Later, they are refused.
- Kept as they are: `s.headers` (update, set, read), `s.auth = ...` (a tuple or an auth object), `s.params = {...}` (strings and numbers),
  `s.cookies.set/get/update/clear(...)` and `s.cookies[...]`: httpx clients have them with the same
  meaning, and cookies a server sets persist between the requests as with requests.
- The session's calls get the same argument mapping as `requests.get(...)` (redirects, timeout,
  bodies) and are awaited.

A streamed download:
```python
async def download(url, f):
    r = requests.get(url, stream=True, timeout=30)
    r.raise_for_status()
    for chunk in r.iter_content(chunk_size=8192):
        f.write(chunk)
    return r.status_code
```
becomes
```python
async def download(url, f):
    async with httpx.AsyncClient(verify=await _requests_trust(), max_redirects=30, auth=_RequestsNetrc()) as client:
        async with client.stream("GET", url, timeout=30, follow_redirects=True) as r:
            r.is_error and r.raise_for_status()
            async for chunk in r.aiter_bytes(chunk_size=8192):
                f.write(chunk)
            return r.status_code
```
- `r = requests.<verb>(..., stream=True)` and the statements through the last use of `r` go into
  `async with client.stream("<VERB>", ...) as r:` (`requests.request(m, u, stream=True)` ->
  `client.stream(m, u)`); `with requests.get(u, stream=True) as r:` becomes that `async with`.
  The response is closed when the block ends, as `with` closes a requests one.
- Uses allowed on `r`: `for x in r.iter_content()`, `r.iter_content(n)`, `r.iter_content(chunk_size=n)`
  (-> `async for x in r.aiter_bytes(...)`), `r.status_code`, `r.headers`, `r.ok`, `r.reason`,
  `r.raise_for_status()`. The bytes are the same, in the same order; where they are cut differs:
  requests' default chunk size is 1 byte, `aiter_bytes()` yields the pieces as they arrive, and with a
  chunk size requests cuts at the server's transfer chunks too while httpx gives full pieces. A loop
  that only joins or writes the pieces sees no difference.

## The mapping (what keeps requests' behaviour)
| requests | written as | why |
|---|---|---|
| redirects followed (all verbs but `head`) | `follow_redirects=True` (`False` for `head`) | httpx follows none by default |
| `allow_redirects=x` | `follow_redirects=x` | |
| no timeout | `timeout=None` | httpx gives up after 5 s of inactivity; requests waits forever. `httpx-default-timeout = true` in the config keeps httpx's default instead (no `timeout=` written) |
| `timeout=(c, r)` | `timeout=httpx.Timeout(None, connect=c, read=r)` | httpx wants every phase or a default |
| `timeout=5` | `timeout=5` | |
| `data="text"` / `data=b"..."` / f-string (literal) | `content=...` | httpx's `data=` is for forms |
| `data={...}` | `data={...}` | form body |
| `json=v` (with or without `headers=h`) | `**_requests_json(v, h)` ([helper](#helpers-it-writes)), written where the first of the two stood (`headers=h, json=v` becomes `_requests_json(headers=h, value=v)`: evaluated in the order written) | requests sends `json.dumps(v, allow_nan=False)` (`", "`/`": "` separators, non-ASCII escaped) as UTF-8 with `Content-Type: application/json` unless the headers set one, and no body for `None`; httpx writes compact, unescaped JSON (a signed webhook's HMAC would change). A NaN fails as `httpx.HTTPError` (requests' `InvalidJSONError` is a `RequestException`) |
| `params=p` (not a literal of text strings and numbers: bytes are not plain) | `params=_requests_params(p)` ([helper](#helpers-it-writes)) | requests leaves out `None` values (in lists too) and writes values with `str()`; httpx sends `key=` for `None` and `true` for `True` |
| `params=` literal of strings and numbers, `headers=`, `files=`, `auth=(u, p)`, `auth=SomeAuth(...)` | unchanged | |
| `auth=None` | dropped | requests treats it as not given (the session's auth, else `.netrc`); httpx's `auth=None` sends no credentials at all |
| `auth=x` (a name or attribute) | `auth=x if x is not None else httpx.USE_CLIENT_DEFAULT` | the same, for a value that is `None` at run time; `auth=f()` (any other expression) is refused |
| `.netrc` credentials (a request without `auth=`) | `AsyncClient(auth=_RequestsNetrc())` ([helper](#helpers-it-writes)) | requests reads `NETRC` (else `~/.netrc`, `~/_netrc`) at each request and prefers it to credentials in the URL; httpx only with `auth=httpx.NetRCAuth()`, which fails without the file. A request's `auth=`, or `s.auth = ...`, replaces it, as in requests |
| up to 30 redirects | `AsyncClient(max_redirects=30)` | httpx stops at 20 |
| `verify=`, `cert=`, `cookies=` | on the `AsyncClient(...)` | no longer per request in httpx |
| default certificate checks | `AsyncClient(verify=await _requests_trust())`: the module's context made at import, or one made (once, in a thread) for the bundle the variables name when the client is made | requests trusts `REQUESTS_CA_BUNDLE`, else `CURL_CA_BUNDLE`, else certifi's bundle (a folder is a `capath`) and ignores `SSL_CERT_FILE`/`SSL_CERT_DIR`; httpx's own default reads only the latter, so a private CA given to requests would be lost. An `AsyncClient()` would also load its bundle each time it is made (0.09-0.14 s measured on a 2-core machine), blocking the event loop; requests loads it once |
| `verify="/path/ca.pem"` (or a folder), `verify=False` | on the `AsyncClient(verify=...)` | the same trust (httpx treats a folder as a `capath` too) |
| `verify=True` (or `None`); `verify=v` (a name) | `verify=await _requests_trust()`; `verify=await _requests_trust() if v is True or v is None else v` | requests replaces a request's `True`/`None` with `REQUESTS_CA_BUNDLE`/`CURL_CA_BUNDLE` when set (`merge_environment_settings`); httpx's `True` ignores them. `verify=f()` (any other expression) is refused |
| `cert=` with `verify=` | both on the `AsyncClient(...)` | without `verify=`, refused (see below) |
| `HTTP(S)_PROXY`, `ALL_PROXY`, `NO_PROXY` | nothing written | httpx's `trust_env` (the default) reads the same variables |
| `proxies={"http": p, "https": p}` (one proxy) | `AsyncClient(proxy=p)` | `proxies` was removed in httpx 0.28 |
| `requests.request(m, url, ...)` | `await client.request(m, url, ...)` | |
| `requests.get(url, json=...)` (a body on `get`, `head`, `options` or `delete`: `json=`, `data=`, `files=`) | `await client.request("GET", url, json=...)` | httpx's `get()` and friends take no body (a `TypeError`); `request()` sends it as requests did. On a session too |
| `r.ok`, `not r.ok` | `(not r.is_error)`, `r.is_error` | `is_success` would be 2xx only |
| `if r:`, `bool(r)`, `x if r else y`, `r and ...` in a test | `(not r.is_error)` | an httpx response is always true; a requests one is false for 4xx/5xx |
| `r.reason` | `r.reason_phrase` | |
| `r.next` | `r.next_request` | |
| `r.url` | `str(r.url)` | requests' url is a `str`, httpx's an `httpx.URL` |
| `r.text` | `_requests_text(r)` ([helper](#helpers-it-writes)) | a body without a declared charset: requests decodes `text/*` as ISO-8859-1, JSON as UTF-8, anything else with the charset it guesses (chardet, else charset_normalizer); httpx decodes UTF-8 |
| `r.iter_content(n)`, `r.iter_content()` (not streamed) | `r.iter_bytes(n)`, `r.iter_bytes(1)` | the read body in `n`-byte pieces; requests' default is 1 |
| `r.cookies.get_dict()` | `dict(r.cookies)` | `httpx.Cookies` has no `get_dict()` |
| `r.raise_for_status()` (a statement) | `r.is_error and r.raise_for_status()` | httpx raises for every status but 2xx (a 304, a redirect not followed); requests for 4xx/5xx only |
| `requests.get(u).raise_for_status()` (on the call) | `(response := await client.get(u)).is_error and response.raise_for_status()` | the same, for a final 300 or 304 (a free name is chosen) |
| `(r := requests.get(u)).ok`, then `r.ok` | `(not (r := await client.get(u)).is_error)`, `(not r.is_error)` | a walrus-bound response is followed like an assigned one |
| `r.status_code`, `r.headers`, `r.content`, `r.json()`, `r.encoding`, `r.history`, `r.elapsed`, `r.links`, `r.is_redirect`, `r.cookies[...]`/`.get`/`.items()`, `r.close()` | unchanged | same meaning on a read httpx response |
| `exc.response.reason` / `.ok` / `.url` / `.next` / `.text` in `except ... as exc` that now catches httpx's exception | `exc.response.reason_phrase` / `(not exc.response.is_error)` / `str(...)` / `.next_request` / `_requests_text(exc.response)` | the response the exception carries is httpx's; reported instead where the handler catches requests' exceptions too |
| `except requests.RequestException` | `except httpx.HTTPError` (`, json.JSONDecodeError` where a converted response's `.json()` can raise) | the base class; requests' `JSONDecodeError` is a `RequestException`, httpx's `.json()` raises `json.JSONDecodeError` |
| `except OSError` (`IOError`, `EnvironmentError`) | `except (OSError, httpx.HTTPError)` (and `json.JSONDecodeError` as above) | every requests exception is an `OSError`; no httpx one is |
| `pytest.raises(requests.X)` | `pytest.raises(<the httpx class>)`, the requests one kept beside it around another module's helper | as an `except` |
| `except requests.HTTPError` | `except httpx.HTTPStatusError` | `httpx.HTTPError` would also catch every transport error |
| `except requests.ConnectionError` | `except (httpx.NetworkError, httpx.ConnectTimeout, httpx.WriteTimeout, httpx.ProxyError, httpx.RemoteProtocolError)` | refused or reset connections, TLS failures, proxies, a connect timeout, a server closing early; not `httpx.TransportError`, which also holds `ReadTimeout` (requests' `ReadTimeout` is no `ConnectionError`), `PoolTimeout` and `UnsupportedProtocol` (requests' `InvalidSchema`). A handler that already names `TransportError` (a file migrated in steps) keeps it alone |
| `except requests.Timeout` | `except httpx.TimeoutException` | |
| `ConnectTimeout`, `ReadTimeout`, `TooManyRedirects` | same names in httpx | |
| `except requests.JSONDecodeError` | `except json.JSONDecodeError` | what httpx's `.json()` raises |
| `with requests.Session() as s:` | `async with httpx.AsyncClient(verify=await _requests_trust(), ...) as s:`, `await s.get(...)` | same argument mapping |
| `s = requests.Session()` | `s = httpx.AsyncClient(verify=await _requests_trust(), max_redirects=30, auth=_RequestsNetrc())`, its use in `try: ... finally: await s.aclose()` | closed on every path |
| `s.verify = x`, `s.cert = x` right after | `httpx.AsyncClient(verify=await _requests_trust(x), cert=x, ...)` | httpx takes them only in the constructor; requests lets `REQUESTS_CA_BUNDLE`/`CURL_CA_BUNDLE`, when set, override a session's `verify` (even `False`), so `_requests_trust(x)` gives their bundle then, else `x` (with `s.cert`: a context of its own, `shared=False`, for httpx to load the certificate into) |
| `s.headers...`, `s.auth = (u, p)` or `= SomeAuth(...)`, `s.params = {...}` (a dict literal of strings and numbers), `s.cookies.set(...)` | unchanged | same meaning on an httpx client. Refused: `s.auth = ` anything that may be `None` (requests then applies `.netrc`, httpx sends no credentials), `s.params = ` values that may be `None`, `True` or bytes, and on a session with params, a request's `params=` that is not such a dict literal (requests merges only a dict, and drops the keys it sets to `None`; httpx merges anything and keeps them) |
| `r = requests.get(u, stream=True)` + uses | `async with client.stream("GET", u) as r:` + uses | the response lives as long as the block |
| `for x in r.iter_content(n)` | `async for x in r.aiter_bytes(n)` | same bytes; pieces may be cut elsewhere |

### Where a response goes
Each converted call's response is followed (`awaitify.requests_responses`, shared by `fix`, `check`
and the project planner): the call's result directly (`requests.get(u).ok`), a name bound only from
requests calls (closures included), a walrus, a `for` over a literal tuple or list of responses
(there only the unchanged attributes: its truth and the rewritten ones are refused), and the
responses of a converted session's calls (one that cannot be kept refuses the session), and a
response **returned** to callers (below). Every use must be one in the table (unchanged or
rewritten), a truth test, an `is` comparison, or dropping it; anything else refuses the call (below).

A response a function returns (`def fetch(u): return requests.get(u, timeout=5)`, or `r = ...; return r`)
is followed into every caller the project shows, in any module (`awaitify/rules/requests_httpx/returns.py`, the
project planner, `ast` only): a caller that returns it again (`def fetch_again(u): return fetch(u)`)
is followed in turn. When every caller's use is one AW201 keeps on a local response, the helper's call
is converted (propagation makes the helper and its callers async and awaits it) and each caller's uses
are rewritten in its own module:
```python
# svc/client.py                          # svc/handlers.py
async def fetch(u):                      async def org(u):
    async with httpx.AsyncClient(...) as client:   r = await fetch(u)
        return await client.get(u, ...)      if r.is_error:          # was `if not r:`
                                                 return None
                                             return r.json() if (not r.is_error) else r.status_code
```
(a test bridged with `asyncio.run(fetch(u))` too). The helper's call is refused, the finding naming the
caller that cannot be followed, and propagation leaves the helper sync, when: a caller stores the
response, passes it to a call or uses an attribute httpx spells differently (`iter_lines()`, ...); the
function is used as a value (`CALLBACKS = [fetch]`), named in a string (a computed access such as
`getattr(module, "fetch")`), called at module level or in a nested function; it has no caller in the
project, or is public API of a library (a project with a `[project]` table, no `_` in its module path
or name: its callers are elsewhere); or it also returns something else (`return None` on some path, or
no return at its end: `not r` on `None` would become `None.is_error`).

### Where an exception goes
Exceptions are mapped in every spelling (`requests.HTTPError`, `requests.exceptions.HTTPError`,
`from requests.exceptions import HTTPError`, `OSError`) in every handler a converted call's exception
can reach:
- the `except` clauses (and `pytest.raises(...)`) of a `try` whose body holds a converted call, or
  reads a converted response after the call (`r = requests.get(u)` then, lines later,
  `try: r.raise_for_status() except requests.HTTPError:`);
- around an await of a function of the module that (directly or through others) holds one, such as
  a helper propagation made async; once the module has no requests call left, around any await;
- in **other modules**: the AW201 project planner (`Rule.planner`, `awaitify/rules/requests_httpx/raisers.py`,
  `ast` only) finds every function that holds a requests call or calls one that does, in any
  module, and each `try` body or `with pytest.raises(...)` block, in another module, that calls one.
  Where that call is awaited (async already, or made async by propagation) or run with
  `asyncio.run(...)` (a test propagation bridges), the handler gets the httpx class beside the
  requests one (`except (requests.HTTPError, httpx.HTTPStatusError) as exc:`): the helper may keep
  requests calls AW201 refuses. `exc.response.status_code` works on both.

Where the `try` also guards requests calls that stay (refused ones), both are caught:
`except (requests.ConnectionError, httpx.TransportError):`.

Only those two places are mapped. A module that names a requests exception class anywhere else (a
tuple `RETRYABLE = (requests.ConnectionError, requests.Timeout)` later caught, `isinstance(exc,
requests.Timeout)`, `type(exc) is ...`, a `raise`, a base class, a retry policy) keeps every requests
call, and so does each module that imports from it (`from errors import RETRYABLE`) and each module
whose requests calls' exceptions reach one of these through the functions it calls
(`awaitify/rules/requests_httpx/exception_values.py`): that code would meet httpx's exceptions, none
of them requests' nor an `OSError`. Not seen: such a name passed on through a module that does not
import requests itself (a re-export).

## Helpers it writes
A few arguments mean something else to httpx, so the module gets a small function (once, after its
imports and TLS context, under a name it does not use; one an earlier run wrote is reused), each
marked `(awaitify, AW201)` in its docstring:
- `_requests_json(value, headers=None)` returns the `content=` and `headers=` for `json=`: requests'
  bytes (`json.dumps(value, allow_nan=False)`, UTF-8) and `Content-Type: application/json` unless the
  headers set one in any case; no body for `None`; a NaN raises `httpx.HTTPError`.
- `_requests_params(params)` returns the pairs requests sends: `None` values left out, the others
  written with `str()` (bytes decoded as UTF-8); a string is passed as it is.
- `_requests_text(response)` is `r.text` decoded as requests decodes it: the declared charset, else
  ISO-8859-1 for `text/*`, UTF-8 for `application/json`, else the charset chardet (else
  charset_normalizer, requests' own dependency) detects, as `requests.compat` picks them (looked up
  once; with neither installed, UTF-8, as requests).
- `async def _requests_trust()` returns the TLS context for the CA variables as they stand (see
  above); a bundle not loaded at import is loaded in the module's thread offload (`asyncio.to_thread`,
  `trio.to_thread.run_sync` or `anyio.to_thread.run_sync`, as the module's runtime says).
- `class _RequestsNetrc(httpx.Auth)` sends, on a request without `auth=`, the credentials the file
  `NETRC` names (else `~/.netrc`, `~/_netrc`) holds for the request's host, read at each request in
  that same thread offload, off the event loop (its `async_auth_flow`; a missing or unparsable file
  sends none, as requests); else the URL's own `user:password@`.

## When it refuses
Each refusal is a finding (`path:line:col AW201 ...`), and `check` reports the call not fixable, at
the same place, with the same reason; the code stays as it was:
- `stream=True` outside the forms above, or a streamed response that escapes (returned, passed on,
  stored, tested for truth, bound again, used after its block or in a nested function) or is used in
  a way that differs on a streamed httpx response: `r.content`/`r.text`/`r.json()` (httpx needs
  `await r.aread()` first), `iter_lines()` (requests yields bytes lines split on `\r`, `\n`, `\r\n`;
  httpx's `aiter_lines()` str lines, split on more characters), `iter_content(decode_unicode=True)`
  (requests decodes with the declared charset, latin-1 for text without one, or not at all; httpx's
  `aiter_text()` with utf-8 by default), `iter_content()` outside a `for` statement;
- `with requests.get(u) as r:` without `stream=True` (an httpx response is no context manager: bind it);
- every call of a module that names a requests exception class other than as what an `except` or
  `pytest.raises` catches, imports from such a module, or whose calls' exceptions reach one
  ([above](#where-an-exception-goes));
- `*args`/`**kwargs`, positional arguments after the URL (httpx takes them by keyword only), or an
  argument httpx has no place for (`hooks=`, ...);
- `cert=` without `verify=`: httpx would build that client's trust from its own default
  (`SSL_CERT_FILE`, certifi), not requests' (`REQUESTS_CA_BUNDLE`); pass `verify=` with the CA;
- a response used in a way httpx spells differently and AW201 does not rewrite:
  `r.apparent_encoding` (charset detection, which httpx does not do), `r.iter_lines()` (bytes lines
  in requests, str in httpx: a `.decode()` after it would fail), `r.raw`, `r.request`,
  `r.iter_content(decode_unicode=True)`, `r.cookies.get_dict(domain)`, any other attribute;
- a response that leaves what the function shows: yielded, passed to a call, put in a list or a
  comprehension (`filter(None, [requests.get(a), requests.get(b)])` counts on requests' truth),
  stored on an attribute: what receives it may use requests' Response API. Pass on what is needed
  (`r.json()`, `r.status_code`) or convert by hand; the truth of (or `.ok` on) a loop variable over
  responses; a returned response that cannot be followed into every caller (see
  [where a response goes](#where-a-response-goes): the finding names the caller); a returned name
  also bound to something else;
- `json=` with `data=` or `files=` other than `None` (requests drops `json=` then, httpx would send the JSON body); an
  argument with a call in it standing between `headers=` and `json=` when one of the two calls too
  (handing both to the helper would run it later); `auth=` that may be `None` and is no name (`auth=f()`:
  requests then applies `.netrc`, httpx sends no credentials); `json=` on a session whose headers may set a
  Content-Type (`s.headers["Content-Type"] = ...`, `s.headers.update(h)` with `h` not a literal without
  it): requests keeps the session's Content-Type, the body's own would replace it;
- `requests.get` used as a value in async code (`fetch = requests.get`, a callback): the calls made
  through it are not seen; reported (handing it to a thread, `asyncio.to_thread(requests.get, u)`,
  is fine);
- `data=` of a type that cannot be seen (a variable: str/bytes go to `content=`, forms to `data=`,
  a file object cannot be sent by an async client);
- `proxies=` with different proxies per scheme (needs `mounts=`);
- a call (or a `requests.Session()`) in a decorator or default of a `def` inside async code
  (`def inner(r=requests.get(u)):`): it runs in the async function when the `def` does, but no
  statement of that function holds it for a client (`check` gives the same reason);
- a call in a lambda or a generator expression inside async code (`check` reports it not fixable, with
  the same reason); one in a lambda handed to a thread (`asyncio.to_thread(lambda: requests.get(u))`)
  blocks that thread, not the loop, and is left quietly;
- a response name also bound to something else in the function (`r = requests.get(u)` then
  `r = None`) and read as a response (`.ok`, `.reason`, `.next`, its truth): rewriting those would
  be wrong on one of the two values; give the response its own name;
- `requests.Session()` whose whole use is not visible: returned, passed to a function, stored
  (`self.s = s`, a global), captured by a nested function or lambda, bound again, used after the
  block; or used for something that differs on an httpx client: `s.mount(...)`, `s.params[...] = `
  or `s.params.update(...)` (httpx's client params are immutable), reading `s.auth` (an
  `httpx.BasicAuth`), `s.verify = x` after a request, `s.close()` before its last use (httpx cannot
  use a closed client again), `s.close()` inside `with requests.Session() as s:`, calls that need
  per-request `verify=`/`cert=`/`cookies=`/`proxies=` or `stream=True`; or a call on it carrying
  `# awaitify: ignore` (a call left sync would be wrong on an AsyncClient). These are AW514
  findings, at the `requests.Session()`;
- calls on a session kept on `self` or on a module global (`self.session.get(...)`,
  `SESSION.get(...)`): its lifecycle is outside the function. The finding gives the manual fix:
  an `httpx.AsyncClient` created at startup (a lifespan handler), closed with `await ....aclose()`
  at shutdown, its calls awaited;
- an `except requests.X` with no httpx counterpart (`SSLError`, `MissingSchema`, ...) around
  converted calls: reported, choose the httpx exception by hand.

Sync code that no async code reaches is left alone: requests is fine there. So are nested sync
`def`s inside async functions (they may run in a thread). A sync function whose requests call AW201
would refuse is never made async for it by propagation (it would still block): where async code
reaches it, the run's "needs review" list (summary, `--format json`) says so and why.

## How it keeps behaviour
- Redirects, timeouts, bodies, client settings, response truth and exceptions as in the table.
- What httpx did differently and is now kept (each with a differential test): `json=` bytes and
  Content-Type, `params` values of `None` and `True` (per request; on a session's params, refused), `auth=None`, `r.text` of a body without a declared charset,
  `.netrc` credentials, 30 redirects, `raise_for_status()` on the call itself, a read timeout not caught
  by `except requests.ConnectionError`, responses returned to callers in other modules.
- What is refused instead: `r.encoding` (read or set) on a converted response, `r.text` on a loop
  variable over responses, and the rest of [the list above](#when-it-refuses).
- Differences that remain (most do not change what the code does; those marked "a real difference" can):
  - the request's default headers name httpx (`User-Agent: python-httpx/...`) and, after
    `s.headers = {...}` on a session, httpx keeps its defaults (`Accept`, `Accept-Encoding`, `User-Agent`)
    where requests drops them: only a server that treats clients by name sees it;
  - `iter_content()` pieces are cut elsewhere (the same bytes in the same order, see above);
  - `.netrc` on a redirect to another host (a real difference): `_RequestsNetrc` runs once, for the
    first request of a redirect chain; requests looks `.netrc` up again for each hop to another host
    and sends that host's entry, httpx drops the credentials there (as requests does only when that
    host has no entry). A service that redirects to a second host that needs its own `.netrc`
    credentials gets a 401 there after the rewrite;
  - `except requests.ConnectionError` and the phase of the failure (a real difference; pinned by
    `test_connection_error_while_reading_the_body_differs_as_documented`): requests wraps a failure
    while reading the body in its own classes, httpx raises the same class in every phase. A server
    that closes the connection mid-body: requests raises `ChunkedEncodingError` (no
    `ConnectionError`, it escapes the handler), httpx `RemoteProtocolError` (caught by the mapped
    handler). A read timeout during the body: requests raises `ConnectionError` (caught), httpx
    `ReadTimeout` (escapes, as a read timeout waiting for the headers does in both). Neither side
    can tell the phase from the `except` clause, so awaitify cannot map it;
  - requests serializes `json=` with simplejson when it is installed: the same bytes for the types
    `json` takes (simplejson also takes `Decimal`, `json` raises `TypeError`, loudly);
  - `exc.response.reason` & co. in a handler mapped around another module's helper are reported,
    not rewritten (the response may be requests' or httpx's there);
  - the CA variables are read when a client is made, requests reads them at each request: a session
    (one client) keeps the trust it was made with while the variables change under it; and a bundle
    file rewritten in place is not loaded again;
- One `AsyncClient` per statement (or group of adjacent statements): connections are not pooled
  across statements. For a hot path, a client kept for the app's lifetime is faster; that change is
  a design decision left to you.
- The tests (`tests/test_requests_httpx.py`) run each original function (requests) and its rewrite
  (httpx) against a real threaded HTTP server on 127.0.0.1 and compare the results: redirects
  followed or not, `head`, 4xx/5xx with `raise_for_status` and `except requests.HTTPError`, a refused
  connection caught by the mapped `except` (also around an awaited helper), a `try` that keeps a
  refused requests call catching both, form vs raw vs JSON bodies, params/headers/cookies,
  `.ok`/`.reason`/`.next` and response truth, a tuple timeout, bad JSON, sessions (a `with` block
  and local ones: headers and auth echoed back, cookies set by the server sent on the next request,
  `verify`/`params`, a refused connection caught), streamed downloads of a chunked body (the same
  bytes with and without a chunk size, a redirect followed, a 404 raised), all import forms, and an
  endpoint slower than httpx's 5 s default. The rewritten functions build no TLS context when they
  run (the module's one checks certificates like `AsyncClient()`'s own, from the same CA bundle), and
  a module whose httpx import stands lower, or whose name for the context is taken, still imports.
  Every client the rewritten functions open is closed
  afterwards, on the error path too; a test shows the `iter_lines()`/`decode_unicode` differences
  that make those refusals. Five rewritten handlers gathered together finish
  in about one request's time. The jwks_middleware example is migrated with the CLI and its app run
  before and after against a fake auth provider: the same answers, the lookups overlapping.
- `tests/test_requests_differential.py` migrates a small service project (a helper module, async
  handlers, a test module) with every rule, once for httpx and once for httpx2, and runs each
  original and rewritten function against servers on 127.0.0.1 (HTTP, and HTTPS with a private CA
  made with trustme), comparing values and handled/unhandled exceptions: `raise_for_status()` lines
  after the call; a caller in another module catching `HTTPError` (404, 503), `ConnectionError`,
  `JSONDecodeError`, `ValueError`, `RequestException`; `except OSError`; a `pytest.raises` test of the
  helper; the response API on 200/404/500/binary/cookie/redirect answers; `raise_for_status()` on a
  redirect not followed; a walrus; `requests.request`, `from requests import get`, `params` as pairs,
  `json=` with headers, `files=` with `auth=(u, p)`; a streamed download; a private CA from
  `REQUESTS_CA_BUNDLE` or `CURL_CA_BUNDLE` trusted, and refused when only `SSL_CERT_FILE` names it;
  `verify=path`, `verify=False`; `HTTP_PROXY` honoured and `NO_PROXY` too (a local proxy); a `try`
  guarding a converted call and a sync helper that keeps requests; each refusal left byte for byte with its finding; four rewritten
  calls overlapping.
- `tests/test_requests_returned.py` migrates helpers returning responses and their callers in
  another module (and a sync test module bridged with `asyncio.run`), for httpx and httpx2, and runs
  both against 127.0.0.1 on 200/404/503 and a non-JSON body: `if not r`, `r.ok`, `r.json()`,
  `raise_for_status()` under `except requests.HTTPError`, `exc.response`, `r.reason`, `r.url`,
  `r.cookies.get_dict()`, a caller passing the response on, an unhandled 404; and the refusals (stored,
  `iter_lines()`, a helper also returning `None`, used as a value): each helper left byte for byte,
  not made async, the caller named.
- `tests/test_requests_kept.py` runs the kept differences against a server that answers with the raw
  request: `json=` bytes for five payloads with and without headers, on a session, a NaN;
  `params` with `None`, `True`, lists and bytes; a read timeout escaping `except requests.ConnectionError`
  while a refused connection is caught; `raise_for_status()` on the call for a 300; 25 redirects
  followed and 35 too many; `r.text` for seven content types; (in the differential file) a private CA
  named in `REQUESTS_CA_BUNDLE` after the module was imported trusted, and refused once cleared; `.netrc` (an entry, another host, a
  `default`, a broken and a missing file, `auth=` winning, over URL credentials); the `.text` of the
  response an `HTTPError` carries.

Like every fix, this one writes no `await` inside an await barrier (a held thread lock, process-wide
state, a stretch another task may change, a `try` that swallows cancellation): such a call is left as
it is, and both commands say why ([which, and why](../safety.md#behaviour-is-kept-and-proved-by-running-the-code)).

## Fix safety
Safe: every argument and response attribute is mapped (the mapping above) or the call is refused; the tests compare requests and the rewrite against real HTTP(S) servers.
"""

from __future__ import annotations

from awaitify.requests_plan import VERBS as HTTP_VERBS
from awaitify.rule import Example, Rule

RULE = Rule(
    code="AW201",
    name="requests-httpx",
    summary="requests calls in async code -> await httpx.AsyncClient calls, with requests' behaviour kept",
    why="blocks the event loop for a whole network round trip",
    family="HTTP",
    flake8_async=("ASYNC210",),
    fixed_by="AW201",
    fixable=True,
    triggers=("requests",),
    order=40,
    async_fixes=tuple(f"requests.{v}" for v in HTTP_VERBS),
    async_only=True,
    local_edits=True,
    sync_tokens=("requests",),  # a client or loop made in a sync function and used by async code
    planner="awaitify.rules.requests_httpx.raisers",  # handlers in other modules around converted helpers
)

# Cases the suite runs with every rule on (tests/test_rule_examples.py; awaitify.rule.Example)
VALID = (
    Example("""\
import requests


def fetch(url):
    return requests.get(url, timeout=5).json()
"""),
)

INVALID = (
    Example("""\
import requests


async def status(url):
    return requests.get(url, timeout=5, verify=False, auth=None).status_code
""", fixed='''\
import asyncio

import httpx


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


async def status(url):
    async with httpx.AsyncClient(verify=False, max_redirects=30, auth=_RequestsNetrc()) as client:
        return (await client.get(url, timeout=5, follow_redirects=True)).status_code
'''),
    Example("""\
import requests


async def fetch(url, hooks):
    return requests.get(url, hooks=hooks).status_code
"""),
)
