from fastapi import FastAPI

from shop.admin import admin
from shop.db import open_db
from shop.events import log
from shop.routers import catalog, orders

app = FastAPI(title="shop", on_startup=[open_db])
app.include_router(catalog.router)
app.include_router(orders.router)
app.mount("/admin", admin)


@app.on_event("startup")
async def announce() -> None:
    log.append("main.announce")


from shop import hooks  # noqa: E402,F401  (registers more hooks on `app`)
