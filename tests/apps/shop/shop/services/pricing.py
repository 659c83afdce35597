from shop.db import rows
from shop.util import throttle


def quote(sku: str, qty: int) -> dict:
    throttle()
    if sku not in rows:
        raise KeyError(sku)
    return {"sku": sku, "qty": qty, "total": rows[sku] * qty}


def price_report(skus: list[str]) -> list[dict]:
    """Used by the nightly (sync) job as well as the API."""
    return [quote(sku, 1) for sku in skus]
