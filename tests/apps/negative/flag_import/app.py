from fastapi import FastAPI

import settings
from recorder import events

app = FastAPI()


@app.on_event("startup")
async def boot() -> None:
    events.append("boot")


@app.on_event("shutdown")
async def bye() -> None:
    events.append("bye")


if settings.EXTRA:
    import extra  # noqa: F401
