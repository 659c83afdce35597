import asyncio
import json
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


def _requests_json(value, headers=None):
    """requests' json= body: json.dumps(value, allow_nan=False) as UTF-8, with Content-Type:
    application/json unless the headers set one; no body for None (awaitify, AW201)."""
    if value is None:
        return {"headers": headers}
    try:
        body = json.dumps(value, allow_nan=False).encode("utf-8")
    except ValueError as exc:  # NaN or infinity: requests raises InvalidJSONError, a RequestException
        raise httpx.HTTPError(f"Invalid JSON body: {exc}") from exc
    headers = dict(headers or {})
    if not any((k.decode() if isinstance(k, bytes) else k).lower() == "content-type" for k in headers):
        headers["Content-Type"] = "application/json"
    return {"content": body, "headers": headers}


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


async def sync_profile(base, user):
    """Adjacent calls with the same client settings share one client."""
    async with httpx.AsyncClient(verify=await _requests_trust(), max_redirects=30, auth=_RequestsNetrc()) as client:
        profile = await client.get(f"{base}/profiles/{user}", follow_redirects=True, timeout=None)
        avatar = await client.get(f"{base}/avatars/{user}", follow_redirects=True, timeout=None)
        await client.post(f"{base}/audit", **_requests_json({"user": user}), follow_redirects=True, timeout=None)

    async with httpx.AsyncClient(verify=False, max_redirects=30, auth=_RequestsNetrc()) as http_client:
        insecure = await http_client.get(f"{base}/legacy", follow_redirects=True, timeout=None)
    return profile.json(), avatar.content, insecure.status_code
