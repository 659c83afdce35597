from time import monotonic
import asyncio


async def tick():
    start = monotonic()
    await asyncio.sleep(0.1)
    return monotonic() - start
