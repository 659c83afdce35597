from fastapi import FastAPI

from recorder import events

app = FastAPI()


@app.on_event("startup")
def first() -> None:
    events.append("first")


@app.on_event("startup")
async def connect_db() -> None:
    events.append("connect_db")
    raise ConnectionRefusedError("database is down")


@app.on_event("startup")
def never() -> None:
    events.append("never")


@app.on_event("shutdown")
def bye() -> None:
    events.append("bye")
