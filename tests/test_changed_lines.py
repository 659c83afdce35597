"""`check --changed-since REF` reports what the change adds: findings on touched lines, or whose
chain runs through one, or whose helper a touched line now calls; never the old findings of a
touched file. Each test is a real git repository in tmp_path."""

from __future__ import annotations

import subprocess
import textwrap
from pathlib import Path

import pytest

from awaitify.changed_lines import parse_diff

BASE = {
    "svc/__init__.py": "",
    "svc/helpers.py": """
        import time


        def settle():
            time.sleep(0.01)


        def unrelated():
            return 1
    """,
    "svc/handlers.py": """
        from svc.helpers import settle


        async def handle(request):
            settle()
            return request
    """,
    "svc/other.py": """
        import os
        import time


        async def probe(path):
            return os.path.exists(path)


        async def later():
            return 2
    """,
}


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args], cwd=root, check=True,
                          capture_output=True, text=True).stdout


def _write(root: Path, name: str, text: str) -> None:
    (root / name).parent.mkdir(parents=True, exist_ok=True)
    (root / name).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    for name, text in BASE.items():
        _write(tmp_path, name, text)
    _git(tmp_path, "init", "-q", "-b", "main")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-qm", "base")
    _git(tmp_path, "checkout", "-qb", "feature")
    return tmp_path


def _reported(cli, repo: Path, ref: str = "main") -> list[str]:
    code, out, err = cli("check", "--no-cache", "--changed-since", ref, ".", cwd=repo)
    found = [" ".join(line.split()[:2]) for line in out.decode().splitlines() if not line.startswith(" ")]
    assert code == (1 if found else 0), err
    return found


def _edit(repo: Path, name: str, old: str, new: str) -> None:
    path = repo / name
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_every_finding_is_old_before_the_change(repo: Path, cli) -> None:
    assert cli("check", "--no-cache", ".", cwd=repo)[0] == 1  # they exist...
    assert _reported(cli, repo) == []  # ...but none is the branch's


def test_an_edit_elsewhere_in_a_file_does_not_report_its_old_findings(repo: Path, cli) -> None:
    _edit(repo, "svc/helpers.py", "return 1", "return 3")
    _edit(repo, "svc/other.py", "return 2", "return 4")
    _git(repo, "commit", "-qam", "touch")
    assert _reported(cli, repo) == []


def test_a_new_blocking_call_is_reported_and_not_its_old_neighbour(repo: Path, cli) -> None:
    _edit(repo, "svc/other.py", "    return 2", "    time.sleep(0.01)\n    return 2")
    assert _reported(cli, repo) == ["svc/other.py:10:5 AW101"]  # uncommitted still counts; other.py:5 (AW510) is old


def test_a_new_async_caller_of_an_old_helper_reports_the_helpers_finding(repo: Path, cli) -> None:
    """The finding stands on an old line of an untouched file; the new route made it reachable anew."""
    _write(repo, "svc/routes.py", """
        from svc.helpers import settle as wait_a_bit


        async def route():
            wait_a_bit()
    """)
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "route")
    assert _reported(cli, repo) == ["svc/helpers.py:5:5 AW101"]
    assert _reported(cli, repo, "HEAD") == []  # since the route's commit: nothing new


def test_a_touched_line_on_the_chain_reports_it(repo: Path, cli) -> None:
    _edit(repo, "svc/handlers.py", "    settle()\n", "    settle()  # still blocking\n")
    assert _reported(cli, repo) == ["svc/helpers.py:5:5 AW101"]


def test_a_moved_file_keeps_its_old_findings_old(repo: Path, cli) -> None:
    _git(repo, "mv", "svc/other.py", "svc/moved.py")
    _edit(repo, "svc/moved.py", "return 2", "return 5")
    _git(repo, "commit", "-qam", "move")
    assert _reported(cli, repo) == []


def test_the_users_diff_settings_and_odd_names_do_not_matter(repo: Path, cli) -> None:
    for key, value in (("diff.noprefix", "true"), ("diff.mnemonicPrefix", "true"), ("diff.external", "false"),
                       ("color.diff", "always"), ("core.quotePath", "true")):
        _git(repo, "config", key, value)
    _write(repo, "svc/caf\u00e9 menu.py", """
        import time


        async def serve():
            time.sleep(0.01)
    """)
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "odd name")
    _write(repo, "svc/caf\u00e9 menu.py", """
        import time


        async def serve():
            time.sleep(0.01)
            time.sleep(0.02)
    """)
    assert _reported(cli, repo, "HEAD") == ["svc/caf\u00e9 menu.py:6:5"]  # line 6 only (the helper splits at the space)


def test_a_bad_revision_is_one_line(repo: Path, cli) -> None:
    code, _, err = cli("check", "--changed-since", "no-such-ref", ".", cwd=repo)
    assert code == 2 and err.startswith("awaitify: error: --changed-since:") and err.count("\n") == 1


def test_parse_diff_added_changed_and_deleted_lines() -> None:
    diff = textwrap.dedent("""\
        diff --git a/a.py b/a.py
        --- a/a.py
        +++ b/a.py
        @@ -3 +3 @@ x
        -old
        +new
        @@ -10,2 +10,0 @@
        -gone
        -gone
        @@ -20,0 +19,3 @@
        +a
        +b
        +c
        diff --git a/gone.py b/gone.py
        --- a/gone.py
        +++ /dev/null
        @@ -1 +0,0 @@
        -x
        --- a/"caf\\303\\251.py"
        +++ "b/caf\\303\\251.py"
        @@ -1,0 +2 @@
        +y
    """)
    assert parse_diff(diff) == {"a.py": {3, 10, 11, 19, 20, 21}, "caf\u00e9.py": {2}}


def test_whole_project_reports_through_the_given_files_and_refuses_others(repo: Path, cli, tmp_path_factory) -> None:
    code, out, _ = cli("check", "--no-cache", "--whole-project", "svc/handlers.py", cwd=repo)
    assert code == 1 and out.decode().startswith("svc/helpers.py:5:5 AW101")  # through handlers.py's call
    code, out, _ = cli("check", "--no-cache", "--whole-project", "svc/__init__.py", cwd=repo)
    assert (code, out) == (0, b"")
    code, _, err = cli("check", "--whole-project", "svc/gone.py", cwd=repo)
    assert code == 2 and err == "awaitify: error: svc/gone.py: no such file or directory\n"
    outside = tmp_path_factory.mktemp("elsewhere") / "x.py"
    outside.write_text("")
    code, _, err = cli("check", "--whole-project", str(outside), cwd=repo)
    assert code == 2 and "outside the project" in err and err.count("\n") == 1
