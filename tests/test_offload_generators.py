"""Offloading a generator or a @contextmanager function moves its blocking work off the loop, or is
refused: `await asyncio.to_thread(rows, n)` only built the generator in the thread, and the
`time.sleep` in its body still ran on the loop when the caller iterated it. Run with every rule."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from inprocess_cli import cli_here  # noqa: F401  (a fixture)

SERVICE = '''
import asyncio
import contextlib
import time

LOG = []


def rows(n):
    for i in range(n):
        time.sleep(0.05)
        LOG.append(i)
        yield i * i


@contextlib.contextmanager
def session():
    time.sleep(0.01)
    LOG.append("enter")
    yield "s"
    LOG.append("exit")


async def total(n):
    return sum(rows(n))


async def listed(n):
    return sorted(rows(n), reverse=True)


async def started(n):
    return sum(rows(n), 100)


async def looped(n):
    out = []
    for r in rows(n):
        out.append((r, list(LOG)))
    return out


async def entered():
    with session() as s:
        LOG.append(s)
    return s


async def main():
    results = [await total(3), await listed(3), await started(2), await looped(2), await entered(), list(LOG)]
    LOG.clear()
    start = time.perf_counter()
    gathered = await asyncio.gather(*[total(3) for _ in range(4)])
    return results + [gathered, time.perf_counter() - start]
'''
SHOW = "import asyncio, json, svc; print(json.dumps(asyncio.run(svc.main())))"


def _run(root: Path) -> list:
    proc = subprocess.run([sys.executable, "-W", "error::RuntimeWarning", "-c", SHOW], cwd=root, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_a_generator_consumed_whole_runs_in_the_thread_and_other_sites_are_refused(tmp_path: Path, cli_here) -> None:
    (tmp_path / "svc.py").write_text(textwrap.dedent(SERVICE).lstrip())
    before = _run(tmp_path)
    code, _, err = cli_here("fix", "--write", "--allow-dirty", "--no-cache", ".")
    assert code == 0, err
    text = (tmp_path / "svc.py").read_text()
    assert "return await asyncio.to_thread(sum, rows(n))" in text
    assert "return await asyncio.to_thread(sorted, rows(n), reverse=True)" in text
    assert "return await asyncio.to_thread(sum, rows(n), 100)" in text
    # a `for` whose body runs between the generator's steps, and a `with`: left, and said why
    assert "    for r in rows(n):\n" in text and "    with session() as s:\n" in text
    assert "to_thread(rows" not in text and "to_thread(session" not in text
    assert "`rows()` is a generator: a thread would only build it" in err
    assert "`session()` is a @contextmanager function" in err
    after = _run(tmp_path)
    assert after[:-2] == before[:-2]  # same values, and the body's steps in the same order as the loop's
    assert after[-2] == before[-2] == [5, 5, 5, 5]
    assert before[-1] >= 0.55  # four sums of three 0.05 s steps, one after the other: the loop was blocked
    assert after[-1] < 0.45, after[-1]  # they overlap in threads (about 0.15 s)
    assert cli_here("fix", "--check", "--no-cache", ".")[0] == 0  # a second run changes nothing
