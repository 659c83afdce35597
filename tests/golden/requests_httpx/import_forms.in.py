import requests as rq
from requests import get, post
from requests.exceptions import ConnectionError, HTTPError


async def fetch_user(base, user_id):
    try:
        r = get(f"{base}/users/{user_id}")
        r.raise_for_status()
    except HTTPError:
        return None
    except ConnectionError:
        return "offline"
    return r.json()


async def create(base, payload):
    return post(base + "/users", json=payload).status_code


async def ping(base):
    return rq.head(base).status_code
