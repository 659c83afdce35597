"""AW501 (httpx module functions, urllib3, urlopen chains) and AW515 (shutil) offloaded to a thread,
run against a local HTTP server and real folders: same results, and gathered calls overlap."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

MODULE = '''
import shutil
from pathlib import Path
from urllib.request import urlopen

import httpx


async def fetch(url):
    body = urlopen(url + "/hello", timeout=5).read().decode("utf-8")
    raw = httpx.get(url + "/hello").text
    return body, raw


async def slow(url):
    return urlopen(url + "/slow").read().decode()


async def archive(src, dst):
    shutil.copytree(src, dst)
    shutil.copy(Path(src) / "a.txt", Path(dst) / "b.txt")
    shutil.rmtree(src)
    return sorted(p.name for p in Path(dst).iterdir())
'''

RUN = """
import asyncio, json, sys, time
sys.path.insert(0, sys.argv[1])
import mod
async def main():
    url, folder = sys.argv[2], sys.argv[3]
    start = time.perf_counter()
    slow = await asyncio.gather(*[mod.slow(url) for _ in range(4)])
    elapsed = time.perf_counter() - start
    return {"fetch": await mod.fetch(url), "slow": slow, "elapsed": elapsed,
            "archive": await mod.archive(folder + "/src", folder + "/dst")}
print(json.dumps(asyncio.run(main())))
"""


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        if self.path == "/slow":
            time.sleep(0.3)
        body = f"hello from {self.path}".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def _run(root: Path, url: str, name: str) -> dict:
    folder = root / name
    (folder / "src" / "sub").mkdir(parents=True)
    (folder / "src" / "a.txt").write_text("a")
    (folder / "src" / "sub" / "c.txt").write_text("c")
    proc = subprocess.run([sys.executable, "-c", RUN, str(root), url, str(folder)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_http_and_shutil_offloaded(tmp_path: Path, server: str, cli) -> None:
    (tmp_path / "mod.py").write_text(textwrap.dedent(MODULE))
    before = _run(tmp_path, server, "before")
    code, _, err = cli("fix", "--write", "--allow-dirty", "--no-cache", ".")
    assert code == 0, err
    text = (tmp_path / "mod.py").read_text()
    assert 'body = await asyncio.to_thread(lambda: urlopen(url + "/hello", timeout=5).read().decode("utf-8"))' in text
    assert 'raw = (await asyncio.to_thread(httpx.get, url + "/hello")).text' in text
    assert "await asyncio.to_thread(shutil.copytree, src, dst)" in text
    after = _run(tmp_path, server, "after")
    for key in ("fetch", "slow", "archive"):
        assert after[key] == before[key], key
    assert before["archive"] == ["a.txt", "b.txt", "sub"]
    assert before["elapsed"] > 1.1 and after["elapsed"] < 0.8  # four 0.3 s requests overlap now
    code, out, _ = cli("check", ".")
    assert code == 0 and out == b""


def test_a_bare_urlopen_is_reported_not_split(tmp_path: Path, cli) -> None:
    (tmp_path / "m.py").write_text("from urllib.request import urlopen\n\n\nasync def f(u):\n    r = urlopen(u)\n    return r.read()\n")
    code, out, err = cli("fix", ".")
    assert out == b"" and "m.py:5:9 AW501 urlopen() in async code: its response is read later" in err
    code, out, _ = cli("check", ".")
    assert b"AW501" in out and b"[*]" not in out
