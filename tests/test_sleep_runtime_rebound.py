"""AW101 in a module where the runtime's name may be something else: `fix` leaves every sleep there
alone, and `check` must not call them fixable (awaitify.module_bindings, read with `ast`, against
the fix's own reading). Each case: check's fixable flag equals whether fix changed the call."""

from __future__ import annotations

from pathlib import Path

import pytest
from both_commands import check_and_fix

BINDINGS = {
    "assigned": "asyncio = 1\n",
    "import as": "import json as asyncio\n",
    "from import": "from x import asyncio\n",
    "plain import": "import asyncio\n",
    "dotted import": "import asyncio.subprocess\n",
    "def": "def asyncio(): pass\n",
    "under if": "if True:\n    asyncio = 2\n",
    "global in a function": "def f():\n    global asyncio\n    asyncio = 3\n",
    "local in a function": "def f():\n    asyncio = 3\n",
    "comprehension": "x = [asyncio for asyncio in range(3)]\n",
    "loop target": "for asyncio in []: pass\n",
    "except name": "try:\n    pass\nexcept Exception as asyncio:\n    pass\n",
    "walrus": "if (asyncio := 1): pass\n",
    "star import": "from os import *\n",
    "class attribute": "class C:\n    asyncio = 1\n",
    "del": "import asyncio\ndel asyncio\n",
}


@pytest.mark.parametrize("binding", BINDINGS.values(), ids=list(BINDINGS))
def test_check_calls_fixable_exactly_what_fix_changes(binding: str, tmp_path: Path) -> None:
    report, result = check_and_fix(tmp_path, f"import time\n{binding}\n\nasync def nap():\n    time.sleep(0.3)\n")
    [finding] = [f for f in report.findings if f.code == "AW101"]
    changed = any(c.code == "AW101" for f in result.files for c in f.changes)
    assert finding.fixable == changed
    if not changed:
        assert "not fixed: `asyncio` is bound to something else in this module" in finding.message
        assert any("`asyncio` is bound to something else" in d.message for d in result.diagnostics)
