"""Drive the rate-limited quote API against a real Redis and the echo upstream."""

from appkit import concurrently, emit, response
from fastapi.testclient import TestClient

from limiter.app import app, log

same = {}
with TestClient(app, raise_server_exceptions=False) as client:
    same["quotes"] = [response(client.get("/quote/a")) for _ in range(3)]
    same["b"] = response(client.get("/quote/b", params={"limit": 5}))
    same["stats"] = response(client.get("/stats"))
    timing = concurrently(lambda i: response(client.get(f"/quote/t{i}")), 4)
same["log"] = list(log)
emit(same, timing)
