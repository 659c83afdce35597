"""The sync entry point cron runs: one batch, then exit."""

import asyncio

from worker.consumer import consume
from worker.retry import backoff


def main(jobs: list[dict]) -> list[dict]:
    return asyncio.run(consume(jobs))


def cooldown() -> float:
    return backoff(1)
