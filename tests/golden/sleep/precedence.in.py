import time


async def handler():
    return time.sleep(0).__class__, str(time.sleep(0))
