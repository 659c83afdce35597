import os
import ssl

import certifi
import httpx

_HTTPX_CA_BUNDLE = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or certifi.where()
_HTTPX_SSL_CONTEXT = ssl.create_default_context(**{"capath" if os.path.isdir(_HTTPX_CA_BUNDLE) else "cafile": _HTTPX_CA_BUNDLE})


async def status(url):
    async with httpx.AsyncClient(verify=_HTTPX_SSL_CONTEXT, max_redirects=30) as client:
        r = await client.get(url, follow_redirects=True, timeout=None)
    if r.is_error:
        return "failed: " + r.reason_phrase
    if (not r.is_error):
        print("fine", r.next_request)
    async with httpx.AsyncClient(verify=_HTTPX_SSL_CONTEXT, max_redirects=30) as client:
        return (not r.is_error), (not r.is_error) and r.status_code, (not (await client.get(url, follow_redirects=True, timeout=None)).is_error)
