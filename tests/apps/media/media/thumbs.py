from fastapi import APIRouter, HTTPException

from media import render, storage
from media.events import log


def thumbs_ready() -> None:
    log.append("thumbs.ready")


router = APIRouter(on_startup=[storage.prepare, thumbs_ready])


@router.get("/thumbs/{name}")
async def thumb(name: str):
    try:
        return {"name": name, "size": render.thumbnail(name)}
    except FileNotFoundError:
        raise HTTPException(404, "no such original")
