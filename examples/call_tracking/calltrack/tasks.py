"""Celery tasks: sync entry points. `asyncio.run` is the right bridge here and must stay."""

import asyncio

from calltrack.store import call_summary, record_call


def task(fn):  # stands in for `@app.task` so the example runs without a broker
    return fn


@task
def import_call_log(account: str, rows: list[tuple[str, int]]) -> int:
    for number, seconds in rows:
        asyncio.run(record_call(account, number, seconds))
    return len(rows)


@task
def nightly_summary(account: str) -> dict:
    return asyncio.run(call_summary(account))
