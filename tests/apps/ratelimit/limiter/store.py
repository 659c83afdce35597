"""Request counters in Redis, one client per call (the way the team wrote it first)."""

import os

import redis


def hit(key: str, limit: int) -> tuple[bool, int]:
    client = redis.Redis.from_url(os.environ["REDIS_URL"], decode_responses=True)
    try:
        count = client.incr(f"hits:{key}")
        if count == 1:
            client.expire(f"hits:{key}", 60)
        return count <= limit, count
    finally:
        client.close()


def reset() -> int:
    client = redis.Redis.from_url(os.environ["REDIS_URL"], decode_responses=True)
    keys = client.keys("hits:*")
    removed = client.delete(*keys) if keys else 0
    client.close()
    return removed
