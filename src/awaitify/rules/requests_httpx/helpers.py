"""Small functions a rewritten module gets when an argument means something else to httpx, so the
request sent is the one requests sent, byte for byte.

- `json=`: requests writes `json.dumps(value, allow_nan=False)` (", " and ": " separators, non-ASCII
  escaped) as UTF-8 with `Content-Type: application/json` unless the headers set one (any case), and
  no body at all for `None`, and a NaN fails as a RequestException (httpx.HTTPError here, as an `except`
  maps it); httpx writes compact JSON without escapes. A signed webhook (HMAC of the
  body) would fail. `json=v, headers=h` becomes `**_requests_json(v, h)` (content= and headers=).
- `r.text`: requests decodes a body without a declared charset as ISO-8859-1 for `text/*`, UTF-8 for
  JSON, else with the charset it guesses; httpx decodes UTF-8. `r.text` becomes `_requests_text(r)`.
- `params=`: requests leaves out keys whose value is None (in a list of values too) and writes each
  value with `str()`; httpx sends `key=` for None and `true` for True. `params=p` becomes
  `params=_requests_params(p)` unless `p` is a literal of (text, not bytes) strings and numbers only.
- `.netrc`: requests sends the credentials `.netrc` holds for the host when a request has no `auth=`
  (and over those in the URL); httpx only with `auth=httpx.NetRCAuth()`, which fails without the file.
  Every client gets `auth=_RequestsNetrc()` (a request's own `auth=`, or `s.auth = ...` on a session,
  replaces it, as in requests). The file is read in the runtime's thread offload, not on the event loop.
- trust: requests reads `REQUESTS_CA_BUNDLE` / `CURL_CA_BUNDLE` at each request; the module's context
  is made at import (loading a bundle blocks ~0.1 s). `verify=await _requests_trust()` hands a client
  that context while the variables still name its bundle, else one made once, in a thread, for the
  bundle they name now (in the runtime's thread offload: asyncio, trio or anyio).

Each is written once per module, after its imports, under a name the module does not use.
"""

from __future__ import annotations

import functools
import textwrap

import libcst as cst

from awaitify.node_walk import names_by_function

JSON, PARAMS, TEXT, NETRC, TRUST = "_requests_json", "_requests_params", "_requests_text", "_RequestsNetrc", "_requests_trust"

_SOURCES = {
    JSON: '''
        def {name}(value, headers=None):
            """requests' json= body: json.dumps(value, allow_nan=False) as UTF-8, with Content-Type:
            application/json unless the headers set one; no body for None (awaitify, AW201)."""
            if value is None:
                return {{"headers": headers}}
            try:
                body = json.dumps(value, allow_nan=False).encode("utf-8")
            except ValueError as exc:  # NaN or infinity: requests raises InvalidJSONError, a RequestException
                raise {client}.HTTPError(f"Invalid JSON body: {{exc}}") from exc
            headers = dict(headers or {{}})
            if not any((k.decode() if isinstance(k, bytes) else k).lower() == "content-type" for k in headers):
                headers["Content-Type"] = "application/json"
            return {{"content": body, "headers": headers}}
        ''',
    PARAMS: '''
        def {name}(params):
            """requests' params=: None values left out, the others written with str() (awaitify, AW201)."""
            if params is None or isinstance(params, (str, bytes)):
                return params
            pairs = []
            for key, values in params.items() if hasattr(params, "items") else params:
                if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
                    values = [values]
                for value in values:
                    if value is not None:
                        pairs.append(tuple(v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in (key, value)))
            return pairs
        ''',
    TEXT: '''
        def {name}(response):
            """requests' r.text: the declared charset, else ISO-8859-1 for text/*, UTF-8 for JSON, else
            the charset requests guesses (chardet, else charset_normalizer, else UTF-8) (awaitify, AW201)."""
            if not response.content:
                return ""
            encoding = response.charset_encoding
            content_type = response.headers.get("content-type", "").partition(";")[0]
            if encoding is None and "text" in content_type:
                encoding = "ISO-8859-1"
            elif encoding is None and "application/json" in content_type:
                encoding = "utf-8"
            elif encoding is None:
                if {name}.detector is False:  # looked up once, as requests does: chardet, else charset_normalizer
                    {name}.detector = None
                    for library in ("chardet", "charset_normalizer"):
                        try:
                            {name}.detector = {name}.detector or importlib.import_module(library)
                        except ImportError:
                            pass
                encoding = {name}.detector.detect(response.content)["encoding"] if {name}.detector else "utf-8"
            try:
                return str(response.content, encoding, errors="replace")
            except (LookupError, TypeError):
                return str(response.content, errors="replace")


        {name}.detector = False
        ''',
    NETRC: '''
        class {name}({client}.Auth):
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
                found = await {offload}(lambda: self.credentials(request.url))  # the file is read off the event loop
                for step in {client}.BasicAuth(*found).auth_flow(request) if found else [request]:
                    yield step
        ''',
    TRUST: '''
        async def {name}(verify=True, shared=True):
            """requests' trust, read when a client is made (requests reads it at each request): the bundle
            REQUESTS_CA_BUNDLE, else CURL_CA_BUNDLE names, even over a session's verify= (as requests'
            merge_environment_settings does); else `verify` (True: certifi's). The context made at import while
            they still name its bundle, else one loaded in a thread once; `shared=False`: a context of its own,
            for a client certificate to be loaded into (awaitify, AW201)."""
            named = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
            if not named and verify is not True:
                return verify or False  # (requests checks nothing for a falsy verify, None too)
            bundle = named or certifi.where()
            load = lambda: ssl.create_default_context(**{{"capath" if os.path.isdir(bundle) else "cafile": bundle}})
            if not shared:
                return await {offload}(load)
            if bundle == {bundle}:
                return {context}
            if bundle not in {name}.made:
                {name}.made[bundle] = await {offload}(load)
            return {name}.made[bundle]


        {name}.made = {{}}
        ''',
}
IMPORTS = {JSON: ("json",), PARAMS: (), TEXT: ("importlib",), NETRC: (), TRUST: ("certifi", "os", "ssl")}
OFFLOADING = (NETRC, TRUST)  # these also need the module's thread offload imported (`codemod_base.thread_import`)


def helper(kind: str, name: str, client: str, offload: str, **names: str) -> list[cst.BaseStatement]:
    """The statements of the helper `kind` named `name`; `offload`: the runtime's thread offload
    (`asyncio.to_thread`, `trio.to_thread.run_sync`, `anyio.to_thread.run_sync`); `names`: the TLS
    context's and bundle's for TRUST."""
    return list(_parsed(_source(kind, name, client, offload, **names)))


def spelled(kind: str, name: str, client: str, offload: str, **names: str) -> frozenset[str]:
    """Every name the statements of that helper spell (`names_in` of each, together)."""
    return _spelled(_source(kind, name, client, offload, **names))


def _source(kind: str, name: str, client: str, offload: str, **names: str) -> str:
    return textwrap.dedent(_SOURCES[kind]).lstrip("\n").format(name=name, client=client, offload=offload, **names)


@functools.lru_cache(maxsize=64)
def _spelled(source: str) -> frozenset[str]:
    return frozenset().union(*(names_by_function(stmt)[0] for stmt in _parsed(source)))


@functools.lru_cache(maxsize=64)
def _parsed(source: str) -> tuple[cst.BaseStatement, ...]:
    """The statements of a helper's source: parsed once per process (libcst's nodes never change)."""
    return tuple(cst.parse_module(source).body)


def written(module: cst.Module, kind: str) -> str | None:
    """The name of such a helper an earlier run wrote (a file migrated in steps keeps one)."""
    for stmt in module.body:
        if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)) and stmt.name.value.startswith(kind):
            doc = stmt.get_docstring() or ""
            if "(awaitify, AW201)" in doc:
                return stmt.name.value
    return None


def literal_params(value: cst.BaseExpression) -> bool:
    """A dict (or list of pairs) literal whose keys and values are strings or numbers: sent alike."""
    def plain(v: cst.BaseExpression) -> bool:
        if isinstance(v, cst.SimpleString):
            return "b" not in v.prefix.lower()  # httpx writes bytes as "b'x'", requests as "x"
        return isinstance(v, (cst.Integer, cst.Float))

    if isinstance(value, cst.Dict):
        return all(isinstance(e, cst.DictElement) and plain(e.key) and plain(e.value) for e in value.elements)
    if isinstance(value, (cst.List, cst.Tuple)):
        return all(isinstance(e.value, cst.Tuple) and len(e.value.elements) == 2
                   and all(plain(x.value) for x in e.value.elements) for e in value.elements)
    return False
