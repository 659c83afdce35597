from fastapi import APIRouter, HTTPException

from shop.events import log
from shop.services import pricing

router = APIRouter()


@router.on_event("startup")
def load_catalog() -> None:
    log.append("catalog.load")


@router.get("/quote/{sku}")
async def quote(sku: str, qty: int = 1):
    try:
        return pricing.quote(sku, qty)
    except KeyError:
        raise HTTPException(status_code=404, detail=f"unknown sku {sku}")
