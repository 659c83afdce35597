import httpx

_HTTPX_SSL_CONTEXT = httpx.create_ssl_context()


async def sync_profile(base, user):
    """Adjacent calls with the same client settings share one client."""
    async with httpx.AsyncClient(verify=_HTTPX_SSL_CONTEXT) as client:
        profile = await client.get(f"{base}/profiles/{user}", follow_redirects=True, timeout=None)
        avatar = await client.get(f"{base}/avatars/{user}", follow_redirects=True, timeout=None)
        await client.post(f"{base}/audit", json={"user": user}, follow_redirects=True, timeout=None)

    async with httpx.AsyncClient(verify=False) as http_client:
        insecure = await http_client.get(f"{base}/legacy", follow_redirects=True, timeout=None)
    return profile.json(), avatar.content, insecure.status_code
