import os

from fastapi import FastAPI, Request

from gateway import config
from gateway.events import log
from gateway.middleware import AuthMiddleware


async def banner() -> None:
    log.append("app.banner " + config.settings["banner"])


def goodbye() -> None:
    log.append("app.goodbye")


app = FastAPI(on_startup=[config.load, banner], on_shutdown=[goodbye])
app.add_middleware(AuthMiddleware)


@app.get("/health")
async def health():
    return {"ok": True}


@app.get("/me")
async def me(request: Request):
    return {"user": request.state.user, "audit_bytes": os.path.getsize(os.path.join(os.environ["APP_DATA"], "audit.log"))}


@app.get("/boom")
async def boom():
    raise ZeroDivisionError("boom")


import gateway.hooks  # noqa: E402,F401
