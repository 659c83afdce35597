"""What the sync-db-client rule looks for: sync redis clients (which its fix converts) and the
other sync database drivers' connections."""

from __future__ import annotations

import re

from typing import TYPE_CHECKING

from awaitify.detector import Detector
from awaitify.rules.sync_db_client.refusals import TRIO
from awaitify.runtime import config_for_module
from awaitify.summary import ModuleSummary
from awaitify.text_lines import split_lines

if TYPE_CHECKING:
    from awaitify.config import Config

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


def wants(summary: ModuleSummary, text: str) -> bool:
    """A sync redis client the fix converts (one made in async code) or reports: one made elsewhere
    and kept where async code may use it (a module global, a class attribute, `self.<name>`). The
    fix names those users by a scope analysis, and only a name an `async def`'s lines spell can have
    one; a client it cannot tie to a name on its own line counts as used."""
    sites = DETECTOR.sites(summary, calls=frozenset(REDIS_FACTORIES))
    if any(site.in_async for site in sites):
        return True
    spans = [(f.line, f.end_line) for f in summary.functions.values() if f.is_async]
    if not sites or not spans:
        return False
    lines = split_lines(text)
    in_async = "\n".join("".join(lines[first - 1:last]) for first, last in spans)
    for site in sites:
        before = lines[site.line - 1][:site.col - 1] if site.line <= len(lines) else ""
        kept = _KEPT_AS.fullmatch(before)  # what stands before the call on its line
        if kept is None or re.search(rf"(?<!\w){re.escape(kept.group(1))}(?!\w)", in_async):
            return True
    return False


def refused(text: str, config: Config) -> str | None:
    """Why the fix leaves every redis client of this module as it is: it runs on trio (the module's
    imports, or the program's runtime), and redis.asyncio runs on asyncio only."""
    return TRIO if config_for_module(config, text).target == "trio" else None


_KEPT_AS = re.compile(r"[ \t]*(?:self[ \t]*\.[ \t]*)?(\w+)[ \t]*=[ \t]*")  # `name = `, `self.name = `
