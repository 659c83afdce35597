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


@pytest.mark.parametrize("change", ["edited", "deleted", "renamed", "staged", "untracked"])
def test_commit_refuses_when_files_the_run_reads_differ_from_head(repo: Path, tmp_path: Path, cli_here, change) -> None:
    # the plan is made from the working tree but each branch starts at HEAD: a file deleted (or edited)
    # without committing still calls, on the branch, a helper the branch made async
    api = repo / "pkg_01" / "api.py"
    if change == "edited":
        api.write_text(api.read_text() + "\n# local edit\n")
    elif change == "deleted":
        api.unlink()
    elif change == "renamed":
        git(repo, "mv", "pkg_01/api.py", "pkg_01/api_v2.py")
    elif change == "staged":
        api.write_text(api.read_text() + "\n# staged edit\n")
        git(repo, "add", "pkg_01/api.py")
    else:
        (repo / "pkg_01" / "extra.py").write_text("import time\n\nasync def f():\n    time.sleep(1)\n")
    code, out, err = cli_here(*ARGS, "--out", str(tmp_path / "out"), "--commit", ".", cwd=repo)
    assert code == 2 and out == b""
    assert len(err.strip().splitlines()) == 1 and "--commit: the working tree differs from HEAD" in err
    assert "pkg_01/" in err
    assert _branches(repo) == {} and not (tmp_path / "out").exists()


def test_commit_ignores_changes_to_files_no_run_reads(repo: Path, tmp_path: Path, cli_here) -> None:
    (repo / "NOTES.md").write_text("untracked notes\n")
    code, _, err = cli_here(*ARGS, "--out", str(tmp_path / "out"), "--commit", ".", cwd=repo)
    assert code == 0, err
    assert len(_branches(repo)) == len(json.loads((tmp_path / "out" / "plan.json").read_text())["groups"]) > 0


def test_the_reviewed_case_a_deleted_caller_refuses_commit(tmp_path: Path, cli_here) -> None:
    tree = tmp_path / "cm"
    tree.mkdir()
    (tree / "svc.py").write_text("import time\n\n\ndef helper():\n    time.sleep(0.01)\n    return 1\n")
    (tree / "app.py").write_text("import svc\n\n\nasync def handler():\n    return svc.helper()\n")
    (tree / "legacy.py").write_text("import svc\n\n\ndef old():\n    return svc.helper()\n")
    init_repo(tree)
    (tree / "legacy.py").unlink()
    code, _, err = cli_here("fix", "--no-cache", "--split-by", "closure", "--out", str(tmp_path / "out"), "--commit", ".",
                            cwd=tree)
    assert code == 2 and "legacy.py" in err
    assert _branches(tree) == {}
    git(tree, "commit", "-q", "-am", "drop legacy")  # committed: the branch and the plan agree
    code, _, err = cli_here("fix", "--no-cache", "--split-by", "closure", "--out", str(tmp_path / "out"), "--commit", ".",
                            cwd=tree)
    assert code == 0, err
    branch = next(iter(_branches(tree)))
    assert "async def helper" in git(tree, "show", f"{branch}:svc.py")
    assert "await svc.helper()" in git(tree, "show", f"{branch}:app.py")


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
