"""`time.sleep` in a lambda inside async code: the lambda blocks the loop where it is called there
(reported by check, not fixable; fix says why and leaves it), and blocks nothing where it is handed to
a thread (neither command says anything). check and fix agree line for line."""

from __future__ import annotations

from pathlib import Path

from both_commands import check_and_fix

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
    report, result = check_and_fix(tmp_path, TEXT)
    findings = [f for f in report.findings if f.code == "AW101"]
    refusals = [d for d in result.diagnostics if d.code == "AW101"]
    assert [(f.line, f.column) for f in findings] == [(d.line, d.column) for d in refusals] == [(15, 19), (17, 41)]
    assert not any(f.fixable for f in findings)
    assert all("an `await` cannot go" in f.message for f in findings)
    assert not result.files


GENEXPS = """\
import time


async def iterated(xs):
    total = sum(time.sleep(x) or 1 for x in xs)
    return [y for y in (time.sleep(i) for i in xs)], total


async def nested(xs):
    def inner():
        return list(time.sleep(x) for x in xs)
    return inner, lambda: list(time.sleep(x) for x in xs)
"""


def test_a_sleep_in_a_generator_expression_is_refused_with_the_same_reason(tmp_path: Path) -> None:
    """fix refuses a sleep in a generator expression inside async code (an `await` would make it an
    async generator); check reports the same sleeps, not fixable, and says why."""
    report, result = check_and_fix(tmp_path, GENEXPS)
    findings = [f for f in report.findings if f.code == "AW101"]
    refusals = [d for d in result.diagnostics if d.code == "AW101"]
    assert [(f.line, f.column) for f in findings] == [(d.line, d.column) for d in refusals] == [
        (5, 17), (6, 25), (11, 21), (12, 32)]
    assert not any(f.fixable for f in findings)
    assert all("an `await` cannot go" in f.message for f in findings)
    assert not result.files
