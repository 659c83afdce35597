from fastapi import FastAPI

from recorder import events

app = FastAPI()


@app.on_event("startup")
async def boot() -> None:
    events.append("boot")
