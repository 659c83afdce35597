"""Write the rules' documentation from the registry (awaitify.rules):

    python scripts/make_rule_docs.py

- docs/rules/<name>.md: each rule's folder docstring (src/awaitify/rules/<name>/__init__.py);
- the rule table of README.md and the rule list of docs/index.md: the block between
  `<!-- rules:start -->` and `<!-- rules:end -->`, one line per rule, from its declaration and the
  title of its docstring (`# AW101 `sleep`: <title>`).

The registry is the source; tests/test_rule_docs.py fails when a file drifts from it."""

from __future__ import annotations

import re
from pathlib import Path

from awaitify.rule import Rule
from awaitify.rules import doc_text, every_rule

ROOT = Path(__file__).resolve().parent.parent
PAGES = ROOT / "docs" / "rules"
START, END = "<!-- rules:start -->", "<!-- rules:end -->"
TITLE = re.compile(r"# (?P<code>[A-Z]+\d+) `(?P<name>[a-z0-9-]+)`: (?P<title>.+)")


def title(rule: Rule) -> str:
    """The first line of the rule's page, after its code and name."""
    found = TITLE.fullmatch(doc_text(rule).partition("\n")[0])
    if found is None or (found["code"], found["name"]) != (rule.code, rule.name):
        raise ValueError(f"{rule.code}: its docstring must start with `# {rule.code} `{rule.name}`: <title>`")
    return found["title"]


def _fix_cell(rule: Rule) -> str:
    if rule.fixable:
        return "rewrites"
    return f"with {rule.fixed_by}" if rule.fixed_by else "reports"


def readme_table() -> str:
    rows = [f"| {r.code} | [`{r.name}`](docs/rules/{r.doc_page}) | {_fix_cell(r)} | {title(r)} |" for r in every_rule()]
    return "\n".join(["| code | name | `fix` | what |", "|---|---|---|---|", *rows])


def index_list() -> str:
    """docs/index.md's list, nested under its "Rules" item."""
    fixed = [r for r in every_rule() if r.fixable]
    reported = [r for r in every_rule() if not r.fixable]
    lines = ["  - Fixed by `awaitify fix` (and reported by `check`):"]
    lines += [f"    - [{r.code} {r.name}](rules/{r.doc_page}): {title(r)}" for r in fixed]
    lines += ["  - Reported by `awaitify check` (rewrite by hand):"]
    lines += [f"    - [{r.code} {r.name}](rules/{r.doc_page}): {title(r)}" + (f" (fixed with {r.fixed_by})" if r.fixed_by else "")
              for r in reported]
    return "\n".join(lines)


def with_block(text: str, block: str, path: Path) -> str:
    """`text` with the lines between its marker lines replaced by `block` (the markers' indentation kept)."""
    found = re.search(rf"^([ \t]*){re.escape(START)}\n.*?^[ \t]*{re.escape(END)}$", text, re.M | re.S)
    if found is None:
        raise ValueError(f"{path}: no `{START}` ... `{END}` block")
    indent = found[1]
    return text[:found.start()] + f"{indent}{START}\n{block}\n{indent}{END}" + text[found.end():]


def wanted() -> dict[Path, str]:
    """Every generated file and the text it must hold."""
    files = {PAGES / rule.doc_page: doc_text(rule) for rule in every_rule()}
    for path, block in ((ROOT / "README.md", readme_table()), (ROOT / "docs" / "index.md", index_list())):
        files[path] = with_block(path.read_text(encoding="utf-8"), block, path)
    return files


def main() -> None:
    files = wanted()
    for stale in set(PAGES.glob("*.md")) - set(files):
        stale.unlink()
        print(f"removed {stale}")
    for path, text in files.items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}")


if __name__ == "__main__":
    main()
