import json
import os
import ssl

import certifi
import httpx

_HTTPX_CA_BUNDLE = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or certifi.where()
_HTTPX_SSL_CONTEXT = ssl.create_default_context(**{"capath" if os.path.isdir(_HTTPX_CA_BUNDLE) else "cafile": _HTTPX_CA_BUNDLE})


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


async def sync_profile(base, user):
    """Adjacent calls with the same client settings share one client."""
    async with httpx.AsyncClient(verify=_HTTPX_SSL_CONTEXT, max_redirects=30) as client:
        profile = await client.get(f"{base}/profiles/{user}", follow_redirects=True, timeout=None)
        avatar = await client.get(f"{base}/avatars/{user}", follow_redirects=True, timeout=None)
        await client.post(f"{base}/audit", **_requests_json({"user": user}), follow_redirects=True, timeout=None)

    async with httpx.AsyncClient(verify=False, max_redirects=30) as http_client:
        insecure = await http_client.get(f"{base}/legacy", follow_redirects=True, timeout=None)
    return profile.json(), avatar.content, insecure.status_code
