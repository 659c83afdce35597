"""A mounted sub-app: Starlette never runs a mounted app's lifespan, so this hook never runs."""

import os

from fastapi import FastAPI

from shop.events import log

admin = FastAPI()


@admin.on_event("startup")
def admin_boot() -> None:
    log.append("admin.boot")


@admin.get("/exists")
async def exists(path: str):
    return {"exists": os.path.exists(path)}
