import time


async def handler(items):
    later = lambda: time.sleep(1)
    gen = (time.sleep(i) for i in items)
    return later, gen
