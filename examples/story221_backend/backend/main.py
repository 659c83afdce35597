import logging
import os
import time

from fastapi import Depends, FastAPI

from backend.deps import require_admin

log = logging.getLogger(__name__)

app = FastAPI(title="bidiq")


@app.on_event("startup")
async def init_health_tracking() -> None:
    log.info("health tracking started")


@app.on_event("startup")
def validate_env() -> None:
    missing = [name for name in ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET") if not os.getenv(name)]
    if missing:
        log.warning("missing environment variables: %s", ", ".join(missing))


@app.on_event("shutdown")
async def close_pools() -> None:
    log.info("pools closed")


@app.get("/admin/report")
async def admin_report(user_id: str = Depends(require_admin)) -> dict:
    time.sleep(0.05)  # "let the replica settle"
    return {"user": user_id, "report": []}


@app.get("/health")
def health() -> dict:
    time.sleep(0.01)  # a sync endpoint runs in FastAPI's thread pool: fine
    return {"ok": True}
