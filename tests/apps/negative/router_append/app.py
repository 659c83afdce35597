from fastapi import FastAPI

from recorder import events


def warm_cache() -> None:
    events.append("warm_cache")


async def drain_queue() -> None:
    events.append("drain_queue")


app = FastAPI()


@app.on_event("startup")
async def boot() -> None:
    events.append("boot")


# seen in real code: straight onto Starlette's router lists
app.router.on_startup.append(warm_cache)
app.router.on_shutdown.append(drain_queue)
