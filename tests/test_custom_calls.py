"""AW103: the project's own blocking calls, from `blocking-calls` config, fixed in async code and
then run: same results, and gathered handlers overlap."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

CONFIG = """
[tool.awaitify.blocking-calls]
"corp.storage.get_blob" = { replace = "corp.storage.aget_blob" }
"corp.storage.scan" = "offload"
"""
STORAGE = """
import time


def get_blob(key):
    time.sleep(0.3)
    return key.upper()


async def aget_blob(key):
    return key.upper()


def scan(prefix, limit=10):
    time.sleep(0.3)
    return [prefix] * limit
"""
SERVICE = """
from corp import storage
from corp.storage import get_blob, scan


async def handler(k):
    a = storage.get_blob(k)
    b = get_blob(k)
    c = scan(k, limit=2)
    return a, b, c


def sync_job(k):
    return get_blob(k)
"""
RUN = """
import asyncio, json, time
import svc
async def main():
    start = time.perf_counter()
    results = await asyncio.gather(*[svc.handler(f"k{i}") for i in range(4)])
    print(json.dumps({"elapsed": time.perf_counter() - start, "results": results, "sync": svc.sync_job("z")}))
asyncio.run(main())
"""


def _project(root: Path) -> None:
    (root / "corp").mkdir()
    (root / "corp" / "__init__.py").write_text("")
    (root / "corp" / "storage.py").write_text(textwrap.dedent(STORAGE))
    (root / "svc.py").write_text(textwrap.dedent(SERVICE))
    (root / "pyproject.toml").write_text(CONFIG)


def _run(root: Path) -> dict:
    proc = subprocess.run([sys.executable, "-c", RUN], cwd=root, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_configured_calls_are_replaced_or_offloaded_and_behave(tmp_path: Path, cli) -> None:
    _project(tmp_path)
    before = _run(tmp_path)
    code, _, err = cli("fix", "--write", "--allow-dirty", "--no-cache", ".")
    assert code == 0, err
    service = (tmp_path / "svc.py").read_text()
    assert "    a = await storage.aget_blob(k)\n    b = await aget_blob(k)\n" in service
    assert "    c = await asyncio.to_thread(scan, k, limit=2)\n" in service
    assert "def sync_job(k):\n    return get_blob(k)\n" in service  # sync code keeps the sync call
    assert (tmp_path / "corp" / "storage.py").read_text() == textwrap.dedent(STORAGE)  # configured: not propagated into
    after = _run(tmp_path)
    assert after["results"] == before["results"] and after["sync"] == before["sync"]
    assert before["elapsed"] > 3.0  # 4 handlers x (0.3 + 0.3 + 0.3) s, one after another
    assert after["elapsed"] < 1.0  # the offloaded scans overlap; the twins do not block


def test_anyio_target_offloads_with_run_sync(tmp_path: Path, cli) -> None:
    _project(tmp_path)
    code, out, _ = cli("fix", "--target", "anyio", "--no-cache", ".")
    assert code == 0 and b"await anyio.to_thread.run_sync(functools.partial(scan, k, limit=2))" in out
