import requests


async def poll(u, v):
    # the loop's test and its body share the loop's client: never a closed client on the next test
    while requests.get(u).ok:
        r = requests.get(v, verify=False)
        if r.status_code == 204:
            requests.post(v, json={})
            break
    return r.status_code


async def choose(u, x):
    if x:
        pass
    elif requests.get(u):
        pass
    elif requests.head(u, verify=False):
        pass
    else:
        requests.get(u)
