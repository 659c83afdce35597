import os

from fastapi import FastAPI

from recorder import events


def start_metrics() -> None:
    events.append("start_metrics")


app = FastAPI()


@app.on_event("startup")
async def boot() -> None:
    events.append("boot")


if os.environ.get("METRICS") == "1":
    app.router.add_event_handler("startup", start_metrics)

    @app.on_event("shutdown")
    def stop_metrics() -> None:
        events.append("stop_metrics")
