"""Write docs/rules/<name>.md from each rule's folder docstring (src/awaitify/rules/<name>/__init__.py):

    python scripts/make_rule_docs.py

The docstring is the source; tests/test_rule_docs.py fails when a page drifts from it."""

from __future__ import annotations

from pathlib import Path

from awaitify.rules import doc_text, every_rule

PAGES = Path(__file__).resolve().parent.parent / "docs" / "rules"


def main() -> None:
    wanted = {rule.doc_page: doc_text(rule) for rule in every_rule()}
    for stale in set(p.name for p in PAGES.glob("*.md")) - set(wanted):
        (PAGES / stale).unlink()
    for name, text in wanted.items():
        page = PAGES / name
        if not page.exists() or page.read_text(encoding="utf-8") != text:
            page.write_text(text, encoding="utf-8")
            print(f"wrote {page}")


if __name__ == "__main__":
    main()
