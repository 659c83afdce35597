import os
import ssl

import certifi
import httpx

_HTTPX_CA_BUNDLE = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or certifi.where()
_HTTPX_SSL_CONTEXT = ssl.create_default_context(**{"capath" if os.path.isdir(_HTTPX_CA_BUNDLE) else "cafile": _HTTPX_CA_BUNDLE})


async def handler(base, client):
    # `client` is taken: the AsyncClient gets another name
    async with httpx.AsyncClient(verify=_HTTPX_SSL_CONTEXT, max_redirects=30) as http_client:
        data = (await http_client.get(base + "/config", follow_redirects=True, timeout=None)).json()
    return client, data


async def both_taken(base, client, http_client):
    async with httpx.AsyncClient(verify=_HTTPX_SSL_CONTEXT, max_redirects=30) as client_1:
        return (await client_1.get(base, follow_redirects=True, timeout=None)).text
