import asyncio
import time as t


async def handler():
    await asyncio.sleep(1)
    return t.monotonic()
