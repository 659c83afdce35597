"""An internal sub-app mounted under /internal (its own hooks never run: Starlette does not run a
mounted app's lifespan)."""

import shutil

from fastapi import FastAPI

from media import storage
from media.events import log

internal = FastAPI()


def never() -> None:
    log.append("internal.never")


internal.router.add_event_handler("startup", never)


@internal.get("/disk")
async def disk():
    usage = shutil.disk_usage(storage.base())
    return {"has_space": usage.free > 0}
