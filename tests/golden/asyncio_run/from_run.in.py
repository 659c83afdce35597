import asyncio as aio
from asyncio import run


async def a(c):
    return run(c())


async def b(c):
    return aio.run(c())
