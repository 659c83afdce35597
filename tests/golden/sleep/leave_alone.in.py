import asyncio
import time

import gevent


def sync_worker():
    time.sleep(1)


class Pacer:
    def sleep(self, seconds):
        return seconds

    async def run(self):
        self.sleep(1)
        gevent.sleep(1)

        def in_thread():
            time.sleep(1)

        await asyncio.to_thread(in_thread)

        class Inner:
            time.sleep(0)


async def shadowed():
    def sleep(x):
        return x

    sleep(1)
