import asyncio


async def ping():
    return True


REDIS_AVAILABLE = asyncio.run(ping())
