"""--include, --exclude, --skip-tests, --skip-docs (issue 26 point 4): they narrow which files' problems
a run fixes, never the edits a fix elsewhere forces (a caller's `await`), and the narrowed fix still
behaves as the original did."""

from __future__ import annotations

from pathlib import Path

import pytest

from inprocess_cli import cli_here  # noqa: F401 - the fixture
from monorepo_gen import DRIVER, generate
from split_helpers import apply, compiles, copy_tree, init_repo, run_driver

from awaitify.discovery import Discovered
from awaitify.scope_filters import narrowed


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("scoped")
    tree = generate(base / "repo", count=6)
    # a test that calls a helper a fix makes async: its `await` is forced, --skip-tests or not
    (tree / "pkg_05" / "tests" / "test_fetch.py").write_text(
        "import time\n\nfrom pkg_04.service import fetch\n\n\nasync def test_fetch():\n    time.sleep(0)\n"
        "    assert fetch('k').startswith('pkg_04')\n")
    init_repo(tree)
    (base / "driver.py").write_text(DRIVER)
    return tree


def _patched_files(patch: bytes) -> set[str]:
    return {line[len("+++ b/"):] for line in patch.decode().splitlines() if line.startswith("+++ b/")}


def _fix(cli_here, repo: Path, *flags: str) -> bytes:
    code, out, err = cli_here("fix", "--no-cache", "--jobs", "1", *flags, ".", cwd=repo)
    assert code == 0, err
    return out


def test_skip_tests_leaves_tests_unless_a_fix_elsewhere_forces_an_edit(repo: Path, cli_here) -> None:
    everything = _fix(cli_here, repo)
    assert {"pkg_00/tests/test_api.py", "pkg_05/tests/test_fetch.py"} <= _patched_files(everything)
    skipped = _fix(cli_here, repo, "--skip-tests")
    files = _patched_files(skipped)
    assert "pkg_00/tests/test_api.py" not in files  # its own `time.sleep` is not fixed
    assert "pkg_05/tests/test_fetch.py" in files  # but `fetch` became async: the test awaits it
    section = skipped.decode().split("+++ b/pkg_05/tests/test_fetch.py")[1].split("--- a/")[0]
    assert "+    assert (await fetch('k')).startswith('pkg_04')" in section and "asyncio.sleep" not in section
    assert files < _patched_files(everything)


def test_skip_docs_leaves_docs_and_examples(repo: Path, cli_here) -> None:
    assert "docs/demo.py" in _patched_files(_fix(cli_here, repo))
    assert "docs/demo.py" not in _patched_files(_fix(cli_here, repo, "--skip-docs"))


def test_include_and_exclude_narrow_the_fix_and_it_still_behaves(repo: Path, cli_here, tmp_path: Path) -> None:
    included = _fix(cli_here, repo, "--include", "pkg_04/")
    files = _patched_files(included)
    # pkg_05's own blocking call is out of scope; the test calling pkg_04's `fetch` must await it
    assert files == {"pkg_04/api.py", "pkg_04/service.py", "pkg_04/store.py", "pkg_05/tests/test_fetch.py"}
    excluded = _patched_files(_fix(cli_here, repo, "--exclude", "pkg_04/", "--exclude", "pkg_05/,docs/"))
    assert excluded and not any(f.startswith(("pkg_04/", "pkg_05/", "docs/")) for f in excluded)
    driver = repo.parent / "driver.py"
    before = run_driver(driver, repo)
    tree = copy_tree(repo, tmp_path / "narrowed")
    apply(tree, included)
    compiles(tree)
    assert run_driver(driver, tree) == before


def test_patterns_are_gitignore_patterns_relative_to_the_current_folder() -> None:
    files = [Discovered(Path(f"/r/{p}"), p) for p in
             ("a/tests/test_x.py", "a/x_test.py", "a/conftest.py", "tests.py", "a/core.py", "docs/d.py",
              "a/examples/e.py", "notebooks/n.py", "b/doc/x.py")]
    assert narrowed(files) is None
    kept = narrowed(files, skip_tests=True, skip_docs=True)
    assert sorted(Path(p).name for p in kept) == ["core.py", "tests.py"]
    assert sorted(Path(p).name for p in narrowed(files, include=("/a/",), exclude=("*_test.py",))) == \
        ["conftest.py", "core.py", "e.py", "test_x.py"]
    assert narrowed(files, include=("/docs/",)) == frozenset({"/r/docs/d.py"})
