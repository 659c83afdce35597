"""GET /api/features/me: the caller's feature flags, cached in Redis for five minutes.

Modelled on STORY-217 (`routes/features.py:51`): the endpoint opens a new *sync* Redis connection on
every request, so each cache lookup blocks the event loop for a network round trip.
"""

import json

import redis
from fastapi import APIRouter

from backend.config import settings

router = APIRouter()

FLAG_TTL = 300
DEFAULT_FLAGS = {"new_search": False, "export_csv": True}


def _plan_flags(user_id: str) -> dict:
    flags = dict(DEFAULT_FLAGS)
    flags["new_search"] = user_id.endswith("-beta")
    return flags


@router.get("/api/features/me")
async def get_my_features(user_id: str) -> dict:
    cache = redis.from_url(settings.redis_url, decode_responses=True, socket_timeout=5)
    key = f"features:{user_id}"
    try:
        cached = cache.get(key)
        if cached is not None:
            cache.hincrby("features:stats", "hits", 1)
            return json.loads(cached)
        flags = _plan_flags(user_id)
        with cache.pipeline() as pipe:
            pipe.set(key, json.dumps(flags), ex=FLAG_TTL)
            pipe.hincrby("features:stats", "misses", 1)
            pipe.execute()
        return flags
    finally:
        cache.close()
