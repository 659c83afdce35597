"""Sync function bodies left out of the first parse (`awaitify.engine.lazy_bodies`) change nothing: read
later, in any order, they give the summary a walk of the whole file gives; runs plan and patch the
same with them and without."""

from __future__ import annotations

import pickle
import shutil
import sys
from pathlib import Path

import pytest

from awaitify.engine import lazy_bodies
from awaitify.runner import RunOptions
from awaitify.summary import ModuleSummary, summarize

from test_speed_equivalence import TREES, _outcome, _python_files, synthetic  # noqa: F401 (a fixture)


def _records(summary: ModuleSummary) -> tuple:
    """Everything a summary says, in the order it says it."""
    return (list(summary.functions.items()), list(summary.classes.items()), summary.calls, summary.values,
            list(summary.imports.items()), summary.movable_withs, summary.is_package_init)


def _read_later(path: str, text: str, order: str = "forward") -> ModuleSummary:
    """The lazy summary as a worker sends it, its bodies then read in the given order."""
    summary = pickle.loads(pickle.dumps(summarize(path, text)))
    assert summary.source is None  # the text does not travel with it
    summary.source = text
    indexes = list(range(len(summary.pending)))
    if order == "scattered":  # every other body from the end first: records go in between
        indexes = indexes[1::2][::-1] + indexes[::2]
    for index in indexes:
        summary.expand(lambda p, wanted=summary.pending[index]: p is wanted)
    assert all(added is not None for added in summary.added)
    return summary


@pytest.mark.slow  # still run by .ci/run (`pytest -m slow`): kept out of the quick suite for time
@pytest.mark.parametrize("order", ["forward", "scattered"])
def test_bodies_read_later_give_the_whole_file_summary(order: str) -> None:
    left_out = checked = 0
    for path in _python_files():
        text = path.read_text(encoding="utf-8")
        lazy = summarize(str(path), text)
        left_out += len(lazy.pending)
        assert _records(_read_later(str(path), text, order)) == _records(summarize(str(path), text, lazy=False)), path
        checked += 1
    assert checked > 100 and left_out > 500


LAYOUTS = {
    # (source, are bodies left out?)
    "plain": ("import os\n\n\ndef f(x):\n    a = os.getcwd()\n    b(a)\n    return c(x)\n\n\ndef g():\n    f(1)\n    f(2)\n    f(3)\n", True),
    # the `def` in the string is refused and the text hollowed again: only g's body is left out
    "a def inside a string": ('X = """\ndef f():\n    a()\n    b()\n    c()\n"""\n\n\ndef g():\n    a()\n    b()\n    c()\n', True),
    "a string at column 0 in a body": ('def f():\n    s = """\nx = g()\n"""\n    h(s)\n    k()\n    return s\n', False),
    "quotes that pair up wrongly": ('def f():\n    s = """a"b\nx = g()\n"""\n    h(s)\n    k()\n    m()\n', False),
    "a bracket closed at column 0": ("def f():\n    x = g(\n1)\n    h(x)\n    k()\n    m()\n", False),
    "a comment at column 0": ("def f():\n    a()\n# set aside\n    b()\n    c()\n\n\ndef g():\n    pass\n", True),
    "a continued line": ("def f():\n    x = a() + \\\n        b()\n    c(x)\n    d()\n", True),
    "sync in async": ("async def outer():\n    def inner():\n        a()\n        b()\n        c()\n    inner()\n", False),
    "an import inside": ("def f():\n    import os\n    os.getcwd()\n    a()\n    b()\n\n\ndef g():\n    os.getcwd()\n", False),
    # `os` is bound by g's import only after f: a walk in order leaves f's call unresolved
    "an import in a later function": ("def f():\n    os.getcwd()\n    a()\n    b()\n    c()\n\n\ndef g():\n    import os\n    os.getcwd()\n", True),
    "a yield": ("def f():\n    a()\n    b()\n    yield c()\n", False),
    "not ASCII": ('def f():\n    s = "é"; g(s)\n    a("ü", h())\n    b()\n    c()\n', True),
    "a class in a body": ("class Base:\n    def run(self):\n        pass\n\n\ndef f():\n    class Sub(Base):\n        def run(self):\n            a()\n            b()\n            c()\n    return Sub\n", True),
    "methods and decorators": ("class C:\n    @property\n    def x(self):\n        a = self.y()\n        b(a)\n        return c()\n\n    @staticmethod\n    def s(v: C):\n        v.x()\n        d()\n        return e()\n", True),
    "a header on two lines": ("def f(a,\n      b):\n    x()\n    y()\n    z()\n", True),
    "a header on many lines": ('def f(\n    a: "dict[str, int]" = {1: 2},  # note:\n    b=(1,\n2),\n) -> None:\n    x()\n    y()\n    z()\n', True),
    "a header that never ends": ("X = 1\n\n\ndef f(a,\n" + "      b,\n" * 40 + "      c):\n    x()\n    y()\n    z()\n", False),
    "tabs": ("def f():\n\ta()\n\tb()\n\tc()\n", False),
    "CRLF": ("def f():\r\n    a()\r\n    b()\r\n    c()\r\n", False),
    "a def that is a one-liner": ("def f(): return a()\n\n\ndef g():\n    a()\n    b()\n    c()\n", True),
    "no newline at the end": ("def f():\n    a()\n    b()\n    c()\n    d()", True),
    "an f-string": ('def f(d):\n    x = f"{d}"\n    a(x)\n    b()\n    c()\n', sys.version_info < (3, 12)),
}


@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_layout_reads_back_the_same(layout: str) -> None:
    text, left_out = LAYOUTS[layout]
    lazy = summarize("mod.py", text)
    assert bool(lazy.pending) == left_out
    assert _records(_read_later("mod.py", text)) == _records(summarize("mod.py", text, lazy=False))
    assert _records(_read_later("mod.py", text, "scattered")) == _records(summarize("mod.py", text, lazy=False))


def test_a_refused_candidate_leaves_the_others_out() -> None:
    """A `def` inside a string, or a sync function in an async one, is refused; the text is
    hollowed again without it, and the other bodies still stay out."""
    text, _ = LAYOUTS["a def inside a string"]
    assert [p.qualname for p in summarize("mod.py", text).pending] == ["g"]
    text = "async def outer():\n    def inner():\n        a()\n        b()\n        c()\n    inner()\n\n\n" + LAYOUTS["plain"][0]
    assert [p.qualname for p in summarize("mod.py", text).pending] == ["f", "g"]
    assert _records(_read_later("mod.py", text)) == _records(summarize("mod.py", text, lazy=False))


@pytest.mark.skipif(sys.version_info < (3, 12), reason="quotes nest in f-strings from Python 3.12")
def test_an_f_string_nesting_quotes_keeps_its_body() -> None:
    text = 'def f(d):\n    x = f"{d["k"]}"\n    a(x)\n    b()\n    c()\n'
    assert not summarize("mod.py", text).pending
    assert _records(summarize("mod.py", text)) == _records(summarize("mod.py", text, lazy=False))


def test_a_body_that_does_not_parse_is_read_as_unknown() -> None:
    """Left out, a broken body does not stop the rest of the file from being summarized; read,
    it adds nothing (its calls stay unknown, as in a file `ast` cannot read)."""
    text = "def f():\n    a()\n    b(\n    ]\n    c()\n\n\nasync def g():\n    f()\n"
    assert not lazy_bodies.regions(text)  # the scan sees the bracket left open
    text = "def f():\n    a()\n    b() c()\n    d()\n\n\nasync def g():\n    f()\n"
    with pytest.raises(SyntaxError):
        summarize("mod.py", text, lazy=False)
    lazy = summarize("mod.py", text)
    assert [site.ref.attr or site.ref.target for site in lazy.calls] == ["f"] and lazy.pending
    lazy.expand()
    assert [site.ref.attr or site.ref.target for site in lazy.calls] == ["f"]


def _without_lazy_bodies(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lazy_bodies, "regions", lambda text: [])


@pytest.mark.parametrize("tree", TREES)
@pytest.mark.parametrize("jobs", [1, 2])
def test_runs_plan_and_patch_the_same_without_them(tree: Path | None, jobs: int, synthetic: Path, tmp_path: Path,  # noqa: F811
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    copy = tmp_path / "tree"
    shutil.copytree(tree or synthetic, copy)
    found: list[int] = []
    real = lazy_bodies.regions
    monkeypatch.setattr(lazy_bodies, "regions", lambda text: found.append(len(real(text))) or real(text))
    lazy = _outcome(copy, RunOptions(use_cache=False, jobs=jobs))
    if jobs == 1:
        assert sum(found) > 0  # bodies were left out (in workers, the count stays there)
    _without_lazy_bodies(monkeypatch)
    assert _outcome(copy, RunOptions(use_cache=False, jobs=jobs)) == lazy


def test_an_override_in_a_class_defined_in_a_body_is_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`self.fetch()` may run an override in a subclass defined inside a function: the override
    search reads the bodies that spell the method's name."""
    (tmp_path / "base.py").write_text(
        "class Base:\n    def fetch(self):\n        return 1\n\n    async def handle(self):\n        return self.fetch()\n")
    (tmp_path / "impl.py").write_text(
        "import time\nfrom base import Base\n\n\ndef make():\n    class Impl(Base):\n        def fetch(self):\n"
        "            time.sleep(0.01)\n            return 2\n    other()\n    return Impl()\n\n\ndef other():\n    pass\n\n\n"
        "async def ping():\n    return 1\n")  # an async file: summarized (its bodies left out) before the search
    assert summarize("impl.py", (tmp_path / "impl.py").read_text()).pending
    lazy = _outcome(tmp_path, RunOptions(use_cache=False, jobs=1))
    assert any("make.<locals>.Impl.fetch" in line for line in lazy[2]), lazy[2]
    assert _outcome(tmp_path, RunOptions(use_cache=False, jobs=1, full_index=True)) == lazy
    _without_lazy_bodies(monkeypatch)
    assert _outcome(tmp_path, RunOptions(use_cache=False, jobs=1)) == lazy


WANTED_IN_SYNC_CODE = {
    "requests-httpx": "import requests\n\n\ndef make():\n    s = requests.Session()\n    s.headers['a'] = 'b'\n    return s\n\n\nasync def h():\n    return 1\n",
    "sync-db-client": ("from redis import Redis as R\n\n\nclass A:\n    def make(self):\n        self.client = R()\n"
                       "        self.client.ping()\n\n    async def h(self):\n        return self.client\n"),
}


@pytest.mark.slow  # over the corpus, asyncio's and unittest's sources included
def test_the_codemods_pre_checks_answer_the_same() -> None:
    """Each `wants` hook gives the same answer on a lazy summary as on a whole one: on every
    corpus file, and where what it looks for stands in a body left out (an alias included)."""
    from awaitify.rules import wants_hooks

    WANTS = wants_hooks()
    cases = [(str(p), p.read_text(encoding="utf-8")) for p in _python_files()]
    cases += [(f"{name}.py", text) for name, text in WANTED_IN_SYNC_CODE.items()]
    for path, text in cases:
        for name, wants in WANTS.items():
            assert wants(summarize(path, text), text) == wants(summarize(path, text, lazy=False), text), (path, name)
    for name, text in WANTED_IN_SYNC_CODE.items():
        assert summarize("m.py", text).pending and WANTS[name](summarize("m.py", text), text), name


def test_a_body_is_never_read_without_the_text() -> None:
    """A summary from a worker or the cache has no text until the store gives it back: asking
    it for a left-out body then is a bug, and says so, instead of finding nothing."""
    text = LAYOUTS["plain"][0]
    summary = pickle.loads(pickle.dumps(summarize("mod.py", text)))
    for ask in (lambda: summary.expand(), lambda: summary.expand_naming({"f"}), lambda: summary.expand_owner("g"),
                lambda: summary.expand_defining_method("run")):
        with pytest.raises(RuntimeError, match="without the file's text"):
            ask()
