import asyncio


async def only_feeds(work):
    return await work()


async def used_elsewhere(work):
    loop = asyncio.get_running_loop()
    result = await work()
    loop.call_soon(print, result)
    return result


async def new_loop(work):
    loop = asyncio.new_event_loop()
    result = await work()
    loop.close()
    return result


async def chained(work):
    return await work() + 1


async def unknown_loop(loop, work):
    return loop.run_until_complete(work())
