"""What every scenario shares: run a call and record its outcome, fire concurrent requests, print.

The harness puts this folder on PYTHONPATH, outside the app's tree, so `awaitify fix` never
rewrites it: the scenario's measuring stick stays the same before and after."""

from __future__ import annotations

import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

SERVICE_URL = os.environ.get("SERVICE_URL", "http://127.0.0.1:9")


def outcome(fn, *args, **kwargs) -> dict:
    """The value, or the exception that escaped (its type by name: messages may differ by library)."""
    try:
        value = fn(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - recorded, compared before/after
        return {"raised": type(exc).__name__}
    try:
        json.dumps(value)
    except TypeError:  # e.g. a coroutine a sync caller got back from a function made async
        return {"unserializable": type(value).__name__}
    return {"value": value}


def response(resp) -> dict:
    """What a client sees of an HTTP response: status and decoded body."""
    try:
        body = resp.json()
    except ValueError:
        body = resp.text
    return {"status": resp.status_code, "body": body}


def concurrently(call, n: int) -> dict:
    """Run `call(i)` for i < n from n threads at once (through one TestClient they share the app's
    event loop), returning the results in order and the wall time: blocking handlers run one after
    another, non-blocking ones overlap."""
    start = time.perf_counter()
    with ThreadPoolExecutor(n) as pool:
        results = list(pool.map(call, range(n)))
    return {"results": results, "elapsed": time.perf_counter() - start, "n": n}


def emit(same: dict, timing: dict | None = None, changed: dict | None = None) -> None:
    """One JSON line on stdout: `same` must match before/after, `changed` holds what the fix is meant
    to change (checked by the harness against the app's expectation), `timing` the concurrent batch."""
    sys.stdout.write(json.dumps({"same": same, "timing": timing, "changed": changed or {}}, sort_keys=True) + "\n")
