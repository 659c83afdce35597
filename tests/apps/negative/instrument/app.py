from fastapi import FastAPI

from recorder import events
from tracing import instrument

app = FastAPI()


@app.on_event("startup")
async def boot() -> None:
    events.append("boot")


instrument(app)


@app.on_event("shutdown")
def bye() -> None:
    events.append("bye")
