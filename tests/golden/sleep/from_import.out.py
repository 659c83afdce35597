import asyncio


async def poll(client):
    while not client.ready():
        await asyncio.sleep(0.5)
    return [await asyncio.sleep(i) for i in range(2)]
