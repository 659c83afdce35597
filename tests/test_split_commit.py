"""`fix --split-by ... --commit`: one branch and commit per changeset, and a re-run after some were
merged opens only the rest (issue 26 point 3); the command line's checks of the split options."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inprocess_cli import cli_here  # noqa: F401 - the fixture
from monorepo_gen import generate
from split_helpers import apply, copy_tree, git, init_repo

ARGS = ("fix", "--no-cache", "--jobs", "1", "--split-by", "package")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    tree = generate(tmp_path / "repo", count=6)
    init_repo(tree)
    return tree


def _branches(tree: Path) -> dict[str, str]:
    lines = git(tree, "for-each-ref", "--format=%(refname:short) %(objectname)", "refs/heads/awaitify/").splitlines()
    return dict(line.split() for line in lines)


def test_commit_opens_one_branch_per_changeset_and_a_rerun_only_the_rest(repo: Path, tmp_path: Path, cli_here) -> None:
    out = tmp_path / "out"
    code, _, err = cli_here(*ARGS, "--out", str(out), "--commit", ".", cwd=repo)
    assert code == 0, err
    plan = json.loads((out / "plan.json").read_text())
    groups = plan["groups"]
    branches = _branches(repo)
    assert len(groups) >= 4 and len(branches) == len(groups)
    assert git(repo, "status", "--porcelain") == ""  # the working tree and the index were not touched
    assert git(repo, "rev-parse", "--abbrev-ref", "HEAD").strip() == "main"
    for group in groups:
        branch = next(b for b in branches if b.startswith(f"awaitify/{group['id']}-"))
        assert git(repo, "rev-parse", f"{branch}^").strip() == git(repo, "rev-parse", "main").strip()  # each on main: alone
        assert git(repo, "diff", "--name-only", "main", branch).split() == [f["path"] for f in group["files"]]
        message = git(repo, "log", "-1", "--format=%B", branch)
        assert message.strip() == (out / group["description"]).read_text().strip()
        expected = copy_tree(repo, tmp_path / f"expect-{group['number']}")
        apply(expected, (out / group["patch"]).read_bytes())
        for entry in group["files"]:
            assert git(repo, "show", f"{branch}:{entry['path']}").encode() == (expected / entry["path"]).read_bytes()
    # two changesets are merged; the plan recomputed on the new main holds only the others
    for group in groups[:2]:
        branch = next(b for b in branches if b.startswith(f"awaitify/{group['id']}-"))
        git(repo, "merge", "--no-ff", "-q", "-m", f"merge {group['name']}", branch)
    code, _, err = cli_here(*ARGS, "--out", str(out), "--commit", ".", cwd=repo)
    assert code == 0, err
    again = json.loads((out / "plan.json").read_text())["groups"]
    assert [g["id"] for g in again] == [g["id"] for g in groups[2:]]
    assert _branches(repo) == branches  # nothing new: the open ones were matched by id
    assert err.count("exists already") == len(again)
    assert sorted(p.name for p in out.glob("*.patch")) == sorted(g["patch"] for g in again)


def test_a_changeset_whose_files_have_local_edits_gets_no_branch(repo: Path, tmp_path: Path, cli_here) -> None:
    api = repo / "pkg_01" / "api.py"
    api.write_text(api.read_text() + "\n# local edit\n")
    code, _, err = cli_here(*ARGS, "--out", str(tmp_path / "out"), "--commit", ".", cwd=repo)
    assert code == 3
    assert "error: " in err and "does not apply to HEAD" in err and "pkg-01" in err
    assert len(_branches(repo)) == len(json.loads((tmp_path / "out" / "plan.json").read_text())["groups"]) - 1


@pytest.mark.parametrize(("args", "message"), [
    (("--split-by", "package"), "--split-by needs --out"),
    (("--out", "x"), "--out needs --split-by"),
    (("--commit",), "--commit needs --split-by"),
    (("--max-files", "3"), "--max-files needs --split-by"),
    (("--split-by", "team", "--out", "x"), "--split-by must be one of closure, package, codeowners, file"),
    (("--split-by", "file", "--out", "x", "--write"), "--split-by cannot be combined with --write"),
    (("--split-by", "file", "--out", "x", "--check"), "--split-by cannot be combined with --check"),
    (("--split-by", "file", "--out", "x", "--format", "json"), "--split-by cannot be combined with --format"),
])
def test_split_options_are_checked_first(repo: Path, cli_here, args, message) -> None:
    code, out, err = cli_here("fix", *args, ".", cwd=repo)
    assert code == 2 and message in err and out == b""
    assert not (repo / "x").exists()


def test_commit_outside_a_repository_is_a_usage_error(tmp_path: Path, cli_here) -> None:
    tree = generate(tmp_path / "plain", count=2)
    code, _, err = cli_here(*ARGS, "--out", str(tmp_path / "out"), "--commit", ".", cwd=tree)
    assert code == 2 and "--commit:" in err


def test_ids_and_branches_do_not_depend_on_the_folder_fix_ran_in(repo: Path, tmp_path: Path, cli_here) -> None:
    code, _, err = cli_here("fix", "--no-cache", "--jobs", "1", "--split-by", "file", "--out", str(tmp_path / "here"),
                            "pkg_04", cwd=repo)
    assert code == 0, err
    code, _, err = cli_here("fix", "--no-cache", "--jobs", "1", "--split-by", "file", "--out", str(tmp_path / "below"),
                            "--commit", ".", cwd=repo / "pkg_04")
    assert code == 0, err
    here, below = (json.loads((tmp_path / d / "plan.json").read_text())["groups"] for d in ("here", "below"))
    assert [g["id"] for g in here] == [g["id"] for g in below] and here
    assert [f["path"] for f in here[0]["files"]] == ["pkg_04/" + f["path"] for f in below[0]["files"]]
    branch = next(iter(_branches(repo)))
    assert git(repo, "diff", "--name-only", "main", branch).split() == [f["path"] for f in here[0]["files"]]


def test_an_out_that_is_a_file_is_a_one_line_error(repo: Path, tmp_path: Path, cli_here) -> None:
    (tmp_path / "taken").write_text("a file\n")
    code, out, err = cli_here(*ARGS, "--out", str(tmp_path / "taken"), ".", cwd=repo)
    assert code == 2 and out == b""
    assert err.strip().splitlines() == [f"awaitify: error: --out {tmp_path / 'taken'}: cannot make the folder: File exists"]
