"""Imports a rewrite adds: once per module, where isort / ruff's `I` rules put them in a sorted file.

libcst's AddImportsVisitor (which awaitify used to mirror) appends `import asyncio` at the end of the
leading import block, after the third-party and first-party sections, so every fixed file that was
sorted failed ruff's I001; and it looks only at that block, so a module importing asyncio lower down
got a second `import asyncio`."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import libcst as cst
import pytest
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor

from awaitify.import_fixups import fix_imports

from inprocess_cli import cli_here  # noqa: F401  (a fixture)

RUFF = shutil.which("ruff")
needs_ruff = pytest.mark.skipif(RUFF is None, reason="ruff is a test dependency (pip install -e '.[test]')")


def add(text: str, *modules: str) -> str:
    context = CodemodContext()
    for module in modules:
        AddImportsVisitor.add_needed_import(context, module)
    return fix_imports(cst.parse_module(text), context).code


LAYOUTS = {  # before -> after adding functools and asyncio
    "empty": ("", "import asyncio\nimport functools"),
    "code only": ("x = 1\n", "import asyncio\nimport functools\n\nx = 1\n"),
    "docstring": ('"""Doc."""\nimport os\nx = 1\n', '"""Doc."""\nimport asyncio\nimport functools\nimport os\n\nx = 1\n'),
    "strict flag": ("__strict__ = True\nimport os\n", "__strict__ = True\nimport asyncio\nimport functools\nimport os\n"),
    "comment above code": ("import os\n# the answer\nx = 42\n",
                           "import asyncio\nimport functools\nimport os\n\n# the answer\nx = 42\n"),
    "from lines after import lines": ("import sys\nfrom os import path\n\nx = 1\n",
                                      "import asyncio\nimport functools\nimport sys\nfrom os import path\n\nx = 1\n"),
    "between two": ("import abc\nimport sys\n", "import abc\nimport asyncio\nimport functools\nimport sys\n"),
    "already there": ("import json\nimport asyncio\n", "import functools\nimport json\nimport asyncio\n"),
    "imported lower down only": ("x = 1\nimport asyncio\n", "import functools\n\nx = 1\nimport asyncio\n"),
    "imported after a try": ("import os\ntry:\n    import ujson\nexcept ImportError:\n    ujson = None\nimport asyncio\n",
                             "import functools\nimport os\n\ntry:\n    import ujson\nexcept ImportError:\n    ujson = None\n"
                             "import asyncio\n"),
    "a submodule import loads it": ("import asyncio.subprocess\nimport functools\n", "import asyncio.subprocess\nimport functools\n"),
    "under future": ("from __future__ import annotations\n\nimport os\n",
                     "from __future__ import annotations\n\nimport asyncio\nimport functools\nimport os\n"),
    "third party only": ("from __future__ import annotations\n\nimport httpx\n\nfrom . import db\n\nx = 1\n",
                         "from __future__ import annotations\n\nimport asyncio\nimport functools\n\nimport httpx\n\n"
                         "from . import db\n\nx = 1\n"),
    "third party first": ("import httpx\n\nx = 1\n", "import asyncio\nimport functools\n\nimport httpx\n\nx = 1\n"),
    "section header comment": ("# standard library\nimport os\n\n# third party\nimport httpx\n",
                               "# standard library\nimport asyncio\nimport functools\nimport os\n\n# third party\nimport httpx\n"),
    "crlf": ("import os\r\n\r\nx = 1\r\n", "import asyncio\r\nimport functools\r\nimport os\r\n\r\nx = 1\r\n"),
}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_plain_imports_land_where_isort_puts_them_once(layout: str) -> None:
    before, after = LAYOUTS[layout]
    assert add(before, "functools", "asyncio") == after


@needs_ruff
@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_a_file_ruff_finds_sorted_stays_sorted(layout: str, tmp_path: Path) -> None:
    before, after = LAYOUTS[layout]
    (tmp_path / "before.py").write_text(before, newline="")
    (tmp_path / "after.py").write_text(after, newline="")
    if _ruff_sorted(tmp_path / "before.py"):
        assert _ruff_sorted(tmp_path / "after.py"), after


def _ruff_sorted(path: Path) -> bool:
    proc = subprocess.run([RUFF, "check", "--isolated", "--select", "I", "--quiet", str(path)], capture_output=True, text=True)
    return proc.returncode == 0


SERVICE = {
    "svc/__init__.py": "",
    "svc/db.py": """
        def connect():
            return "db"
        """,
    "svc/handlers.py": '''
        """Handlers, imports sorted by ruff."""

        from __future__ import annotations

        import os
        import subprocess
        import time
        from pathlib import Path

        import httpx

        from . import db


        async def handler(folder):
            time.sleep(0.01)
            found = os.path.isdir(folder)
            out = subprocess.run([sys.executable, "-c", "print(2)"], capture_output=True, text=True).stdout
            text = Path(folder, "a.txt").read_text()
            return [found, out.strip(), text, db.connect(), httpx.__name__]


        import sys  # lower down: must not be added again
        ''',
}


@needs_ruff
def test_fix_with_every_rule_keeps_a_sorted_file_sorted_and_imports_asyncio_once(tmp_path: Path, cli_here) -> None:
    for name, text in SERVICE.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    (tmp_path / "a.txt").write_text("hello")
    assert _ruff_sorted(tmp_path / "svc/handlers.py")
    show = "import asyncio, json, svc.handlers as h; print(json.dumps(asyncio.run(h.handler('.'))))"
    before = subprocess.run([sys.executable, "-c", show], cwd=tmp_path, capture_output=True, text=True)
    code, _, err = cli_here("fix", "--write", "--allow-dirty", "--no-cache", ".")
    assert code == 0, err
    text = (tmp_path / "svc/handlers.py").read_text()
    assert "await asyncio.sleep(0.01)" in text and "await asyncio.to_thread(os.path.isdir, folder)" in text
    assert text.count("import asyncio\n") == 1 and text.count("import sys") == 1
    assert "from __future__ import annotations\n\nimport asyncio\nimport os\n" in text
    assert _ruff_sorted(tmp_path / "svc/handlers.py"), text
    after = subprocess.run([sys.executable, "-c", show], cwd=tmp_path, capture_output=True, text=True)
    assert after.returncode == before.returncode == 0, after.stderr
    assert after.stdout == before.stdout


def test_a_removed_line_that_opened_a_section_leaves_its_blank_line() -> None:
    """`import redis` -> `import redis.asyncio as aioredis`: the removal (libcst's visitor, as `redis`
    is still spelled in the new line) dropped the empty line above it, merging two sections."""
    from libcst.codemod.visitors import RemoveImportsVisitor

    text = "import json\n\nimport redis\nfrom fastapi import APIRouter\n\nfrom backend import settings\n\nx = redis\n"
    context = CodemodContext()
    AddImportsVisitor.add_needed_import(context, "redis.asyncio", asname="aioredis")
    RemoveImportsVisitor.remove_unused_import(context, "redis")
    tree = cst.parse_module(text.replace("x = redis", "x = aioredis"))
    assert fix_imports(tree, context).code == ("import json\n\nimport redis.asyncio as aioredis\nfrom fastapi import APIRouter\n\n"
                                               "from backend import settings\n\nx = aioredis\n")



@pytest.mark.parametrize("runtime", ["trio", "anyio"])
def test_a_runtime_import_replacing_the_only_import_starts_the_file(tmp_path: Path, cli_here, runtime: str) -> None:
    """`import time` was the file's only import and goes; `import trio` (a third-party section of its
    own, below the standard library's) takes its place at the top, with no empty line above it, and
    the fixed program runs under that runtime."""
    (tmp_path / "main.py").write_text(f"import {runtime}\n\nfrom work import work\n\n{runtime}.run(work)\n")
    (tmp_path / "work.py").write_text("import time\n\n\nasync def work():\n    time.sleep(0.01)\n    print('done')\n")
    code, _, err = cli_here("fix", "--write", "--allow-dirty", "--no-cache", ".")
    assert code == 0, err
    assert (tmp_path / "work.py").read_text() == (f"import {runtime}\n\n\nasync def work():\n"
                                                  f"    await {runtime}.sleep(0.01)\n    print('done')\n")
    assert _ruff_sorted(tmp_path / "work.py")
    ran = subprocess.run([sys.executable, "main.py"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert ran.returncode == 0 and ran.stdout == "done\n", ran.stderr


def test_an_import_the_rewrite_made_unused_goes_and_one_unused_before_stays(tmp_path: Path) -> None:
    """asyncio-run rewrites every `asyncio.` use of this module away (a comment still says asyncio):
    `import asyncio` goes; `import json`, unused before the fix too, is not the fix's business."""
    from awaitify.config import Config
    from awaitify.plan import FilePlan
    from awaitify.rules import all_rules
    from awaitify.runner import fix_file
    from awaitify.source import read_source

    path = tmp_path / "routes.py"
    path.write_text("import asyncio\nimport json\n\nfrom svc import work\n\n\nasync def route():\n"
                    "    # asyncio.run inside a running loop raises\n    return asyncio.run(work())\n")
    result = fix_file(read_source(path, "routes.py"), all_rules(), Config(root=tmp_path), FilePlan())
    assert result.new.decode() == ("import json\n\nfrom svc import work\n\n\nasync def route():\n"
                                   "    # asyncio.run inside a running loop raises\n    return await work()\n")


def test_a_name_spelled_in_prose_is_not_a_mention() -> None:
    """What keeps an import: a spelling outside comments and statement-level strings (docstrings);
    any other string counts (it may be an annotation)."""
    from awaitify.import_fixups import _mentions

    def mentions(code: str, name: str) -> int:
        return _mentions(cst.parse_module(code), name)

    code = ('"""requests docs"""\nimport requests  # requests\nx = "requests"\n# requests\n'
            'def f():\n    """requests"""\n    return requests.get\n')
    assert mentions(code, "requests") == 3  # the import, the string assigned, the return
    assert mentions(code.replace("    return requests.get\n", "    return 1\n"), "requests") == 2
    assert mentions(code.rstrip("\n"), "requests") == 3
    assert mentions("import time\n", "time") == 1
    # a string that is not the whole statement is not a docstring: parentheses, a semicolon, another string
    for statement in ('("time")', '"time";', '"time" "s"', 'x = 1; "time"', 'if x: "time"'):
        assert mentions(f"import time\n{statement}\n", "time") == 2, statement
    assert mentions('import time\n"time"  # time\n\n\n# time', "time") == 1
