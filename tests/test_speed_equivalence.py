"""The speed-ups change nothing: cache or not, one worker or many, lazy or full index."""

from __future__ import annotations

import collections
import importlib.util
import itertools
import shutil
import sys
from pathlib import Path

import pytest

from awaitify.config import Config
from awaitify.plan import FilePlan
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
@pytest.mark.slow  # still run by .ci/run (`pytest -m slow`): kept out of the quick suite for time
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


@pytest.mark.slow  # still run by .ci/run (`pytest -m slow`): kept out of the quick suite for time
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


def test_calls_nothing_reaches_are_not_resolved(tmp_path: Path) -> None:
    """Resolving a call reads the module it names: in a file with an async function, the calls of
    sync functions no async code reaches are left alone, and so are the modules only they name."""
    from awaitify.index import SummaryStore, build_index
    from awaitify.reachable import AsyncReach

    texts = {
        str(tmp_path / "app.py"): "import helpers\nimport reports\n\n\nasync def handler():\n    helpers.work()\n\n\n"
                                  "def nightly():\n    reports.build()\n",
        str(tmp_path / "helpers.py"): "import time\n\n\ndef work():\n    time.sleep(1)\n",
        str(tmp_path / "reports.py"): "def build():\n    pass\n",
    }
    store = SummaryStore(texts)
    index = build_index(store, [tmp_path])
    reach = AsyncReach(index, lambda edge: edge.site.context == "async")
    assert reach.reached == {(str(tmp_path / "helpers.py"), "work")}
    assert str(tmp_path / "reports.py") not in {**store.known(), **store.known_outlines()}
    # asked later, the whole file is resolved, each call once
    index.index_file(str(tmp_path / "app.py"))
    assert len(index.callers((str(tmp_path / "helpers.py"), "work"))) == 1
    assert len(index.callers((str(tmp_path / "reports.py"), "build"))) == 1


# --- reading less changes nothing ------------------------------------------------------------------
EXAMPLES = sorted(p for p in (ROOT / "examples").iterdir() if p.is_dir())
# the examples, then the synthetic tree (None): a real-size tree, so a slow run (CI runs it)
TREES = [*(pytest.param(p, id=p.name) for p in EXAMPLES), pytest.param(None, id="synthetic", marks=pytest.mark.slow)]


def _findings(tree: Path, full: bool) -> list:
    from awaitify.audit.engine import CheckOptions, run_check
    from awaitify.rules import select_rules

    result = run_check([tree], Config(root=tree), select_rules((), (), checks=True), CheckOptions(use_cache=False, jobs=1, full_index=full))
    return [(f.path, f.line, f.column, f.code, f.message, f.fixable, f.chain) for f in result.findings]


@pytest.mark.parametrize("tree", TREES)
def test_check_top_down_finds_what_the_full_search_finds(tree: Path | None, synthetic: Path) -> None:
    tree = tree or synthetic
    top_down = _findings(tree, full=False)
    assert top_down == _findings(tree, full=True)
    if tree == synthetic:  # chains through sync helpers across modules, and the override in pkg1
        assert any(len(f[6]) >= 2 for f in top_down) and any("impl.py" in f[0] for f in top_down)


def test_an_override_behind_an_aliased_base_is_reached(tmp_path: Path) -> None:
    """The text filter for subclasses (awaitify.subclass_text) must follow `import ... as` aliases."""
    (tmp_path / "base.py").write_text("class Base:\n    def fetch(self):\n        return 1\n\n"
                                      "    async def handle(self):\n        return self.fetch()\n")
    (tmp_path / "mid.py").write_text("from base import Base as Root\n\n\nclass Middle(Root):\n    pass\n")
    (tmp_path / "impl.py").write_text("import time\nfrom mid import Middle\n\n\nclass Impl(Middle):\n"
                                      "    def fetch(self):\n        time.sleep(1)\n        return 2\n")
    for full in (False, True):
        result = run([tmp_path], Config(root=tmp_path), all_rules(), RunOptions(use_cache=False, jobs=1, full_index=full))
        assert any("Impl.fetch" in line for line in result.plan.explanations), full
    assert any(f[0].endswith("impl.py") for f in _findings(tmp_path, full=False))


@pytest.mark.skipif(sys.version_info < (3, 12), reason="type parameters are Python 3.12 syntax")
def test_an_override_in_a_generic_subclass_is_reached(tmp_path: Path) -> None:
    """`class Impl[T](Base)`: the subclass text filter reads past type parameters, so the top-down
    reach finds the override the full index finds."""
    (tmp_path / "base.py").write_text("class Base:\n    def fetch(self):\n        return 1\n\n"
                                      "    async def handle(self):\n        return self.fetch()\n")
    (tmp_path / "impl.py").write_text("import time\nfrom base import Base\n\n\nclass Impl[T: (int, str)](Base):\n"
                                      "    def fetch(self):\n        time.sleep(1)\n        return 2\n")
    for full in (False, True):
        result = run([tmp_path], Config(root=tmp_path), all_rules(), RunOptions(use_cache=False, jobs=1, full_index=full))
        assert any("Impl.fetch" in line for line in result.plan.explanations), full


def test_the_subclass_text_filter_keeps_every_real_subclass() -> None:
    """Every class the index finds deriving from K (its MRO, names resolved across modules) stands
    in a file the text filter says may derive from K: on asyncio, unittest and the modules they
    build on, where bases are dotted (`socket.socket`), aliased and spread over packages."""
    import sysconfig

    from awaitify.index import SummaryStore, build_index
    from awaitify.subclass_text import SubclassText

    stdlib = Path(sysconfig.get_paths()["stdlib"])
    paths = [*stdlib.joinpath("asyncio").glob("*.py"), *stdlib.joinpath("unittest").glob("*.py"),
             *stdlib.joinpath("concurrent", "futures").glob("*.py"),
             *(stdlib / f"{name}.py" for name in ("socket", "ssl", "selectors", "threading", "subprocess",
                                                  "_weakrefset", "_collections_abc", "socketserver", "contextlib"))]
    texts = {str(p): p.read_text(encoding="utf-8") for p in paths}
    index = build_index(SummaryStore(texts), [stdlib])
    text_filter = SubclassText(texts)
    derived = 0
    for path in texts:
        for qualname in index.summary(path).classes:
            for ancestor in index.mro((path, qualname))[1:]:
                if ancestor is not None:
                    assert text_filter.may_derive(path, ancestor[1].rpartition(".")[2]), (path, qualname, ancestor)
                    derived += 1
    assert derived > 200
    # and it does narrow: `socket.SocketType`-style bases and `with x as y` no longer make everything a socket
    assert sum(text_filter.may_derive(p, "socket") for p in texts) < len(texts) // 4


def test_the_subclass_text_filter_reads_import_aliases_of_every_shape() -> None:
    from awaitify.subclass_text import SubclassText

    texts = {
        "paren.py": "from base import (  # a comment with a ) in it\n    Other,\n    Base as Root,\n)\n\nclass A(Root):\n    pass\n",
        "slash.py": "from base import Other, \\\n    Base as Root2\n\nclass B(Root2):\n    pass\n",
        "crlf.py": "from base import Base as Root3\r\n\r\nclass C(pkg.Root3):\r\n    pass\r\n",
        "other.py": "with open(p) as Base:\n    pass\n\nclass D(Base.attr):\n    pass\n",
        # Python 3.12 type parameters, bounds and constraints between the name and the bases
        "generic.py": "from base import Base\n\nclass E[T](Base):\n    pass\n",
        "generic2.py": "from generic import E\n\nclass F[K: dict[str, int], V: (int,\n str)](E):\n    pass\n",
    }
    text_filter = SubclassText(texts)
    assert [p for p in texts if text_filter.may_derive(p, "Base")] == ["paren.py", "slash.py", "crlf.py", "generic.py", "generic2.py"]


def _python_files() -> list[Path]:
    import asyncio
    import unittest

    roots = [ROOT / "src", ROOT / "examples", ROOT / "tests" / "golden",
             Path(asyncio.__file__).parent, Path(unittest.__file__).parent]
    return sorted(p for root in roots for p in root.rglob("*.py"))


@pytest.mark.slow  # still run by .ci/run (`pytest -m slow`): kept out of the quick suite for time
def test_an_outline_is_the_summary_without_calls() -> None:
    from awaitify.summary import summarize

    checked = 0
    for path in _python_files():
        text = path.read_text(encoding="utf-8")
        full = summarize(str(path), text, lazy=False)
        full.calls, full.values, full.movable_withs = [], [], set()
        assert summarize(str(path), text, outline=True) == full, path
        checked += 1
    assert checked > 100


@pytest.mark.slow  # over the corpus, asyncio's and unittest's sources included
def test_a_focused_summary_holds_every_call_that_may_name_the_word() -> None:
    """For the name of every function a file defines: the focused summary is the outline plus a
    subset of the full summary's calls and values, and holds every one of them that may name it."""
    from awaitify.index import _may_name
    from awaitify.summary import summarize, summarize_focused

    checked = 0
    for path in _python_files():  # every file: a stride picked different files on another checkout
        text = path.read_text(encoding="utf-8")
        full = summarize(str(path), text, lazy=False)
        outline = summarize(str(path), text, outline=True)
        for word in sorted({info.name for info in full.functions.values()})[:8]:
            focused = summarize_focused(str(path), text, word)
            assert (focused.functions, focused.classes, focused.imports) == (outline.functions, outline.classes, outline.imports)
            assert set(focused.calls) <= set(full.calls) and set(focused.values) <= set(full.values), (path, word)
            # a name an import binds to something called `word` (`from m import word as w`); a
            # module on the way (`from word.sub import other`) does not make `other()` name it
            aliases = {word, *(a for a, dotted in full.imports.items() if dotted.rpartition(".")[2] == word)}
            assert {c for c in full.calls if _may_name(c.ref, aliases)} <= set(focused.calls), (path, word)
            assert {v for v in full.values if _may_name(v.ref, aliases)} <= set(focused.values), (path, word)
            checked += 1
    assert checked > 150


def test_callers_found_through_focused_summaries_are_the_full_index_callers(tmp_path: Path) -> None:
    from awaitify.index import SummaryStore, build_index

    texts = {
        str(tmp_path / "lib.py"): "import time\n\n\ndef work():\n    time.sleep(1)\n\n\nclass Job:\n    def run(self):\n        work()\n",
        str(tmp_path / "use.py"): (
            "from lib import work as w, Job\nimport lib\n\n\nasync def a():\n    w()\n    lib.work()\n    x = (lib\n         .work)\n"
            "    callbacks = [work_later, lib.work]\n\n\ndef work_later():\n    def inner():\n        return w(\n            1)\n"
            "    Job().run()\n    return inner\n\n\nclass Sub(Job):\n    def run(self):\n        super().run()\n        self.run()\n"),
    }
    lazy = build_index(SummaryStore(texts), [tmp_path])
    full = build_index(SummaryStore(texts), [tmp_path], full=True)
    first = build_index(SummaryStore(texts), [tmp_path])
    for fid in [(str(tmp_path / "lib.py"), "work"), (str(tmp_path / "lib.py"), "Job.run"), (str(tmp_path / "use.py"), "work_later")]:
        assert first.first_value_ref(fid) == (full.value_refs(fid) or [None])[0], fid
    for fid in [(str(tmp_path / "lib.py"), "work"), (str(tmp_path / "lib.py"), "Job.run"), (str(tmp_path / "use.py"), "work_later")]:
        assert lazy.callers(fid) == full.callers(fid), fid
        assert lazy.value_refs(fid) == full.value_refs(fid), fid
    assert len(lazy.callers((str(tmp_path / "lib.py"), "work"))) == 4
    assert lazy.unresolved_named("work") == full.unresolved_named("work")


WORK = "import time\n\n\ndef slow_a():\n    time.sleep(1)\n\n\ndef slow_b():\n    time.sleep(2)\n"
# `nightly` calls both and nothing async reaches it: a closure already offloaded does not read its file
BATCH = ("from work import slow_a, slow_b\n\n\ndef nightly():\n    slow_a()\n    slow_b()\n\n\n"
         "if __name__ == '__main__':\n    nightly()\n")
OFFLOADED_CLOSURES = {
    # slow_a is a callback (offloaded); slow_b could be made async, but nightly calls both: one decision
    "merged-through-an-unread-caller": {
        "app.py": "from work import slow_a, slow_b\nHOOKS = [slow_a]\n\n\nasync def handler():\n    slow_a()\n    slow_b()\n",
        "work.py": WORK, "batch.py": BATCH,
        "aaa_early.py": "from work import slow_a\nREGISTRY = {'a': slow_a}\n",  # the reference reported
        "zzz_late.py": "from work import slow_a\nLATE = [slow_a]\n",  # past it: never read
    },
    # both are callbacks: the caller both leave unread still joins them
    "both-narrowed": {
        "app.py": "from work import slow_a, slow_b\nHOOKS = [slow_a, slow_b]\n\n\nasync def handler():\n    slow_a()\n    slow_b()\n",
        "work.py": WORK, "batch.py": BATCH,
    },
    # no call site can be offloaded: the review lists every member, so every caller is read
    "reported-for-review": {
        "app.py": "from work import slow_a\nHOOKS = [slow_a]\n\n\nasync def handler():\n    await slow_a()\n",
        "work.py": WORK, "batch.py": BATCH,
    },
}


@pytest.mark.parametrize("layout", sorted(OFFLOADED_CLOSURES))
def test_an_offloaded_closure_reads_less_and_decides_the_same(tmp_path: Path, monkeypatch, layout: str) -> None:
    from awaitify.index import SummaryStore
    from awaitify.planner import Propagator

    for name, text in OFFLOADED_CLOSURES[layout].items():
        (tmp_path / name).write_text(text)
    focused: list[str] = []
    real_focused = SummaryStore.focused
    monkeypatch.setattr(SummaryStore, "focused", lambda self, paths, word: (focused.extend(paths), real_focused(self, paths, word))[1])
    joined: list[bool] = []
    real_unread = Propagator._unread_members
    monkeypatch.setattr(Propagator, "_unread_members", lambda self, c, paths: (r := real_unread(self, c, paths), joined.append(bool(r)))[0])
    outcomes, read_lazily = [], set()
    for full in (False, True):
        result = run([tmp_path], Config(root=tmp_path), all_rules(), RunOptions(use_cache=False, jobs=1, full_index=full))
        outcomes.append((patch_bytes(result), result.plan.explanations, result.plan.needs_review, sorted(result.plan.files.items())))
        if not full:
            read_lazily = set(focused)
    assert outcomes[0] == outcomes[1]
    patch, explanations, review, _ = outcomes[0]
    if layout == "merged-through-an-unread-caller":
        assert b"async def slow_b" not in patch and "aaa_early.py:2" in " ".join(explanations)
        assert str(tmp_path / "aaa_early.py") in read_lazily and str(tmp_path / "zzz_late.py") not in read_lazily
        assert True in joined
    elif layout == "both-narrowed":
        assert len({line.rpartition("stays sync because ")[2] for line in explanations}) == 1 and True in joined
    else:
        assert any("nightly" in why for *_, why in review)


TRICKY = '''\
import os
import time as clock
from time import sleep as nap


def plain(path):
    """Nothing here a codemod wants: hidden."""
    size = os.path.getsize(path)
    label = f"{size} bytes of {path}"
    return label


def aliased():
    total = 0
    for i in range(3):
        nap(0.1)
        total += i
    return total


class Service:
    def describe(self):
        parts = [self.__class__.__name__]
        parts.append(str(clock.monotonic()))
        parts.append("x")
        return "-".join(parts)

    async def handle(self):
        clock.sleep(1)
        return self.describe()


def outer_sync():
    """A sync function holding an async one: kept whole."""
    async def inner():
        clock.sleep(2)
    return inner
'''


def _same_hidden_or_whole(files: list[Path]) -> int:
    """Transform each file with the bodies no codemod needs hidden and whole: the same bytes, changes
    and diagnostics. How many of them changed."""
    from awaitify.plan import FilePlan
    from awaitify.source import read_source
    from awaitify.transform import transform

    compared = 0
    for path in files:
        source = read_source(path, path.name)
        config = Config(root=path.parent)
        whole = transform(source, all_rules(), config, FilePlan(), hide=False)
        assert transform(source, all_rules(), config, FilePlan(), hide=True) == whole, path
        compared += bool(whole.changes)
    return compared


def test_hidden_bodies_change_nothing(tmp_path: Path) -> None:
    """Transforming with the bodies no codemod needs hidden (awaitify.engine.hollow) gives the same bytes,
    changes and diagnostics as transforming the whole file, with LF, CRLF and tab indentation."""
    from awaitify.engine.hollow import hollow
    from awaitify.plan import FilePlan
    from awaitify.source import read_source

    crafted = [tmp_path / "lf.py", tmp_path / "crlf.py", tmp_path / "tabs.py"]
    crafted[0].write_bytes(TRICKY.encode())
    crafted[1].write_bytes(TRICKY.replace("\n", "\r\n").encode())
    crafted[2].write_bytes(TRICKY.replace("    ", "\t").encode())
    source = read_source(crafted[0], "lf.py")
    hidden = hollow(source.raw, source.text, source.encoding, ("sleep",), FilePlan())
    assert hidden is not None and len(hidden.bodies) == 2  # plain() and describe(); aliased() spells `nap`
    assert hidden.raw.count(b"\n") == source.raw.count(b"\n")
    assert _same_hidden_or_whole(crafted) == 3


@pytest.mark.slow
def test_hidden_bodies_change_nothing_on_every_example_and_golden_input() -> None:
    """The same, on every example and golden input (a corpus run: slow, run by CI)."""
    files = [p for p in _python_files() if "golden" in p.parts or "examples" in p.parts]
    assert _same_hidden_or_whole(files) >= 5


@pytest.mark.parametrize("tree", TREES)
def test_hidden_bodies_change_no_planned_edit(tree: Path | None, synthetic: Path, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """With a plan (propagation across modules, offloads at call sites), hiding bodies still gives
    the same patch and diagnostics as transforming whole files."""
    import awaitify.transform

    copy = tmp_path / "tree"
    shutil.copytree(tree or synthetic, copy)
    hollowed = []
    real = awaitify.transform.hollow
    monkeypatch.setattr(awaitify.transform, "hollow", lambda *args: hollowed.append(real(*args)) or hollowed[-1])
    hidden = _outcome(copy, RunOptions(use_cache=False, jobs=1))
    if tree is None:  # the synthetic tree's modules are big enough to hide bodies in
        assert sum(h is not None for h in hollowed) >= 2
    monkeypatch.setattr(awaitify.transform, "hollow", lambda *args: None)
    assert _outcome(copy, RunOptions(use_cache=False, jobs=1)) == hidden


# --- the speed facts rules declare: wrong, they would make `fix` skip or hide what a rule changes --------
CORPUS = [*EXAMPLES, *sorted(p for p in (ROOT / "tests" / "apps").iterdir() if p.is_dir() and p.name != "_kit"),
          *sorted(p for p in (ROOT / "tests" / "golden").iterdir() if p.is_dir())]


def _without_shortcuts(monkeypatch: pytest.MonkeyPatch) -> None:
    """`fix` as if no rule declared a speed fact: every rule asked on every file (no trigger,
    `async_only`, `plan_only` nor `wants` pre-check), every file given to libcst whole (no body
    hidden for `local_edits`, `sync_tokens`, `async_by_trigger`)."""
    import awaitify.runner
    import awaitify.transform
    from awaitify.rule import Rule

    monkeypatch.setattr(Rule, "may_apply", lambda self, text, config, plan=None: True)
    for module in (awaitify.runner, awaitify.transform):
        if hasattr(module, "wants_hooks"):
            monkeypatch.setattr(module, "wants_hooks", dict)
    monkeypatch.setattr(awaitify.transform, "hollow", lambda *args, **kwargs: None)


@pytest.mark.slow  # every rule on every file of the corpus, whole: a corpus run
@pytest.mark.parametrize("tree", CORPUS, ids=[f"{p.parent.name}/{p.name}" for p in CORPUS])
def test_the_rules_speed_facts_skip_and_hide_nothing(tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`Rule.triggers`, `async_only`, `plan_only`, `local_edits`, `sync_tokens`, `async_by_trigger`
    and each detector's `wants` only spare work: with every rule on, the patch, diagnostics, plan
    and skipped files are the same with the engine's skipping and hiding on and off."""
    copy = tmp_path / "tree"
    shutil.copytree(tree, copy)
    fast = _outcome(copy, RunOptions(use_cache=False, jobs=1))
    _without_shortcuts(monkeypatch)
    whole = _outcome(copy, RunOptions(use_cache=False, jobs=1))
    assert (whole[0], whole[2], whole[3]) == (fast[0], fast[2], fast[3])
    # A pre-check asks whether its rule may change the file, not whether it would only add a review
    # note: asyncio-run's notes a run_until_complete() on a loop it cannot follow only in a file it
    # changes otherwise (known; the one difference allowed)
    assert [d for d in whole[1] if _UNKNOWN_LOOP not in d] == [d for d in fast[1] if _UNKNOWN_LOOP not in d]
    assert set(fast[1]) <= set(whole[1])


_UNKNOWN_LOOP = "AW102 loop.run_until_complete() on a loop awaitify cannot tell is the running one"


def test_a_wrong_speed_fact_is_caught(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The comparison above fails for a rule that claims too much: sleep declared `plan_only` skips
    the file it should change."""
    import dataclasses

    import awaitify.rules

    (tmp_path / "app.py").write_text("import time\n\n\nasync def h():\n    time.sleep(1)\n")
    wrong = tuple(dataclasses.replace(r, plan_only=True) if r.name == "sleep" else r for r in all_rules())
    monkeypatch.setattr(awaitify.rules, "all_rules", lambda: wrong)
    fast = run([tmp_path], Config(root=tmp_path), wrong, RunOptions(use_cache=False, jobs=1))
    _without_shortcuts(monkeypatch)
    whole = run([tmp_path], Config(root=tmp_path), wrong, RunOptions(use_cache=False, jobs=1))
    assert patch_bytes(fast) != patch_bytes(whole)


def _loaded_by(tree: Path, argv: list[str], modules: dict[str, str]) -> str:
    """Run `awaitify argv` in a fresh interpreter in `tree`; it prints, per label, whether the
    module was loaded by then, and the exit code: `libcst: False ... exit: 1`."""
    import subprocess
    import sys

    report = ", ".join(f"{label + ':'!r}, {module!r} in sys.modules" for label, module in modules.items())
    probe = (f"import sys\nfrom awaitify.cli import main\ntry:\n    main({argv!r})\nexcept SystemExit as exc:\n"
             f"    code = exc.code\nprint({report}, 'exit:', code)\n")
    return subprocess.run([sys.executable, "-c", probe], cwd=tree, capture_output=True, text=True).stdout


def test_check_never_loads_libcst_and_a_warm_check_reads_no_file(tmp_path: Path) -> None:
    """`check` reads rules from the rule table, not the codemods: libcst is never imported. An
    unchanged tree is recognised from file stats and the flags before the engine is imported; the
    answer is the cold run's, and an edit is noticed."""
    (tmp_path / "app.py").write_text("import time\n\n\nasync def h():\n    time.sleep(1)\n")

    def check() -> str:
        return _loaded_by(tmp_path, ["check", "."], {"libcst": "libcst", "engine": "awaitify.audit.engine"})

    cold = check()
    warm = check()
    assert "libcst: False engine: True exit: 1" in cold
    assert warm == cold.replace("engine: True", "engine: False")
    (tmp_path / "app.py").write_text("import asyncio\n\n\nasync def h():\n    await asyncio.sleep(1)\n")
    assert check().endswith("libcst: False engine: True exit: 0\n")


def test_a_warm_fix_answers_without_loading_libcst(tmp_path: Path) -> None:
    """The runner imports libcst only to transform a file: an unchanged tree's `fix --check` is
    answered from the last result with neither libcst nor the codemods loaded (as `check`)."""
    (tmp_path / "app.py").write_text("import time\n\n\nasync def h():\n    time.sleep(1)\n")

    def fix_check() -> str:
        return _loaded_by(tmp_path, ["fix", "--check", "."], {"libcst": "libcst"})

    cold, warm = fix_check(), fix_check()
    assert cold.endswith("libcst: True exit: 1\n")
    assert warm.endswith("libcst: False exit: 1\n") and warm.replace("False", "True") == cold


PLANNING_PROBE = """\
import sys
from pathlib import Path
import awaitify.runner as runner
from awaitify.config import Config
from awaitify.report import patch_bytes
from awaitify.rules import all_rules

planned = []
build_plan = runner.build_plan
runner.build_plan = lambda *a, **k: (build_plan(*a, **k), planned.append("libcst" in sys.modules))[0]
tree = Path.cwd()
result = runner.run([tree], Config(root=tree), all_rules(), runner.RunOptions(use_cache=False, jobs=int(sys.argv[1])))
print(planned, "libcst" in sys.modules, sorted(r.display for r in result.changed))
sys.stdout.flush()
sys.stdout.buffer.write(patch_bytes(result))
"""


def test_a_cold_fix_plans_without_libcst(tmp_path: Path) -> None:
    """Planning and the pre-check read the codemods' rules, planners and `wants` without libcst
    (the rules' detectors): it is imported once files are transformed. One job or two, the patch is
    the same."""
    import subprocess
    import sys

    (tmp_path / "app.py").write_text("import helpers\n\n\nasync def handler():\n    return helpers.work()\n")
    (tmp_path / "helpers.py").write_text("import time\n\n\ndef work():\n    time.sleep(1)\n    return 1\n")

    def probe(jobs: int) -> tuple[str, bytes]:
        out = subprocess.run([sys.executable, "-c", PLANNING_PROBE, str(jobs)], cwd=tmp_path, capture_output=True, check=True).stdout
        first, _, patch = out.partition(b"\n")
        return first.decode(), patch

    (two, patch), (one, reference) = probe(2), probe(1)
    assert two == one == "[False] True ['app.py', 'helpers.py']"
    assert patch == reference and b"async def work" in patch


def _has_marker(_: object) -> bool:
    import sys

    return "awaitify_test_marker" in sys.modules


def test_workers_forked_before_a_module_was_imported_are_replaced(monkeypatch) -> None:
    """`Pool.with_module(m)`: workers forked before this process imported m (libcst, imported while
    the first workers parse) would each import it again; the next batch forks new ones that have it
    (in a process under `REFORK_LIMIT_MB`: a test process that grew past it would keep them)."""
    import multiprocessing
    import sys
    import types

    from awaitify.engine import pool as pool_module
    from awaitify.engine.pool import Pool

    if multiprocessing.get_start_method() != "fork":
        pytest.skip("workers inherit this process's modules only when forked")
    monkeypatch.setattr(pool_module, "resident_mb", lambda: 0.0)
    pool = Pool(2)
    try:
        assert pool.map(_has_marker, [1, 2], None, "test") == [False, False]
        pool.with_module("pathlib")  # imported before the fork: the workers stay
        first = pool.executor
        assert first is not None
        sys.modules["awaitify_test_marker"] = types.ModuleType("awaitify_test_marker")
        assert pool.map(_has_marker, [1, 2], None, "test") == [False, False]  # the same workers
        pool.with_module("awaitify_test_marker")
        assert pool.executor is None
        assert pool.map(_has_marker, [1, 2], None, "test") == [True, True]
    finally:
        sys.modules.pop("awaitify_test_marker", None)
        pool.close()


def _imports_second_marker(_: int) -> bool:
    import awaitify_test_marker2  # noqa: F401 - a worker imports what its work needs

    return True


def test_workers_are_kept_when_this_process_has_grown_large(tmp_path, monkeypatch) -> None:
    """`Pool.with_module(m)` in a process past `REFORK_LIMIT_MB`: the running workers are kept and
    import m themselves (a worker forked now would start as large as this process: the stdlib's
    transform workers peaked above 500 MB); m is not imported here."""
    import multiprocessing
    import sys

    from awaitify.engine import pool as pool_module
    from awaitify.engine.pool import Pool

    if multiprocessing.get_start_method() != "fork":
        pytest.skip("workers inherit this process's modules only when forked")
    (tmp_path / "awaitify_test_marker2.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(pool_module, "resident_mb", lambda: pool_module.REFORK_LIMIT_MB + 1.0)
    running = Pool(2)
    try:
        assert running.map(_has_marker, [1, 2], None, "test") == [False, False]
        workers = running.executor
        running.with_module("awaitify_test_marker2")
        assert running.executor is workers and "awaitify_test_marker2" not in sys.modules
        assert running.map(_imports_second_marker, [1, 2], None, "test") == [True, True]
        assert running.executor is workers
    finally:
        sys.modules.pop("awaitify_test_marker2", None)
        running.close()


def test_every_codemod_takes_its_rule_from_the_table() -> None:
    """`all_rules()` (the table `check` reads) and the codemods `fix` runs are the same rules."""
    from awaitify.rules import codemod_modules, wants_hooks

    assert sorted(m.RULE.code for m in codemod_modules()) == [r.code for r in all_rules()]
    assert all(m.RULE in all_rules() for m in codemod_modules())
    # each codemod's pre-check is the one the engine asks without importing it (its rule's detector)
    assert {m.RULE.name: m.wants for m in codemod_modules() if hasattr(m, "wants")} == wants_hooks()


# --- the import fix-ups ask libcst only when it may change something ---------------------------------
def _sleep_fix(tmp_path: Path, text: str, monkeypatch) -> tuple[str, dict[str, int]]:
    from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor

    from awaitify.source import read_source
    from awaitify.transform import transform

    ran = {"add": 0, "remove": 0}
    for name, visitor in (("add", AddImportsVisitor), ("remove", RemoveImportsVisitor)):
        original = visitor.transform_module

        def counted(self, tree, _name=name, _original=original):
            ran[_name] += 1
            return _original(self, tree)
        monkeypatch.setattr(visitor, "transform_module", counted)
    path = tmp_path / "app.py"
    path.write_text(text)
    sleep = tuple(r for r in all_rules() if r.name == "sleep")
    return transform(read_source(path, "app.py"), sleep, Config(root=tmp_path), FilePlan()).new.decode(), ran


def test_imports_still_in_use_are_decided_without_libcst_visitors(tmp_path: Path, monkeypatch) -> None:
    still_used = "import asyncio\nimport time\n\n\nasync def h():\n    time.sleep(1)\n    return time.time()\n"
    new, ran = _sleep_fix(tmp_path, still_used, monkeypatch)
    assert new == still_used.replace("time.sleep(1)", "await asyncio.sleep(1)")
    assert ran == {"add": 0, "remove": 0}  # asyncio already imported; time still used


def test_an_import_the_rewrite_leaves_unused_goes(tmp_path: Path, monkeypatch) -> None:
    new, ran = _sleep_fix(tmp_path, "import time\n\n\nasync def h():\n    time.sleep(1)\n", monkeypatch)
    assert new == "import asyncio\n\n\nasync def h():\n    await asyncio.sleep(1)\n"
    assert ran == {"add": 0, "remove": 0}  # both done without libcst's visitors (compared with them below)
    new, ran = _sleep_fix(tmp_path, "import os, time\n\n\nasync def h():\n    time.sleep(os.cpu_count())\n", monkeypatch)
    assert new == "import asyncio\nimport os\n\n\nasync def h():\n    await asyncio.sleep(os.cpu_count())\n"
    assert ran == {"add": 0, "remove": 1}  # a statement with two names: libcst's visitor decides


def test_a_name_used_only_in_a_hidden_body_keeps_its_import(tmp_path: Path, monkeypatch) -> None:
    hidden_user = ("import asyncio\nimport time\n\n\ndef stamp():\n    now = time.time()\n    later = now + 1\n"
                   "    return later\n\n\nasync def h():\n    time.sleep(1)\n")
    new, ran = _sleep_fix(tmp_path, hidden_user, monkeypatch)
    assert new == hidden_user.replace("time.sleep(1)", "await asyncio.sleep(1)") and ran["remove"] == 0


# Where a plain `import x` lands (isort's place, not libcst's): tests/test_import_placement.py


REMOVALS = {
    "alone": ("import time\n\n\nasync def h():\n    pass\n", ("time", None, None)),
    "between": ("import os\nimport time\nimport sys\n\nprint(os, sys)\n", ("time", None, None)),
    "comment above": ("import os\n# clocks\nimport time\n\nprint(os)\n", ("time", None, None)),
    "trailing comment": ("import time  # clocks\nx = 1\n", ("time", None, None)),
    "last line": ("x = 1\nimport time\n", ("time", None, None)),
    "docstring": ('"""Doc."""\nimport time\n', ("time", None, None)),
    "aliased": ("import time as clock\nx = 1\n", ("time", None, "clock")),
    "from": ("from time import sleep\nx = 1\n", ("time", "sleep", None)),
    "from aliased": ("from time import sleep as nap\nx = 1\n", ("time", "sleep", "nap")),
    "crlf": ("import os\r\nimport time\r\n\r\nprint(os)\r\n", ("time", None, None)),
    "still used": ("import time\nx = time.time()\n", ("time", None, None)),
    "in a string": ("import time\nx = 'time'\n", ("time", None, None)),
    "in __all__": ("import time\n__all__ = ['time']\n", ("time", None, None)),
    "two names": ("import os, time\nprint(os)\n", ("time", None, None)),
    "from two": ("from time import sleep, time\nprint(time)\n", ("time", "sleep", None)),
    "nested too": ("import time\n\n\ndef f():\n    import time\n    return 1\n", ("time", None, None)),
    "dotted": ("import os.path\nx = 1\n", ("os.path", None, None)),
    "shadowed": ("import time\n\n\ndef f(time):\n    return time\n", ("time", None, None)),
    "in a docstring": ('"""Uses time."""\nimport time\n\n\ndef f():\n    """Without time."""\n    return 1\n',
                       ("time", None, None)),
    "in a comment": ("import time\n# time is money\nx = 1  # no time\n", ("time", None, None)),
    "in an annotation": ('import time\n\nx: "time.struct_time | None" = None\n', ("time", None, None)),
    "a string statement after code": ("import time\nx = 1; 'time'\n", ("time", None, None)),
}


@pytest.mark.parametrize("layout", sorted(REMOVALS))
def test_unused_imports_go_as_libcst_removes_them(layout: str) -> None:
    import libcst as cst
    from libcst.codemod import CodemodContext
    from libcst.codemod.visitors import RemoveImportsVisitor

    from awaitify.import_fixups import fix_imports

    text, request = REMOVALS[layout]
    tree = cst.parse_module(text)
    ours, theirs = CodemodContext(), CodemodContext()
    for context in (ours, theirs):
        RemoveImportsVisitor.remove_unused_import(context, *request)
    expected = RemoveImportsVisitor(theirs).transform_module(tree).code
    if layout == "shadowed":  # every use is the parameter: libcst removes it, the shortcut keeps it (see its doc)
        assert fix_imports(tree, ours).code == text and expected != text
    else:
        assert fix_imports(tree, ours).code == expected


def test_a_name_only_in_comments_and_docstrings_takes_the_shortcut(monkeypatch: pytest.MonkeyPatch) -> None:
    """The rewrite's helpers say `requests` in their docstrings: the removal of `import requests`
    must still go the short way, not through libcst's visitor (a copy of the tree and its scopes)."""
    import libcst as cst
    from libcst.codemod import CodemodContext
    from libcst.codemod.visitors import RemoveImportsVisitor

    from awaitify import import_fixups

    def refuse(*args: object) -> None:
        raise AssertionError("the visitor was asked")
    monkeypatch.setattr(import_fixups.RemoveImportsVisitor, "transform_module", refuse)
    text, request = REMOVALS["in a docstring"]
    context = CodemodContext()
    RemoveImportsVisitor.remove_unused_import(context, *request)
    assert "import time" not in import_fixups.fix_imports(cst.parse_module(text), context).code


def test_module_code_reusing_kept_statements_is_libcst_s_code() -> None:
    """`module_code` reuses the code of the top-level statements a tree kept from the last one it
    generated: on every corpus file, in every module style, with statements dropped, replaced and
    added, it gives what libcst's `code` gives."""
    import libcst as cst

    from awaitify.import_fixups import module_code
    from libcst_corpus import corpus_paths, parsed

    styles = ("x = 1\n", "if x:\n\ty = 2\n", "x = 1\r\n# end\r\n", "x = 1\n\n\n# tail", "", "# only a comment\n")
    trees = [cst.parse_module(text) for text in styles] + [tree for _, tree in parsed(corpus_paths())]
    for tree in trees:
        body = list(tree.body)
        variants = [tree, tree.with_changes(body=body[::2]),
                    tree.with_changes(body=[cst.parse_statement("import asyncio\n"), *body[1:]]),
                    tree.with_changes(body=[*body, *body[:1]]), tree.with_changes(has_trailing_newline=False)]
        for variant in variants:
            assert module_code(variant) == variant.code


def _tokenized_mentions(code: str, name: str) -> int:
    """The spellings of `name` outside comments and statement-level strings, as `tokenize` finds them:
    the reference `import_fixups._mentions` reads from the tree."""
    import io
    import re
    import tokenize

    tokens = list(tokenize.generate_tokens(io.StringIO(code).readline))
    starts = [0, *itertools.accumulate(len(line) for line in code.splitlines(keepends=True))]
    prose = []
    statement_start = True  # after NEWLINE, INDENT, DEDENT or at the top
    for i, token in enumerate(tokens):
        span = (starts[token.start[0] - 1] + token.start[1], starts[token.end[0] - 1] + token.end[1])
        following = next((t.type for t in tokens[i + 1:] if t.type not in (tokenize.NL, tokenize.COMMENT)), None)
        if token.type == tokenize.COMMENT or (token.type == tokenize.STRING and statement_start and following in (
                None, tokenize.NEWLINE, tokenize.ENDMARKER)):
            prose.append(span)
        if token.type not in (tokenize.NL, tokenize.COMMENT):
            statement_start = token.type in (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT)
    found = [m.start() for m in re.finditer(rf"(?<![\w.]){re.escape(name)}\b", code)]
    if len(found) <= 1:  # one spelling is the import's own: `_mentions` does not look further
        return len(found)
    return sum(1 for at in found if not any(start <= at < end for start, end in prose))


def test_mentions_read_from_the_tree_are_tokenize_s() -> None:
    """`_mentions` tells comments and docstrings from the tree: on every corpus file, with and without
    its final newline, it counts what `tokenize` counts, for names spelled there more than once."""
    import re

    from awaitify.import_fixups import _mentions
    from libcst_corpus import corpus_paths, parsed

    for path, tree in parsed(corpus_paths()):
        words = collections.Counter(re.findall(r"[A-Za-z_]\w*", tree.code))
        names = sorted(word for word, count in words.items() if count > 1)[::7]
        for variant in (tree, tree.with_changes(has_trailing_newline=False)):
            code = variant.code
            for name in names:
                assert _mentions(variant, name) == _tokenized_mentions(code, name), (path, name)


# --- the worker pool ---------------------------------------------------------------------------------
def _length(item: tuple[str, str]) -> tuple[str, int]:
    return item[0], len(item[1])


def test_the_pool_hands_big_files_first_and_answers_in_input_order() -> None:
    from awaitify.engine.pool import Pool

    items = [(f"f{i}", "x" * ((i * 37) % 11)) for i in range(30)]
    pool = Pool(2)
    try:
        collect = pool.start(_length, items, None, "test", size=lambda item: len(item[1]))
        assert collect() == [_length(item) for item in items]
        assert pool.map(_length, items, None, "test") == [_length(item) for item in items]
    finally:
        pool.close()


def test_summaries_cross_processes_unchanged() -> None:
    """Call sites, refs and value refs pickle as plain tuples and come back as the same records."""
    import pickle

    from awaitify.summary import CallSite, Ref, summarize

    text = (ROOT / "src" / "awaitify" / "runner.py").read_text(encoding="utf-8")
    summary = summarize("runner.py", text)
    back = pickle.loads(pickle.dumps(summary))
    assert back == summary and summary.calls and summary.values
    assert type(back.calls[0]) is CallSite and type(back.calls[0].ref) is Ref


def test_a_run_collects_garbage_less_often_and_restores_the_setting() -> None:
    import gc

    from awaitify.engine.gc_tuning import THRESHOLDS, fewer_collections

    before = gc.get_threshold()
    with fewer_collections():
        assert gc.get_threshold() == THRESHOLDS
    assert gc.get_threshold() == before


def test_asyncio_run_is_asked_only_where_it_has_something_to_do() -> None:
    """run_until_complete() in async code is rewritten on a loop from `get_event_loop()` and the
    like in that same function, and said to be left on any other (check reports it): sync code's
    is neither, and such a file is not parsed with libcst at all."""
    from awaitify.rules.asyncio_run.fix import wants
    from awaitify.summary import summarize

    own_loop = "import asyncio\n\n\nasync def h(self):\n    self.loop.run_until_complete(f())\n"
    getter = "import asyncio\n\n\nasync def h():\n    loop = asyncio.get_event_loop()\n    loop.run_until_complete(f())\n"
    in_sync = "import asyncio\n\n\ndef h(self):\n    asyncio.get_event_loop().run_until_complete(f())\n"
    assert wants(summarize("a.py", own_loop), own_loop)
    assert wants(summarize("b.py", getter), getter)
    assert not wants(summarize("c.py", in_sync), in_sync)
