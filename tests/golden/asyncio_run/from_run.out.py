async def a(c):
    return await c()


async def b(c):
    return await c()
