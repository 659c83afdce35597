from contextlib import asynccontextmanager

from fastapi import APIRouter

from recorder import events


@asynccontextmanager
async def router_lifespan(app):
    events.append("router.enter")
    yield
    events.append("router.exit")


router = APIRouter(lifespan=router_lifespan)


@router.on_event("startup")
def warm() -> None:
    events.append("warm")


@router.on_event("shutdown")
def cool() -> None:
    events.append("cool")
