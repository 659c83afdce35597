from fastapi import APIRouter

from recorder import events

router = APIRouter()


@router.on_event("startup")
async def routes_up() -> None:
    events.append("routes_up")


@router.on_event("shutdown")
def routes_down() -> None:
    events.append("routes_down")


@router.get("/ping")
async def ping():
    return {"pong": True}
