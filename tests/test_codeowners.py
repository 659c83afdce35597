"""CODEOWNERS as GitHub reads it: where the file is, last match wins, GitHub's pattern rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from awaitify.codeowners import CodeOwners, load, parse

# the examples of GitHub's documentation ("About code owners"), in its order
GITHUB_EXAMPLE = """
# This is a comment.
*       @global-owner1 @global-owner2
*.js    @js-owner #This is an inline comment.
*.go docs@example.com
*.txt @octo-org/octocats
/build/logs/ @doctocat
docs/*  docs@example.com
apps/ @octocat
/docs/ @doctocat
/scripts/ @doctocat @octocat
**/logs @octocat
/apps/ @octocat
/apps/github
/apps/ @octocat
/apps/github @doctocat
"""


@pytest.mark.parametrize(("path", "owners"), [
    ("README.md", ("@global-owner1", "@global-owner2")),
    ("src/app.js", ("@js-owner",)),
    ("x/main.go", ("docs@example.com",)),
    ("notes.txt", ("@octo-org/octocats",)),
    ("build/logs/today.log", ("@octocat",)),  # `**/logs` comes later and wins
    ("docs/getting-started.md", ("@doctocat",)),  # `/docs/` comes after `docs/*`
    ("docs/build-app/troubleshooting.md", ("@doctocat",)),
    ("src/apps/x.py", ("@octocat",)),  # `apps/` anywhere
    ("apps/github/x.py", ("@doctocat",)),
    ("apps/other/x.py", ("@octocat",)),
    ("scripts/deploy.sh", ("@doctocat", "@octocat")),
    ("deep/down/logs/a.log", ("@octocat",)),
])
def test_githubs_examples(path: str, owners: tuple[str, ...]) -> None:
    assert CodeOwners("CODEOWNERS", tuple(parse(GITHUB_EXAMPLE))).owners(path) == owners


def test_a_star_in_the_last_part_matches_one_level_only() -> None:
    rules = CodeOwners("CODEOWNERS", tuple(parse("* @all\ndocs/* @docs\n")))
    assert rules.owners("docs/a.md") == ("@docs",)
    assert rules.owners("docs/sub/b.md") == ("@all",)
    assert rules.owners("pkg/docs/a.md") == ("@all",)  # a middle slash anchors the pattern at the root


def test_a_match_without_owners_leaves_the_path_unowned_and_bad_lines_are_skipped() -> None:
    rules = CodeOwners("CODEOWNERS", tuple(parse("* @all\n/vendor/\n!keep.py @x\n[ab].py @y\n\\#odd.py @hash\n")))
    assert rules.owners("vendor/lib.py") == ()
    assert rules.owners("keep.py") == ("@all",) and rules.owners("a.py") == ("@all",)
    assert rules.owners("#odd.py") == ("@all",)  # GitHub has no `\\#` escape


def test_github_takes_the_first_file_of_its_three_places(tmp_path: Path) -> None:
    assert load(tmp_path).source is None and load(tmp_path).owners("a.py") == ()
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "CODEOWNERS").write_text("* @from-docs\n")
    assert load(tmp_path).owners("a.py") == ("@from-docs",)
    (tmp_path / "CODEOWNERS").write_text("* @from-root\n")
    assert load(tmp_path).source == "CODEOWNERS"
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github" / "CODEOWNERS").write_text("* @from-github\n")
    assert (load(tmp_path).source, load(tmp_path).owners("a.py")) == (".github/CODEOWNERS", ("@from-github",))
