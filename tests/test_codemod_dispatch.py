"""The codemods' own shortcuts in `awaitify.codemod_base`, each against what libcst does without it:
hooks called from a per-class table instead of libcst's matcher-aware lookup by name, and qualified
names asked of a node's scope instead of QualifiedNameProvider's walk (docs/performance.md items 5
and 27). Every codemod runs (all rules together) on files of the synthetic change-heavy tree and
the sleep and asyncio-run golden inputs; the outcome (bytes, changes, diagnostics) must be the same
both ways. Every golden input and example runs both ways in a slow test."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, QualifiedNameProvider, ScopeProvider

from awaitify import codemod_base
from awaitify.config import Config
from awaitify.plan import FilePlan
from awaitify.rules import all_rules
from awaitify.runner import fix_file
from awaitify.source import read_source

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = sorted((ROOT / "tests" / "golden").glob("*/*.in.py"))
EXAMPLES = sorted(p for p in (ROOT / "examples").rglob("*.py") if "__pycache__" not in p.parts)


def _heavy_files(tmp: Path) -> list[Path]:
    spec = importlib.util.spec_from_file_location("heavy_tree", ROOT / "benchmarks" / "heavy_tree.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    module.generate_heavy(tmp, 1)
    return [tmp / "pkg0" / name for name in ("app.py", "svc0.py")]


class _LibcstDispatch(dict):
    """Every codemod class looked up here has matcher decorators, as far as `_table` can tell: libcst's
    own dispatch runs."""

    def get(self, key, default=None):  # type: ignore[no-untyped-def]
        return None


def _outcome(path: Path):
    result = fix_file(read_source(path, path.name), all_rules(), Config(root=path.parent), FilePlan())
    return result.new, result.error, [c for c in getattr(result, "changes", [])], [d.render() for d in result.diagnostics]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    quick = [p for p in GOLDEN if p.parent.name in ("sleep", "asyncio_run")]
    return [*quick, *_heavy_files(tmp_path_factory.mktemp("heavy"))]


def test_hooks_from_the_table_do_what_libcst_dispatch_does(files: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    _same_both_ways(files, monkeypatch)


@pytest.mark.slow
def test_hooks_from_the_table_on_every_golden_input_and_example(monkeypatch: pytest.MonkeyPatch) -> None:
    _same_both_ways([*GOLDEN, *EXAMPLES], monkeypatch)


def _same_both_ways(files: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    ours = [_outcome(path) for path in files]
    assert any(new != path.read_bytes() for (new, *_), path in zip(ours, files))  # something was rewritten
    monkeypatch.setattr(codemod_base, "_DISPATCH", _LibcstDispatch())
    theirs = [_outcome(path) for path in files]
    for path, a, b in zip(files, ours, theirs):
        assert a == b, path


def test_the_table_keeps_attribute_hooks() -> None:
    class WithAttributeHook(codemod_base.AwaitifyCodemod):
        def leave_Try_body(self, node: cst.Try) -> None:
            pass

    table = codemod_base._Dispatch(WithAttributeHook)
    assert table.attributes
    assert not codemod_base._Dispatch(codemod_base.AwaitifyCodemod).attributes
    assert table.visit(cst.Name) is None  # libcst's no-op stub is left out
    assert table.visit(cst.FunctionDef) is codemod_base.AwaitifyCodemod.visit_FunctionDef


def test_a_codemod_overriding_the_attribute_callbacks_keeps_them() -> None:
    """A codemod's own `on_visit_attribute`/`on_leave_attribute` is called: only a codemod with no
    attribute hook of its own gets the no-op that saves libcst's call per child attribute."""
    class OwnCallback(codemod_base.AwaitifyCodemod):
        RULE = all_rules()[0]

        def on_leave_attribute(self, original: cst.CSTNode, attribute: str) -> None:
            self.left.append((type(original).__name__, attribute))

    assert codemod_base._Dispatch(OwnCallback).attributes
    session = codemod_base.FileSession(display="x.py", config=Config(), plan=FilePlan())
    codemod = OwnCallback(codemod_base.new_context(session))
    codemod.left = []  # type: ignore[attr-defined]
    wrapper = MetadataWrapper(cst.parse_module("x = 1\n"), unsafe_skip_copy=True)
    with codemod.resolve(wrapper):
        wrapper.module.visit(codemod)
    assert ("Assign", "value") in codemod.left  # type: ignore[attr-defined]


def test_qualified_names_from_scopes_are_the_providers(files: list[Path]) -> None:
    """Every node of every file: what `AwaitifyCodemod.qualified_names` computes equals what the
    provider's walk stores (a libcst upgrade that changes either fails here)."""
    compared = 0
    for path in files:
        wrapper = MetadataWrapper(cst.parse_module(path.read_bytes()), unsafe_skip_copy=True)
        provided = wrapper.resolve(QualifiedNameProvider)
        scopes = wrapper.resolve(ScopeProvider)
        for node, value in provided.items():
            names = value() if callable(value) else value
            scope = scopes.get(node)
            assert (scope.get_qualified_names_for(node) if scope else set()) == names, (path, node)
            compared += bool(names)
    assert compared > 500
