"""Drive the media service: uploads, thumbnails rendered by a subprocess, a mounted sub-app."""

from appkit import concurrently, emit, outcome, response
from fastapi.testclient import TestClient

from media import nightly
from media.events import log
from media.main import app

same = {}
with TestClient(app, raise_server_exceptions=False) as client:
    same["started"] = list(log)
    uploads = [response(client.put(f"/originals/p{i}", json={"data": "x" * (i + 1)})) for i in range(4)]
    same["import"] = response(client.post("/import/remote", params={"source": "logo.png"}))
    same["import_missing"] = response(client.post("/import/gone", params={"source": "gone.png?status=404"}))
    same["imported_thumb"] = response(client.get("/thumbs/remote"))
    same["thumb"] = response(client.get("/thumbs/p0"))
    same["missing"] = response(client.get("/thumbs/nope"))
    same["disk"] = response(client.get("/internal/disk"))
    same["twice"] = response(client.get("/stats-twice/q"))
    timing = concurrently(lambda i: response(client.get(f"/thumbs/p{i}")), 4)
    same["purge"] = response(client.post("/purge"))
    same["after_purge"] = response(client.get("/thumbs/p1"))
    started = len(log)
same["stopped"] = log[started:]
same["sync_publish"] = outcome(nightly.run, "cli")
emit(same, timing, changed={"uploads": uploads})
