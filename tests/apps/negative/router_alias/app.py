from fastapi import FastAPI

from recorder import events


def load_models() -> None:
    events.append("load_models")


app = FastAPI()
router = app.router


@app.on_event("startup")
async def boot() -> None:
    events.append("boot")


router.add_event_handler("startup", load_models)
