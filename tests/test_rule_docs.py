"""Each rule's documentation lives once, as the docstring of its folder (awaitify.rules.<name>):
docs/rules/ is generated from it (scripts/make_rule_docs.py) and `awaitify explain` prints it."""

from __future__ import annotations

from pathlib import Path

from awaitify.rules import doc_text, every_rule, unit_module, unit_names

ROOT = Path(__file__).resolve().parents[1]
PAGES = ROOT / "docs" / "rules"


def test_every_rule_has_a_folder_with_its_docs():
    for rule in every_rule():
        assert unit_module(rule).rpartition(".")[2] in unit_names(), rule.name
        assert "(no documentation page found)" not in doc_text(rule), rule.name


def test_pages_are_generated_from_the_docstrings():
    """Run `python scripts/make_rule_docs.py` after editing a rule's docstring."""
    pages = {p.name: p.read_text(encoding="utf-8") for p in PAGES.glob("*.md")}
    wanted = {rule.doc_page: doc_text(rule) for rule in every_rule()}
    assert sorted(pages) == sorted(wanted)
    drifted = [name for name, text in wanted.items() if pages[name] != text]
    assert not drifted, f"docs/rules/ drifted from the rules' docstrings: {drifted}"


def test_no_folder_without_a_rule():
    known = {unit_module(rule).rpartition(".")[2] for rule in every_rule()}
    assert set(unit_names()) <= known
