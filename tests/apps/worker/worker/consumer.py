import asyncio

from worker.jobs import handle


async def consume(jobs: list[dict], concurrency: int = 4) -> list[dict]:
    """Pull jobs off a queue with `concurrency` tasks; record each result or error by job id."""
    queue: asyncio.Queue = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)
    results: dict[str, dict] = {}

    async def worker() -> None:
        while not queue.empty():
            job = queue.get_nowait()
            try:
                results[job["id"]] = await handle(job)
            except Exception as exc:  # noqa: BLE001
                results[job["id"]] = {"error": type(exc).__name__, "detail": str(exc)}

    await asyncio.gather(*[worker() for _ in range(concurrency)])
    return [results[job["id"]] for job in jobs]
