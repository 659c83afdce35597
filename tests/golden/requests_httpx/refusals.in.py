import requests

SESSION = requests.Session()


class Api:
    def __init__(self):
        self.session = requests.Session()

    async def me(self):
        return self.session.get("https://api.example.com/me").json()


async def global_session(url):
    return SESSION.get(url).text


async def streamed(url):
    return requests.get(url, stream=True).iter_content()


async def passthrough(url, **kwargs):
    return requests.get(url, **kwargs)


async def unknown_body(url, body):
    return requests.post(url, data=body)


async def rebound(url):
    r = requests.get(url)
    if r.ok:
        r = None
    return r


async def escaping_session(url):
    s = requests.Session()
    return s, s.get(url)
