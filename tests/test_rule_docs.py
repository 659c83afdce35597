"""Each rule's documentation lives once, as the docstring of its folder (awaitify.rules.<name>):
docs/rules/ is generated from it, and the rule lists of README.md and docs/index.md from the
registry (scripts/make_rule_docs.py); `awaitify explain` prints it."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from awaitify.rules import doc_text, every_rule, unit_module, unit_names

ROOT = Path(__file__).resolve().parents[1]
PAGES = ROOT / "docs" / "rules"


def _generator():
    spec = importlib.util.spec_from_file_location("make_rule_docs", ROOT / "scripts" / "make_rule_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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


@pytest.mark.parametrize("name", ["README.md", "docs/index.md"])
def test_rule_lists_are_generated_from_the_registry(name: str):
    """Run `python scripts/make_rule_docs.py` after adding a rule or editing a declaration or title."""
    path = ROOT / name
    wanted = _generator().wanted()[path]
    assert path.read_text(encoding="utf-8") == wanted, f"{name}'s rule list drifted from the registry"
    for rule in every_rule():
        assert f"rules/{rule.doc_page})" in wanted, rule.code


def test_a_page_title_names_its_rule():
    """`# AW101 `sleep`: <title>`: the lists show the title; a wrong code or name is refused."""
    generator = _generator()
    for rule in every_rule():
        assert generator.title(rule)
    sleep = next(r for r in every_rule() if r.name == "sleep")
    with pytest.raises(ValueError, match="must start with"):
        generator.title(type(sleep)(code="AW999", name="sleep", summary=""))


def test_a_drifted_list_is_seen(tmp_path: Path):
    generator = _generator()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    edited = readme.replace("| AW101 |", "| AW1O1 |")
    assert edited != readme
    assert generator.with_block(edited, generator.readme_table(), ROOT / "README.md") == readme
    with pytest.raises(ValueError, match="no `<!-- rules:start -->`"):
        generator.with_block("no markers here\n", "x", tmp_path / "x.md")


def test_no_folder_without_a_rule():
    known = {unit_module(rule).rpartition(".")[2] for rule in every_rule()}
    assert set(unit_names()) <= known
