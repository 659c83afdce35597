from fastapi import FastAPI

from recorder import events

app = FastAPI()


# two hooks under one name (seen in real code): both were registered, so both ran
@app.on_event("startup")
def init() -> None:
    events.append("init database")


@app.on_event("startup")
def init() -> None:  # noqa: F811
    events.append("init cache")
