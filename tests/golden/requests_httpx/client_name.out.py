import asyncio
import importlib
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


def _requests_text(response):
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
        if _requests_text.detector is False:  # looked up once, as requests does: chardet, else charset_normalizer
            _requests_text.detector = None
            for library in ("chardet", "charset_normalizer"):
                try:
                    _requests_text.detector = _requests_text.detector or importlib.import_module(library)
                except ImportError:
                    pass
        encoding = _requests_text.detector.detect(response.content)["encoding"] if _requests_text.detector else "utf-8"
    try:
        return str(response.content, encoding, errors="replace")
    except (LookupError, TypeError):
        return str(response.content, errors="replace")


_requests_text.detector = False


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


async def handler(base, client):
    # `client` is taken: the AsyncClient gets another name
    async with httpx.AsyncClient(verify=await _requests_trust(), max_redirects=30, auth=_RequestsNetrc()) as http_client:
        data = (await http_client.get(base + "/config", follow_redirects=True, timeout=None)).json()
    return client, data


async def both_taken(base, client, http_client):
    async with httpx.AsyncClient(verify=await _requests_trust(), max_redirects=30, auth=_RequestsNetrc()) as client_1:
        return _requests_text(await client_1.get(base, follow_redirects=True, timeout=None))
