import os

import requests


def quote(key: str) -> dict:
    r = requests.get(f"{os.environ['SERVICE_URL']}/quotes/{key}", params={"delay": "0.25"}, timeout=10)
    r.raise_for_status()
    return {"quote": r.json()["path"].rsplit("/", 1)[1]}
