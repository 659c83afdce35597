"""One engine (awaitify.engine.pipeline): `check` and `fix` run its stages in the declared order,
each once, and read the tree, the summaries and the index the same way, so they agree on what
async code reaches."""

from __future__ import annotations

from pathlib import Path

import pytest

from awaitify import runner
from awaitify.audit.engine import CheckJob, run_check
from awaitify.audit.results import CheckOptions
from awaitify.config import Config
from awaitify.engine import pipeline
from awaitify.engine.pipeline import STAGES
from awaitify.index import SummaryStore
from awaitify.rules import all_rules, select_rules

APP = "import helpers\n\n\nasync def handler():\n    return helpers.work()\n"
HELPERS = "import time\n\n\ndef work():\n    time.sleep(1)\n    return 1\n"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "app.py").write_text(APP)
    (tmp_path / "helpers.py").write_text(HELPERS)
    (tmp_path / "quiet.py").write_text("def f():\n    return 1\n")
    return tmp_path


@pytest.fixture
def seen(monkeypatch: pytest.MonkeyPatch) -> list[tuple[object, str]]:
    """(job, stage) as each stage starts."""
    trace: list[tuple[object, str]] = []
    monkeypatch.setattr(pipeline, "observers", [lambda job, stage: trace.append((job, stage))])
    return trace


def _fix(tree: Path, use_cache: bool = False) -> runner.RunResult:
    return runner.run([tree], Config(root=tree), all_rules(), runner.RunOptions(use_cache=use_cache, jobs=1))


def _check(tree: Path, use_cache: bool = False):
    return run_check([tree], Config(root=tree), select_rules((), (), checks=True), CheckOptions(use_cache=use_cache, jobs=1))


def test_fix_runs_every_stage_once_in_the_declared_order(tree: Path, seen: list) -> None:
    result = _fix(tree)
    assert [stage for _, stage in seen] == list(STAGES)
    assert {type(job) for job, _ in seen} == {runner.FixJob}
    assert list(result.timings) == list(STAGES)
    assert sorted(r.path.name for r in result.changed) == ["app.py", "helpers.py"]


def test_check_runs_its_stages_in_the_same_order_without_transforming(tree: Path, seen: list) -> None:
    result = _check(tree)
    assert [stage for _, stage in seen] == [s for s in STAGES if s not in ("transform", "verify")]
    assert {type(job) for job, _ in seen} == {CheckJob}
    assert [(Path(f.path).name, f.line, f.function) for f in result.findings] == [("helpers.py", 5, "helpers.work")]


def test_a_run_whose_result_is_cached_stops_at_discover(tree: Path, seen: list) -> None:
    """A fix whose last result still holds (no file's stats changed) answers from discover."""
    first = _fix(tree, use_cache=True)
    seen.clear()
    again = _fix(tree, use_cache=True)
    assert [stage for _, stage in seen] == ["discover"]
    assert [(r.display, r.new) for r in again.changed] == [(r.display, r.new) for r in first.changed]


def test_check_and_fix_read_the_same_tree_and_index_and_agree_on_the_plan(tree: Path, seen: list) -> None:
    _fix(tree)
    _check(tree)
    jobs = {type(job): job for job, _ in seen}
    fix, check = jobs[runner.FixJob], jobs[CheckJob]
    # discover: the same files, read the same way
    assert isinstance(fix.tree, pipeline.Tree) and fix.tree == check.tree
    # index: one kind of summary store, the same summaries of the files both read
    assert type(fix.store) is type(check.store) is SummaryStore
    both = set(fix.store.known()) & set(check.store.known())
    assert both and all(fix.store.get(p).functions == check.store.get(p).functions for p in both)
    # plan: what fix makes async is what check finds async code reaching
    helpers = str(tree / "helpers.py")
    assert "work" in fix.project_plan.for_file(helpers).make_async
    assert check.reach.chain((helpers, "work")) is not None
    assert check.reach.chain((str(tree / "quiet.py"), "f")) is None and fix.project_plan.for_file(str(tree / "quiet.py")).is_empty()


def test_an_interrupted_stage_closes_the_job() -> None:
    """However the run ends, the job's pool is stopped; an interrupt first lets it keep its work."""
    calls: list[str] = []

    class Job:
        def discover(self):
            calls.append("discover")

        def precheck(self):
            raise KeyboardInterrupt

        def output(self):
            raise AssertionError("not reached")

        def interrupted(self):
            calls.append("interrupted")

        def close(self):
            calls.append("close")

    with pytest.raises(KeyboardInterrupt):
        pipeline.run(Job())
    assert calls == ["discover", "interrupted", "close"]
