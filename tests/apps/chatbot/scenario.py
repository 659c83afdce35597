"""Drive the bot's handlers directly, as the polling loop would; the sync admin script after."""

import asyncio
import os
import time

from appkit import emit, outcome

from bot import admin
from bot.handlers import dp, log

os.makedirs(os.environ["APP_DATA"], exist_ok=True)


def say(chat: int, text: str):
    return outcome(asyncio.run, dp.dispatch({"chat": chat, "text": text}))


async def batch():
    start = time.perf_counter()
    replies = await dp.feed([{"chat": i, "text": f"/health check{i}"} for i in range(4)])
    return {"results": replies, "elapsed": time.perf_counter() - start, "n": 4}


asyncio.run(dp.fire("startup"))
same = {"started": list(log)}
same["weather"] = say(1, "/weather oslo")
same["atlantis"] = say(1, "/weather atlantis")
same["empty"] = say(2, "/notes")
same["note1"] = say(2, "/note buy milk")
same["note2"] = say(2, "/note call bob")
same["notes"] = say(2, "/notes")
same["backup"] = os.path.exists(os.path.join(os.environ["APP_DATA"], "chat-2.txt.bak"))
same["unknown"] = say(3, "/dance")
same["broken"] = say(3, "/broken")
same["admin"] = outcome(admin.dump, 2)
say(9, "/health warm-up")
emit(same, asyncio.run(batch()))
