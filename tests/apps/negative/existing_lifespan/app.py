from contextlib import asynccontextmanager

from fastapi import FastAPI

from recorder import events


@asynccontextmanager
async def lifespan(app: FastAPI):
    events.append("lifespan.enter")
    yield
    events.append("lifespan.exit")


app = FastAPI(lifespan=lifespan)


# dead code: FastAPI ignores on_event hooks once the app passes lifespan=
@app.on_event("startup")
async def boot() -> None:
    events.append("boot")


@app.on_event("shutdown")
def bye() -> None:
    events.append("bye")
