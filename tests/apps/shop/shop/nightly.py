"""The nightly job: sync code, run from cron, that shares the pricing service with the API."""

from shop.services.pricing import price_report


def run(skus: list[str]) -> list[dict]:
    return price_report(skus)
