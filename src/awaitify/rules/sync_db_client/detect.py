"""What the sync-db-client rule looks for: sync redis clients (which its fix converts) and the
other sync database drivers' connections."""

from __future__ import annotations

from awaitify.detector import Detector
from awaitify.summary import ModuleSummary

# qualified name of the sync factory -> how the redis.asyncio one is spelled after the module alias
REDIS_FACTORIES = {
    "redis.Redis": "Redis",
    "redis.StrictRedis": "StrictRedis",
    "redis.client.Redis": "Redis",
    "redis.client.StrictRedis": "StrictRedis",
    "redis.from_url": "from_url",
    "redis.utils.from_url": "from_url",
    "redis.Redis.from_url": "Redis.from_url",
    "redis.StrictRedis.from_url": "StrictRedis.from_url",
    "redis.client.Redis.from_url": "Redis.from_url",
    "redis.client.StrictRedis.from_url": "StrictRedis.from_url",
}
DRIVERS = ("psycopg2.connect", "sqlite3.connect", "pymysql.connect", "MySQLdb.connect")

DETECTOR = Detector(
    "AW512",
    calls={name: f"{name}()" for name in (*REDIS_FACTORIES, *DRIVERS)},
    manual=frozenset(DRIVERS),  # other drivers have no async twin the fix knows: by hand
    fixed_in_async_only=True,  # a client made in the async function itself, not in a helper
    tokens=("redis", "psycopg2", "sqlite3", "pymysql", "MySQLdb"),
)


def wants(summary: ModuleSummary) -> bool:
    """A sync redis client is made somewhere (module-level and `self` clients are converted when
    async code uses them, so sync scopes count too)."""
    return bool(DETECTOR.sites(summary, calls=frozenset(REDIS_FACTORIES)))
