"""What awaitify guarantees when it writes: nothing broken, nothing half-written, nothing lost."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
import warnings
from pathlib import Path

import pytest

from awaitify.config import Config
from awaitify.plan import FilePlan
from awaitify.rules import all_rules
from awaitify.runner import fix_file
from awaitify.source import read_source

BLOCKING = b"import time\n\n\nasync def handler():\n    time.sleep(1)\n"
FIXED = b"import asyncio\n\n\nasync def handler():\n    await asyncio.sleep(1)\n"


def test_a_rewrite_that_would_not_compile_is_not_written(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text("def sync():\n    return work()\n")
    # a plan that (wrongly) awaits a call inside a sync function: the result does not compile
    plan = FilePlan(await_calls={(2, 15): "test"})
    result = fix_file(read_source(path, "m.py"), all_rules(), Config(root=tmp_path), plan)
    assert result.error and "does not compile" in result.error and "'await' outside async function" in result.error
    assert not result.changed and result.new == result.old


def test_dirty_git_files_are_not_overwritten(tmp_path: Path, cli) -> None:
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    (tmp_path / "m.py").write_bytes(BLOCKING)
    subprocess.run(["git", "add", "."], cwd=tmp_path, check=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x"], cwd=tmp_path, check=True)
    assert cli("fix", "--write", ".")[0] == 0  # clean: written
    (tmp_path / "m.py").write_bytes(BLOCKING + b"# local edit\n")
    code, _, err = cli("fix", "--write", ".")
    assert code == 2 and "refusing to write over uncommitted changes" in err and "m.py" in err
    assert (tmp_path / "m.py").read_bytes() == BLOCKING + b"# local edit\n"
    assert cli("fix", "--write", "--allow-dirty", ".")[0] == 0
    assert (tmp_path / "m.py").read_bytes() == FIXED + b"# local edit\n"


def test_verify_command_failure_restores_every_file(tmp_path: Path, cli) -> None:
    for i in range(3):
        (tmp_path / f"m{i}.py").write_bytes(BLOCKING)
    (tmp_path / "guard.sh").write_text("grep -q time.sleep m0.py\n")
    code, _, err = cli("fix", "--write", "--verify-cmd", "sh guard.sh", ".")
    assert code == 1 and "restored 3 files" in err
    for i in range(3):
        assert (tmp_path / f"m{i}.py").read_bytes() == BLOCKING
    (tmp_path / "guard.sh").write_text("true\n")
    assert cli("fix", "--write", "--verify-cmd", "sh guard.sh", ".")[0] == 0
    assert (tmp_path / "m0.py").read_bytes() == FIXED


def test_symlink_out_of_the_tree_is_not_written(tmp_path: Path, cli) -> None:
    outside = tmp_path / "outside.py"
    outside.write_bytes(BLOCKING)
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "link.py").symlink_to(outside)
    code, _, err = cli("fix", "--write", "link.py", cwd=tree)
    assert code == 3 and "link.py: resolves to" in err and "outside the tree" in err
    assert outside.read_bytes() == BLOCKING


@pytest.mark.slow  # still run by .ci/run (`pytest -m slow`): kept out of the quick suite for time
def test_killed_write_leaves_every_file_old_or_new(tmp_path: Path) -> None:
    count = 400
    for i in range(count):
        (tmp_path / f"m{i:03}.py").write_bytes(BLOCKING)
    proc = subprocess.Popen([sys.executable, "-m", "awaitify", "fix", "--write", "--no-cache", "-q", "."],
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if any((tmp_path / f"m{i:03}.py").read_bytes() == FIXED for i in range(0, count, 7)):
            proc.send_signal(signal.SIGTERM)
            break
        time.sleep(0.002)
    _, err = proc.communicate(timeout=60)
    contents = [(tmp_path / f"m{i:03}.py").read_bytes() for i in range(count)]
    assert all(c in (BLOCKING, FIXED) for c in contents)
    assert not [p for p in tmp_path.iterdir() if "awaitify-tmp" in p.name]
    if proc.returncode == 130 and "files completely" in err.decode():
        written = sum(c == FIXED for c in contents)
        assert f"wrote {written} of {count} files completely" in err.decode()
    else:  # the signal came after the last write (while the summary was printed): all written
        assert proc.returncode in (0, 130) and all(c == FIXED for c in contents)


def _compiles(path: Path) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the stdlib's tests hold deliberate SyntaxWarnings
        try:
            compile(path.read_bytes(), str(path), "exec", dont_inherit=True)
            return True
        except Exception:
            return False


@pytest.mark.slow
def test_real_tree_cpython_stdlib(tmp_path: Path) -> None:
    tree = tmp_path / "stdlib"
    shutil.copytree(sysconfig.get_paths()["stdlib"], tree, symlinks=True,
                    ignore=shutil.ignore_patterns("site-packages", "__pycache__", "*.pyc"))
    files = sorted(p for p in tree.rglob("*.py") if p.is_file() and not p.is_symlink())
    before = {p: p.read_bytes() for p in files}
    compiled_before = {p for p in files if _compiles(p)}
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    proc = subprocess.run([sys.executable, "-m", "awaitify", "fix", "--write", "-q", "."], cwd=tree,
                          capture_output=True, text=True, env=env, timeout=1200)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    changed = [p for p in files if p.read_bytes() != before[p]]
    assert changed, "the stdlib has async code with blocking calls: something must change"
    for path in compiled_before:
        assert _compiles(path), path
    for path in set(files) - compiled_before:
        assert path.read_bytes() == before[path], f"{path} did not compile and must stay untouched"
    again = subprocess.run([sys.executable, "-m", "awaitify", "fix", "--check", "."], cwd=tree,
                           capture_output=True, text=True, env=env, timeout=1200)
    # nothing would change; exit 1 only for the stdlib's deliberately broken test files (AW000)
    assert " 0 would change" in again.stderr, again.stdout[-3000:]
    assert again.returncode == (1 if ": cannot parse: " in again.stderr else 0), again.stderr[-3000:]


def _crash_on_victim(item):
    """Stands in for the transform in worker processes: dies (as a killed or OOM worker would) on
    one file."""
    import os as _os

    from awaitify.runner import transform_file

    if item[0].path.name == "victim.py":
        _os._exit(9)
    return transform_file(*item)


def test_a_crashed_worker_costs_one_file(tmp_path: Path, monkeypatch) -> None:
    from awaitify import runner
    from awaitify.config import Config
    from awaitify.rules import all_rules

    for name in ("a.py", "b.py", "victim.py", "c.py", "d.py"):
        (tmp_path / name).write_text("import time\n\n\nasync def h():\n    time.sleep(1)\n")
    monkeypatch.setattr(runner, "_transform_one", _crash_on_victim)  # workers are forked: they see the patch
    result = runner.run([tmp_path], Config(root=tmp_path), all_rules(), runner.RunOptions(jobs=2, use_cache=False))
    errors = {r.display.rsplit("/", 1)[-1]: r.error for r in result.results if r.error}
    assert list(errors) == ["victim.py"] and "worker process died" in errors["victim.py"]
    assert sorted(r.path.name for r in result.changed) == ["a.py", "b.py", "c.py", "d.py"]


def _peak_child_mb(args: list[str], cwd: Path) -> tuple[subprocess.CompletedProcess, int]:
    import resource

    proc = subprocess.run([sys.executable, "-m", "awaitify", *args], cwd=cwd, capture_output=True, text=True)
    return proc, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024


@pytest.mark.slow
def test_a_50k_line_file_is_fixed_within_bounded_memory(tmp_path: Path) -> None:
    huge = tmp_path / "huge.py"
    huge.write_text("import time\n\n\nasync def h():\n    time.sleep(1)\n" + "".join(f"x{i} = {i}\n" for i in range(50_000)))
    proc, peak = _peak_child_mb(["fix", "--write", "--no-cache", "--allow-dirty", "."], tmp_path)
    assert proc.returncode == 0, proc.stderr
    text = huge.read_text()
    assert "    await asyncio.sleep(1)\n" in text and text.count("\n") == 50_005  # `import time` became `import asyncio`
    assert _compiles(huge)
    assert peak < 1500  # measured ~950 MB: libcst holds the whole tree and its metadata


@pytest.mark.slow
def test_a_10k_file_tree(tmp_path: Path) -> None:
    for p in range(100):
        package = tmp_path / f"pkg{p}"
        package.mkdir()
        (package / "__init__.py").write_text("")
        for m in range(100):
            body = "import time\n\n\nasync def h():\n    time.sleep(0.1)\n" if m % 50 == 0 else f"def f{m}(x):\n    return x + {m}\n"
            (package / f"m{m}.py").write_text(body)
    proc, peak = _peak_child_mb(["fix", "--check", "--no-cache", "."], tmp_path)
    assert proc.returncode == 1 and "10100 files scanned, 200 would change" in proc.stderr
    proc, _ = _peak_child_mb(["check", "--no-cache", "."], tmp_path)
    assert proc.returncode == 1 and proc.stdout.count(" AW101 ") == 200
    assert peak < 1000


def test_a_file_that_cannot_be_written_is_reported_and_the_others_written(tmp_path: Path, monkeypatch) -> None:
    from awaitify import apply
    from awaitify.runner import FileResult

    results = []
    for name in ("a.py", "b.py", "c.py"):
        (tmp_path / name).write_bytes(BLOCKING)
        results.append(FileResult(tmp_path / name, name, BLOCKING, FIXED))
    real_write = apply.write_file

    def refuse_b(top: Path, parts: tuple, data: bytes, **kwargs) -> None:  # as a read-only folder would (even for root)
        if parts[-1] == "b.py":
            raise PermissionError(13, "Permission denied")
        real_write(top, parts, data, **kwargs)

    monkeypatch.setattr(apply, "write_file", refuse_b)
    report = apply.apply_results(results, tmp_path, allow_dirty=True)
    assert [r.display for r in report.written] == ["a.py", "c.py"]
    assert [(r.display, why) for r, why in report.failed] == [("b.py", "cannot write: Permission denied; left unchanged")]
    assert [r.display for r in results if r.changed] == ["a.py", "c.py"]  # the summary does not call it changed
    assert [(tmp_path / n).read_bytes() for n in ("a.py", "b.py", "c.py")] == [FIXED, BLOCKING, FIXED]


@pytest.mark.parametrize("message", ["maximum recursion depth exceeded in comparison",
                                     "maximum recursion depth exceeded while calling a Python object"])
def test_a_codemod_out_of_stack_says_the_same_every_run(tmp_path: Path, monkeypatch, message: str) -> None:
    """Where the limit is met depends on the depth the worker was forked at; the file's error does not."""
    from awaitify import transform
    from awaitify.runner import transform_file

    path = tmp_path / "deep.py"
    path.write_text("import time\n\n\nasync def h():\n    time.sleep(1)\n")

    def out_of_stack(*args, **kwargs):
        raise RecursionError(message)
    monkeypatch.setattr(transform, "transform", out_of_stack)
    result = transform_file(read_source(path, "deep.py"), all_rules(), Config(root=tmp_path), FilePlan())
    assert result.error == ("internal error in a codemod: RecursionError: maximum recursion depth exceeded; "
                            "file left unchanged (please report this)")
    assert result.new == result.old
