"""The attack suite: a checkout written by a stranger, and the faults an unlucky user meets.

Each test is one attack or fault from docs/safety.md's threat model, run against the real command
(or, where a fault must be injected, the real apply/cache code) and checked for what must not happen:
code from the checkout running, a byte written outside the tree or through a link, a failure called
a success, a hostile file costing more than itself.
"""

from __future__ import annotations

import errno
import os
import pickle
import stat
import subprocess
from pathlib import Path

import pytest

from awaitify.engine import cache, cache_key

BLOCKING = b"import time\n\n\nasync def handler():\n    time.sleep(1)\n"
FIXED = b"import asyncio\n\n\nasync def handler():\n    await asyncio.sleep(1)\n"


@pytest.fixture(autouse=True)
def private_key_home(tmp_path_factory, monkeypatch):
    """Each test gets its own per-user key folder (the cache key lives there, outside the tree)."""
    home = tmp_path_factory.mktemp("xdg")
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    monkeypatch.delenv("AWAITIFY_CACHE_DIR", raising=False)
    cache_key.user_key.cache_clear()
    yield home
    cache_key.user_key.cache_clear()


class _Boom:
    """A pickle that, when loaded, creates `marker`: what a planted cache file would do."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def _plant(folder: Path, marker: Path) -> list[str]:
    """Pickles that run code, under every name this version loads, raw and with a forged seal."""
    folder.mkdir(exist_ok=True)
    payload = pickle.dumps(_Boom(marker))
    names = [cache._file("fix"), cache._file("check"), f"last-fix-{cache._STAMP}.pickle", f"last-check-{cache._STAMP}.pickle"]
    for name in names:
        (folder / name).write_bytes(payload)
    forged = folder / "forged"
    forged.write_bytes(cache._seal(names[0], payload, b"\0" * 32))  # sealed, but not with this user's key
    return names


# --- 1. the cache never runs code from the checkout ---------------------------------------------
def test_planted_pickles_in_the_cache_do_not_run(tmp_path: Path, cli) -> None:
    (tmp_path / "m.py").write_bytes(BLOCKING)
    marker = tmp_path.parent / f"{tmp_path.name}-pwned"
    _plant(tmp_path / ".awaitify_cache", marker)
    for args in (("check", "."), ("fix", "."), ("fix", "--write", "."), ("check", ".")):
        code, _, err = cli(*args)
        assert "internal error" not in err and "Traceback" not in err
    assert not marker.exists()
    assert (tmp_path / "m.py").read_bytes() == FIXED


def test_every_planted_form_is_a_miss_in_process(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    names = _plant(tmp_path / ".awaitify_cache", marker)
    assert cache.Cache.load(tmp_path, "fix").summaries == {}
    assert cache.load_last(tmp_path, "fix", "anything") is None
    (tmp_path / ".awaitify_cache" / names[0]).write_bytes((tmp_path / ".awaitify_cache" / "forged").read_bytes())
    assert cache.Cache.load(tmp_path, "fix").outcomes == {}
    assert not marker.exists()


def test_a_cache_file_of_the_wrong_shape_is_a_miss(tmp_path: Path) -> None:
    # sealed with the right key (as an older layout would be), but not what this version reads
    for value in ([1, 2], {"summaries": []}, {"summaries": {}, "outcomes": {}, "plan": "x"}, None):
        cache._store(tmp_path, cache._file("fix"), value, "cache-", (cache._file("fix"),))
        loaded = cache.Cache.load(tmp_path, "fix")
        assert loaded.summaries == {} and loaded.outcomes == {} and loaded.plan is None
    cache._store(tmp_path, f"last-fix-{cache._STAMP}.pickle", ["not", "a", "pair"], "last-fix-", ())
    assert cache.load_last(tmp_path, "fix", "k") is None


def test_a_warm_cache_still_hits(tmp_path: Path, cli) -> None:
    """The seal must not turn the cache off: the second run answers from it."""
    (tmp_path / "m.py").write_bytes(BLOCKING)
    first = cli("fix", ".")
    files = sorted(p.name for p in (tmp_path / ".awaitify_cache").iterdir())
    assert any(n.startswith("last-fix-") for n in files) and ".gitignore" in files
    assert cache.load_last(tmp_path, "fix", "no such key") is None
    data = (tmp_path / ".awaitify_cache" / next(n for n in files if n.startswith("cache-fix-"))).read_bytes()
    assert data.startswith(cache._MAGIC)
    assert cli("fix", ".")[1] == first[1]


def test_the_key_is_private_and_an_unsafe_one_is_not_used(tmp_path: Path, private_key_home: Path) -> None:
    key = cache_key.user_key()
    path = private_key_home / "awaitify" / "key"
    assert key is not None and len(key) == 32 and stat.S_IMODE(path.stat().st_mode) == 0o600
    path.chmod(0o644)  # readable by others: anyone on the machine could forge cache files
    cache_key.user_key.cache_clear()
    assert cache_key.user_key() is None
    cache._store(tmp_path, cache._file("fix"), {"summaries": {}, "outcomes": {}, "plan": None}, "cache-", ())
    assert not (tmp_path / ".awaitify_cache").exists()  # no key: no cache written at all


def test_a_symlinked_cache_key_is_not_used(private_key_home: Path, tmp_path: Path) -> None:
    planted = tmp_path / "known-key"
    planted.write_bytes(b"k" * 32)
    planted.chmod(0o600)
    (private_key_home / "awaitify").mkdir()
    (private_key_home / "awaitify" / "key").symlink_to(planted)
    assert cache_key.user_key() is None


def test_a_symlinked_cache_folder_is_not_used(tmp_path: Path, cli) -> None:
    tree, outside = tmp_path / "tree", tmp_path / "outside"
    tree.mkdir(), outside.mkdir()
    (tree / "m.py").write_bytes(BLOCKING)
    (outside / "keep.txt").write_text("mine")
    (tree / ".awaitify_cache").symlink_to(outside)
    for _ in range(2):
        code, out, err = cli("fix", ".", cwd=tree)
        assert code == 0 and b"await asyncio.sleep" in out, err
    assert sorted(p.name for p in outside.iterdir()) == ["keep.txt"]


def test_the_cache_gitignore_and_stale_files_never_reach_outside(tmp_path: Path, cli) -> None:
    tree, outside = tmp_path / "tree", tmp_path / "outside"
    tree.mkdir(), outside.mkdir()
    (tree / "m.py").write_bytes(BLOCKING)
    folder = tree / ".awaitify_cache"
    folder.mkdir()
    (folder / ".gitignore").symlink_to(outside / "written-through")
    victim = outside / "victim"
    victim.write_text("precious")
    (folder / "cache-fix-0.0.0-old.pickle").symlink_to(victim)  # "stale": cleaned up by name
    (folder / "last-fix-0.0.0-old.pickle").symlink_to(victim)
    assert cli("fix", ".", cwd=tree)[0] == 0
    assert not (outside / "written-through").exists()
    assert victim.read_text() == "precious"
    assert any(p.name.startswith("cache-fix-") and not p.is_symlink() for p in folder.iterdir())


def test_cache_outside_the_checkout_on_request(tmp_path: Path, cli, monkeypatch) -> None:
    tree, elsewhere = tmp_path / "tree", tmp_path / "cache-home"
    tree.mkdir()
    (tree / "m.py").write_bytes(BLOCKING)
    monkeypatch.setenv("AWAITIFY_CACHE_DIR", str(elsewhere))
    assert cli("fix", ".", cwd=tree)[0] == 0
    assert not (tree / ".awaitify_cache").exists()
    (project,) = elsewhere.iterdir()
    assert any(p.name.startswith("last-fix-") for p in project.iterdir())


# --- 2. nothing written outside the tree or through a link -----------------------------------
@pytest.mark.parametrize("flag", ["--output-file", "--patch-file"])
def test_an_output_file_that_is_a_symlink_is_refused(tmp_path: Path, cli, flag: str) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "m.py").write_bytes(BLOCKING)
    target = tmp_path / "site-packages-evil.pth"
    (tree / "report.out").symlink_to(target)
    code, _, err = cli("fix", flag, "report.out", ".", cwd=tree)
    assert code == 2, err
    assert err.strip().splitlines()[-1] == "awaitify: error: report.out: report.out is a symlink; awaitify does not write through links"
    assert not target.exists() and (tree / "report.out").is_symlink()


def test_a_check_report_through_a_symlinked_folder_is_refused(tmp_path: Path, cli) -> None:
    tree, outside = tmp_path / "tree", tmp_path / "outside"
    tree.mkdir(), outside.mkdir()
    (tree / "m.py").write_bytes(BLOCKING)
    (tree / "reports").symlink_to(outside)
    code, _, err = cli("check", "--format", "sarif", "--output-file", "reports/a.sarif", ".", cwd=tree)
    assert code == 2 and "awaitify: error: reports/a.sarif: reports is a symlink" in err
    assert list(outside.iterdir()) == []


def test_an_output_outside_the_tree_named_by_the_user_is_written(tmp_path: Path, cli) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "m.py").write_bytes(BLOCKING)
    report = tmp_path / "elsewhere" / "r.json"
    report.parent.mkdir()
    assert cli("fix", "--format", "json", "--output-file", str(report), ".", cwd=tree)[0] == 0
    assert report.read_text().startswith("{")


def test_a_file_reached_through_a_symlinked_folder_is_not_written(tmp_path: Path, cli) -> None:
    tree, outside = tmp_path / "tree", tmp_path / "outside"
    tree.mkdir(), outside.mkdir()
    (outside / "m.py").write_bytes(BLOCKING)
    (tree / "pkg").symlink_to(outside)
    code, _, err = cli("fix", "--write", "pkg/m.py", cwd=tree)
    assert code == 3 and "pkg/m.py: resolves to" in err and "outside the tree" in err
    assert "changed pkg/m.py" not in err and "0 changed, 1 skipped" in err
    assert (outside / "m.py").read_bytes() == BLOCKING


def test_a_file_name_with_a_newline_is_skipped_and_the_patch_equals_write(tmp_path: Path, cli) -> None:
    """The name would carry its own lines into the patch (`+++ b/x\\n+import os...`): skipped by
    every mode, reported on one line, and the patch applied elsewhere gives what --write gives."""
    evil = "x.py\n@@ -0,0 +1 @@\n+import os;os.system('touch PWNED')\n.py"
    (tmp_path / evil).write_bytes(BLOCKING)
    (tmp_path / "ok.py").write_bytes(BLOCKING)
    (tmp_path / "bad\udcff.py".encode("utf-8", "surrogateescape").decode("utf-8", "surrogateescape")).write_bytes(BLOCKING)
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    code, patch, err = cli("fix", ".")
    assert code == 0 and b"PWNED" not in patch and b"ok.py" in patch
    assert "x.py\\n@@ -0,0 +1 @@\\n+import os" in err and "a patch cannot carry; skipped" in err
    assert "not valid UTF-8" in err
    copy = tmp_path.parent / f"{tmp_path.name}-copy"
    subprocess.run(["cp", "-a", str(tmp_path), str(copy)], check=True)
    subprocess.run(["git", "apply"], cwd=copy, input=patch, check=True)
    assert cli("fix", "--write", "--allow-dirty", ".")[0] == 0
    for path in tmp_path.iterdir():
        if path.is_file():
            assert path.read_bytes() == (copy / path.name).read_bytes(), path.name
    assert (tmp_path / evil).read_bytes() == BLOCKING and not list(tmp_path.rglob("*.pth"))


# --- 3. honest outcomes ---------------------------------------------------------------------
def test_a_read_only_file_is_not_rewritten_and_the_run_fails(tmp_path: Path, cli) -> None:
    (tmp_path / "ro.py").write_bytes(BLOCKING)
    (tmp_path / "rw.py").write_bytes(BLOCKING)
    (tmp_path / "ro.py").chmod(0o444)
    code, _, err = cli("fix", "--write", ".")
    assert code == 3 and "ro.py: read-only file" in err and "changed rw.py" in err and "changed ro.py" not in err
    assert (tmp_path / "ro.py").read_bytes() == BLOCKING and (tmp_path / "rw.py").read_bytes() == FIXED
    assert stat.S_IMODE((tmp_path / "ro.py").stat().st_mode) == 0o444


def test_a_full_disk_is_a_failure_and_leaves_no_temp_files(tmp_path: Path, monkeypatch) -> None:
    from awaitify import apply, safe_write
    from awaitify.runner import FileResult

    results = [FileResult(tmp_path / n, n, BLOCKING, FIXED) for n in ("a.py", "b.py")]
    for r in results:
        r.path.write_bytes(BLOCKING)
    real_fsync = os.fsync

    def full(fd: int) -> None:
        if os.fstat(fd).st_size > 40:  # only the rewritten files: as ENOSPC would on a nearly full disk
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(fd)

    monkeypatch.setattr(safe_write.os, "fsync", full)
    report = apply.apply_results(results, tmp_path, allow_dirty=True)
    assert report.written == [] and [why for _, why in report.failed] == ["cannot write: No space left on device; left unchanged"] * 2
    assert [r.changed for r in results] == [False, False]  # the summary lists them as failures
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.py", "b.py"]
    assert (tmp_path / "a.py").read_bytes() == BLOCKING


def test_a_file_edited_during_the_run_is_not_overwritten(tmp_path: Path) -> None:
    from awaitify import apply
    from awaitify.runner import FileResult

    (tmp_path / "a.py").write_bytes(BLOCKING)
    (tmp_path / "b.py").write_bytes(BLOCKING)
    results = [FileResult(tmp_path / n, n, BLOCKING, FIXED) for n in ("a.py", "b.py")]
    edited = BLOCKING + b"# saved by the editor meanwhile\n"
    (tmp_path / "a.py").write_bytes(edited)  # after awaitify read it, before it writes
    report = apply.apply_results(results, tmp_path, allow_dirty=True)
    assert [(r.display, why) for r, why in report.failed] == [("a.py", "changed on disk since awaitify read it; not overwritten (run again)")]
    assert (tmp_path / "a.py").read_bytes() == edited and (tmp_path / "b.py").read_bytes() == FIXED


def test_a_swapped_in_symlink_is_replaced_not_written_through(tmp_path: Path) -> None:
    """The last component turned into a link between the check and the write: refused."""
    from awaitify import safe_write

    outside = tmp_path / "outside"
    outside.write_bytes(b"keep")
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "m.py").symlink_to(outside)
    with pytest.raises(safe_write.PathRefused, match="symlink"):
        safe_write.write_file(tree, ("m.py",), b"new", expect=b"keep")
    assert outside.read_bytes() == b"keep" and (tree / "m.py").is_symlink()


# --- 4. hostile files cost one file ---------------------------------------------------------
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_deeply_nested_file_costs_one_file(tmp_path: Path, cli, jobs: str) -> None:
    # 20,000 unary minus signs segfaulted the whole run with --jobs 1 (libcst's native parser)
    (tmp_path / "deep.py").write_bytes(b"x = " + b"-" * 20_000 + b"1\n" + BLOCKING)
    (tmp_path / "chain.py").write_bytes(b"x = a" + b".b" * 20_000 + b"\n" + BLOCKING)
    (tmp_path / "ok.py").write_bytes(BLOCKING)
    code, out, err = cli("fix", "--no-cache", "-j", jobs, ".")
    assert code == 0, err
    assert "deep.py: too deeply nested" in err and "chain.py: too deeply nested" in err
    assert b"+++ b/ok.py" in out and b"deep.py" not in out


def _crash_on_victim(item):
    """The transform, dying in native code (as a segfault would) on one file."""
    if item[0].path.name == "victim.py":
        import faulthandler

        faulthandler.disable()  # pytest's would print the worker's stack: noise, not a failure
        os.kill(os.getpid(), 11)
    from awaitify.runner import transform_file

    return transform_file(*item)


@pytest.mark.parametrize("names", [("victim.py",), ("a.py", "victim.py", "b.py")])
def test_a_crash_in_native_code_costs_one_file_even_with_one_job(tmp_path: Path, monkeypatch, names) -> None:
    from awaitify import runner
    from awaitify.config import Config
    from awaitify.rules import all_rules

    for name in names:
        (tmp_path / name).write_bytes(BLOCKING)
    monkeypatch.setattr(runner, "_transform_one", _crash_on_victim)
    result = runner.run([tmp_path], Config(root=tmp_path), all_rules(), runner.RunOptions(jobs=1, use_cache=False, isolate=True))
    errors = {r.path.name: r.error for r in result.results if r.error}
    assert list(errors) == ["victim.py"] and "worker process died" in errors["victim.py"]
    assert sorted(r.path.name for r in result.changed) == sorted(set(names) - {"victim.py"})


def test_a_file_over_the_size_limit_is_skipped_unread(tmp_path: Path, cli) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.awaitify]\nmax-file-size = 200\n")
    (tmp_path / "big.py").write_bytes(BLOCKING + b"x = 1\n" * 40)
    (tmp_path / "small.py").write_bytes(BLOCKING)
    code, out, err = cli("fix", ".")
    assert code == 0 and "big.py: too large to transform (293 bytes > max-file-size 200); skipped" in err
    assert b"small.py" in out and b"big.py" not in out
    (tmp_path / "pyproject.toml").write_text("[tool.awaitify]\nmax-file-size = \"big\"\n")
    code, _, err = cli("fix", ".")
    assert code == 2 and "`max-file-size` must be a number of bytes" in err


def test_the_default_size_limit(tmp_path: Path, cli) -> None:
    with (tmp_path / "generated.py").open("wb") as fh:  # sparse: 5 MB on disk costs nothing to make
        fh.write(BLOCKING)
        fh.truncate(5 * 1024 * 1024)
    code, _, err = cli("fix", ".")
    assert code == 0 and "generated.py: too large to transform (5,242,880 bytes > max-file-size 4,194,304)" in err


# --- 5. low items: one-line diagnostics ------------------------------------------------------
def test_a_form_feed_before_indentation_is_refused_not_dropped(tmp_path: Path, cli) -> None:
    source = b"import time\n\n\nasync def handler():\n    x = 1\n\f    time.sleep(1)\n"
    (tmp_path / "m.py").write_bytes(source)
    code, out, err = cli("fix", "--write", ".")
    assert "m.py: a form feed before the indentation of line 6" in err
    assert (tmp_path / "m.py").read_bytes() == source


def test_a_symlink_loop_and_a_costly_gitignore_are_one_line_errors(tmp_path: Path, cli) -> None:
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    code, _, err = cli("fix", "loop")
    assert code == 2 and err.strip() == "awaitify: error: loop: symlink loop"
    (tmp_path / "m.py").write_bytes(BLOCKING)
    (tmp_path / ".gitignore").write_text("# fine\n" + "a*" * 14 + "b\n")
    code, _, err = cli("check", ".")
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert ".gitignore: line 2: pattern" in err and "simplify it" in err


def test_an_unsearchable_folder_is_a_warning(tmp_path: Path, monkeypatch, capsys) -> None:
    from awaitify import discovery
    from awaitify.config import Config

    (tmp_path / "locked").mkdir()
    (tmp_path / "m.py").write_bytes(BLOCKING)
    real = os.scandir

    def refuse(path):
        if str(path).endswith("locked"):
            raise PermissionError(errno.EACCES, "Permission denied")
        return real(path)

    monkeypatch.setattr(discovery.os, "scandir", refuse)
    real_is_file = Path.is_file

    def unsearchable(self: Path) -> bool:  # stat() in a folder without x permission (as root, chmod cannot show it)
        if self.parent.name == "locked":
            raise PermissionError(errno.EACCES, "Permission denied")
        return real_is_file(self)

    monkeypatch.setattr(Path, "is_file", unsearchable)
    found = discovery.discover([tmp_path], Config(root=tmp_path), cwd=tmp_path)
    assert [f.display for f in found] == ["m.py"]
    assert "locked: cannot list this folder (Permission denied); skipped" in capsys.readouterr().err


@pytest.mark.parametrize("value, message", [
    ('"a.b" = { replace = "x" }', "`blocking-calls.a.b.replace` must be a dotted name"),
    ('"a.b" = { replace = "1x.y" }', "`blocking-calls.a.b.replace` must be a dotted name"),
    ('"a.b c" = "offload"', "`blocking-calls.a.b c`: use the dotted name"),
])
def test_a_bad_blocking_calls_value_is_a_config_error(tmp_path: Path, cli, value: str, message: str) -> None:
    (tmp_path / "m.py").write_bytes(b"import a\n\n\nasync def h():\n    a.b()\n")
    (tmp_path / "pyproject.toml").write_text(f"[tool.awaitify.blocking-calls]\n{value}\n")
    code, _, err = cli("fix", ".")
    assert code == 2 and message in err and "internal error" not in err


def test_a_pyproject_above_the_repository_is_not_used(tmp_path: Path, cli) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.awaitify]\nignore = ["AW101"]\n')
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    (repo / "m.py").write_bytes(BLOCKING)
    code, out, _ = cli("fix", ".", cwd=repo)
    assert code == 0 and b"await asyncio.sleep" in out
    assert not (tmp_path / ".awaitify_cache").exists() and (repo / ".awaitify_cache").is_dir()
