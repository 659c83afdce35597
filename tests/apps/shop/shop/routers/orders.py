import requests
from fastapi import APIRouter

from shop.clients import inventory
from shop.events import log

router = APIRouter()


@router.on_event("shutdown")
async def drain_orders() -> None:
    log.append("orders.drain")


@router.post("/orders")
async def place_order(order: dict):
    try:
        reserved = inventory.reserve(order["sku"], order["qty"])
    except requests.HTTPError as exc:
        return {"ok": False, "status": exc.response.status_code}
    return {"ok": True, "reserved": reserved}
