"""`--include`, `--exclude`, `--skip-tests`, `--skip-docs`: which files' problems a batch run fixes.

They narrow the scope the way `--changed-since` does, not what is read: every file is still indexed,
and a file outside the scope still gets the edits a fix inside it forces (the callers of a function
made async, a hook module whose registration a lifespan replaces). Dropping those would break the
code, so they stay, and the run names them (`outside_scope`). The `exclude` settings are different:
files they cover are not read at all.

Patterns are .gitignore patterns matched against paths relative to the current directory (as ruff's
`--exclude`): `tests/` is any folder named tests, `/tests/` only the top one, `*_test.py` any file.
"""

from __future__ import annotations

from pathlib import Path

from awaitify.config import Config
from awaitify.discovery import Discovered, _spec, discover

TEST_PATTERNS = ("tests/", "test/", "test_*.py", "*_test.py", "conftest.py")
DOC_PATTERNS = ("docs/", "doc/", "examples/", "example/", "notebooks/", "notebook/")


def narrowed(files: list[Discovered], include: tuple[str, ...] = (), exclude: tuple[str, ...] = (),
             skip_tests: bool = False, skip_docs: bool = False) -> frozenset[str] | None:
    """The absolute paths in scope, or None when no filter is given (every file)."""
    exclude = (*exclude, *(TEST_PATTERNS if skip_tests else ()), *(DOC_PATTERNS if skip_docs else ()))
    if not include and not exclude:
        return None
    keep, drop = _spec(include, "--include"), _spec(exclude, "--exclude")
    return frozenset(str(f.path) for f in files
                     if (keep is None or keep.match_file(f.display)) and (drop is None or not drop.match_file(f.display)))


def intersect(first: frozenset[str] | None, second: frozenset[str] | None) -> frozenset[str] | None:
    if first is None:
        return second
    return first if second is None else first & second


def scope_for(paths: list[Path], config: Config, include: tuple[str, ...], exclude: tuple[str, ...], skip_tests: bool,
              skip_docs: bool) -> frozenset[str] | None:
    """`narrowed` over the files a run on `paths` discovers."""
    if not (include or exclude or skip_tests or skip_docs):
        return None
    return narrowed(discover(paths, config), include, exclude, skip_tests, skip_docs)
