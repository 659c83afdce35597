import os

import redis
from fastapi import FastAPI
from fastapi.responses import JSONResponse

from limiter import store, upstream

app = FastAPI()
log: list[str] = []


@app.on_event("startup")
def clear_counters() -> None:
    log.append(f"cleared {store.reset()}")


@app.get("/quote/{key}")
async def get_quote(key: str, limit: int = 2):
    allowed, count = store.hit(key, limit)
    if not allowed:
        return JSONResponse({"detail": "slow down", "count": count}, status_code=429)
    return {**upstream.quote(key), "count": count}


@app.get("/stats")
async def stats():
    client = redis.Redis.from_url(os.environ["REDIS_URL"], decode_responses=True)
    try:
        with client.pipeline() as pipe:
            pipe.get("hits:a")
            pipe.get("hits:b")
            pipe.exists("hits:zzz")
            a, b, missing = pipe.execute()
        return {"a": a, "b": b, "missing": missing}
    finally:
        client.close()
