"""awaitify.api: the same results as the command line (one path: both call awaitify.commands), the
behaviour of the written code (run before and after), the documented errors, and the types
(mypy --strict on a caller; py.typed shipped). docs/api.md's examples run here too."""

from __future__ import annotations

import asyncio
import doctest
import json
import pickle
import re
import runpy
import shutil
import stat
import subprocess
import sys
from dataclasses import FrozenInstanceError
from pathlib import Path

import pytest

from awaitify import api, commands, errors
from inprocess_cli import cli_here  # noqa: F401  (a fixture)

REPO = Path(__file__).resolve().parents[1]

# a project where every part of a FixResult is filled: propagation across modules, a refusal
# (diagnostic), a file that does not parse (skipped), a finding only `check` reports (open in sync code)
PROJECT = {
    "svc/__init__.py": "",
    "svc/store.py": (
        "import time\n\n\n"
        "def load(i, log):\n"
        "    log.append(('start', i))\n"
        "    time.sleep(0.05)\n"
        "    log.append(('end', i))\n"
        "    if i < 0:\n"
        "        raise ValueError(f'bad id {i}')\n"
        "    return i * 3\n"
    ),
    "svc/routes.py": (
        "import asyncio\n"
        "import time\n\n"
        "from svc.store import load\n\n\n"
        "async def handler(i, log):\n"
        "    return load(i, log)\n\n\n"
        "async def main(ids, log):\n"
        "    return await asyncio.gather(*(handler(i, log) for i in ids), return_exceptions=True)\n\n\n"
        "async def odd():\n"
        "    f = lambda: time.sleep(0.01)\n"
        "    f()\n"
    ),
    "broken.py": "import time\n\n\nasync def oops(:\n    time.sleep(1)\n",
}


def _project(root: Path, files: dict[str, str] = PROJECT) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


# --- docs/api.md ---------------------------------------------------------------------------------------
def test_the_documented_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    doc = (REPO / "docs" / "api.md").read_text(encoding="utf-8")
    name, source = re.search(r"<!-- file: (\S+) -->\n```python\n(.*?)```", doc, re.S).groups()
    (tmp_path / name).write_text(source)
    monkeypatch.chdir(tmp_path)
    examples = "\n".join(re.findall(r"```pycon\n(.*?)```", doc, re.S))
    test = doctest.DocTestParser().get_doctest(examples, {}, "api.md", str(REPO / "docs" / "api.md"), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    out: list[str] = []
    runner.run(test, out=out.append)
    assert runner.failures == 0, "".join(out)
    assert runner.tries >= 20  # the page's examples were found, not skipped


# --- one path: the same results as the command line --------------------------------------------------
def test_fix_gives_what_the_command_gives(tmp_path: Path, cli_here, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    root = _project(tmp_path)
    _, patch, _ = cli_here("fix", "--no-cache", cwd=root)
    _, report, _ = cli_here("fix", "--no-cache", "--format", "json", cwd=root)
    capsysbinary.readouterr()
    result = api.fix(".", cache=False)
    assert capsysbinary.readouterr() == (b"", b"")  # the API prints nothing
    assert result.patch == patch and b"async def load" in patch
    expected = json.loads(report)
    assert [(f.path, list(f.rules), [(c.line, c.column, c.code, c.message, c.safety) for c in f.changes])
            for f in result.files] == \
        [(f["path"], f["rules"], [(c["line"], c["column"], c["code"], c["message"], c["safety"]) for c in f["changes"]])
         for f in expected["files"]]
    assert [(d.path, d.line, d.column, d.code, d.message) for d in result.diagnostics] == \
        [(d["path"], d["line"], d["column"], d["code"], d["message"]) for d in expected["diagnostics"]]
    assert result.diagnostics and result.diagnostics[0].code == "AW101"  # the lambda: refused, with why
    assert [(s.path, s.reason) for s in result.skipped] == [(s["path"], s["reason"]) for s in expected["skipped"]]
    assert result.skipped[0].path == "broken.py" and result.check_fails
    assert list(result.explanations) == expected["explanations"]
    assert result.files_scanned == expected["totals"]["files_scanned"] == 4
    assert b"".join(f.patch for f in result.files) == result.patch
    assert all(f.old == (root / f.path).read_bytes() for f in result.files)  # a dry run wrote nothing


def test_check_gives_what_the_command_gives(tmp_path: Path, cli_here) -> None:
    root = _project(tmp_path)
    code, out, _ = cli_here("check", "--no-cache", "--format", "json", cwd=root)
    report = api.check(".", cache=False)
    expected = json.loads(out)
    assert code == 1 and not report.ok
    findings = expected["findings"] if isinstance(expected, dict) else expected
    assert [(f.path, f.line, f.column, f.code, f.message, f.fixable) for f in report.findings] == \
        [(f["path"], f["line"], f["column"], f["code"], f["message"], f["fixable"]) for f in findings]
    assert {f.code for f in report.findings} >= {"AW000", "AW101"}
    assert {(f.code, f.name) for f in report.findings} >= {("AW000", "syntax-error"), ("AW101", "sleep")}
    chained = next(f for f in report.findings if f.chain)
    assert chained.function == "svc.store.load" and chained.chain[0].function == "svc.routes.handler"


def test_the_command_and_the_api_run_the_same_functions(tmp_path: Path, cli_here, monkeypatch: pytest.MonkeyPatch) -> None:
    """Not two implementations that happen to agree: both fronts go through awaitify.commands."""
    root = _project(tmp_path, {"a.py": "import time\n\nasync def f():\n    time.sleep(1)\n"})
    import awaitify.runner

    calls: list[str] = []

    def spy(module: object, name: str) -> None:
        real = getattr(module, name)

        def called(*args: object, **kwargs: object) -> object:
            calls.append(f"{sys._getframe(1).f_globals['__name__']} -> {name}")  # who called the engine
            return real(*args, **kwargs)
        monkeypatch.setattr(module, name, called)
    spy(awaitify.runner, "run")
    spy(commands, "last_check")  # what every check run asks first
    cli_here("fix", "--no-cache", cwd=root)
    cli_here("check", "--no-cache", cwd=root)
    assert calls == ["awaitify.commands -> run", "awaitify.commands -> last_check"]
    api.fix(".", cache=False)
    api.check(".", cache=False)
    assert calls == ["awaitify.commands -> run", "awaitify.commands -> last_check"] * 2


# --- behaviour: the written code, run --------------------------------------------------------------
def _run(root: Path, ids: list[int]) -> tuple[list[object], list[tuple[str, int]]]:
    """svc.routes.main(ids) on the files as they are now: results (exceptions as (type, message))."""
    sys.path.insert(0, str(root))
    try:
        for name in [m for m in sys.modules if m == "svc" or m.startswith("svc.")]:
            del sys.modules[name]
        routes = runpy.run_path(str(root / "svc" / "routes.py"), run_name="routes_under_test")
        log: list[tuple[str, int]] = []
        results = asyncio.run(routes["main"](ids, log))
    finally:
        sys.path.remove(str(root))
        for name in [m for m in sys.modules if m == "svc" or m.startswith("svc.")]:
            del sys.modules[name]
    return [(type(r).__name__, str(r)) if isinstance(r, BaseException) else r for r in results], log


def test_written_code_keeps_results_and_errors_and_calls_overlap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = {k: v for k, v in PROJECT.items() if k != "broken.py"}
    root = _project(tmp_path, files)
    monkeypatch.chdir(root)
    before, log_before = _run(root, [1, -1, 2])
    result = api.fix(".", write=True, cache=False)
    assert set(result.written) == {"svc/store.py", "svc/routes.py"}
    assert all((root / f.path).read_bytes() == f.new for f in result.files)
    after, log_after = _run(root, [1, -1, 2])
    assert after == before == [3, ("ValueError", "bad id -1"), 6]
    # before: each load blocked the loop, so one ran after the other; after: all start, then all end
    assert [kind for kind, _ in log_before] == ["start", "end"] * 3
    assert [kind for kind, _ in log_after] == ["start"] * 3 + ["end"] * 3
    assert api.fix(".", cache=False).changed is False  # fixed once: nothing left for a second run


# --- errors ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("call, kind, message", [
    (lambda: api.fix(".", select=["AW999"]), api.UsageError, "unknown rule `AW999` (see `awaitify rules`)"),
    (lambda: api.check(".", ignore="nope"), api.UsageError, "unknown rule `nope` (see `awaitify rules`)"),
    (lambda: api.check("missing.py"), api.UsageError, "missing.py: no such file or directory"),
    (lambda: api.fix(".", propagate="sometimes"), api.UsageError, "propagate must be one of auto, offload, off; got 'sometimes'"),
    (lambda: api.fix(".", target="gevent"), api.UsageError, "target must be one of asyncio, anyio, trio; got 'gevent'"),
    (lambda: api.fix(".", jobs=-1), api.UsageError, "jobs must be a number of processes, 0 or more (0: every core); got -1"),
    (lambda: api.fix([]), api.UsageError, 'no paths given (pass "." for the current directory)'),
    (lambda: api.fix("-"), api.UsageError, "`-` (stdin) is the command line's; pass the files' paths"),
    (lambda: api.check(".", select=[101]), api.UsageError, "select takes rule codes, prefixes or names as strings; got int"),
    (lambda: api.check(".", config={"propagate": "maybe"}), api.ConfigError,
     "config argument: `propagate` must be one of auto, offload, off; got 'maybe'"),
    (lambda: api.check(".", config="nowhere.toml"), api.ConfigError, "nowhere.toml: cannot read: No such file or directory"),
    (lambda: api.fix(".", changed_since="HEAD"), api.UsageError, None),  # not a git repository
])
def test_errors_are_the_documented_exceptions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, call, kind, message) -> None:
    _project(tmp_path, {"a.py": "import time\n\nasync def f():\n    time.sleep(1)\n"})
    monkeypatch.chdir(tmp_path)
    with pytest.raises(kind) as raised:
        call()
    assert isinstance(raised.value, api.AwaitifyError) and isinstance(raised.value, errors.UsageError)
    if message is not None:
        assert str(raised.value) == message
    assert "\n" not in str(raised.value)
    assert (tmp_path / "a.py").read_text().count("time.sleep") == 1  # nothing written


def test_an_error_says_what_the_command_says(tmp_path: Path, cli_here) -> None:
    _project(tmp_path, {"a.py": "x = 1\n", "pyproject.toml": "[tool.awaitify]\nselct = ['AW1']\n"})
    code, _, err = cli_here("check", cwd=tmp_path)
    with pytest.raises(api.ConfigError) as raised:
        api.check(".")
    assert code == 2 and err == f"awaitify: error: {raised.value}\n"


def test_a_file_that_cannot_be_written_raises_with_what_was_written(tmp_path: Path, cli_here,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    files = {"a.py": "import time\n\nasync def f():\n    time.sleep(1)\n", "b.py": "import time\n\nasync def g():\n    time.sleep(2)\n"}
    for where in ("api", "cli"):
        _project(tmp_path / where, files)
        (tmp_path / where / "a.py").chmod(stat.S_IRUSR | stat.S_IRGRP)
    code, _, err = cli_here("fix", "--write", "--no-cache", cwd=tmp_path / "cli")
    monkeypatch.chdir(tmp_path / "api")
    with pytest.raises(api.WriteError) as raised:
        api.fix(".", write=True, cache=False)
    result = raised.value.result
    assert code == 3 and "a.py: read-only file" in err
    assert result.written == ("b.py",) and [e.path for e in result.not_written] == ["a.py"]
    assert "read-only" in result.not_written[0].reason and "a.py: read-only" in str(raised.value)
    assert (tmp_path / "api" / "a.py").read_text() == files["a.py"]
    again = pickle.loads(pickle.dumps(raised.value))  # a worker process can hand it back whole
    assert type(again) is api.WriteError and str(again) == str(raised.value) and again.result == result
    assert (tmp_path / "api" / "b.py").read_bytes() == (tmp_path / "cli" / "b.py").read_bytes() != files["b.py"].encode()


def test_a_failing_verify_command_restores_and_raises(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    original = "import time\n\nasync def f():\n    time.sleep(1)\n"
    _project(tmp_path, {"a.py": original})
    monkeypatch.chdir(tmp_path)
    fails_once_fixed = f"{shutil.which('python3') or sys.executable} -c \"import sys; sys.exit('await' in open('a.py').read())\""
    with pytest.raises(api.VerifyError) as raised:
        api.fix(".", write=True, cache=False, verify_cmd=fails_once_fixed)
    assert raised.value.result.written == ("a.py",)  # written, then put back
    assert (tmp_path / "a.py").read_text() == original


def test_writing_from_another_thread_works(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The writes install SIGINT/SIGTERM handlers (to stop between two files) only on the main thread,
    the one Python lets install them: from a worker thread (an editor's, a server's) a dry run and a
    write both work, and the write gives what the dry run showed."""
    import threading

    original = "import time\n\nasync def f():\n    time.sleep(1)\n"
    _project(tmp_path, {"a.py": original})
    monkeypatch.chdir(tmp_path)
    seen: dict[str, object] = {}

    def work() -> None:
        try:
            seen["dry"] = api.fix(".", cache=False)
            seen["write"] = api.fix(".", cache=False, write=True)
        except BaseException as exc:  # noqa: BLE001 - what reaches the caller is the point
            seen["error"] = exc
    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert "error" not in seen, seen
    dry, written = seen["dry"], seen["write"]
    assert written.written == ("a.py",) and dry.files[0].new == (tmp_path / "a.py").read_bytes() != original.encode()


def test_a_signal_during_the_writes_raises_interrupted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SIGINT while the verify command runs before the writes (the command sends it to us): nothing
    written, and the caller learns it as `Interrupted` (the command's exit 130), not as a result."""
    original = "import time\n\nasync def f():\n    time.sleep(1)\n"
    _project(tmp_path, {"a.py": original})
    monkeypatch.chdir(tmp_path)
    with pytest.raises(api.Interrupted) as raised:
        api.fix(".", write=True, cache=False, verify_cmd="kill -INT $PPID; sleep 5")
    assert raised.value.result.written == () and raised.value.result.changed
    assert (tmp_path / "a.py").read_text() == original


def test_files_outside_the_current_tree_are_not_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As `awaitify fix --write`: only inside the current directory's tree; said, never silent."""
    original = "import time\n\nasync def f():\n    time.sleep(1)\n"
    _project(tmp_path / "project", {"a.py": original})
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    with pytest.raises(api.WriteError) as raised:
        api.fix(str(tmp_path / "project"), write=True, cache=False)
    assert raised.value.result.written == () and "outside the tree" in raised.value.result.not_written[0].reason
    assert (tmp_path / "project" / "a.py").read_text() == original


def test_changed_since_in_a_real_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocking = "import time\n\nasync def f():\n    time.sleep(1)\n"
    _project(tmp_path, {"old.py": blocking})
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run([*git, "add", "."], cwd=tmp_path, check=True)
    subprocess.run([*git, "commit", "-qm", "x"], cwd=tmp_path, check=True)
    (tmp_path / "new.py").write_text(blocking)
    monkeypatch.chdir(tmp_path)
    assert [f.path for f in api.check(".", cache=False).findings] == ["new.py", "old.py"]
    assert [f.path for f in api.check(".", changed_since="HEAD", cache=False).findings] == ["new.py"]
    assert [f.path for f in api.fix(".", changed_since="HEAD", cache=False).files] == ["new.py"]
    with pytest.raises(api.UsageError, match="--changed-since"):
        api.check(".", changed_since="no-such-ref", cache=False)


def test_changed_since_keeps_findings_by_line_as_the_command_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                  cli_here) -> None:
    """An old finding in a file the change touches is not the change's: the API reports what
    `awaitify check --changed-since` reports (lines, not files)."""
    old = "import time\n\nasync def f():\n    time.sleep(1)\n"
    _project(tmp_path, {"a.py": old})
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run([*git, "add", "."], cwd=tmp_path, check=True)
    subprocess.run([*git, "commit", "-qm", "x"], cwd=tmp_path, check=True)
    (tmp_path / "a.py").write_text(old + "\n\nasync def g():\n    time.sleep(2)\n")
    monkeypatch.chdir(tmp_path)
    found = [(f.path, f.line) for f in api.check(".", changed_since="HEAD", cache=False).findings]
    _, out, _ = cli_here("check", "--no-cache", "--format", "json", "--changed-since", "HEAD", ".", cwd=tmp_path)
    assert found == [("a.py", 8)] == [(f["path"], f["line"]) for f in json.loads(out)["findings"]]


def test_uncommitted_changes_are_not_written_over(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _project(tmp_path, {"a.py": "x = 1\n"})
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run([*git, "add", "."], cwd=tmp_path, check=True)
    subprocess.run([*git, "commit", "-qm", "x"], cwd=tmp_path, check=True)
    (tmp_path / "a.py").write_text("import time\n\nasync def f():\n    time.sleep(1)\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(api.UsageError, match="refusing to write over uncommitted changes in .*a.py"):
        api.fix(".", write=True, cache=False)
    assert "time.sleep" in (tmp_path / "a.py").read_text()
    assert api.fix(".", write=True, cache=False, allow_dirty=True).written == ("a.py",)


# --- the returned values --------------------------------------------------------------------------------
def test_results_are_frozen_and_one_string_is_one_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _project(tmp_path, {"a.py": "import time\n\nasync def f():\n    time.sleep(1)\n", "b.py": "import time\n\nasync def g():\n    time.sleep(2)\n"})
    monkeypatch.chdir(tmp_path)
    result = api.fix("a.py", cache=False)  # a str is one path, never its characters
    assert [f.path for f in result.files] == ["a.py"]
    with pytest.raises(FrozenInstanceError):
        result.patch = b""  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        result.files[0].changes[0].line = 9  # type: ignore[misc]
    assert api.fix("a.py", select="AW503,sleep", cache=False).selectors_without_fix == ("AW503",)  # report-only
    report = api.check([Path("a.py"), "b.py"], cache=False)
    assert [f.path for f in report.findings] == ["a.py", "b.py"]
    with pytest.raises(FrozenInstanceError):
        report.findings[0].code = "AW000"  # type: ignore[misc]


def test_importing_the_api_does_not_load_libcst() -> None:
    """A warm `check` from Python answers from the cache without loading the codemods (~0.6 s)."""
    code = "import sys, awaitify.api; print('libcst' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


# --- types -----------------------------------------------------------------------------------------------
GOOD_CALLER = """
from pathlib import Path

from awaitify import api


def findings(root: Path) -> list[tuple[str, int, str]]:
    report: api.Report = api.check([root], select=["AW1"], config={"propagate": "auto"})
    return [(f.path, f.line, f.code) for f in report.findings]


def patch(root: str) -> bytes:
    try:
        result = api.fix(root, write=True, unsafe_fixes=False, jobs=2)
    except api.WriteError as exc:
        return exc.result.patch
    for changed in result.files:
        codes: tuple[str, ...] = changed.rules
        first: int = changed.changes[0].line
    return result.patch
"""

BAD_CALLER = """
from awaitify import api

result = api.fix(".", write="yes")
size: int = result.patch
api.check(".", selct=["AW1"])
"""


def _mypy(tmp_path: Path, *targets: str) -> subprocess.CompletedProcess[str]:
    # the package as a caller sees it: awaitify's internals are read for their types, not judged
    (tmp_path / "mypy.ini").write_text(f"[mypy]\nstrict = True\nmypy_path = {REPO / 'src'}\n"
                                       f"cache_dir = {tmp_path / 'cache'}\n[mypy-awaitify.*]\nfollow_imports = silent\n")
    return subprocess.run([sys.executable, "-m", "mypy", "--config-file", str(tmp_path / "mypy.ini"), *targets],
                          capture_output=True, text=True, cwd=tmp_path)


def test_mypy_strict_accepts_a_caller_and_rejects_misuse(tmp_path: Path) -> None:
    """The API's own modules pass --strict too (they are named, so judged, not only read)."""
    pytest.importorskip("mypy")
    (tmp_path / "good.py").write_text(GOOD_CALLER)
    (tmp_path / "bad.py").write_text(BAD_CALLER)
    modules = [str(REPO / "src" / "awaitify" / name) for name in ("api.py", "api_results.py", "api_errors.py", "commands.py")]
    good = _mypy(tmp_path, "good.py", *modules)
    assert good.returncode == 0, good.stdout + good.stderr
    bad = _mypy(tmp_path, "bad.py")
    assert bad.returncode == 1
    assert 'Argument "write" to "fix" has incompatible type "str"' in bad.stdout
    assert 'has type "bytes", variable has type "int"' in bad.stdout
    assert 'Unexpected keyword argument "selct"' in bad.stdout


def test_py_typed_is_in_the_package_and_its_data(tmp_path: Path) -> None:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    assert (REPO / "src" / "awaitify" / "py.typed").is_file()
    settings = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert "py.typed" in settings["tool"]["setuptools"]["package-data"]["awaitify"]


def test_a_build_ships_py_typed(tmp_path: Path) -> None:
    """What setuptools puts in the package (a wheel holds the same): py.typed and the API modules."""
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, tmp_path / name)
    for folder in ("src", "docs"):
        shutil.copytree(REPO / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    subprocess.run([sys.executable, "-c", "from setuptools import setup; setup()", "-q", "build_py", "--build-lib", "out"],
                   cwd=tmp_path, check=True, capture_output=True)
    built = {p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*")}
    assert {"awaitify/py.typed", "awaitify/api.py", "awaitify/api_results.py", "awaitify/libcst_commands.py",
            # a rule's folder ships without a line in pyproject.toml, with its data
            "awaitify/rules/sleep/fix.py", "awaitify/rules/stripe_global_key/tables/stripe-16.1.0.json"} <= built
