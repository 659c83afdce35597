"""`check --write-baseline FILE` records today's findings; `check --baseline FILE` hides them and
reports only new ones, recognising a known finding after lines move around it (a real git
repository in tmp_path, as a team adopting awaitify has)."""

from __future__ import annotations

import json
import subprocess
import textwrap
from pathlib import Path

import pytest

SOURCE = """
    import os
    import time


    async def handler(path):
        time.sleep(0.01)
        time.sleep(0.01)
        return os.path.exists(path)
"""


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    _write(tmp_path / "app" / "views.py", SOURCE)
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    return tmp_path


def _findings(cli, repo: Path, *args: str, cwd: Path | None = None) -> tuple[int, list[str], str]:
    code, out, err = cli("check", "--no-cache", *args, cwd=cwd or repo)
    return code, [" ".join(line.split()[:2]) for line in out.decode().splitlines() if not line.startswith(" ")], err


def test_write_then_hide_every_known_finding(repo: Path, cli) -> None:
    code, _, err = _findings(cli, repo, "--write-baseline", "awaitify-baseline.json", ".")
    assert code == 0 and "recorded 3 findings in awaitify-baseline.json" in err
    data = json.loads((repo / "awaitify-baseline.json").read_text())
    assert data["format"] == "awaitify-baseline" and [e["code"] for e in data["findings"]] == ["AW101", "AW101", "AW510"]
    assert data["findings"][0] == {"fingerprint": data["findings"][0]["fingerprint"], "code": "AW101", "path": "app/views.py",
                                   "function": "views.handler", "line": "time.sleep(0.01)"}
    assert "line\": 5" not in (repo / "awaitify-baseline.json").read_text()  # no line numbers: they move
    code, found, err = _findings(cli, repo, "--baseline", "awaitify-baseline.json", ".")
    assert (code, found) == (0, []) and "3 known (--baseline)" in err


def test_known_findings_stay_hidden_when_lines_move_and_new_ones_show(repo: Path, cli) -> None:
    assert _findings(cli, repo, "--write-baseline", "base.json", ".")[0] == 0
    _write(repo / "app" / "views.py", '''
        """Views."""
        import os
        import time


        def helper():
            return 1


        async def handler(path):
            time.sleep(0.01)
            time.sleep(  0.01 )
            time.sleep(0.01)
            return os.path.exists(path)


        async def other():
            time.sleep(0.01)
    ''')
    code, found, err = _findings(cli, repo, "--baseline", "base.json", ".")
    # moved and re-spaced: still known; a third identical sleep in the same function and one in a
    # new function are new
    assert code == 1 and found == ["app/views.py:12:5 AW101", "app/views.py:18:5 AW101"]
    assert "3 known (--baseline)" in err


def test_a_subfolder_run_matches_the_same_fingerprints(repo: Path, cli) -> None:
    assert _findings(cli, repo, "--write-baseline", "base.json", ".")[0] == 0
    code, found, _ = _findings(cli, repo, "--baseline", "../base.json", ".", cwd=repo / "app")
    assert (code, found) == (0, [])


def test_a_renamed_function_makes_its_findings_new(repo: Path, cli) -> None:
    assert _findings(cli, repo, "--write-baseline", "base.json", ".")[0] == 0
    views = repo / "app" / "views.py"
    views.write_text(views.read_text().replace("async def handler", "async def handle"))
    code, found, _ = _findings(cli, repo, "--baseline", "base.json", ".")
    assert code == 1 and len(found) == 3


@pytest.mark.parametrize("content, says", [
    (None, "no such baseline file"),
    ("{not json", "invalid JSON at line 1"),
    ('{"findings": []}', "not an awaitify baseline"),
    ('{"format": "awaitify-baseline", "version": 9, "findings": []}', "baseline version 9"),
    ('{"format": "awaitify-baseline", "version": 1, "findings": [{"code": "AW101"}]}', "a finding without a fingerprint"),
])
def test_a_bad_baseline_is_one_line_naming_the_file(repo: Path, cli, content: str | None, says: str) -> None:
    if content is not None:
        (repo / "base.json").write_text(content)
    code, found, err = _findings(cli, repo, "--baseline", "base.json", ".")
    assert code == 2 and found == [] and err.startswith("awaitify: error: base.json: ") and says in err and err.count("\n") == 1
