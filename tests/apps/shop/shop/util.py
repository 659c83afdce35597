import time

from shop.settings import THROTTLE_SECONDS


def throttle() -> None:
    # the upstream pricing feed allows one call per THROTTLE_SECONDS per worker
    time.sleep(THROTTLE_SECONDS)
