from fastapi import FastAPI

from recorder import events
from routes import router

app = FastAPI()
app.include_router(router)


@app.on_event("startup")
def boot() -> None:
    events.append("boot")
