"""awaitify.edit_watch: a walk whose every `leave` kept libcst's rebuilt node gives back the same code
(what lets the engine skip a codegen), and any other result is seen, whichever override made it."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest

from awaitify.edit_watch import watch_edits

ROOT = Path(__file__).resolve().parents[1]


class _Walk(cst.CSTTransformer):
    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.Name:
        return updated


class _Rename(_Walk):
    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.Name:
        return updated.with_changes(value="renamed") if original.value == "target" else updated


class _OverrideEdits(_Walk):
    """An edit made in an `on_leave` override, after the class's own dispatch."""

    def on_leave(self, original, updated):  # type: ignore[no-untyped-def]
        result = super().on_leave(original, updated)
        return cst.Name("other") if isinstance(result, cst.Name) and result.value == "target" else result


class _Removes(_Walk):
    def leave_Pass(self, original: cst.Pass, updated: cst.Pass):  # type: ignore[no-untyped-def]
        return cst.RemoveFromParent()


class _KeepsOriginal(_Walk):
    """`original` is not the node libcst rebuilt: counted as an edit, though the text is the same."""

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.Name:
        return original


SOURCE = "def f(target):\n    pass\n    return target\n"


@pytest.mark.parametrize("kind, edits", [(_Walk, False), (_Rename, True), (_OverrideEdits, True), (_Removes, True),
                                         (_KeepsOriginal, True)])
def test_edits_are_seen(kind: type, edits: bool) -> None:
    module = cst.parse_module(SOURCE)
    transformer = kind()
    edited = watch_edits(transformer)
    new = module.visit(transformer)
    assert edited() is edits
    assert new is not module
    if not edits:
        assert new.code == module.code


def test_the_watch_is_per_walk_and_steps_aside() -> None:
    transformer = _Rename()
    edited = watch_edits(transformer)
    cst.parse_module("x = 1\n").visit(transformer)
    assert not edited()
    cst.parse_module("target = 1\n").visit(transformer)
    assert edited()
    assert type(transformer).on_leave.__get__(transformer) == transformer.on_leave  # the class's own again


# the package's own sources are a real tree (28k lines, 94% of the walk): run by `pytest -m slow`
@pytest.mark.parametrize("folder, at_least", [("tests/golden", 35), ("examples", 25),
                                              pytest.param("src/awaitify", 150, marks=pytest.mark.slow)])
def test_a_walk_that_keeps_every_node_writes_the_same_code(folder: str, at_least: int) -> None:
    """libcst's rebuild of every node gives back its code exactly, on every golden and example and
    the package's own sources."""
    seen = 0
    for path in sorted((ROOT / folder).rglob("*.py")):
        try:
            module = cst.parse_module(path.read_bytes())
        except Exception:
            continue
        transformer = _Walk()
        edited = watch_edits(transformer)
        new = module.visit(transformer)
        assert not edited() and new.code == module.code, path
        seen += 1
    assert seen >= at_least
