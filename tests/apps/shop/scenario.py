"""Drive the shop: routes through routers, a mounted sub-app, the sync nightly job, hooks in order."""

from appkit import concurrently, emit, outcome, response
from fastapi.testclient import TestClient

from shop import nightly
from shop.events import log
from shop.main import app

same = {}
with TestClient(app, raise_server_exceptions=False) as client:
    same["started"] = list(log)
    same["quote"] = response(client.get("/quote/apple", params={"qty": 2}))
    same["unknown"] = response(client.get("/quote/kiwi"))
    same["order"] = response(client.post("/orders", json={"sku": "pear", "qty": 2}))
    same["refused"] = response(client.post("/orders", json={"sku": "pear", "qty": 20}))
    same["missing_field"] = response(client.post("/orders", json={"qty": 1}))
    # the same request through a client that re-raises what the app did not handle
    same["unhandled"] = outcome(TestClient(app).post, "/orders", json={"qty": 1})
    same["admin"] = response(client.get("/admin/exists", params={"path": "shop"}))
    timing = concurrently(lambda i: response(client.get("/quote/pear", params={"qty": i})), 4)
    same["nightly"] = outcome(nightly.run, ["apple", "pear"])
    started = len(log)
same["stopped"] = log[started:]
emit(same, timing)
