from fastapi import FastAPI

from recorder import events


def open_pool() -> None:
    events.append("open_pool")


def warm_cache() -> None:
    events.append("warm_cache")


app = FastAPI()


@app.on_event("startup")
async def boot() -> None:
    events.append("boot")


for hook in (open_pool, warm_cache):
    app.router.add_event_handler("startup", hook)
