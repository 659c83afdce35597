"""Drive the gateway: the auth middleware's identity lookups, audit log, hooks in order."""

from appkit import concurrently, emit, outcome, response
from fastapi.testclient import TestClient

from gateway.app import app
from gateway.events import log

same = {}
with TestClient(app, raise_server_exceptions=False) as client:
    same["started"] = list(log)
    same["health"] = response(client.get("/health"))
    same["anonymous"] = response(client.get("/me"))
    same["bad"] = response(client.get("/me", headers={"x-token": "bad-1"}))
    same["me"] = response(client.get("/me", headers={"x-token": "alice"}))
    same["boom"] = response(client.get("/boom", headers={"x-token": "alice"}))
    same["unhandled"] = outcome(TestClient(app).get, "/boom", headers={"x-token": "alice"})
    timing = concurrently(lambda i: response(client.get("/me", headers={"x-token": f"u{i}"}))["status"], 4)
    started = len(log)
same["stopped"] = log[started:]
emit(same, timing)
