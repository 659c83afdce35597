"""Sub-projects' own `[tool.awaitify]` (issue 26 point 4): the nearest configuration wins for the files
below it, as in ruff; teams opt in one package at a time, and a file whose settings leave it alone is
never edited by a fix elsewhere (the closure is offloaded instead, or left as it was)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from inprocess_cli import cli_here  # noqa: F401 - the fixture
from split_helpers import init_repo

SLEEPY = "import time\n\n\nasync def tick():\n    time.sleep(0)\n    return 'tick'\n"


def _tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    init_repo(root)
    return root


def _patched(out: bytes) -> set[str]:
    return {line[len("+++ b/"):] for line in out.decode().splitlines() if line.startswith("+++ b/")}


def _packages(names: str) -> dict[str, str]:
    files = {}
    for name in names:
        files[f"{name}/{name}/__init__.py"] = ""
        files[f"{name}/{name}/api.py"] = SLEEPY
    return files


def test_teams_opt_in_one_package_at_a_time(tmp_path: Path, cli_here) -> None:
    tree = _tree(tmp_path / "repo", {"pyproject.toml": '[tool.awaitify]\nignore = ["AW"]\n',
                                     "a/pyproject.toml": "[tool.awaitify]\nignore = []\n",
                                     "c/pyproject.toml": '[project]\nname = "c"\n', **_packages("abc")})
    code, out, err = cli_here("fix", "--no-cache", "--jobs", "1", ".", cwd=tree)
    assert code == 0, err
    assert _patched(out) == {"a/a/api.py"}
    code, out, _ = cli_here("check", "--no-cache", "--jobs", "1", ".", cwd=tree)
    assert "a/a/api.py" in out.decode() and "b/b/api.py" not in out.decode()
    # from inside a package, its own table is the nearest
    code, out, err = cli_here("fix", "--no-cache", "--jobs", "1", ".", cwd=tree / "b")
    assert (code, out) == (0, b""), err


def test_the_nearest_table_replaces_the_roots_for_its_files(tmp_path: Path, cli_here) -> None:
    tree = _tree(tmp_path / "repo", {
        "pyproject.toml": '[tool.awaitify]\nper-file-ignores = { "*/api.py" = ["AW101"] }\nextend-exclude = ["gen.py"]\n',
        # globs relative to the sub-project's folder
        "a/pyproject.toml": '[tool.awaitify]\nper-file-ignores = { "a/legacy.py" = ["AW101"] }\n'
                            'extend-exclude = ["a/skipped.py"]\n',
        **_packages("ab"), "a/a/legacy.py": SLEEPY, "a/a/skipped.py": SLEEPY, "a/a/gen.py": SLEEPY, "b/b/gen.py": SLEEPY})
    code, out, err = cli_here("fix", "--no-cache", "--jobs", "1", ".", cwd=tree)
    assert code == 0, err
    # a/: its own table (the root's per-file-ignores and exclude do not reach it); b/: the root's
    assert _patched(out) == {"a/a/api.py", "a/a/gen.py"}
    code, out, err = cli_here("fix", "--no-cache", "--jobs", "1", "--config", str(tree / "pyproject.toml"), ".", cwd=tree)
    assert _patched(out) == {"a/a/legacy.py", "a/a/skipped.py"}, err  # --config: that file for every file, as in ruff


def test_a_sub_project_cannot_change_what_shapes_the_whole_plan(tmp_path: Path, cli_here) -> None:
    tree = _tree(tmp_path / "repo", {"pyproject.toml": "[tool.awaitify]\n",
                                     "a/pyproject.toml": '[tool.awaitify]\npropagate = "offload"\n', **_packages("a")})
    code, out, err = cli_here("fix", "--no-cache", ".", cwd=tree)
    assert code == 2 and out == b""
    assert "a/pyproject.toml: `propagate` applies to the whole run" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(("root", "sub", "refused"), [
    ('propagate = "offload"\n', 'propagate = "auto"\n', True),  # the default value, but not the root's
    ('target = "trio"\n', 'target = "asyncio"\n', True),
    ("", 'propagate = "auto"\n', True),  # explicit where the root is not: it changes what a public API may become
    ('propagate = "offload"\n', 'propagate = "offload"\n', False),  # the root's own value: nothing to decide
    ('unsafe-fixes = true\n', "unsafe-fixes = true\n", False),
])
def test_a_sub_project_setting_a_project_wide_key_is_judged_by_the_key_it_sets(tmp_path: Path, cli_here, root, sub,
                                                                               refused) -> None:
    tree = _tree(tmp_path / "repo", {"pyproject.toml": f"[tool.awaitify]\n{root}",
                                     "a/pyproject.toml": f"[tool.awaitify]\n{sub}", **_packages("a")})
    code, out, err = cli_here("fix", "--no-cache", "--jobs", "1", ".", cwd=tree)
    if refused:
        key = sub.partition(" ")[0]
        assert code == 2 and out == b"", err
        assert err.strip().splitlines() == [next(line for line in err.splitlines() if "error:" in line)]
        assert f"a/pyproject.toml: `{key}` applies to the whole run" in err
    else:
        assert code == 0 and out, err


CALLER = "from a.helper import wait\n\n\nasync def handle():\n    return wait()\n"
HELPER = "import time\n\n\ndef wait():\n    time.sleep(0)\n    return 1\n"


@pytest.mark.parametrize("settings", [
    {"pyproject.toml": '[tool.awaitify]\nper-file-ignores = { "b/b/api.py" = ["AW401"] }\n'},
    {"pyproject.toml": "[tool.awaitify]\n", "b/pyproject.toml": '[tool.awaitify]\nignore = ["AW"]\n'},
])
def test_a_closure_that_would_edit_a_file_whose_settings_leave_it_alone_is_not_made_async(
        tmp_path: Path, cli_here, settings: dict) -> None:
    """Before: `wait` became async while b/b/api.py, ignoring propagation, kept calling it without
    `await`: `handle()` returned a coroutine instead of 1."""
    tree = _tree(tmp_path / "repo", {**settings, "a/a/__init__.py": "", "a/a/helper.py": HELPER,
                                     "b/b/__init__.py": "", "b/b/api.py": CALLER})
    (tree / "a" / "__init__.py").unlink(missing_ok=True)
    code, out, err = cli_here("fix", "--no-cache", "--jobs", "1", "--write", ".", cwd=tree)
    assert code == 0, err
    assert (tree / "b" / "b" / "api.py").read_text() == CALLER
    run = subprocess.run([sys.executable, "-c", "import asyncio, sys; sys.path[:0] = ['a', 'b'];"
                          "from b.api import handle; print(asyncio.run(handle()))"],
                         cwd=tree, capture_output=True, text=True, timeout=60)
    assert run.stdout.strip() == "1", run.stderr
    code, out, err = cli_here("fix", "--no-cache", "--jobs", "1", "--explain", ".", cwd=tree)
    assert "propagation is ignored in b/b/api.py by its settings" in err
