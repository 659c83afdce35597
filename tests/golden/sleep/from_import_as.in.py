from time import monotonic, sleep as nap


async def tick():
    start = monotonic()
    nap(0.1)
    return monotonic() - start
