"""awaitify's single-file rules run from libcst's own tool (`python -m libcst.tool codemod`) give
each file exactly what `awaitify fix --write --select <rule>` gives it: settings, suppressions,
per-file ignores, excludes, the size limit, the project's runtime, CRLF and BOM files included.
Refusals are loud there too (a libcst warning per refused call; a failed file, left as it was)."""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import libcst.tool

from awaitify import libcst_commands
from awaitify.rules import all_rules
from inprocess_cli import cli_here  # noqa: F401  (a fixture)

REPO = Path(__file__).resolve().parents[1]

OPS = '''import os
import os.path
import shutil
import subprocess
import time

import httpx
import mycorp.storage
import redis


async def handle(path, name):
    if os.path.exists(path):
        shutil.copy(path, path + ".bak")
    with open(path) as fh:
        data = fh.read()
    subprocess.run(["true"], check=True)
    pid, status = os.waitpid(-1, os.WNOHANG)
    answer = input("name? ")
    reply = httpx.get("http://127.0.0.1:1/")
    client = redis.Redis(host="127.0.0.1")
    client.set(name, data)
    blob = mycorp.storage.get_blob(name)
    time.sleep(0.1)  # awaitify: ignore[AW101]
    return data, answer, reply, blob, pid, status
'''

PROJECT = {
    "pyproject.toml": (
        '[project]\nname = "demo"\nversion = "1"\ndependencies = ["stripe==16.1.0"]\n\n'
        "[tool.awaitify]\n"
        'extend-exclude = ["legacy/"]\n'
        'per-file-ignores = { "pkg/ignored.py" = ["AW101"] }\n'
        'blocking-calls = { "mycorp.storage.get_blob" = "offload" }\n'
        "max-file-size = 4000\n"
    ),
    ".libcst.codemod.yaml": "modules: [awaitify]\nformatter: []\nblacklist_patterns: []\n",
    "pkg/__init__.py": "",
    "pkg/ops.py": OPS,
    "pkg/sleepy.py": (
        "import time\n\n\nasync def nap():\n    time.sleep(1)\n    later = lambda: time.sleep(2)\n    return later\n\n\n"
        "def sync_nap():\n    time.sleep(3)\n"
    ),
    "pkg/runner.py": "import asyncio\n\n\nasync def inner():\n    return 1\n\n\nasync def outer():\n    return asyncio.run(inner())\n",
    "pkg/stripe_use.py": 'import stripe\n\nstripe.api_key = "sk_test_x"\n\n\nasync def charge():\n    return stripe.Customer.create(email="a@b.c")\n',
    "pkg/ignored.py": "import time\n\n\nasync def nap():\n    time.sleep(1)\n",
    "pkg/big.py": "import time\n\n\nasync def nap():\n    time.sleep(1)\n" + "# padding\n" * 450,
    "legacy/old.py": "import time\n\n\nasync def nap():\n    time.sleep(1)\n",
}
BINARY = {
    "pkg/crlf.py": b"import time\r\n\r\n\r\nasync def nap():\r\n    time.sleep(1)\r\n",
    "pkg/bom.py": b"\xef\xbb\xbfimport time\n\n\nasync def nap():\n    time.sleep(1)\n",
}


def _tree(root: Path, files: dict[str, str] = PROJECT, binary: dict[str, bytes] = BINARY) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    for name, data in binary.items():
        (root / name).write_bytes(data)
    return root


def _sources(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.py"))}


def _libcst_here(root: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str]:
    """libcst's tool (its `main`, as `python -m libcst.tool` calls it) in this process, one job."""
    monkeypatch.chdir(root)
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = libcst.tool.main("libcst.tool", ["codemod", *args, "--no-format", "-j", "1", "--hide-progress", "."])
    return code, err.getvalue()


# --- the commands there are -----------------------------------------------------------------------------
def test_one_command_per_single_file_rule_and_none_for_project_wide_ones() -> None:
    by_code = {command.RULE_NAMES[0]: name for name, command in libcst_commands.COMMANDS.items()}
    assert set(by_code) == {r.code for r in all_rules()} - {"AW201", "AW301", "AW401", "AW513"}
    assert by_code["AW101"] == "Sleep" and by_code["AW102"] == "AsyncioRun" and by_code["AW515"] == "ShutilIo"
    doc = (REPO / "docs" / "api.md").read_text(encoding="utf-8")
    for code, name in by_code.items():
        assert f"`{name}` ({code})" in doc  # every command documented, by its name and rule
        assert getattr(libcst_commands, name).DESCRIPTION.startswith(f"awaitify {code} ")


# --- the same bytes as `awaitify fix --write --select <rule>` -----------------------------------------------
@pytest.mark.parametrize("name", sorted(libcst_commands.COMMANDS))
def test_each_command_writes_what_fix_writes(name: str, tmp_path: Path, cli_here, monkeypatch: pytest.MonkeyPatch) -> None:
    code = libcst_commands.COMMANDS[name].RULE_NAMES[0]
    by_fix, by_libcst = _tree(tmp_path / "fix"), _tree(tmp_path / "libcst")
    original = _sources(by_fix)
    status, _, err = cli_here("fix", "--write", "--no-cache", "--select", code, cwd=by_fix)
    assert status == 0, err
    status, said = _libcst_here(by_libcst, monkeypatch, f"libcst_commands.{name}")
    fixed, codemodded = _sources(by_fix), _sources(by_libcst)
    assert [k for k in fixed if fixed[k] != original[k]], f"{code} changed nothing: the comparison proves nothing"
    assert codemodded == fixed
    assert status == 0, said


def test_excludes_ignores_and_the_size_limit_hold_there_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _tree(tmp_path)
    original = _sources(root)
    status, said = _libcst_here(root, monkeypatch, "-x", "awaitify.libcst_commands.Sleep")
    now = _sources(root)
    assert status == 0, said
    # each of these holds a time.sleep in an async function, which the command fixes elsewhere
    for left in ("legacy/old.py", "pkg/ignored.py", "pkg/big.py"):
        assert now[left] == original[left], left
    assert b"await asyncio.sleep(1)" in now["pkg/sleepy.py"]
    assert now["pkg/crlf.py"] == b"import asyncio\r\n\r\n\r\nasync def nap():\r\n    await asyncio.sleep(1)\r\n"
    assert now["pkg/bom.py"].startswith(b"\xef\xbb\xbfimport asyncio\n")
    assert b"time.sleep(0.1)  # awaitify: ignore[AW101]" in now["pkg/ops.py"]
    assert "too large to transform" in said or "Skipped" in said


def test_a_refused_call_is_a_warning_and_the_rest_is_fixed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _tree(tmp_path, {k: v for k, v in PROJECT.items() if not k.endswith(".py") or k == "pkg/sleepy.py"}, {})
    status, said = _libcst_here(root, monkeypatch, "libcst_commands.Sleep")
    assert status == 0
    assert "pkg/sleepy.py:6:" in said and "AW101 time.sleep() blocks the event loop, but it stands in a lambda or a generator expression" in said
    assert "1 warnings were generated" in said
    text = (root / "pkg" / "sleepy.py").read_text()
    assert "    await asyncio.sleep(1)\n" in text and "lambda: time.sleep(2)" in text and "    time.sleep(3)\n" in text


def test_a_file_the_engine_refuses_fails_loudly_and_stays_as_it_was(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import awaitify.transform

    root = _tree(tmp_path, {k: v for k, v in PROJECT.items() if not k.endswith(".py") or k in ("pkg/sleepy.py", "pkg/ignored.py")}, BINARY)
    original = _sources(root)
    # the check that guards every write: a rewrite that would not compile, or not be stable
    monkeypatch.setattr(awaitify.transform, "verify", lambda source, new, *a, **k:
                        "the codemods are not stable on this file" if source.display.endswith("sleepy.py") else None)
    status, said = _libcst_here(root, monkeypatch, "libcst_commands.Sleep")
    now = _sources(root)
    assert status == 1  # libcst's summary counts the file as failed
    assert "pkg/sleepy.py: internal error: the codemods are not stable on this file; file left unchanged" in said
    assert "Failed to codemod 1 files" in said
    assert now["pkg/sleepy.py"] == original["pkg/sleepy.py"]
    assert now["pkg/crlf.py"] != original["pkg/crlf.py"]  # the other files are still fixed


def test_the_project_runtime_is_the_projects_not_the_files(tmp_path: Path, cli_here, monkeypatch: pytest.MonkeyPatch) -> None:
    """A trio program: the file with the sleep does not import trio, another module does."""
    files = {".libcst.codemod.yaml": "modules: [awaitify]\nformatter: []\n",
             "main.py": "import trio\n\n\nasync def main():\n    await trio.sleep(0)\n",
             "work.py": "import time\n\n\nasync def work():\n    time.sleep(1)\n"}
    by_fix, by_libcst = _tree(tmp_path / "fix", files, {}), _tree(tmp_path / "libcst", files, {})
    cli_here("fix", "--write", "--no-cache", "--select", "sleep", cwd=by_fix)
    status, said = _libcst_here(by_libcst, monkeypatch, "libcst_commands.Sleep")
    assert status == 0, said
    assert "await trio.sleep(1)" in (by_fix / "work.py").read_text()
    assert _sources(by_libcst) == _sources(by_fix)


def test_project_wide_rules_are_not_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _tree(tmp_path)
    original = _sources(root)
    for name in ("Propagation", "RequestsHttpx", "Lifespan", "StripeGlobalKey"):
        status, said = _libcst_here(root, monkeypatch, f"libcst_commands.{name}")
        assert status == 1 and "Could not find libcst_commands in any configured modules" in said
    assert _sources(root) == original


# --- the real command line ----------------------------------------------------------------------------------
def test_python_m_libcst_tool_codemod_after_initialize(tmp_path: Path, cli_here) -> None:
    """What a user types: `initialize`, add awaitify to the modules, `codemod`. (Before, the codemod
    classes failed with `KeyError: 'awaitify'`: they need awaitify's engine around them.)"""
    files = {k: v for k, v in PROJECT.items() if k != ".libcst.codemod.yaml"}
    by_fix, by_libcst = _tree(tmp_path / "fix", files), _tree(tmp_path / "libcst", files)
    tool = [sys.executable, "-m", "libcst.tool"]
    assert libcst.tool.main("libcst.tool", ["initialize", str(by_libcst)]) == 0  # what `... initialize .` runs
    config_file = by_libcst / ".libcst.codemod.yaml"
    config = yaml.safe_load(config_file.read_text())
    config_file.write_text(yaml.safe_dump({**config, "modules": [*config["modules"], "awaitify"]}))
    proc = subprocess.run([*tool, "codemod", "libcst_commands.Sleep", "--no-format", "--hide-progress", "."],
                          cwd=by_libcst, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "KeyError" not in proc.stderr
    assert "Skipped 3 files" in proc.stderr and "Failed to codemod 0 files" in proc.stderr  # legacy/, ignored, big
    cli_here("fix", "--write", "--no-cache", "--select", "AW101", cwd=by_fix)
    assert _sources(by_libcst) == _sources(by_fix)
