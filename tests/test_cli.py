"""The command line as users and CI see it: output streams, exit codes, and what it writes."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import pytest

BLOCKING = "import time\n\n\nasync def handler():\n    time.sleep(1)\n"
FIXED = "import asyncio\n\n\nasync def handler():\n    await asyncio.sleep(1)\n"


def tree_hashes(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and ".awaitify_cache" not in p.parts}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "handlers.py").write_text(BLOCKING)
    (tmp_path / "app" / "clean.py").write_text("async def ok():\n    return 1\n")
    (tmp_path / "notes.txt").write_text("time.sleep in async def\n")
    return tmp_path


def test_dry_run_prints_the_patch_and_writes_nothing(project: Path, cli) -> None:
    before = tree_hashes(project)
    code, out, err = cli("fix", ".")
    assert code == 0
    assert out.startswith(b"--- a/app/handlers.py\n+++ b/app/handlers.py\n")
    assert b"+    await asyncio.sleep(1)" in out
    assert "would change app/handlers.py" in err and "3 files scanned" not in err
    assert "2 files scanned, 1 would change, 0 skipped" in err
    assert tree_hashes(project) == before


def test_write_then_nothing_left_to_do(project: Path, cli) -> None:
    code, out, err = cli("fix", "--write", ".")
    assert code == 0 and out == b""
    assert (project / "app" / "handlers.py").read_text() == FIXED
    assert "changed app/handlers.py" in err
    after = tree_hashes(project)
    assert cli("fix", "--write", ".")[0] == 0
    assert tree_hashes(project) == after  # idempotent


def test_check_exits_1_then_0(project: Path, cli) -> None:
    code, out, _ = cli("fix", "--check", ".")
    assert code == 1 and out == b""
    code, out, _ = cli("fix", "--check", "--diff", ".")
    assert code == 1 and b"+++ b/app/handlers.py" in out
    cli("fix", "--write", ".")
    assert cli("fix", "--check", ".")[0] == 0


def test_write_keeps_mode_bits(project: Path, cli) -> None:
    target = project / "app" / "handlers.py"
    target.chmod(0o751)
    cli("fix", "--write", ".")
    assert target.stat().st_mode & 0o777 == 0o751
    assert not [p for p in target.parent.iterdir() if "awaitify-tmp" in p.name]


@pytest.mark.parametrize("selector, changes", [
    (["--select", "AW101"], True), (["--select", "AW1"], True), (["--select", "sleep"], True),
    (["--ignore", "sleep"], False), (["--select", "asyncio-run,AW4"], False),
])
def test_select_and_ignore(project: Path, cli, selector: list[str], changes: bool) -> None:
    code, out, _ = cli("fix", *selector, ".")
    assert code == 0 and (b"asyncio.sleep" in out) is changes


@pytest.mark.parametrize("args, message", [
    (["fix", "--select", "AW999"], "unknown rule `AW999`"),
    (["fix", "--bogus"], "No such option: --bogus"),
    (["fix", "--color", "purple"], "--color must be one of"),
    (["fix", "--propagate", "sometimes"], "--propagate must be one of"),
    (["fix", "missing_dir"], "missing_dir: no such file or directory"),
    (["fix", "--write", "--check"], "cannot be used together"),
    (["explain", "nope"], "unknown rule `nope`"),
])
def test_usage_errors_exit_2_with_one_line(project: Path, cli, args: list[str], message: str) -> None:
    code, out, err = cli(*args)
    assert code == 2 and out == b""
    assert err.count("\n") == 1 and err.startswith("awaitify: error:") and message in err
    assert "Traceback" not in err


@pytest.mark.parametrize("config, message", [
    ("[tool.awaitify]\nselekt = ['AW101']\n", "unknown key `selekt`"),
    ("[tool.awaitify]\npropagate = 'always'\n", "`propagate` must be one of auto, offload, off"),
    ("[tool.awaitify]\nselect = 'AW101'\n", "`select` must be a list of strings"),
    ("[tool.awaitify\n", "invalid TOML"),
    ("[tool.awaitify]\nblocking-calls = { get_blob = 'offload' }\n", "use the dotted name"),
])
def test_config_errors_exit_2(project: Path, cli, config: str, message: str) -> None:
    (project / "pyproject.toml").write_text(config)
    code, out, err = cli("fix", ".")
    assert code == 2 and err.count("\n") == 1 and message in err and "pyproject.toml" in err


def test_config_select_and_explicit_config_file(project: Path, cli) -> None:
    (project / "pyproject.toml").write_text("[tool.awaitify]\nignore = ['AW101']\n")
    assert b"asyncio.sleep" not in cli("fix", ".")[1]
    (project / "other.toml").write_text("select = ['sleep']\n")
    assert b"asyncio.sleep" in cli("fix", "--config", "other.toml", ".")[1]


def test_per_file_ignores(project: Path, cli) -> None:
    (project / "pyproject.toml").write_text("[tool.awaitify.per-file-ignores]\n'app/*' = ['AW101']\n")
    assert cli("fix", ".")[1] == b""


def test_rules_and_explain(cli) -> None:
    code, out, _ = cli("rules")
    assert code == 0 and b"AW101" in out and b"AW102" in out and b"AW401" in out
    for name in ("AW101", "sleep"):
        code, out, _ = cli("explain", name)
        assert code == 0 and out.startswith(b"# AW101 `sleep`") and b"When it refuses" in out


def test_explain_flag_gives_reasons(project: Path, cli) -> None:
    _, _, err = cli("fix", "--explain", ".")
    assert "5:5 AW101 time.sleep() -> await asyncio.sleep(): time.sleep blocks the event loop" in err


def test_quiet_and_color(project: Path, cli) -> None:
    code, out, err = cli("fix", "-q", "--color", "never", ".")
    assert code == 0 and err == "" and b"\x1b[" not in out
    _, out, _ = cli("fix", "--color", "always", ".")
    assert b"\x1b[" in out


def test_version(cli) -> None:
    code, out, _ = cli("--version")
    assert code == 0 and out.startswith(b"awaitify ")


@pytest.mark.slow  # still run by .ci/run (`pytest -m slow`): kept out of the quick suite for time
def test_the_command_exits_with_its_code_and_a_closed_pipe_is_no_error(tmp_path: Path) -> None:
    """`awaitify` leaves without tearing the interpreter down (`cli.entry`): its exit code and
    every line it printed still arrive, and a reader that stops early (`| head -1`) gets no traceback."""
    import subprocess
    import sys

    body = "".join(f"\n\nasync def f{n}():\n    time.sleep(1)\n" for n in range(60))
    for i in range(40):  # a patch of about 300 KB: more than a pipe holds
        (tmp_path / f"m{i}.py").write_text("import time\n" + body)
    full = subprocess.run([sys.executable, "-m", "awaitify", "fix", "--check", "--diff", "."], cwd=tmp_path, capture_output=True)
    assert full.returncode == 1
    assert full.stdout.count(b"+++ b/") == 40
    proc = subprocess.Popen([sys.executable, "-m", "awaitify", "fix", "."], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout.readline().startswith(b"--- a/")
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait() in (0, 1) and "Traceback" not in err, err


@pytest.mark.skipif(sys.version_info < (3, 12), reason="Python warns about invalid escapes from 3.12")
def test_warnings_about_the_code_read_are_not_printed(tmp_path: Path, cli) -> None:
    (tmp_path / "app.py").write_text('import time\n\n\nasync def f():\n    time.sleep(1)\n    return "\\("\n')
    code, out, err = cli("fix", "--check", ".")
    assert code == 1 and "SyntaxWarning" not in err, err


def test_check_summary_counts_one_file_in_the_singular(tmp_path: Path, cli) -> None:
    (tmp_path / "m.py").write_text("import time\n\n\nasync def h():\n    time.sleep(1)\n")
    code, _, err = cli("check", "--no-cache", ".")
    assert code == 1 and "1 finding (1 fixable with `awaitify fix`) in 1 file scanned" in err


def test_explain_takes_flake8_async_codes(cli) -> None:
    code, out, _ = cli("explain", "ASYNC251")
    assert code == 0 and out.decode().startswith("# AW101 `sleep`")
    code, out, _ = cli("explain", "async210")
    text = out.decode()
    assert code == 0 and text.startswith("ASYNC210 is covered by AW201 requests-httpx, AW501 blocking-http-call.")
    assert "# AW201 `requests-httpx`" in text and "# AW501 `blocking-http-call`" in text
    code, _, err = cli("explain", "ASYNC999")
    assert code == 2 and "unknown rule `ASYNC999`" in err


def test_bare_command_prints_the_help_as_click_does(cli) -> None:
    code, out, err = cli()
    assert code == 2 and out == b"" and err.startswith("Usage: awaitify [OPTIONS] COMMAND") and "error:" not in err
    assert "fix" in err and "check" in err


def test_fix_says_when_a_selected_rule_has_no_fix(tmp_path: Path, cli) -> None:
    (tmp_path / "m.py").write_text(BLOCKING)
    code, _, err = cli("fix", "--no-cache", "--select", "AW509,AW101", ".", cwd=tmp_path)
    assert code == 0 and "`AW509` has no fix: `awaitify check` reports it" in err and "AW101" not in err.split("\n")[0]
    code, _, err = cli("fix", "--no-cache", "--select", "AW101", ".", cwd=tmp_path)
    assert "has no fix" not in err


def test_version_long_and_short(cli) -> None:
    assert cli("--version")[1] == cli("-V")[1] and cli("-V")[1].startswith(b"awaitify ")


def test_check_statistics_counts_by_rule(tmp_path: Path, cli) -> None:
    (tmp_path / "m.py").write_text("import subprocess\nimport time\n\n\nasync def h():\n    time.sleep(1)\n"
                                   "    time.sleep(2)\n    subprocess.Popen(['true'])\n")
    code, out, _ = cli("check", "--no-cache", "--statistics", ".", cwd=tmp_path)
    assert code == 1 and out.decode().splitlines() == ["2\tAW101\t[*] sleep", "1\tAW504\t    subprocess-spawn"]
    code, _, err = cli("check", "--statistics", "--format", "json", ".", cwd=tmp_path)
    assert code == 2 and "--statistics prints text" in err


def test_check_colours_a_terminal_unless_told_not_to(tmp_path: Path, cli) -> None:
    import os

    import pexpect

    (tmp_path / "m.py").write_text(BLOCKING)

    def on_a_terminal(*args: str, **env: str) -> str:
        child = pexpect.spawn(sys.executable, ["-m", "awaitify", "check", "--no-cache", *args, "."], cwd=str(tmp_path),
                              env={**os.environ, **env}, encoding="utf-8", timeout=60)
        child.expect(pexpect.EOF)
        return child.before

    red = "\x1b[1;31mAW101\x1b[0m"
    assert red in on_a_terminal()
    assert red not in on_a_terminal(NO_COLOR="1") and "m.py:5:5 AW101" in on_a_terminal(NO_COLOR="1")
    assert red not in on_a_terminal("--color", "never")
    assert red in cli("check", "--no-cache", "--color", "always", ".", cwd=tmp_path)[1].decode()  # a pipe, but asked
    assert red not in cli("check", "--no-cache", ".", cwd=tmp_path)[1].decode()


def test_help_shows_placeholders_not_python_types(cli) -> None:
    for command in ("fix", "check"):
        _, out, _ = cli(command, "--help")
        text = out.decode()
        assert "--select <CODE>" in text and "--config <FILE>" in text and f"awaitify {command} [OPTIONS] [PATH]..." in text
        assert "<list[str]>" not in text and "<str>" not in text and "<int range>" not in text


def test_one_progress_bar_adds_up_the_batches_of_every_stage() -> None:
    from awaitify.report import Overall

    bar = Overall()
    seen = []
    for stage, done, total in [("summarize", 0, 4), ("summarize", 4, 4), ("summarize", 0, 3), ("summarize", 2, 3),
                               ("summarize", 3, 3), ("transform", 0, 2), ("transform", 1, 2), ("transform", 2, 2)]:
        bar.update(stage, done, total)
        seen.append((bar.done, bar.total))
    assert seen == [(0, 4), (4, 4), (4, 7), (6, 7), (7, 7), (7, 9), (8, 9), (9, 9)]
    assert all(a[0] <= b[0] for a, b in zip(seen, seen[1:]))  # it never goes back


def test_every_command_takes_color(cli) -> None:
    assert cli("rules", "--color", "always")[1].startswith(b"\x1b[1;31mAW000")
    assert cli("rules", "--color", "never")[1].startswith(b"AW000 ")
    assert cli("explain", "AW101", "--color", "always")[1].startswith(b"# AW101")  # a page stays plain markdown
    assert cli("rules", "--color", "sometimes")[0] == 2
