"""The call-tracking and clean-service examples: migrated and run, or left exactly alone."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

RUN_ROUTES = """
import asyncio, json, time
from calltrack import routes, tasks
async def main():
    out = {}
    try:
        await routes.track_call("acme", "555-0100", 30)
        out["tracked"] = True
    except RuntimeError as exc:
        out["tracked"] = str(exc)
    start = time.perf_counter()
    try:
        summaries = await asyncio.gather(*[routes.summary("acme") for _ in range(3)])
        out["summaries"] = summaries
    except RuntimeError as exc:
        out["summaries"] = str(exc)
    out["elapsed"] = time.perf_counter() - start
    return out
out = asyncio.run(main())
out["task"] = tasks.import_call_log("beta", [("555-0101", 10), ("555-0102", 20)])
out["nightly"] = tasks.nightly_summary("beta")
print(json.dumps(out))
"""


def _run(tree: Path) -> dict:
    proc = subprocess.run([sys.executable, "-W", "ignore::RuntimeWarning", "-c", RUN_ROUTES], cwd=tree,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_call_tracking_routes_fixed_and_celery_tasks_untouched(tmp_path: Path, cli) -> None:
    tree = tmp_path / "call_tracking"
    shutil.copytree(EXAMPLES / "call_tracking", tree)
    before = _run(tree)
    assert "cannot be called from a running event loop" in before["tracked"]
    tasks = (tree / "calltrack" / "tasks.py").read_bytes()
    code, _, err = cli("fix", "--write", "--allow-dirty", "--no-cache", ".", cwd=tree)
    assert code == 0, err
    assert (tree / "calltrack" / "tasks.py").read_bytes() == tasks
    after = _run(tree)
    assert after["tracked"] is True
    assert after["summaries"] == [{"account": "acme", "calls": 1, "seconds": 30}] * 3
    assert after["elapsed"] < 0.5  # three gathered summaries overlap: ~0.2 s, not 0.6 s
    assert (after["task"], after["nightly"]) == (before["task"], before["nightly"]) == (2, {"account": "beta", "calls": 2, "seconds": 30})
    code, out, _ = cli("check", "--select", "AW102", ".", cwd=tree)
    assert code == 0 and out == b""


def test_clean_service_is_left_alone_and_audits_clean(tmp_path: Path, cli) -> None:
    tree = tmp_path / "clean_service"
    shutil.copytree(EXAMPLES / "clean_service", tree)
    code, out, err = cli("fix", "--check", "--no-cache", ".", cwd=tree)
    assert code == 0 and out == b"", err
    code, out, err = cli("check", ".", cwd=tree)
    assert code == 0 and out == b"" and "0 findings" in err


RUN_MIDDLEWARE = """
import asyncio, json, os, time
import httpx
from fastapi import FastAPI, Request
from calltrack.middleware import OrgLookupMiddleware
app = FastAPI()
app.add_middleware(OrgLookupMiddleware)
@app.get("/whoami")
async def whoami(request: Request):
    return {"org": request.state.org}
async def main():
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
        async with httpx.AsyncClient() as warm:  # httpx imports its network stack on first use: not timed
            await warm.get(os.environ["ORG_SERVICE"] + "/warm-up")
        start = time.perf_counter()
        responses = await asyncio.gather(*[client.get("/whoami", headers={"x-api-key": f"k{i}"}) for i in range(4)])
        return {"orgs": [r.json()["org"] for r in responses], "elapsed": time.perf_counter() - start}
print(json.dumps(asyncio.run(main())))
"""


def test_call_tracking_org_lookup_middleware_no_longer_blocks(tmp_path: Path, cli) -> None:
    import threading
    import time
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Orgs(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:
            time.sleep(0.3)
            body = json.dumps({"id": "org-" + self.path.rsplit("/", 1)[1]}).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Orgs)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    tree = tmp_path / "call_tracking"
    shutil.copytree(EXAMPLES / "call_tracking", tree)
    env = {**__import__("os").environ, "ORG_SERVICE": f"http://127.0.0.1:{server.server_address[1]}/orgs"}

    def run() -> dict:
        proc = subprocess.run([sys.executable, "-c", RUN_MIDDLEWARE], cwd=tree, capture_output=True, text=True, env=env)
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)

    try:
        before = run()
        code, _, err = cli("fix", "--write", "--allow-dirty", "--no-cache", ".", cwd=tree)
        assert code == 0, err
        assert "async with httpx.AsyncClient(verify=await _requests_trust(), max_redirects=30, auth=_RequestsNetrc()) as client:" in (tree / "calltrack" / "middleware.py").read_text()
        after = run()
    finally:
        server.shutdown()
    assert before["orgs"] == after["orgs"] == ["org-k0", "org-k1", "org-k2", "org-k3"]
    assert before["elapsed"] > 1.1 and after["elapsed"] < 0.8  # four lookups of 0.3 s: in turn before, together after


RUN_OPS_BOT = """
import asyncio, json, sys, time
from opsbot import handlers, report
async def main():
    start = time.perf_counter()
    health = await asyncio.gather(*[handlers.on_health("0.3") for _ in range(4)])
    elapsed = time.perf_counter() - start
    usage = await handlers.on_disk_usage("opsbot")
    missing = await handlers.on_disk_usage("no/such/dir")
    failing = await handlers.on_failing_command()
    path = await report.main(sys.argv[1])
    return {"health": health, "elapsed": elapsed, "usage": usage, "missing": missing, "failing": failing,
            "report": open(path, encoding="utf-8").read()}
print(json.dumps(asyncio.run(main())))
"""


def test_ops_bot_subprocess_and_file_io_offloaded(tmp_path: Path, cli) -> None:
    tree = tmp_path / "ops_bot"
    shutil.copytree(EXAMPLES / "ops_bot", tree)

    def run(out: str) -> dict:
        (tmp_path / out).mkdir()
        proc = subprocess.run([sys.executable, "-c", RUN_OPS_BOT, str(tmp_path / out)], cwd=tree, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)

    before = run("before")
    code, _, err = cli("fix", "--write", "--allow-dirty", "--no-cache", ".", cwd=tree)
    assert code == 0, err
    after = run("after")
    for key in ("health", "usage", "missing", "failing", "report"):
        assert after[key] == before[key], key
    assert before["report"].endswith('{"alerts": 0, "status": "grün"}')
    assert before["elapsed"] > 1.1 and after["elapsed"] < 0.8  # four 0.3 s health scripts overlap now
    code, out, _ = cli("check", ".", cwd=tree)
    assert code == 0 and out == b""
