import asyncio

from worker import metrics
from worker.http import fetch_json, post_result
from worker.retry import backoff


async def handle(job: dict) -> dict:
    kind = job["kind"]
    if kind == "fetch":
        data = fetch_json("/items", item=job["item"], delay=job.get("delay", 0))
        status = post_result(job["id"], data)
        return {"id": job["id"], "item": data["item"], "posted": status}
    if kind == "moved":
        # the upstream moved: GET follows the 301, the result POST follows a 302 (as GET) and a 307 (as POST)
        data = fetch_json("/old-items", redirect="/items?item=" + job["item"], code=301)
        as_get = post_result(job["id"] + "?redirect=/results/landed&code=302", data)
        as_post = post_result(job["id"] + "?redirect=/results/kept&code=307", data)
        return {"id": job["id"], "item": data["item"], "posted": [as_get, as_post]}
    if kind == "flaky":
        for attempt in range(1, 3):
            try:
                return {"id": job["id"], "data": fetch_json("/flaky", status=500 if attempt == 1 else 200)}
            except Exception:
                backoff(attempt)
        raise RuntimeError("gave up")
    if kind == "report":
        # written when this ran in a sync script; inside the worker's loop it cannot run as is
        try:
            note = asyncio.run(metrics.flush(job["id"]))
        except RuntimeError:
            note = "flush failed"
        return {"id": job["id"], "note": note}
    raise ValueError(f"unknown job kind {kind!r}")
