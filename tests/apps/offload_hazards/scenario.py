"""Call the handlers directly, in one event loop, then the sync cron job."""

import asyncio

from appkit import emit, outcome

from store import db, handlers


async def main() -> list:
    return [await handlers.handle("a"), await handlers.handle("b")]


same = {"handled": outcome(asyncio.run, main()), "nightly": outcome(db.nightly)}
emit(same)
