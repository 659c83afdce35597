import asyncio

from fastapi import FastAPI

import requests

from media import _importer, stats, storage, thumbs
from media.events import log
from media.internal import internal

app = FastAPI()
app.include_router(thumbs.router)
app.mount("/internal", internal)


@app.on_event("shutdown")
def goodbye() -> None:
    log.append("main.goodbye")


@app.put("/originals/{name}")
async def upload(name: str, body: dict):
    size = storage.save_original(name, body["data"].encode())
    try:
        note = stats.publish_now(name)
    except RuntimeError:
        note = "stats failed"
    return {"size": size, "stats": note}


@app.post("/import/{name}")
async def import_from_url(name: str, source: str):
    try:
        return {"size": _importer.import_original(name, source)}
    except requests.HTTPError as exc:
        return {"error": exc.response.status_code}


@app.post("/purge")
async def purge():
    storage.purge()
    return {"ok": True}


@app.get("/stats-twice/{name}")
async def stats_twice(name: str):
    return {"results": list(await asyncio.gather(stats.publish(name), stats.publish(name)))}
