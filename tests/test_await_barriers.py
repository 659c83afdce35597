"""No fix writes an `await` inside an await barrier (awaitify.await_barriers): where a sync `with`
holds a thread lock or process-wide state, or in a `try` whose handler swallows cancellation.

Inside `with lock:` a blocking call is slow but safe: nothing else runs on the loop while it
blocks, so no other task can be waiting for the lock. Rewritten to await there, the task suspends
holding the lock, and the next task to run `with lock:` blocks the loop's only thread for good: a
deadlock where there was none. Every fix (a sleep, a request, an offload, a helper made async or
offloaded by propagation) leaves such a call, and both commands say why, with the same reason.
Every rule on."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from both_commands import before_and_after, check_and_fix, refusal_sets

from awaitify import api
from awaitify.await_barriers import barrier_regions, may_hold, try_barrier

TEXT = '''\
import asyncio
import subprocess
import threading
import time

import requests

lock = threading.Lock()


async def under_the_lock(u):
    with lock:
        time.sleep(0.01)
        code = requests.get(u, timeout=5).status_code
        subprocess.run(["true"], check=True)
    return code


async def after_the_lock(u):
    with lock:
        pass
    time.sleep(0.01)
    return requests.get(u, timeout=5).status_code


class Store:
    def __init__(self):
        self._lock = threading.RLock()

    async def save(self):
        with self._lock:
            time.sleep(0.01)


async def not_locks(block, clock):
    with block:
        time.sleep(0.01)
    with clock:
        time.sleep(0.01)
'''

HELD = {13, 14, 15, 32}  # the lines under a lock above


def test_every_fix_leaves_what_runs_under_a_lock_and_both_commands_say_why(tmp_path: Path) -> None:
    report, result = check_and_fix(tmp_path, TEXT)
    old, new = TEXT.splitlines(), result.files[0].new.decode().splitlines()
    for line in sorted(HELD):
        assert old[line - 1] in new, f"line {line} was rewritten: {old[line - 1]!r}"
    assert "    await asyncio.sleep(0.01)" in new  # after the lock, and under `block`/`clock`: fixed
    assert sum(row.strip() == "await asyncio.sleep(0.01)" for row in new) == 3
    said = {(d.line, d.code) for d in result.diagnostics if "is held" in d.message}
    assert {line for line, _ in said} == HELD
    refused = {(f.line, f.code) for f in report.findings if not f.fixable and "is held" in f.message}
    assert refused == said  # the same findings, under the same codes
    assert all(f.fixable for f in report.findings if f.line not in HELD and f.code in ("AW101", "AW201"))
    assert any("`self._lock` is held" in d.message for d in result.diagnostics)


OPEN_BLOCK = '''\
import threading

lock = threading.Lock()


async def read(p):
    with lock:
        with open(p) as f:
            data = f.read()
    return data
'''


def test_a_with_open_block_under_a_lock_stays_and_both_commands_place_the_reason_alike(tmp_path: Path) -> None:
    report, result = check_and_fix(tmp_path, OPEN_BLOCK)
    assert not result.files or result.files[0].new.decode() == OPEN_BLOCK
    said, diagnosed = refusal_sets(report, result, "AW507")
    assert {(line, col) for line, col, _ in said} == {(line, col) for line, col, _ in diagnosed} == {(8, 14)}
    ((_, _, why),) = said
    assert "`lock` is held" in why and all(why in message for _, _, message in diagnosed)
    (read,) = [f for f in report.findings if f.code == "AW509"]
    assert not read.fixable  # moved only with its block, which says why


HELPER = '''\
import time


def helper():
    time.sleep(0.01)
    return 1
'''

CALLERS = '''\
import threading

from h import helper

lock = threading.Lock()


async def locked():
    with lock:
        n = helper()
    return n + helper()


def sync_user():
    with lock:
        return helper()
'''


def test_propagation_neither_awaits_nor_offloads_a_call_under_a_lock(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.awaitify]\n", encoding="utf-8")
    (tmp_path / "h.py").write_text(HELPER, encoding="utf-8")
    (tmp_path / "a.py").write_text(CALLERS, encoding="utf-8")
    config = str(tmp_path / "pyproject.toml")
    result = api.fix([tmp_path], config=config, cache=False, jobs=1)
    new = {Path(f.path).name: f.new.decode() for f in result.files}
    callers = new.get("a.py", CALLERS)
    assert "        n = helper()\n" in callers  # under the lock: as it was
    assert "return n + await asyncio.to_thread(helper)" in callers  # outside it: offloaded
    assert "def sync_user():\n    with lock:\n        return helper()" in callers
    assert "def helper():" in new.get("h.py", HELPER) and "async def helper" not in new.get("h.py", HELPER)
    assert [(Path(r.path).name, r.line) for r in result.needs_review if "is held" in r.message] == [("a.py", 10)]
    report = api.check([tmp_path], config=config, cache=False, jobs=1)
    (finding,) = [f for f in report.findings if f.code == "AW101"]
    assert not finding.fixable and "`lock` is held" in finding.message


RACE = '''\
import asyncio
import threading
import time

lock = threading.Lock()
events = []


async def worker(name):
    with lock:
        events.append(name + " in")
        time.sleep(0.05)
        events.append(name + " out")


async def main():
    await asyncio.gather(worker("a"), worker("b"))
    print(events)


asyncio.run(main())
'''


def test_two_tasks_taking_the_lock_still_finish_after_the_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With `await asyncio.sleep()` under the lock, b would block the loop waiting for a, which can
    then never resume: the program would hang (the build before this change wrote exactly that)."""
    before, after, _, result = before_and_after(tmp_path, monkeypatch, RACE)
    assert after == before == "['a in', 'a out', 'b in', 'b out']\n"
    assert any("`lock` is held" in d.message for d in result.diagnostics)


def test_regions_leave_out_functions_defined_under_the_lock() -> None:
    text = ("async def f(lock):\n"
            "    with lock:\n"
            "        x = 1\n"
            "        def inner():\n"
            "            return 2\n"
            "        y = 3\n"
            "    with open('p') as fh, other_lock:\n"
            "        z = 4\n")
    assert barrier_regions(ast.parse(text)) == [(3, 3, "lock"), (6, 6, "lock"), (8, 8, "other_lock")]
    assert barrier_regions(ast.parse("with lock:\n    x = 1\n")) == []  # module level: no task suspends there


REDIRECTED = '''\
import asyncio
import contextlib
import io
import time

out = io.StringIO()


async def quiet():
    with contextlib.redirect_stdout(out):
        print("inside")
        time.sleep(0.05)
    return out.getvalue()


async def chatty():
    await asyncio.sleep(0.01)
    print("chatty")


async def main():
    captured, _ = await asyncio.gather(quiet(), chatty())
    print(repr(captured))


if __name__ == "__main__":
    asyncio.run(main())
'''


def test_a_block_that_redirects_stdout_keeps_the_other_tasks_output_out(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Awaited inside `redirect_stdout`, the sleep would let `chatty` print into the captured
    buffer (the build before this change wrote that: the program then printed 'inside\\nchatty\\n')."""
    before, after, report, result = before_and_after(tmp_path, monkeypatch, REDIRECTED)
    assert after == before == "chatty\n'inside\\n'\n"
    (diagnostic,) = [d for d in result.diagnostics if d.code == "AW101"]
    assert "inside `contextlib.redirect_stdout(out)`" in diagnostic.message
    (finding,) = [f for f in report.findings if f.code == "AW101"]
    assert not finding.fixable and "process-wide state" in finding.message


@pytest.mark.parametrize("spelling", ["redirect_stderr(buf)", "contextlib.chdir('/')", "warnings.catch_warnings()",
                                      "patch('m.f')", "mock.patch.object(m, 'f')", "patch.dict(os.environ)",
                                      "threading.Lock()", "self._cond", "pool_sem", "writeLock", "LOCK",
                                      "threading.BoundedSemaphore(2)", "threading.Condition()", "db_mutex",
                                      "self.rlock", "get_lock(key)"])
def test_what_holds_a_lock_or_process_state(spelling: str) -> None:
    text = f"async def f(self):\n    with {spelling}:\n        x = 1\n"
    assert barrier_regions(ast.parse(text)) == [(3, 3, spelling)]
    assert may_hold(text)  # the cheap test before any parse lets it through


@pytest.mark.parametrize("spelling", ["open(p)", "block", "clock", "self.session", "conn", "tempfile.TemporaryDirectory()"])
def test_what_does_not(spelling: str) -> None:
    assert barrier_regions(ast.parse(f"async def f(self):\n    with {spelling}:\n        x = 1\n")) == []


CANCELLED = '''\
import asyncio
import time


async def poll():
    while True:
        try:
            time.sleep(0.2)
        except:
            print("swallowed")
        await asyncio.sleep(0.001)


async def main():
    task = asyncio.create_task(poll())
    await asyncio.sleep(0.05)
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        print("cancelled")


if __name__ == "__main__":
    asyncio.run(main())
'''


def test_a_cancelled_task_still_ends_when_its_sleep_stands_under_a_bare_except(tmp_path: Path,
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocking, the sleep cannot be cancelled: the task is cancelled at the `await` after the `try`.
    Awaited inside it, the cancellation is swallowed by `except:` and the loop never ends (the build
    before this change wrote that: `await task` then waited for good)."""
    before, after, report, result = before_and_after(tmp_path, monkeypatch, CANCELLED)
    assert after == before == "cancelled\n"
    (diagnostic,) = [d for d in result.diagnostics if d.code == "AW101"]
    assert "`except:` swallows cancellation" in diagnostic.message
    (finding,) = [f for f in report.findings if f.code == "AW101"]
    assert not finding.fixable and "swallows cancellation" in finding.message


@pytest.mark.parametrize(("handlers", "barrier"), [
    ("except:\n    pass", "except:"),
    ("except BaseException as e:\n    log(e)", "except BaseException:"),
    ("except (ValueError, asyncio.CancelledError):\n    pass", "except (ValueError, asyncio.CancelledError):"),
    ("except trio.Cancelled:\n    pass", "except trio.Cancelled:"),
    ("except anyio.get_cancelled_exc_class():\n    pass", "except anyio.get_cancelled_exc_class():"),
    ("except:\n    def later():\n        raise\n", "except:"),  # a raise in a nested def is not the handler's
    ("except Exception:\n    pass", None),  # CancelledError is no Exception
    ("except BaseException:\n    raise", None),
    ("except asyncio.CancelledError:\n    raise\nexcept:\n    pass", None),  # let through before the bare one
    ("except:\n    if retry:\n        raise\n    pass", None),
    ("finally:\n    pass", None),
])
def test_which_handlers_swallow_cancellation(handlers: str, barrier: str | None) -> None:
    node = ast.parse("try:\n    x = 1\n" + handlers).body[0]
    assert try_barrier(node) == barrier  # type: ignore[arg-type]
    assert barrier is None or may_hold("try:\n    x = 1\n" + handlers)


@pytest.mark.parametrize(("body", "barrier"), [
    ("await asyncio.sleep(1)", None),  # cancellation lands in it today: the handler is the answer
    ("async for x in feed():\n        pass", None),
    ("async with lock:\n        pass", None),
    ("async def later():\n        await asyncio.sleep(1)", "except asyncio.CancelledError:"),  # not this body's
])
def test_a_body_that_awaits_already_is_no_barrier(body: str, barrier: str | None) -> None:
    node = ast.parse(f"try:\n    {body}\nexcept asyncio.CancelledError:\n    pass\n").body[0]
    assert try_barrier(node) == barrier  # type: ignore[arg-type]


def test_only_the_body_of_such_a_try_is_a_barrier() -> None:
    text = ("async def f():\n"
            "    try:\n"
            "        a = 1\n"
            "    except:\n"
            "        b = 2\n"
            "    else:\n"
            "        c = 3\n"
            "    finally:\n"
            "        d = 4\n")
    assert barrier_regions(ast.parse(text)) == [(3, 3, "except:")]


SESSION = '''\
import requests


async def fetch(u):
    with requests.Session() as s:
        try:
            code = s.get(u, timeout=5).status_code
        except:
            code = None
    return code
'''


def test_a_session_whose_request_stands_in_a_barrier_is_left_whole_by_both_commands(tmp_path: Path) -> None:
    """A session is converted whole or not at all: its request left sync, the session stays too, and
    `check` calls neither fixable (after `fix --write` it would still find them)."""
    report, result = check_and_fix(tmp_path, SESSION)
    assert not result.files or result.files[0].new.decode() == SESSION
    assert [(f.line, f.code, f.fixable) for f in report.findings] == [(5, "AW514", False), (7, "AW201", False)]
    said, diagnosed = refusal_sets(report, result, "AW201")
    assert said == {(line, col, why) for line, col, message in diagnosed for why in [message.partition("; not made: ")[2]]}
    assert all("swallows cancellation" in why for _, _, why in said)


TAKEN_BY_HAND = '''\
import asyncio
import threading
import time

_lock = threading.Lock()
events = []


def slow_write(name):
    time.sleep(0.05)
    events.append(name)


async def writer(name):
    _lock.acquire()
    try:
        events.append(name + " in")
        time.sleep(0.05)
        events.append(name + " out")
    finally:
        _lock.release()
    time.sleep(0.01)


async def writer2(name):
    if _lock.acquire(timeout=5):
        slow_write(name)
        _lock.release()
    slow_write(name + " later")


async def main():
    await asyncio.gather(writer("a"), writer("b"))
    await asyncio.gather(writer2("c"), writer2("d"))
    print(events)


if __name__ == "__main__":
    asyncio.run(main())
'''


def test_a_lock_taken_by_hand_holds_as_a_with_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`lock.acquire()` ... `lock.release()`: awaited in between, the sleep would suspend the task
    holding the lock and the second writer would block the loop for good (the build before this
    change wrote that: the program hung). After the release, the fix goes on."""
    before, after, report, result = before_and_after(tmp_path, monkeypatch, TAKEN_BY_HAND)
    assert before == "['a in', 'a out', 'b in', 'b out', 'c', 'c later', 'd', 'd later']\n"
    # it ends; the lock's holders keep their order ("c later", offloaded, may now land after "d")
    assert after.startswith("['a in', 'a out', 'b in', 'b out', 'c'") and sorted(eval(after)) == sorted(eval(before))
    new = result.files[0].new.decode()
    assert "        time.sleep(0.05)\n" in new and "        slow_write(name)\n" in new  # held: as they were
    assert "    await asyncio.sleep(0.01)\n" in new  # after the release: fixed
    assert "    await asyncio.to_thread(slow_write, name + \" later\")\n" in new or \
        "    await slow_write(name + \" later\")\n" in new
    held = {(d.line, d.code) for d in result.diagnostics if "`_lock.acquire()`" in d.message}
    assert held == {(18, "AW101")}
    assert [r.line for r in result.needs_review if "`_lock.acquire()`" in r.message] == [27]
    refused = {(f.line, f.code) for f in report.findings if not f.fixable and "`_lock.acquire()`" in f.message}
    assert (18, "AW101") in refused and (10, "AW101") in refused


@pytest.mark.parametrize(("body", "held"), [
    ("lock.acquire()\nx = 1\nlock.release()\ny = 2", [(3, 4)]),  # the release's line is in it
    ("lock.acquire()\ntry:\n    x = 1\nfinally:\n    lock.release()\ny = 2", [(3, 6)]),
    ("try:\n    self._lock.acquire()\n    x = 1\nfinally:\n    self._lock.release()", [(4, 4)]),
    ("ok = lock.acquire(timeout=1)\nx = 1", [(3, 3)]),  # no release in the block: to its end
    ("if lock.acquire(blocking=False):\n    x = 1\n    lock.release()\ny = 2", [(3, 4)]),
    ("if not lock.acquire(timeout=1):\n    return\nx = 1\nlock.release()", [(4, 5)]),
    ("await lock.acquire()\nx = 1\nlock.release()", []),  # an asyncio lock: held across awaits by design
    ("pool.acquire()\nx = 1", []),  # not a lock's name
    ("lock.acquire()\ndef inner():\n    y = 1\nx = 2\nlock.release()", [(5, 6)]),  # not the function defined
])
def test_what_a_lock_taken_by_hand_holds(body: str, held: list[tuple[int, int]]) -> None:
    text = "async def f(self, lock, pool):\n" + "".join(f"    {row}\n" for row in body.splitlines())
    regions = barrier_regions(ast.parse(text))
    assert [(start, end) for start, end, _ in regions] == held
    assert all(barrier.endswith(".acquire()") for _, _, barrier in regions)
