from fastapi import FastAPI

from recorder import events

app = FastAPI()


@app.on_event("startup")
def boot() -> None:
    events.append("boot")
