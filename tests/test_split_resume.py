"""A batch run that is interrupted resumes from the cache and writes the same plan (issue 26 point 5)."""

from __future__ import annotations

from pathlib import Path

import pytest

from monorepo_gen import generate
from split_helpers import fix_run, init_repo, split_run

import awaitify.runner as runner


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    tree = generate(tmp_path / "repo", count=8)
    init_repo(tree)
    return tree


def _written(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())}


def test_an_interrupted_run_resumes_from_the_cache_with_the_same_plan(repo: Path, tmp_path: Path, monkeypatch) -> None:
    reference = tmp_path / "reference"
    split_run(repo, fix_run(repo, use_cache=False), "codeowners", reference)

    real_map = runner.Pool.map

    def interrupted(self, fn, items, progress, stage, *args, **kwargs):
        if stage == "transform":  # Ctrl-C once the index and the plan are made, while files are transformed
            raise KeyboardInterrupt
        return real_map(self, fn, items, progress, stage, *args, **kwargs)

    monkeypatch.setattr(runner.Pool, "map", interrupted)
    with pytest.raises(KeyboardInterrupt):
        fix_run(repo, use_cache=True)
    monkeypatch.setattr(runner.Pool, "map", real_map)
    assert (repo / ".awaitify_cache").is_dir()

    def planned_again(*args, **kwargs):
        raise AssertionError("the interrupted run's plan was not kept")

    monkeypatch.setattr(runner, "build_plan", planned_again)  # the plan (and the summaries) come from the cache
    resumed = fix_run(repo, use_cache=True)
    assert resumed[0].counters["cache_hits"] > 0
    out = tmp_path / "resumed"
    split_run(repo, resumed, "codeowners", out)
    assert _written(out) == _written(reference)


def test_an_interrupted_write_of_the_changesets_is_repaired_by_a_rerun(repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    ran = fix_run(repo, use_cache=True)
    split_run(repo, ran, "package", out)
    whole = _written(out)
    (out / "plan.json").unlink()  # plan.json is written last: without it the folder is unfinished
    next(out.glob("*.md")).write_text("half")
    split_run(repo, fix_run(repo, use_cache=True), "package", out)
    assert _written(out) == whole
