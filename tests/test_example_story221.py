"""The bundled STORY-221 example, migrated and then run."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from awaitify_runs import run_awaitify

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "story221_backend"


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example after `fix --write`, once for the module: the tests below only read it and run it."""
    tree = tmp_path_factory.mktemp("migrated") / "story221"
    shutil.copytree(EXAMPLE, tree)
    proc = run_awaitify("fix", "--write", "--no-cache", ".", cwd=tree)
    stderr = proc.stderr.decode()
    assert proc.returncode == 0, stderr
    for name in ("authorization.py", "deps.py", "cli.py", "main.py", "redis_client.py"):
        assert f"changed backend/{name}" in stderr
    assert "redis_client.py:19:19 AW102" in stderr
    return tree


def test_dry_run_changes_nothing_and_reports(tmp_path: Path) -> None:
    tree = tmp_path / "story221"
    shutil.copytree(EXAMPLE, tree)
    before = {p: p.read_bytes() for p in tree.rglob("*") if p.is_file()}
    proc = run_awaitify("fix", "--no-cache", ".", cwd=tree)
    assert proc.returncode == 0
    assert {p: p.read_bytes() for p in tree.rglob("*") if p.is_file()} == before
    assert b"+async def _check_user_roles" in proc.stdout


def test_admin_dependency_no_longer_blocks_the_loop(migrated: Path) -> None:
    code = """
import asyncio, json, time
from fastapi import HTTPException
from backend import deps, authorization
authorization.ROLE_CACHE["root"] = ["admin"]
async def main():
    start = time.perf_counter()
    results = await asyncio.gather(*[deps.require_admin(f"new-user-{i}") for i in range(4)], return_exceptions=True)
    elapsed = time.perf_counter() - start
    print(json.dumps({"elapsed": elapsed, "denied": [isinstance(r, HTTPException) for r in results],
                      "root": await deps.require_admin("root")}))
asyncio.run(main())
"""
    proc = subprocess.run([sys.executable, "-W", "error::RuntimeWarning", "-c", code], cwd=migrated, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["denied"] == [True] * 4 and data["root"] == "root"
    assert data["elapsed"] < 1.6  # one user's 3 x 0.3 s retries, not four users' 3.6 s


def test_sync_cli_still_works(migrated: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "backend.cli", "someone"], cwd=migrated, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "not admin"
    assert "asyncio.run(main())" in (migrated / "backend" / "cli.py").read_text()


def test_second_run_changes_nothing(migrated: Path) -> None:
    proc = run_awaitify("fix", "--check", "--no-cache", ".", cwd=migrated)
    assert proc.returncode == 0, proc.stdout


def test_startup_and_shutdown_hooks_run_from_the_lifespan(migrated: Path) -> None:
    main = (migrated / "backend" / "main.py").read_text()
    assert "on_event" not in main and "app = FastAPI(title=\"bidiq\", lifespan=lifespan)" in main
    code = """
import logging, warnings
logging.basicConfig(level=logging.INFO, format="%(message)s")
from fastapi.testclient import TestClient
warnings.simplefilter("error", DeprecationWarning)
from backend.main import app
with TestClient(app) as client:
    logging.info("serving %s", client.get("/health").json())
"""
    env = {k: v for k, v in os.environ.items() if not k.startswith("STRIPE_")}
    proc = subprocess.run([sys.executable, "-c", code], cwd=migrated, capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    expected = ["health tracking started", "missing environment variables: STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET",
                "serving {'ok': True}", "pools closed"]
    assert [line for line in proc.stderr.splitlines() if line in expected] == expected, proc.stderr
