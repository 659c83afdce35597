"""The cache's files are named after the tool's own code: editing any rule, `check`'s scan or the
engine must make every cached outcome a miss (the stamp once covered only `awaitify/engine/`, so an
edited rule was served its old results)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from awaitify.engine import cache


def test_the_stamp_covers_the_whole_package() -> None:
    assert (cache.PACKAGE / "cli.py").is_file()
    assert (cache.PACKAGE / "rules" / "sleep" / "fix.py").is_file()
    assert (cache.PACKAGE / "audit" / "scan.py").is_file()


def test_editing_a_rule_or_the_scan_changes_the_stamp(tmp_path: Path) -> None:
    copy = tmp_path / "awaitify"
    shutil.copytree(cache.PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    before = cache._code_stamp(copy)
    assert cache._code_stamp(copy) == before
    for edited in ("rules/sleep/detect.py", "audit/scan.py", "rules/requests_httpx/fix.py"):
        path = copy / edited
        st = path.stat()
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
        after = cache._code_stamp(copy)
        assert after != before, edited
        before = after
