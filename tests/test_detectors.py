"""Each rule's detector (`awaitify.rules.<name>.detect`) is what both `check` and `fix`'s pre-check
read: found by the registry, consistent with the check catalog, and enough for the text pre-check."""

from __future__ import annotations

import ast
from pathlib import Path

from awaitify.detector import Detector
from awaitify.rules import all_rules, check_by_code, detect_modules, detectors, unit_module, unit_names, wants_hooks
from awaitify.summary import summarize

RULES = Path(__file__).resolve().parents[1] / "src" / "awaitify" / "rules"


def test_each_detector_is_its_folder_s_rule() -> None:
    """A detector reports under the code of the rule whose folder holds it."""
    for module in detect_modules():
        unit = module.__name__.rsplit(".", 2)[1]
        assert isinstance(module.DETECTOR, Detector), unit
        assert check_by_code()[module.DETECTOR.code].name.replace("-", "_") == unit, unit


def test_every_rule_with_sites_has_a_detector() -> None:
    """What `check` matches comes from the detectors only: each rule with call sites to find has one
    (configured calls, propagation, syntax errors and unused suppressions come from elsewhere)."""
    units = {m.__name__.rsplit(".", 2)[1] for m in detect_modules()}
    assert set(unit_names()) - units == {"custom_blocking_call", "propagation", "syntax_error", "unused_suppression"}


def test_no_name_or_kind_is_claimed_twice() -> None:
    """A call, builtin, method receiver or kind of local belongs to one rule: merged, the tables
    `check` matches against would otherwise depend on the folders' order."""
    for table in ("calls", "builtins", "receivers", "methods"):
        names = [name for d in detectors() for name in getattr(d, table)]
        assert len(names) == len(set(names)), table
    makers: dict[str, str] = {}
    for d in detectors():
        for name, kind in d.makers.items():
            assert makers.setdefault(name, kind) == kind, name


def _words(name: str) -> tuple[str, ...]:
    """What a file calling `name` spells for sure: its module (imported) or its last name."""
    return (name.partition(".")[0], name.rpartition(".")[2])


def test_a_detector_s_words_are_spelled_by_every_file_holding_a_site() -> None:
    """The text pre-check (`check` scans no file spelling none of the detectors' words) misses no
    site: a call's module or last name, a builtin's name, and for a method the call that made its
    object, each spells one of the detector's `tokens`."""
    missed = []
    for d in detectors():
        spelled = [*d.calls, *d.builtins, *d.receivers, *(m for m, kind in d.makers.items() if kind in d.methods)]
        missed += [(d.code, name) for name in spelled if not any(t in word for t in d.tokens for word in _words(name))]
    assert missed == []
    for d in detectors():
        for kind in d.methods:  # a method site needs a maker of its kind, from some detector
            assert any(k == kind for other in detectors() for k in other.makers.values()), (d.code, kind)


def test_each_fix_pre_check_is_its_detector_s() -> None:
    """`fix`'s pre-check for a rule is the `wants` of the rule's detector module, found by folder."""
    hooks = wants_hooks()
    for rule in all_rules():
        module = next((m for m in detect_modules() if m.__name__ == f"{unit_module(rule)}.detect"), None)
        assert hooks.get(rule.name) is getattr(module, "wants", None), rule.name


def test_rules_never_read_lazy_bodies_themselves() -> None:
    """Detectors and planners ask the summary (`sites_calling`), which reads the bodies it needs:
    no module under rules/ calls `expand*`."""
    for path in RULES.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute):
                assert not node.attr.startswith("expand"), f"{path}:{node.lineno}"


LAZY = "import time\nfrom redis import Redis as R\n\n\ndef make():\n    time.sleep(1)\n    return R()\n\n\nasync def h():\n    return 1\n"


def test_a_site_in_a_body_left_unread_is_found_as_if_read() -> None:
    """`sites_calling` reads the bodies that may hold what is asked (an alias included), and only
    when the question can find something there: a body left unread holds no async code."""
    summary = summarize("m.py", LAZY)
    assert summary.unread
    assert summary.sites_calling(("time.sleep",), in_async=True) == []
    assert summary.unread  # async code only: nothing read
    (site,) = summary.sites_calling(("redis.Redis",))
    assert (site.line, site.owner) == (7, "make")
    whole = summarize("m.py", LAZY, lazy=False)
    assert summary.sites_calling(("time.sleep",)) == whole.sites_calling(("time.sleep",))
