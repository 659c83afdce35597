import asyncio


async def handler(delay):
    await asyncio.sleep(delay)  # wait for the replica
    return delay
