"""Idle work (`Pool.when_idle`): a batch the workers take only while no batch the run waits for is
in hand, whose answer is the same as a plain map's however it was fed."""

from __future__ import annotations

import time

import pytest

from awaitify.engine.idle_work import chunks_by_size
from awaitify.engine.pool import Pool


def _stamped(item: tuple[int, float]) -> tuple[int, float, float]:
    """(the item, when it started, when it ended), after `item[1]` seconds of work."""
    start = time.monotonic()
    time.sleep(item[1])
    return item[0], start, time.monotonic()


def _square(item: tuple[str, int]) -> int:
    return item[1] * item[1]


def _size(item: tuple) -> int:
    return 1000


@pytest.fixture
def pool():
    made = Pool(2)
    yield made
    made.close()


def test_chunks_keep_order_and_size() -> None:
    items = [("a", 5), ("b", 5), ("c", 20), ("d", 1), ("e", 1)]
    chunks = chunks_by_size(items, lambda item: item[1], limit=10)
    assert [item for chunk in chunks for item in chunk] == items
    assert chunks == [[("a", 5), ("b", 5)], [("c", 20)], [("d", 1), ("e", 1)]]
    assert chunks_by_size([], len) == []


def test_results_in_input_order(pool: Pool) -> None:
    items = [(str(i), i) for i in range(500)]
    assert pool.when_idle(_square, items, "t", size=lambda item: 60_000)() == [i * i for i in range(500)]


def test_waits_for_the_batch_the_run_waits_for(pool: Pool) -> None:
    wanted = pool.start(_stamped, [(i, 0.3) for i in range(4)], None, "now")
    idle = pool.when_idle(_stamped, [(i, 0.0) for i in range(50)], "idle", size=lambda item: 100_000)
    time.sleep(0.4)  # the workers are busy with `wanted`; the idle batch must not have started
    ended = max(end for _, _, end in wanted())
    started = min(start for _, start, _ in idle())
    assert started >= ended


def test_works_while_nobody_asks(pool: Pool) -> None:
    pool.start(_square, [("a", 1), ("b", 2)], None, "warm")()  # workers up
    idle = pool.when_idle(_stamped, [(i, 0.01) for i in range(20)], "idle", size=lambda item: 100_000)
    time.sleep(1.5)
    asked = time.monotonic()
    assert max(end for _, _, end in idle()) < asked


def test_asked_for_at_once_sends_everything(pool: Pool) -> None:
    wanted = pool.start(_stamped, [(i, 0.2) for i in range(2)], None, "now")  # never collected before
    idle = pool.when_idle(_square, [(str(i), i) for i in range(100)], "idle", size=lambda item: 100_000)
    assert idle() == [i * i for i in range(100)]  # does not wait for `wanted` to be collected
    assert len(wanted()) == 2


def test_stopped_batch_is_finished_here() -> None:
    pool = Pool(2)
    wanted = pool.start(_stamped, [(i, 0.3) for i in range(2)], None, "now")
    idle = pool.when_idle(_square, [(str(i), i) for i in range(40)], "idle", size=lambda item: 100_000)
    pool.close()  # nothing of the idle batch was handed over: `wanted` still holds the gate
    assert idle() == [i * i for i in range(40)]
    assert len(wanted()) == 2


def test_one_job_runs_here() -> None:
    pool = Pool(1)
    assert pool.when_idle(_square, [("a", 3), ("b", 4)], "idle", size=_size)() == [9, 16]
    assert pool.executor is None


def _die_on_poison(item: tuple[str, int]) -> int:
    if item[0] == "poison":
        import os
        os._exit(9)
    return item[1]


def test_a_worker_dying_under_another_batch_costs_this_one_nothing() -> None:
    pool = Pool(2)
    try:
        wanted = pool.start(_die_on_poison, [("poison", 0), ("b", 1)], None, "now", on_crash=lambda item: -1)
        idle = pool.when_idle(_square, [(str(i), i) for i in range(40)], "idle", size=lambda item: 100_000)
        assert sorted(wanted()) == [-1, 1]  # the poisoned item is reported; the pool was rebuilt for the rest
        assert idle() == [i * i for i in range(40)]
    finally:
        pool.close()


def _counted(item: tuple[str, int]) -> tuple[int, int]:
    import os
    return item[1] * item[1], os.getpid()


def test_an_item_read_meanwhile_is_not_worked_and_answers_none(pool: Pool) -> None:
    read: set[str] = set()
    wanted = pool.start(_stamped, [(i, 0.3) for i in range(2)], None, "now")  # holds every chunk back
    idle = pool.when_idle(_counted, [(str(i), i) for i in range(40)], "idle", size=lambda item: 100_000,
                          skip=lambda item: item[0] in read)
    read.update({"3", "17", "39"})  # read by the run before the workers were free to take them
    wanted()
    answers = idle()
    assert [a is None for a in answers] == [str(i) in {"3", "17", "39"} for i in range(40)]
    assert [a[0] for a in answers if a is not None] == [i * i for i in range(40) if i not in (3, 17, 39)]


def test_skip_is_decided_when_handed_over_not_when_collected(pool: Pool) -> None:
    read: set[str] = set()
    idle = pool.when_idle(_counted, [(str(i), i) for i in range(10)], "idle", size=lambda item: 100_000,
                          skip=lambda item: item[0] in read)
    time.sleep(1.5)  # every chunk handed over and done while nothing was read
    read.add("4")
    assert [a[0] for a in idle()] == [i * i for i in range(10)]  # an answer made is kept


def test_one_job_skips_too() -> None:
    pool = Pool(1)
    assert pool.when_idle(_square, [("a", 3), ("b", 4)], "idle", size=_size, skip=lambda item: item[0] == "a")() == [None, 16]


def test_workers_replaced_for_a_module_finish_the_idle_work_first(monkeypatch) -> None:
    """`Pool.with_module` replaces the workers (libcst for `fix`'s transforms): the idle work not handed
    over yet goes to them before the module is imported here, and they do it meanwhile; none of it is
    left for this process to do on its own when the answer is asked for."""
    import multiprocessing
    import os
    import sys
    import types

    from awaitify.engine import pool as pool_module

    if multiprocessing.get_start_method() != "fork":
        pytest.skip("workers are replaced for a module only when forked")
    monkeypatch.setattr(pool_module, "resident_mb", lambda: 0.0)
    pool = Pool(2)
    try:
        wanted = pool.start(_stamped, [(i, 0.3) for i in range(2)], None, "now")  # holds every chunk back
        idle = pool.when_idle(_counted, [(str(i), i) for i in range(40)], "idle", size=lambda item: 100_000)
        sys.modules["awaitify_test_marker3"] = types.ModuleType("awaitify_test_marker3")
        pool.with_module("awaitify_test_marker3")
        assert pool.executor is None  # replaced
        assert len(wanted()) == 2
        answers = idle()
        assert [a[0] for a in answers] == [i * i for i in range(40)]
        assert os.getpid() not in {pid for _, pid in answers}
    finally:
        sys.modules.pop("awaitify_test_marker3", None)
        pool.close()
