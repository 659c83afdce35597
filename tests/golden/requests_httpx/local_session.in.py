import requests


async def sync_orgs(api, token, names):
    session = requests.Session()
    session.verify = False
    session.headers.update({"Authorization": f"Bearer {token}"})
    session.auth = ("svc", token)
    found = {}
    for name in names:
        r = session.get(f"{api}/orgs/{name}", params={"full": "1"})
        if r.ok:
            found[name] = r.json()
    session.post(f"{api}/audit", json={"synced": sorted(found)})
    session.close()
    return found


async def profile(api, user):
    s = requests.Session()
    try:
        return s.get(f"{api}/users/{user}").json()
    finally:
        s.close()
