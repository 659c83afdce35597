import time


def backoff(attempt: int) -> float:
    """Wait before the next attempt; the worker's jobs and the sync CLI both use it."""
    delay = 0.25 * attempt
    time.sleep(delay)
    return delay
