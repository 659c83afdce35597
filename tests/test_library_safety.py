"""Libraries are safe by default: in a project with [project] metadata, making a public function async
is an *unsafe* fix (its callers outside the project would get a coroutine). `fix` offloads at the
project's async call sites instead and lists each signature on stderr; `--unsafe-fixes` (or
`propagate = "auto"` set explicitly) makes the change, marked unsafe in --explain and JSON."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from inprocess_cli import cli_here  # noqa: F401  (a fixture)

LIBRARY = {
    "pyproject.toml": '[project]\nname = "schemalib"\nversion = "1.0"\n',
    "schemalib/__init__.py": "from schemalib.schema import generate_schema\n",
    "schemalib/schema.py": """
        import time


        def generate_schema(name):
            time.sleep(0.05)
            return {"title": name}


        def _cached_lookup(name):
            time.sleep(0.05)
            return name.upper()


        def _internal(name):
            return _cached_lookup(name)


        async def serve(name):
            return generate_schema(name), _internal(name)
        """,
}
# a downstream user of the library: outside the project, it calls the documented sync function
DOWNSTREAM = """
import asyncio, json, time
import schemalib
from schemalib import schema

async def overlap():
    start = time.perf_counter()
    results = await asyncio.gather(*[schema.serve("x") for _ in range(4)])
    return results, time.perf_counter() - start

results, elapsed = asyncio.run(overlap())
print(json.dumps([schemalib.generate_schema("user"), results, elapsed]))
"""


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def downstream(root: Path) -> list:
    proc = subprocess.run([sys.executable, "-W", "error::RuntimeWarning", "-c", DOWNSTREAM], cwd=root,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_public_signatures_of_a_library_stay_sync_by_default(tmp_path: Path, cli_here) -> None:
    write(tmp_path, LIBRARY)
    before = downstream(tmp_path)
    code, _, err = cli_here("fix", "--write", "--allow-dirty", "--no-cache", ".")
    assert code == 0, err
    text = (tmp_path / "schemalib/schema.py").read_text()
    assert "\ndef generate_schema(name):" in text  # public: kept sync, offloaded where the project awaits it
    assert "async def _cached_lookup" in text and "async def _internal" in text  # private: made async
    assert "return await asyncio.to_thread(generate_schema, name), await _internal(name)" in text
    assert ("schemalib/schema.py:4:1 unsafe fix not applied: `schemalib.schema.generate_schema` would become "
            "`async def`") in err
    after = downstream(tmp_path)
    assert after[:2] == before[:2] == [{"title": "user"}, [[{"title": "x"}, "X"]] * 4]
    assert before[2] >= 0.35 and after[2] < 0.3, (before[2], after[2])  # four serve() calls overlap now


def test_unsafe_fixes_change_them_and_say_so(tmp_path: Path, cli_here) -> None:
    write(tmp_path, LIBRARY)
    code, out, err = cli_here("fix", "--no-cache", "--explain", "--unsafe-fixes", ".")
    assert code == 0, err
    assert b"+async def generate_schema(name):" in out
    assert "AW401 [unsafe] made `generate_schema` async" in err and "unsafe fix not applied" not in err
    assert "AW401 made `_cached_lookup` async" in err  # private: a safe change
    code, out, _ = cli_here("fix", "--no-cache", "--format", "json", "--unsafe-fixes", ".")
    changes = json.loads(out)["files"][0]["changes"]
    safety = {c["message"].split(":")[0]: c["safety"] for c in changes if c["message"].startswith("made")}
    assert safety == {"made `generate_schema` async": "unsafe", "made `_cached_lookup` async": "safe",
                      "made `_internal` async": "safe"}


def test_the_json_report_lists_what_was_not_applied(tmp_path: Path, cli_here) -> None:
    write(tmp_path, LIBRARY)
    code, out, _ = cli_here("fix", "--no-cache", "--format", "json", ".")
    report = json.loads(out)
    assert [(u["path"], u["line"]) for u in report["unsafe_not_applied"]] == [("schemalib/schema.py", 4)]
    assert {c["safety"] for f in report["files"] for c in f["changes"]} == {"safe"}


def test_propagate_auto_set_explicitly_makes_the_change(tmp_path: Path, cli_here) -> None:
    files = dict(LIBRARY)
    files["pyproject.toml"] += '\n[tool.awaitify]\npropagate = "auto"\n'
    write(tmp_path, files)
    code, out, err = cli_here("fix", "--no-cache", ".")
    assert code == 0, err
    assert b"+async def generate_schema(name):" in out and "unsafe fix not applied" not in err


def test_without_project_metadata_it_is_an_application(tmp_path: Path, cli_here) -> None:
    files = {k: v for k, v in LIBRARY.items() if k != "pyproject.toml"}
    write(tmp_path, files)
    code, out, err = cli_here("fix", "--no-cache", ".")
    assert code == 0, err
    assert b"+async def generate_schema(name):" in out and "unsafe fix" not in err


def test_every_rule_page_states_its_fix_safety_and_sarif_carries_it(tmp_path: Path, cli_here) -> None:
    from awaitify.findings import fix_safety
    from awaitify.rules import every_rule

    docs = Path(__file__).resolve().parent.parent / "docs" / "rules"
    for rule in every_rule():
        page = (docs / f"{rule.name}.md").read_text()
        assert "\n## Fix safety\n" in page, rule.name
    assert fix_safety("AW401").startswith("safe; unsafe when it makes a public function of a library")
    assert fix_safety("AW101") == "safe"
    write(tmp_path, LIBRARY)
    code, out, _ = cli_here("check", "--no-cache", "--format", "sarif", ".")
    descriptors = json.loads(out)["runs"][0]["tool"]["driver"]["rules"]
    assert descriptors and all(d["properties"]["fixSafety"] == fix_safety(d["id"]) for d in descriptors)


def test_a_librarys_examples_and_scripts_are_not_its_public_api(tmp_path: Path, cli_here) -> None:
    """examples/, scripts/, docs/... of a library's repository are not shipped: their functions are
    fixed as in an application (made async), while the package's own stay offloaded."""
    write(tmp_path, {**LIBRARY, "examples/service.py": """
        import time


        def fetch(name):
            time.sleep(0.05)
            return name


        async def handler(name):
            return fetch(name)
        """})
    code, out, err = cli_here("fix", "--no-cache", "--explain", ".", cwd=tmp_path)
    assert "async def fetch(name):" in out.decode() and "return await fetch(name)" in out.decode()
    assert "`schemalib.schema.generate_schema` would become `async def`" in err
    assert "examples.service.fetch` would become" not in err


# --- public by __all__, re-exports and the docs, not only by name --------------------------------

EXPORTS = {
    "pyproject.toml": '[project]\nname = "loaderlib"\nversion = "1.0"\n',
    # `load` lives in a private module but the package re-exports it: public
    "loaderlib/__init__.py": 'from ._impl import load\n\n__all__ = ["load"]\n',
    "loaderlib/_impl.py": """
        import time


        def load(name):
            time.sleep(0.05)
            return name.upper()
        """,
    # `helper` has no underscore, but the module's __all__ leaves it out: not public
    "loaderlib/tools.py": """
        import time

        __all__ = ["api"]


        def helper(name):
            time.sleep(0.05)
            return name * 2


        def _legacy_dump(name):
            time.sleep(0.05)
            return f"<{name}>"


        def api(name):
            return name
        """,
    "loaderlib/server.py": """
        from loaderlib import load
        from loaderlib.tools import _legacy_dump, helper


        async def serve(name):
            return load(name), helper(name), _legacy_dump(name)
        """,
    # the README calls `_legacy_dump(` in a code block: documented, so public despite the underscore
    "README.md": "# loaderlib\n\nPrefix a name with `x` first.\n\n```python\nfrom loaderlib.tools import _legacy_dump\n"
                 "print(_legacy_dump('a'))\n```\n",
}
EXPORTS_DOWNSTREAM = """
import asyncio, json
import loaderlib
from loaderlib import server
from loaderlib.tools import _legacy_dump
print(json.dumps([loaderlib.load("a"), _legacy_dump("b"), asyncio.run(server.serve("c"))]))
"""


def test_exports_and_docs_make_a_function_public_and_all_keeps_others_private(tmp_path: Path, cli_here) -> None:
    write(tmp_path, EXPORTS)

    def run() -> list:
        proc = subprocess.run([sys.executable, "-W", "error::RuntimeWarning", "-c", EXPORTS_DOWNSTREAM], cwd=tmp_path,
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)

    before = run()
    code, out, err = cli_here("fix", "--write", "--allow-dirty", "--no-cache", "--format", "json", ".")
    assert code == 0, err
    kept = {u["message"].split("`")[1] for u in json.loads(out)["unsafe_not_applied"]}
    assert kept == {"loaderlib._impl.load", "loaderlib.tools._legacy_dump"}
    tools = (tmp_path / "loaderlib/tools.py").read_text()
    assert "async def helper(name):" in tools  # not in __all__: fixed as in an application
    assert "\ndef _legacy_dump(name):" in tools and "\ndef load(name):" in (tmp_path / "loaderlib/_impl.py").read_text()
    assert ("return await asyncio.to_thread(load, name), await helper(name), await asyncio.to_thread(_legacy_dump, name)"
            in (tmp_path / "loaderlib/server.py").read_text())
    assert run() == before  # downstream callers of the public functions still get values


def test_code_lines_of_markdown_and_rst() -> None:
    from awaitify.public_api import code_lines

    markdown = "Call `inline(` in prose.\n```\nfenced(1)\n```\n>>> prompt(2)\n"
    assert [line.strip() for line in code_lines(markdown)] == ["fenced(1)", "prompt(2)"]
    rst = "Use it::\n\n    literal(3)\n\nProse again(4).\n\n.. code-block:: python\n\n   block(5)\n"
    assert [line.strip() for line in code_lines(rst, rst=True) if line.strip()] == ["literal(3)", "block(5)"]


# --- an __all__ computed or changed at import time is unknown, not empty -----------------------------

@pytest.mark.parametrize("declared", [
    '_BASE = ["load"]\n__all__ = _BASE + ["save"]\n',
    '__all__ = ["save"]\n__all__ += ["load"]\n',
    '__all__ = ["save"]\n__all__.extend(["load"])\n',
    '__all__ = [name for name in ("load", "save")]\n',
])
def test_an_all_that_is_not_one_plain_literal_leaves_the_name_rule(tmp_path: Path, cli_here, declared) -> None:
    write(tmp_path, {"pyproject.toml": '[project]\nname = "mylib"\nversion = "0.1"\n', "mylib/__init__.py": "",
                     "mylib/core.py": declared + textwrap.dedent("""

                         import time


                         def load(path):
                             time.sleep(0.01)
                             return path


                         async def serve(path):
                             return load(path)
                         """)})
    script = "import asyncio, json\nfrom mylib import core\nprint(json.dumps([core.load('a'), asyncio.run(core.serve('b'))]))"

    def run() -> list:
        proc = subprocess.run([sys.executable, "-W", "error::RuntimeWarning", "-c", script], cwd=tmp_path,
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr  # a caller outside the project calls load() sync
        return json.loads(proc.stdout)

    before = run()
    code, out, err = cli_here("fix", "--write", "--allow-dirty", "--no-cache", "--format", "json", ".")
    assert code == 0, err
    assert [u["message"].split("`")[1] for u in json.loads(out)["unsafe_not_applied"]] == ["mylib.core.load"]
    text = (tmp_path / "mylib/core.py").read_text()
    assert "\ndef load(path):" in text and "return await asyncio.to_thread(load, path)" in text
    assert run() == before == ["a", "b"]


def test_literal_all() -> None:
    import ast

    from awaitify.public_api import literal_all

    assert literal_all(ast.parse('__all__ = ["a", "b"]')) == {"a", "b"}
    assert literal_all(ast.parse('__all__: tuple = ("a",)')) == {"a"}
    assert literal_all(ast.parse('x = 1')) is None
    for text in ('__all__ = ["a"]\n__all__.append("b")', '__all__ = ["a"]\n__all__ = ["b"]', '__all__ = ["a", B]',
                 'if X:\n    __all__ = ["a"]', '__all__ = ["a"]\ndef f():\n    global __all__\n    __all__[0] = "c"'):
        assert literal_all(ast.parse(text)) is None, text
