"""An offload that would race with the loop on a module-level container is an unsafe fix
(awaitify.shared_state, read by awaitify.thread_bound).

Blocking, `flush()` runs whole before any other task: `items = list(queue); queue.clear()` loses
nothing. In `asyncio.to_thread`, a handler's `queue.append(x)` lands between the copy and the clear,
and that item is lost. `fix` leaves such an offload (unless --unsafe-fixes), and `check` says the
same, also where the offload comes from a boundary only the plan sees (a sync caller elsewhere).
Every rule on."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from both_commands import before_and_after, check_and_fix, run_program

from awaitify import api, shared_state

RACE = '''\
import asyncio
import subprocess

queue = []
flushed = []


def flush():
    items = list(queue)
    subprocess.call(["sleep", "0.2"])
    queue.clear()
    flushed.extend(items)


async def handler(i):
    await asyncio.sleep(0.05)
    queue.append(i)


async def main():
    queue.extend([0, 1])
    tasks = [asyncio.create_task(handler(i)) for i in (2, 3)]
    flush()
    await asyncio.gather(*tasks)
    flush()
    print(sorted(flushed), queue)


def cli():
    flush()


if __name__ == "__main__":
    asyncio.run(main())
'''
REASON = "reads and changes `queue`"


def test_an_offload_that_races_on_a_container_is_left_and_both_commands_say_why(tmp_path: Path,
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    before, after, report, result = before_and_after(tmp_path, monkeypatch, RACE)
    assert after == before == "[0, 1, 2, 3] []\n" and (tmp_path / "m.py").read_text(encoding="utf-8") == RACE
    unsafe = [(n.line, n.message) for n in result.unsafe_not_applied]
    assert [line for line, _ in unsafe] == [23, 25] and all(REASON in m and "`m.handler`" in m for _, m in unsafe)
    (finding,) = [f for f in report.findings if f.code == "AW505"]
    assert not finding.fixable and REASON in finding.message


def test_with_unsafe_fixes_the_offload_is_made_and_the_race_is_real(tmp_path: Path) -> None:
    """What the refusal prevents: offloaded, flush loses the items appended while it sleeps."""
    (tmp_path / "pyproject.toml").write_text("[tool.awaitify]\n", encoding="utf-8")
    (tmp_path / "m.py").write_text(RACE, encoding="utf-8")
    result = api.fix([tmp_path], config=str(tmp_path / "pyproject.toml"), cache=False, jobs=1, unsafe_fixes=True)
    (tmp_path / "m.py").write_bytes(result.files[0].new)
    assert "await asyncio.to_thread(flush)" in result.files[0].new.decode()
    assert run_program(tmp_path) == "[0, 1] []\n"  # 2 and 3 were appended between the copy and the clear


SQLITE = '''\
import sqlite3
import time

conn = sqlite3.connect(":memory:")


def flush():
    time.sleep(0.01)
    conn.execute("select 1")


async def main():
    flush()


def cli():
    flush()
'''


def test_check_sees_an_unsafe_offload_that_a_sync_caller_forces(tmp_path: Path) -> None:
    """A sync caller keeps `flush` sync, so fix would offload it, which sqlite3 refuses: check called
    the finding fixable, though fix (even --write) leaves it."""
    report, result = check_and_fix(tmp_path, SQLITE)
    assert not result.files and [n.line for n in result.unsafe_not_applied] == [13]
    (finding,) = report.findings
    assert not finding.fixable and "sqlite3 connection" in finding.message


def _offload_hazard(tmp_path: Path, modules: dict[str, str]) -> list[str]:
    (tmp_path / "pyproject.toml").write_text("[tool.awaitify]\n", encoding="utf-8")
    for name, text in modules.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    result = api.fix([tmp_path], config=str(tmp_path / "pyproject.toml"), cache=False, jobs=1)
    return [n.message for n in result.unsafe_not_applied]


OFFLOADED = '''\
import time
{imports}


def flush():
    time.sleep(0.01)
    {body}


async def main():
    flush()


def cli():
    flush()
'''


@pytest.mark.parametrize(("body", "rival", "hazard"), [
    ("items = list(queue); queue.clear()", "async def h(x):\n    queue.append(x)", True),
    ("if 'k' not in cache: cache['k'] = 1", "async def h(x):\n    cache.pop('k', None)", True),
    ("counts['k'] += 1", "async def h(x):\n    counts['k'] = 0", True),
    ("items = list(queue); queue.clear()", "def h(x):\n    queue.append(x)\n\n\nasync def g(x):\n    h(x)", True),
    ("queue.append(1)", "async def h(x):\n    queue.append(x)", False),  # one change: atomic
    ("items = list(queue); queue.clear()", "async def h(x):\n    return len(queue)", False),  # the loop only reads
    ("items = list(queue); queue.clear()", "@app.on_event('startup')\nasync def h():\n    queue.append(1)", False),
    ("items = list(queue); queue.clear()", "async def lifespan(app):\n    queue.append(1)", False),
    ("items = list(queue); queue.clear()", "def h(x):\n    queue.append(x)", False),  # no async code calls it
    ("queue = []; queue.append(1); queue.clear()", "async def h(x):\n    queue.append(x)", False),  # a local
])
def test_which_offloads_race_with_the_loop(tmp_path: Path, body: str, rival: str, hazard: bool) -> None:
    state = "queue = []\ncache = {}\ncounts = {'k': 0}\napp = None\n"
    text = OFFLOADED.format(imports="", body=body) + "\n\n" + state + "\n\n" + rival + "\n"
    said = _offload_hazard(tmp_path, {"m.py": text})
    assert bool(said) is hazard and all("a module-level container" in m for m in said)


def test_a_rival_in_another_module_that_imports_the_container(tmp_path: Path) -> None:
    state = "queue = []\n"
    flusher = OFFLOADED.format(imports="\nfrom state import queue", body="items = list(queue); queue.clear()")
    handlers = "import state\n\n\nasync def handle(x):\n    state.queue.append(x)\n"
    said = _offload_hazard(tmp_path, {"state.py": state, "jobs.py": flusher, "web.py": handlers})
    assert len(said) == 1 and "`web.handle` changes on the event loop" in said[0]


def test_what_makes_a_container() -> None:
    text = ("a = []\nb: dict[str, int] = {}\nc = set()\nd = collections.deque()\ne = defaultdict(list)\n"
            "f = (1, 2)\ng = 'x'\nh = make()\ni = [x for x in y]\n")
    assert set(shared_state.containers(ast.parse(text).body)) == {"a", "b", "c", "d", "e", "i"}


AWAITED = '''\
import asyncio
import time

queue = []
flushed = []


async def flush():
    items = list(queue)
    time.sleep(0.2)
    queue.clear()
    flushed.extend(items)


def drain():
    items = list(queue)
    time.sleep(0.2)
    queue.clear()
    flushed.extend(items)


async def flush_later():
    drain()


async def handler(i):
    await asyncio.sleep(0.05)
    queue.append(i)


async def main():
    for flusher in (flush, flush_later):
        queue.extend([0, 1])
        tasks = [asyncio.create_task(handler(i)) for i in (2, 3)]
        await flusher()
        await asyncio.gather(*tasks)
        await flusher()
    print(sorted(flushed), queue)


if __name__ == "__main__":
    asyncio.run(main())
'''


def test_no_await_goes_between_uses_of_a_container_another_task_changes(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Awaited between the copy and the clear (directly, or by making `drain` async), the sleep
    lets both handlers append there, and the clear loses them: the build before wrote that, and the
    program printed [0, 0, 1, 1] instead of [0, 0, 1, 1, 2, 2, 3, 3]."""
    before, after, report, result = before_and_after(tmp_path, monkeypatch, AWAITED)
    assert after == before == "[0, 0, 1, 1, 2, 2, 3, 3] []\n"
    assert (tmp_path / "m.py").read_text(encoding="utf-8") == AWAITED
    between = "it stands between uses of `queue`, a module-level container that `"
    assert [(d.line, d.code) for d in result.diagnostics if between in d.message] == [(10, "AW101")]
    assert [r.line for r in result.needs_review if between in r.message] == [17]  # drain stays sync
    refused = {(f.line, f.fixable) for f in report.findings if f.code == "AW101" and between in f.message}
    assert refused == {(10, False), (17, False)}


@pytest.mark.parametrize(("body", "section"), [
    ("items = list(queue)\nx = 1\nqueue.clear()", (3, 5)),
    ("if 'k' not in cache:\n    x = 1\n    cache['k'] = x", (3, 5)),
    ("queue.append(1)\nx = 1", None),  # one use
    ("n = len(queue)\nx = 1\nm = queue[0]", None),  # no change
    ("queue = []\nqueue.append(1)\nqueue.clear()", None),  # a local of that name
    ("items = list(queue)\nawait g()\nqueue.clear()", None),  # it lets other tasks in there already
])
def test_which_stretches_another_task_may_change_under(body: str, section: tuple[int, int] | None) -> None:
    text = ("queue = []\ncache = {}\nasync def f():\n" + "".join(f"    {row}\n" for row in body.splitlines())
            + "async def h(x):\n    queue.append(x)\n    cache.pop(x)\n")
    tree = ast.parse(text)
    changers = shared_state.loop_changers(tree)
    assert all((len(text.splitlines()) - 2, "h") in changers[name] for name in ("queue", "cache"))
    found = shared_state.shared_sections(tree.body[2], changers)  # type: ignore[arg-type]
    assert [(a + 0, b) for a, b, _ in found] == ([] if section is None else [(section[0] + 1, section[1] + 1)])


def test_a_function_racing_only_with_itself_or_a_startup_hook_is_left_to_the_fix() -> None:
    text = ("cache = {}\n"
            "async def get(k):\n    if k not in cache:\n        cache[k] = 1\n    return cache[k]\n"
            "@app.on_event('startup')\nasync def fill():\n    cache.clear()\n")
    assert shared_state.loop_changers(ast.parse(text)) == {"cache": [(2, "get")]}
    assert shared_state.shared_sections(ast.parse(text).body[1], {"cache": [(2, "get")]}) == []  # type: ignore[arg-type]
    assert shared_state.loop_changers_in(text.replace("async def", "def")) == {}  # no async code: no parse
