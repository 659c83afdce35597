import asyncio


async def handler():
    return (await asyncio.sleep(0)).__class__, str(await asyncio.sleep(0))
