from fastapi import FastAPI

from recorder import events
from routes import router


def create_app() -> FastAPI:
    app = FastAPI()

    @app.on_event("startup")
    def factory_boot() -> None:
        events.append("factory_boot")

    app.include_router(router)
    return app


app = create_app()
