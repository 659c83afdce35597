import time


async def handler(delay):
    time.sleep(delay)  # wait for the replica
    return delay
