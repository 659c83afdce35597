"""`time.sleep` in a lambda inside async code: the lambda blocks the loop where it is called there
(reported by check, not fixable; fix says why and leaves it), and blocks nothing where it is handed to
a thread (neither command says anything). check and fix agree line for line."""

from __future__ import annotations

from pathlib import Path

from awaitify import api

TEXT = """\
import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor


async def handed(loop, pool: ThreadPoolExecutor):
    await loop.run_in_executor(None, lambda: time.sleep(1))
    await asyncio.to_thread(lambda: time.sleep(1))
    pool.submit(lambda: time.sleep(1))
    threading.Thread(target=lambda: time.sleep(1)).start()


async def called():
    nap = lambda: time.sleep(1)
    nap()
    return sorted([1, 2], key=lambda x: time.sleep(x))


def sync_code():
    return lambda: time.sleep(1)
"""


def test_check_and_fix_name_the_same_lambdas(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.awaitify]\n", encoding="utf-8")
    (tmp_path / "m.py").write_text(TEXT, encoding="utf-8")
    config = str(tmp_path / "pyproject.toml")
    findings = [f for f in api.check([tmp_path], config=config, cache=False, jobs=1).findings if f.code == "AW101"]
    result = api.fix([tmp_path], config=config, cache=False, jobs=1)
    refusals = [d for d in result.diagnostics if d.code == "AW101"]
    assert [(f.line, f.column) for f in findings] == [(d.line, d.column) for d in refusals] == [(15, 19), (17, 41)]
    assert not any(f.fixable for f in findings)
    assert all("an `await` cannot go" in f.message for f in findings)
    assert not result.files
