"""Runtime detection: in a trio program (files importing trio, anyio.run(..., backend="trio"), pytest-trio)
every rewrite writes trio's API (`trio.sleep`, `trio.to_thread.run_sync`, `trio.run`) or is refused;
`asyncio.sleep` there would raise at run time. The rewritten program is run under trio."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from awaitify.config import Config
from awaitify.runtime import uses_trio, with_detected_runtime

from inprocess_cli import cli_here  # noqa: F401  (a fixture)

pytest.importorskip("trio")

APP = {
    "app.py": """
        import json
        import sys
        import time
        from pathlib import Path

        import trio

        import util


        def read_config(path):
            time.sleep(0.05)
            return json.loads(Path(path).read_text(encoding="utf-8"))


        def summary(path):
            return read_config(path)["n"] * 2


        async def worker(path, results):
            time.sleep(0.05)
            await util.pause()
            Path(path + ".out").write_text("done", encoding="utf-8")
            results.append(read_config(path)["n"])


        async def run_all(path):
            results = []
            start = time.perf_counter()
            async with trio.open_nursery() as nursery:
                for _ in range(4):
                    nursery.start_soon(worker, path, results)
            return results, time.perf_counter() - start


        if __name__ == "__main__":
            print(json.dumps([*trio.run(run_all, sys.argv[1]), summary(sys.argv[1])]))
        """,
    "util.py": """
        import time


        async def pause():
            time.sleep(0.05)
        """,
    "conf.json": '{"n": 7}\n',
}


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def run_app(root: Path) -> list:
    proc = subprocess.run([sys.executable, "-W", "error::RuntimeWarning", "app.py", "conf.json"], cwd=root,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_a_trio_program_gets_trio_api_and_runs_under_trio(tmp_path: Path, cli_here) -> None:
    write(tmp_path, APP)
    before = run_app(tmp_path)
    code, _, err = cli_here("fix", "--write", "--allow-dirty", "--no-cache", ".")
    assert code == 0, err
    app, util = (tmp_path / "app.py").read_text(), (tmp_path / "util.py").read_text()
    assert "asyncio" not in app + util
    assert "await trio.sleep(0.05)" in util  # a module of the program that does not import trio itself
    assert "await trio.to_thread.run_sync(functools.partial(Path(path).read_text, encoding=\"utf-8\"))" in app
    assert "trio.run(summary, sys.argv[1])" in app  # the main guard runs the function made async
    after = run_app(tmp_path)
    assert after[0] == before[0] == [7, 7, 7, 7] and after[2] == before[2] == 14
    assert before[1] >= 0.55  # four workers, each blocking 0.15 s: one after the other
    assert after[1] < 0.45, after[1]  # they overlap under trio now (about 0.15 s)


def test_the_target_setting_overrides_the_detection(tmp_path: Path, cli_here) -> None:
    write(tmp_path, APP)
    code, out, err = cli_here("fix", "--no-cache", "--target", "asyncio", ".")
    assert code == 0, err
    assert b"await asyncio.sleep(0.05)" in out and b"trio.sleep" not in out


@pytest.mark.parametrize("text, trio", [
    ("import trio\n", True),
    ("from trio import sleep\n", True),
    ("import anyio\nanyio.run(main, backend='trio')\n", True),
    ("import anyio\nanyio.run(main)\n", False),
    ("import asyncio\n# import trio would be nice\n", False),
    ("x = 'import trio'\n", False),
    ("import trio_websocket\n", False),
    ('EXAMPLE = """\nimport trio\n"""\n', False),  # in a string: not this program's import
])
def test_what_makes_a_trio_program(text: str, trio: bool) -> None:
    assert uses_trio([text]) is trio


def test_pytest_trio_mode_makes_a_trio_project_unless_the_target_is_set(tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\ntrio_mode = true\n")
    config = Config(root=tmp_path)
    assert with_detected_runtime(config, ["import time\n"]).target == "trio"
    assert with_detected_runtime(config.with_overrides(target="asyncio"), ["import time\n"]).target == "asyncio"
    assert with_detected_runtime(Config(root=tmp_path / "nowhere"), ["import time\n"]).target == "asyncio"


def test_what_has_no_trio_twin_is_refused_or_offloaded(tmp_path: Path) -> None:
    """redis.asyncio runs on asyncio only: refused with a diagnostic; `--subprocess exec` (asyncio
    subprocesses) falls back to a thread offload."""
    from awaitify.plan import FilePlan
    from awaitify.rules import all_rules
    from awaitify.runner import fix_file
    from awaitify.source import read_source

    path = tmp_path / "m.py"
    path.write_text("import subprocess\n\nimport redis\n\n\nasync def f(url):\n    r = redis.from_url(url)\n"
                    "    done = subprocess.run([\"true\"], capture_output=True)\n    return r.get(\"k\"), done\n")
    result = fix_file(read_source(path, "m.py"), all_rules(), Config(root=tmp_path, target="trio", subprocess="exec"), FilePlan())
    new = result.new.decode()
    assert "redis.from_url(url)" in new and "aioredis" not in new
    assert "await trio.to_thread.run_sync(functools.partial(subprocess.run, [\"true\"], capture_output=True))" in new
    assert "asyncio" not in new
    assert any("trio program" in d.message for d in result.diagnostics)


def test_an_anyio_program_gets_anyio_api(tmp_path: Path, cli_here) -> None:
    """anyio's API runs on asyncio and on trio: the rewrite of an anyio program writes it, and the
    program runs the same under both backends."""
    write(tmp_path, {"job.py": """
        import json
        import sys
        import time

        import anyio


        async def step(results, i):
            time.sleep(0.05)
            results.append(i)


        async def main():
            results = []
            start = time.perf_counter()
            async with anyio.create_task_group() as group:
                for i in range(4):
                    group.start_soon(step, results, i)
            return sorted(results), time.perf_counter() - start


        if __name__ == "__main__":
            print(json.dumps(anyio.run(main, backend=sys.argv[1])))
        """})
    code, _, err = cli_here("fix", "--write", "--allow-dirty", "--no-cache", ".")
    assert code == 0, err
    assert "await anyio.sleep(0.05)" in (tmp_path / "job.py").read_text()
    for backend in ("asyncio", "trio"):
        proc = subprocess.run([sys.executable, "job.py", backend], cwd=tmp_path, capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
        results, elapsed = json.loads(proc.stdout)
        assert results == [0, 1, 2, 3] and elapsed < 0.18, (backend, elapsed)  # the four steps overlap


MIXED = {
    "web/__init__.py": "",
    "web/app.py": """
        import asyncio
        import time


        async def handler(n):
            time.sleep(0.01)
            return n * 2


        def main():
            return asyncio.run(handler(3))
        """,
    "worker/__init__.py": "",
    "worker/jobs.py": """
        import time

        import trio


        async def job(n):
            time.sleep(0.01)
            return n + 1


        def main():
            return trio.run(job, 3)
        """,
    "both.py": """
        import asyncio
        import time

        import trio


        async def tick():
            time.sleep(0.01)
        """,
}


def _mains(root: Path) -> list:
    show = "import json; from web import app; from worker import jobs; print(json.dumps([app.main(), jobs.main()]))"
    proc = subprocess.run([sys.executable, "-W", "error::RuntimeWarning", "-c", show], cwd=root, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.mark.parametrize("text, runtime", [
    ("import trio\n", "trio"), ("import asyncio\n", "asyncio"), ("import anyio\n", "anyio"), ("import json\n", None),
    ("import asyncio\nimport trio\n", "ambiguous"), ("import anyio\nimport asyncio\n", "anyio"),
    ("import anyio\nanyio.run(main, backend='trio')\n", "trio"),
])
def test_a_modules_own_runtime(text: str, runtime: str | None) -> None:
    from awaitify.runtime import module_runtime

    assert module_runtime(text) == runtime


def test_each_module_gets_its_own_runtimes_api_and_runs_on_its_loop(tmp_path: Path, cli_here) -> None:
    """A project with an asyncio package and a trio package: one run over the whole project writes
    each module's own runtime API (the ambiguous module is named), and each then runs on its own
    loop, giving what it gave before."""
    write_tree(tmp_path, MIXED)
    before = _mains(tmp_path)
    code, _, err = cli_here("fix", "--write", "--allow-dirty", "--no-cache", ".")
    assert code == 0, err
    assert "both.py:1:1 needs review: this module imports both trio and asyncio: its runtime is ambiguous" in err
    assert "web/app.py:1:1 needs review" not in err and "worker/jobs.py:1:1 needs review" not in err
    assert "await asyncio.sleep(0.01)" in (tmp_path / "web/app.py").read_text()
    assert "await trio.sleep(0.01)" in (tmp_path / "worker/jobs.py").read_text()
    assert _mains(tmp_path) == before == [6, 4]  # the trio module runs under trio, the asyncio one under asyncio


def test_a_helper_shared_by_two_runtimes_is_offloaded_in_each(tmp_path: Path, cli_here) -> None:
    """`common.slow` is called from the asyncio handler and the trio job: made async, one of them
    would await a coroutine of the other runtime's API. It stays sync, and each caller offloads it
    with its own runtime's thread call."""
    tree = {name: textwrap.dedent(text).lstrip("\n").replace("time.sleep(0.01)", "slow()")
            .replace("import time\n", "import time\n\nfrom common import slow\n")
            for name, text in MIXED.items() if name != "both.py"}
    tree["common.py"] = "import time\n\n\ndef slow():\n    time.sleep(0.01)\n"
    write_tree(tmp_path, tree)
    before = _mains(tmp_path)
    code, _, err = cli_here("fix", "--write", "--allow-dirty", "--no-cache", "--explain", ".")
    assert code == 0, err
    assert "`common.slow` would be awaited across runtimes (web/app.py on asyncio, worker/jobs.py on trio)" in err
    assert "def slow():" in (tmp_path / "common.py").read_text()
    assert "await asyncio.to_thread(slow)" in (tmp_path / "web/app.py").read_text()
    assert "await trio.to_thread.run_sync(slow)" in (tmp_path / "worker/jobs.py").read_text()
    assert _mains(tmp_path) == before == [6, 4]


def write_tree(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def test_the_settings_for_one_module_follow_its_own_runtime() -> None:
    from awaitify.runtime import config_for_module

    trio_run = Config(target="trio")
    assert config_for_module(trio_run, "import asyncio\n").target == "asyncio"
    assert config_for_module(trio_run, "import json\n").target == "trio"  # names none: the project's
    assert config_for_module(trio_run, "import asyncio\nimport trio\n").target == "trio"  # ambiguous: named in needs-review
    assert config_for_module(Config(), "import trio\n").target == "trio"
    assert config_for_module(Config(target="anyio"), "import asyncio\n").target == "anyio"  # anyio runs on asyncio
    assert config_for_module(Config().with_overrides(target="asyncio"), "import trio\n").target == "asyncio"  # the setting wins


def test_a_module_that_cannot_change_the_target_is_not_parsed() -> None:
    """A transform asks for every module's settings: an asyncio project's module that names no trio
    keeps the run's target whatever it imports, without a parse (a large test module: a tenth of a
    second)."""
    from awaitify import runtime

    runtime._imported.cache_clear()
    text = "import asyncio\nfrom asyncio import sleep\n\nasync def f():\n    await sleep(0)\n"
    assert runtime.config_for_module(Config(), text).target == "asyncio"
    assert runtime.config_for_module(Config(target="anyio"), text).target == "anyio"
    assert runtime.config_for_module(Config(target="trio"), "import json\n").target == "trio"
    assert runtime._imported.cache_info().misses == 0
    assert runtime.config_for_module(Config(), "import trio\n").target == "trio"  # one that may: parsed
    assert runtime._imported.cache_info().misses == 1


def test_in_a_mixed_project_an_async_module_naming_no_runtime_is_named(tmp_path: Path, cli_here) -> None:
    """svc.py runs under asyncio (main_asyncio.py) but imports no runtime itself, in a project that
    also holds a trio program: which API it needs cannot be read from it, so the run says so."""
    write_tree(tmp_path, {
        "svc.py": "import time\n\n\nasync def handler():\n    time.sleep(0.01)\n    return 1\n",
        "main_asyncio.py": "import asyncio\n\nimport svc\n\nprint(asyncio.run(svc.handler()))\n",
        "other_trio.py": "import trio\n\n\nasync def job():\n    await trio.sleep(0)\n",
    })
    code, _, err = cli_here("fix", "--no-cache", ".")
    assert code == 0, err
    assert "svc.py:1:1 needs review: this module names no async runtime in a project that mixes trio and asyncio" in err
    assert "main_asyncio.py:1:1 needs review" not in err  # it names its runtime (and has no async def)
