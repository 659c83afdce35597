import httpx

_HTTPX_SSL_CONTEXT = httpx.create_ssl_context()


async def handler(base, client):
    # `client` is taken: the AsyncClient gets another name
    async with httpx.AsyncClient(verify=_HTTPX_SSL_CONTEXT) as http_client:
        data = (await http_client.get(base + "/config", follow_redirects=True, timeout=None)).json()
    return client, data


async def both_taken(base, client, http_client):
    async with httpx.AsyncClient(verify=_HTTPX_SSL_CONTEXT) as client_1:
        return (await client_1.get(base, follow_redirects=True, timeout=None)).text
