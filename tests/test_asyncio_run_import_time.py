"""An `asyncio.run()` at module import time (module level, outside a main guard): `fix` leaves it and
says why, and `check` reports it, not fixable, with the same reason, at the same line and column.
Under `if __name__ == "__main__":` (its `else` too), in a class body or a sync function, neither says
anything. All rules on."""

from __future__ import annotations

from pathlib import Path

from both_commands import check_and_fix

from awaitify.rules.asyncio_run.detect import AT_IMPORT_TIME

TEXT = '''\
import asyncio
from asyncio import run


async def main():
    return 1

READY = asyncio.run(main())
run(main())
if READY:
    asyncio.run(main())
if __name__ == "__main__":
    asyncio.run(main())
else:
    asyncio.run(main())


class Settings:
    ready = asyncio.run(main())


def cli():
    asyncio.run(main())
'''


def test_check_reports_what_fix_leaves_at_import_time(tmp_path: Path) -> None:
    report, result = check_and_fix(tmp_path, TEXT)
    said = {(f.line, f.column): f.message.partition("; not fixed: ")[2] for f in report.findings if f.code == "AW102"}
    left = {(d.line, d.column): d.message for d in result.diagnostics if d.code == "AW102"}
    assert sorted(said) == sorted(left) == [(8, 9), (9, 1), (11, 5)]
    assert set(said.values()) == {AT_IMPORT_TIME}
    assert all(message.endswith(f"; not rewritten: {AT_IMPORT_TIME}") for message in left.values())
    assert not any(f.fixable for f in report.findings) and not result.files


def test_a_module_without_async_code_is_read_for_it(tmp_path: Path) -> None:
    """A script that only imports its coroutine still runs it at import time."""
    report, result = check_and_fix(tmp_path, "import asyncio\nfrom app import main\n\nasyncio.run(main())\n")
    assert [(f.line, f.column, f.fixable) for f in report.findings] == [(4, 1, False)]
    assert [(d.line, d.column) for d in result.diagnostics] == [(4, 1)]
