"""Codemods whose work is confined to some statements leave the others unentered
(`AwaitifyCodemod.enters`): libcst neither calls their hooks inside nor rebuilds them. Walked or
not, the outcome must be the same: each codemod that says no to a statement is run both ways, with
every rule, on the golden inputs, the examples and the change-heavy tree's files, bodies hidden and
not (`transform(hide=False)` shows the codemods every def), and whole runs (plans included) are
compared on the examples."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import libcst as cst
import pytest

from awaitify import codemod_base, transform as transform_module
from awaitify.codemod_base import AwaitifyCodemod
from awaitify.config import Config
from awaitify.plan import FilePlan
from awaitify.report import patch_bytes
from awaitify.rules import all_rules, codemod_modules
from awaitify.rules.propagation.fix import ApplyPropagationPlan
from awaitify.rules.requests_httpx.fix import RequestsToHttpx
from awaitify.rules.sleep.fix import SleepToAsyncSleep
from awaitify.runner import RunOptions, run
from awaitify.source import SourceFile, decode_source, read_source

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = sorted((ROOT / "tests" / "golden").glob("*/*.in.py"))
EXAMPLES = sorted(p for p in (ROOT / "examples").iterdir() if p.is_dir())


def _choosy() -> list[type[AwaitifyCodemod]]:
    """The codemod classes that leave some defs unentered."""
    return [v for m in codemod_modules() for v in vars(m).values() if isinstance(v, type)
            and issubclass(v, AwaitifyCodemod) and v.enters is not AwaitifyCodemod.enters]


def _enter_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    for cls in _choosy():
        monkeypatch.setattr(cls, "enters", AwaitifyCodemod.enters)
    monkeypatch.setattr(RequestsToHttpx, "_quiet", lambda self, node: False)  # (it reads every def whole too)


def _source(text: str, name: str = "m.py") -> SourceFile:
    raw = text.encode()
    decoded, encoding = decode_source(raw, name)
    return SourceFile(Path(name), name, raw, decoded, encoding)


def _left_calls(monkeypatch: pytest.MonkeyPatch, cls: type[AwaitifyCodemod]) -> list[str]:
    """The called names `cls.leave_Call` is handed from now on."""
    seen: list[str] = []
    leave = cls.leave_Call

    def spy(self, original: cst.Call, updated: cst.Call):  # type: ignore[no-untyped-def]
        func = original.func
        seen.append(func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", ""))
        return leave(self, original, updated)

    monkeypatch.setattr(cls, "leave_Call", spy)
    monkeypatch.setattr(codemod_base, "_DISPATCH", {})  # its hook tables hold the methods they found first
    return seen


def test_sleep_does_not_enter_code_that_spells_no_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    text = ("import time\nfrom time import sleep as nap\n\n\ndef helper(x):\n    return format(x)\n\n\n"
            "class Box:\n    def size(self):\n        return len(self.items)\n\n\n"
            "async def handler():\n    time.sleep(1)\n    return helper(2)\n\n\n"
            "async def other():\n    nap(1)\n")
    seen = _left_calls(monkeypatch, SleepToAsyncSleep)
    sleep = next(r for r in all_rules() if r.name == "sleep")
    out = transform_module.transform(_source(text), (sleep,), Config(), FilePlan(), hide=False)
    assert out.new.decode().count("await asyncio.sleep(1)") == 2  # the alias too
    assert "format" not in seen and "len" not in seen  # helper and Box were not entered
    assert "helper" not in seen  # nor `return helper(2)`: a statement spelling no sleep
    assert "sleep" in seen and "nap" in seen


def test_propagation_enters_only_code_holding_what_the_plan_names(monkeypatch: pytest.MonkeyPatch) -> None:
    text = ("def slow():\n    return 1\n\n\ndef unrelated():\n    return print(2)\n\n\n"
            "class Outer:\n    def inner(self):\n        return 3\n\n\n"
            "async def handler():\n    log(1)\n    return slow()\n")
    plan = FilePlan(make_async={"slow": "it blocks", "Outer.inner": "it blocks"}, await_calls={(16, 15): "slow is async"})
    seen = _left_calls(monkeypatch, ApplyPropagationPlan)
    propagation = next(r for r in all_rules() if r.name == "propagation")
    out = transform_module.transform(_source(text), (propagation,), Config(), plan, hide=False)
    new = out.new.decode()
    assert "async def slow" in new and "    async def inner" in new and "return await slow()" in new
    assert seen == ["slow"]  # only handler's planned call: not `log(1)`, nor what unrelated, slow and inner hold


_REQUESTS_HEAD = ("import requests\n\n\nasync def c(u):\n    r = requests.get(u, timeout=5)\n    return r.status_code\n\n\n")
_GUARDED_A = "async def a(u):\n    try:\n        return await {callee}(u)\n    except {caught}:\n        return None\n"


def _requests_both_ways(text: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """AW201's rewrite of `text`, the same with every def entered."""
    rule = next(r for r in all_rules() if r.name == "requests-httpx")
    ours = transform_module.transform(_source(text), (rule,), Config(), FilePlan(), hide=False)
    with monkeypatch.context() as patched:
        _enter_everything(patched)
        whole = transform_module.transform(_source(text), (rule,), Config(), FilePlan(), hide=False)
    assert (ours.new, ours.changes, ours.diagnostics) == (whole.new, whole.changes, whole.diagnostics)
    return ours.new.decode()


def test_requests_does_not_enter_defs_that_count_for_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    text = (_REQUESTS_HEAD + "def helper(x):\n    return format(x)\n\n\nclass Box:\n    def size(self):\n"
            "        return len(self.items)\n\n\n" + _GUARDED_A.format(callee="c", caught="requests.RequestException"))
    seen = _left_calls(monkeypatch, RequestsToHttpx)
    rule = next(r for r in all_rules() if r.name == "requests-httpx")
    transform_module.transform(_source(text), (rule,), Config(), FilePlan(), hide=False)
    seen = list(seen)
    assert "    except httpx.HTTPError:" in _requests_both_ways(text, monkeypatch)
    assert "get" in seen and "format" not in seen and "len" not in seen  # helper and Box.size were not entered


def test_requests_reads_what_an_unentered_def_awaits(monkeypatch: pytest.MonkeyPatch) -> None:
    """`b` spells nothing of requests, but `a`'s handler guards `await b(u)`, and `b` awaits the
    converted `c`: the handler catches httpx's exceptions (beside requests', which `legacy` keeps)."""
    text = (_REQUESTS_HEAD + "def legacy(u):\n    return requests.get(u, timeout=5)\n\n\n"
            "async def b(u):\n    return await c(u)\n\n\n" + _GUARDED_A.format(callee="b", caught="requests.RequestException"))
    assert "    except (requests.RequestException, httpx.HTTPError):" in _requests_both_ways(text, monkeypatch)


def test_requests_enters_a_def_reading_json(monkeypatch: pytest.MonkeyPatch) -> None:
    """A `.json()` read anywhere in the module makes the handlers catch json.JSONDecodeError too."""
    text = (_REQUESTS_HEAD + "def parse(data):\n    return data.json()\n\n\n"
            + _GUARDED_A.format(callee="c", caught="requests.RequestException"))
    assert "    except (httpx.HTTPError, json.JSONDecodeError):" in _requests_both_ways(text, monkeypatch)


def test_requests_enters_a_def_calling_a_module_session(monkeypatch: pytest.MonkeyPatch) -> None:
    """`S.get(u)` is a requests call left as it is: handlers keep requests' exceptions beside httpx's."""
    text = ("import requests\n\nS = requests.Session()\n" + _REQUESTS_HEAD.removeprefix("import requests\n")
            + "def ping(u):\n    return S.get(u)\n\n\n" + _GUARDED_A.format(callee="c", caught="requests.RequestException"))
    assert "    except (requests.RequestException, httpx.HTTPError):" in _requests_both_ways(text, monkeypatch)


def test_requests_enters_a_def_with_a_handler(monkeypatch: pytest.MonkeyPatch) -> None:
    """`except OSError` spells nothing of requests, and guards an awaited helper that now raises httpx's errors."""
    text = _REQUESTS_HEAD + _GUARDED_A.format(callee="c", caught="OSError")
    assert "    except (OSError, httpx.HTTPError):" in _requests_both_ways(text, monkeypatch)


def _heavy(tmp: Path) -> list[Path]:
    spec = importlib.util.spec_from_file_location("heavy_tree", ROOT / "benchmarks" / "heavy_tree.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    module.generate_heavy(tmp, 1)
    return [tmp / "pkg0" / name for name in ("app.py", "svc0.py", "svc2.py", "util.py")]


def _outcomes(files: list[Path]) -> list:
    found = []
    for path in files:
        source = read_source(path, path.name)
        for hide in (True, False):
            out = transform_module.transform(source, all_rules(), Config(root=path.parent), FilePlan(), hide=hide)
            found.append((path, hide, out.new, out.changes, out.diagnostics))
    return found


def test_unentered_defs_change_no_outcome(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert {SleepToAsyncSleep, ApplyPropagationPlan, RequestsToHttpx} <= set(_choosy())
    quick = [p for p in GOLDEN if p.parent.name in ("sleep", "asyncio_run")]
    _same_both_ways([*quick, *_heavy(tmp_path)], monkeypatch)


@pytest.mark.slow
def test_unentered_defs_change_no_outcome_anywhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    examples = [p for folder in EXAMPLES for p in sorted(folder.rglob("*.py"))]
    _same_both_ways([*GOLDEN, *_heavy(tmp_path), *examples], monkeypatch)


def _same_both_ways(files: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    ours = _outcomes(files)
    assert any(new != path.read_bytes() for path, _, new, _, _ in ours)  # something was rewritten
    _enter_everything(monkeypatch)
    assert all(a == b for a, b in zip(ours, _outcomes(files), strict=True))


def test_unentered_defs_change_no_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whole runs: the plans name calls and defs for propagation."""
    def runs() -> list:
        out = []
        for folder in EXAMPLES:
            result = run([folder], Config(root=folder), all_rules(), RunOptions(use_cache=False, jobs=1))
            out.append((patch_bytes(result), [d.render() for d in result.diagnostics]))
        return out

    ours = runs()
    assert any(patch for patch, _ in ours)
    _enter_everything(monkeypatch)
    assert ours == runs()
