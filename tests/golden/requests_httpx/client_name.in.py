import requests


async def handler(base, client):
    # `client` is taken: the AsyncClient gets another name
    data = requests.get(base + "/config").json()
    return client, data


async def both_taken(base, client, http_client):
    return requests.get(base).text
