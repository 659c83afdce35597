import requests


async def status(url):
    r = requests.get(url)
    if not r.ok:
        return "failed: " + r.reason
    if r:
        print("fine", r.next)
    return bool(r), r.ok and r.status_code, requests.get(url).ok
