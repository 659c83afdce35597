import asyncio
import time

from fastapi import FastAPI

from recorder import events

app = FastAPI()


async def heartbeat() -> None:
    events.append("heartbeat")


@app.on_event("startup")
def boot() -> None:
    # a sync hook Starlette runs on the loop thread: it may use the loop
    time.sleep(0.01)  # give the database a moment
    loop = asyncio.get_event_loop()
    app.state.task = loop.create_task(heartbeat())
    events.append("boot")


@app.on_event("shutdown")
async def bye() -> None:
    await app.state.task
    events.append("bye")
