"""Every caller of a function made async is found, or the closure is refused (offloaded): dispatch by
a name computed at run time (getattr, globals(), vars, sys.modules), star imports, registries; and a
whole-project check after planning. The rewritten projects are run: sync dispatchers still get values."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from awaitify.cli import main

from inprocess_cli import cli_here  # noqa: F401  (a fixture)

DISPATCH = {
    "bot/__init__.py": "",
    "bot/commands.py": """
        import time


        class Bot:
            def cmd_hello(self, arg):
                time.sleep(0.05)
                return "hello " + arg

            def run(self, name, arg):
                return getattr(self, f"cmd_{name}")(arg)

            def greet(self, arg):
                return self.cmd_hello(arg)

            async def serve(self, arg):
                return self.greet(arg)


        class Loud(Bot):
            def cmd_shout(self, arg):
                time.sleep(0.05)
                return arg.upper()

            def both(self, arg):
                return self.cmd_shout(arg)


        def job(arg):
            time.sleep(0.05)
            return arg * 2


        def by_name(name, arg):
            return globals()[name](arg)


        def twice(arg):
            return job(arg)


        async def main(arg):
            return twice(arg)


        async def shouted(arg):
            return Loud().both(arg)
        """,
    "bot/tasks.py": """
        import time


        def task_clean(arg):
            time.sleep(0.05)
            return "clean " + arg


        def task_plain(arg):
            time.sleep(0.05)
            return "plain " + arg


        def chain(arg):
            return task_clean(arg) + " " + task_plain(arg)


        async def handler(arg):
            return chain(arg)
        """,
    "bot/runner.py": """
        from bot import tasks


        def run_task(name, arg):
            return getattr(tasks, "task_" + name)(arg)
        """,
}
SHOW = """
import asyncio, json, time
from bot import commands, runner

async def overlap():
    start = time.perf_counter()
    await asyncio.gather(*[commands.Bot().serve("x") for _ in range(4)])
    return time.perf_counter() - start

print(json.dumps([
    commands.Bot().run("hello", "a"), commands.Loud().run("shout", "b"), commands.by_name("job", 3),
    runner.run_task("clean", "c"), runner.run_task("plain", "d"),
    asyncio.run(commands.Bot().serve("e")), asyncio.run(commands.main(4)), asyncio.run(commands.shouted("f")),
    asyncio.run(overlap()),
]))
"""


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def run_python(root: Path, code: str) -> list:
    proc = subprocess.run([sys.executable, "-W", "error::RuntimeWarning", "-c", code], cwd=root, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_functions_reached_by_a_computed_name_stay_sync_and_their_async_callers_offload(tmp_path: Path, cli_here) -> None:
    write(tmp_path, DISPATCH)
    before = run_python(tmp_path, SHOW)
    code, _, err = cli_here("fix", "--write", "--allow-dirty", "--no-cache", "--explain", ".")
    assert code == 0, err
    commands = (tmp_path / "bot/commands.py").read_text()
    tasks = (tmp_path / "bot/tasks.py").read_text()
    assert "async def cmd_hello" not in commands and "async def job" not in commands
    assert "async def cmd_shout" not in commands  # a subclass method: getattr(self, ...) in the base reaches it
    assert "async def task_clean" not in tasks
    assert "return await asyncio.to_thread(self.greet, arg)" in commands
    assert "return await asyncio.to_thread(twice, arg)" in commands
    assert "getattr on the instance or class" in err and "the module's globals()" in err
    assert "getattr on its module or class" in err
    after = run_python(tmp_path, SHOW)
    assert after[:-1] == before[:-1] == ["hello a", "B", 6, "clean c", "plain d", "hello e", 8, "F"]
    assert before[-1] >= 0.19 and after[-1] < 0.17, (before[-1], after[-1])  # four 0.05 s calls overlap now


def test_without_the_dispatch_the_same_functions_become_async(tmp_path: Path, cli_here) -> None:
    """The boundary comes from the dynamic access itself: without it, the same closures are made async."""
    files = dict(DISPATCH)
    files["bot/commands.py"] = files["bot/commands.py"].replace('getattr(self, f"cmd_{name}")(arg)', "arg")
    files["bot/commands.py"] = files["bot/commands.py"].replace("globals()[name](arg)", "arg")
    del files["bot/runner.py"]
    write(tmp_path, files)
    code, out, err = cli_here("fix", "--no-cache", ".")
    assert code == 0, err
    assert b"+    async def cmd_hello" in out and b"+async def job" in out and b"+async def task_clean" in out


def test_the_whole_project_check_refuses_a_closure_that_would_leave_a_caller_unawaited(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """The closure's bookkeeping is made to miss a sync caller (as a bug would): the check after planning
    finds the call in the index, and the closure is offloaded instead of made async."""
    from awaitify import planner

    write(tmp_path, {
        "app.py": """
            import time


            def load():
                time.sleep(0.01)
                return 1


            def report():
                return load() + 1


            async def handler():
                return load()
            """,
    })
    real = planner.Propagator._caller

    def forgetful(self, edge, fid, result, work):
        if edge.site.owner == "report":
            return None  # a missed caller
        return real(self, edge, fid, result, work)

    monkeypatch.setattr(planner.Propagator, "_caller", forgetful)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit):
        main(["fix", "--no-cache", "."])
    out, err = capsys.readouterr()
    assert "async def load" not in out and "await asyncio.to_thread(load)" in out
    assert "internal check: `app.load` would stay called without `await` at app.py:10" in err


def test_a_method_called_on_an_object_of_unknown_class_is_a_boundary(tmp_path: Path, cli_here) -> None:
    """`store = make_store(); store.describe()`: the index cannot tell the class of `store` (a function
    built it), so Store.describe may be what is called there. It stays sync (offloaded where async code
    calls it), instead of handing that sync caller a coroutine."""
    write(tmp_path, {"shop.py": """
        import time


        class Store:
            def describe(self):
                time.sleep(0.01)
                return "store"


        def make_store():
            return Store()


        def report():
            store = make_store()
            return store.describe() + "!"


        async def handler():
            store = Store()
            return store.describe()
        """})
    code, _, err = cli_here("fix", "--write", "--allow-dirty", "--no-cache", "--explain", ".")
    assert code == 0, err
    text = (tmp_path / "shop.py").read_text()
    assert "    def describe(self):" in text and "return await asyncio.to_thread(store.describe)" in text
    assert "is called on an object the index cannot resolve at shop.py:16" in err
    out = subprocess.run([sys.executable, "-W", "error::RuntimeWarning", "-c",
                          "import asyncio, shop; print(shop.report(), asyncio.run(shop.handler()))"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.split() == ["store!", "store"], out.stderr



def test_a_caller_through_a_star_import_keeps_getting_values(tmp_path: Path, cli_here) -> None:
    """`from app.helpers import *` then `load(p)`: a caller the index cannot resolve to `load`, so
    `load` stays sync (offloaded where async code calls it) instead of handing `report` a coroutine."""
    write(tmp_path, {
        "app/__init__.py": "",
        "app/helpers.py": """
            import time


            def load(path):
                time.sleep(0.01)
                return path.upper()
            """,
        "app/user.py": """
            from app.helpers import *


            def report(path):
                return load(path) + "!"
            """,
        "app/direct.py": """
            from app import helpers


            async def handler(path):
                return helpers.load(path)
            """,
    })
    code, _, err = cli_here("fix", "--write", "--allow-dirty", "--no-cache", "--explain", ".")
    assert code == 0, err
    assert "def load(path):" in (tmp_path / "app/helpers.py").read_text()
    assert "return await asyncio.to_thread(helpers.load, path)" in (tmp_path / "app/direct.py").read_text()
    assert "`load(...)` is called on an object the index cannot resolve at app/user.py:5" in err
    out = subprocess.run([sys.executable, "-W", "error::RuntimeWarning", "-c",
                          "import asyncio; from app import user, direct; print(user.report('a'), asyncio.run(direct.handler('b')))"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.split() == ["A!", "B"], out.stderr


def test_dynamic_accesses_walk_every_node_in_visitor_order_with_its_classes() -> None:
    """The finder's stack walk (awaitify.dynamic_access) meets nodes as `ast.NodeVisitor` did: a
    class's bases and decorators stand in it, and the accesses come in the visitor's order (a class's
    fields in order: bases, body, then decorators)."""
    from awaitify.dynamic_access import CLASS, IMPORTED, MODULE, dynamic_accesses

    text = (
        "import sys\nimport plugins as p\n"
        "@register(getattr(self, 'on_' + kind))\n"
        "class A(getattr(self, f'base_{x}')):\n"
        "    def m(self, name):\n"
        "        return getattr(self, 'do_' + name)()\n"
        "    class B:\n"
        "        def n(self, name):\n"
        "            return getattr(type(self), 'x_' + name), getattr(p, name)\n"
        "def top():\n"
        "    return globals(), sys.modules[__name__]\n"
    )
    found = [(a.line, a.kind, a.target, a.prefix) for a in dynamic_accesses(text)]
    assert found == [(4, CLASS, "A", "base_"), (6, CLASS, "A", "do_"), (9, CLASS, "A.B", "x_"),
                     (9, IMPORTED, "plugins", ""), (3, CLASS, "A", "on_"), (11, MODULE, "", ""), (11, MODULE, "", "")]


def test_dynamic_accesses_in_statements_spanning_lines_and_line_breaks() -> None:
    """A statement is passed over only when none of its lines spells an access's words: one whose
    `getattr` stands on a later line, or after a `\\r` line break, is read."""
    from awaitify.dynamic_access import ANY, CLASS, dynamic_accesses

    text = ("class A:\n    x = 1\n    def m(self, name):\n        value = (\n            1,\n"
            "            getattr(self, 'on_' + name),\n        )\r        return getattr(obj, 'do_' + name)\n")
    assert [(a.line, a.kind, a.target, a.prefix) for a in dynamic_accesses(text)] == [
        (6, CLASS, "A", "on_"), (8, ANY, "", "do_")]
