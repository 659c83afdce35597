"""Hooks registered from another module on the imported app."""

from shop.db import close_db
from shop.events import log
from shop.main import app


@app.on_event("startup")
async def warm_cache() -> None:
    log.append("hooks.warm_cache")


app.router.add_event_handler("shutdown", close_db)  # app.add_event_handler before FastAPI 0.128
