import asyncio
import time as t


async def handler():
    t.sleep(1)
    return t.monotonic()
