import asyncio
import logging

import redis.asyncio as aioredis

from backend.config import settings

log = logging.getLogger(__name__)

_redis_client = aioredis.from_url(settings.redis_url, decode_responses=True)


async def _ping() -> bool:
    return await _redis_client.ping()


# Checks the connection when the module is imported. Works from a plain script; raises
# "asyncio.run() cannot be called from a running event loop" when imported under uvicorn.
REDIS_AVAILABLE = asyncio.run(_ping())


async def publish_progress(job_id: str, percent: int) -> None:
    await _redis_client.publish(f"progress:{job_id}", percent)


async def health() -> dict:
    loop = asyncio.get_event_loop()
    ok = loop.run_until_complete(_ping())
    return {"redis": ok}
