import requests


def fetch(url):
    # sync code that no async code reaches: requests is fine here
    return requests.get(url, timeout=5).json()


async def handler(url):
    def in_a_thread():
        return requests.get(url).text
    return in_a_thread
