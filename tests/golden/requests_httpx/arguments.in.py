import requests


async def arguments(url, token):
    a = requests.get(url, timeout=(3.05, 27))
    b = requests.get(url, timeout=10, allow_redirects=False)
    c = requests.post(url, data="raw text")
    d = requests.post(url, data=b"\x00\x01", headers={"Content-Type": "application/octet-stream"})
    e = requests.post(url, data={"grant_type": "client_credentials"}, auth=("id", "secret"))
    f = requests.head(url)
    g = requests.request("PATCH", url, json={"a": 1}, params={"v": 2})
    return [r.status_code for r in (a, b, c, d, e, f, g)]


async def client_settings(url):
    return requests.get(url, verify="/etc/ca.pem", cert=("c.pem", "k.pem"), cookies={"s": "1"},
                        proxies={"http": "http://proxy:3128", "https": "http://proxy:3128"}).status_code
