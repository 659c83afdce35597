import asyncio
from time import monotonic


async def tick():
    start = monotonic()
    await asyncio.sleep(0.1)
    return monotonic() - start
