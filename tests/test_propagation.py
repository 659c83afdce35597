"""Async propagation across modules: the rewritten projects are run, not only read."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from awaitify.cli import main

STORY_221 = {
    "app/__init__.py": "",
    "app/authorization.py": """
        import time


        def _check_user_roles(user, retries=2):
            for attempt in range(retries):
                if user.get("roles") is not None:
                    return "admin" in user["roles"]
                time.sleep(0.3)  # the role service is eventually consistent
            return False


        def is_admin(user):
            return _check_user_roles(user)
        """,
    "app/deps.py": """
        from app.authorization import is_admin


        async def require_admin(user):
            if not is_admin(user):
                raise PermissionError("admin only")
            return user
        """,
    "app/cli.py": """
        import sys

        from app import authorization


        def main(argv=None):
            roles = sys.argv[1:] if argv is None else argv
            print("admin" if authorization.is_admin({"roles": roles}) else "not admin")
            return 0


        if __name__ == "__main__":
            sys.exit(main())
        """,
}

METHODS = {
    "shop/__init__.py": "",
    "shop/models.py": """
        import time
        from functools import lru_cache


        class Repo:
            def _get(self):
                time.sleep(0.2)
                return 1

            async def fetch(self):
                return self._get() + 1

            @property
            def size(self):
                time.sleep(0.01)
                return 2

            def __len__(self):
                time.sleep(0.01)
                return 3


        class CachedRepo(Repo):
            def _get(self):
                return super()._get() * 10


        @lru_cache
        def settings():
            time.sleep(0.2)
            return {"debug": False}


        HANDLERS = {}


        def on_tick():
            time.sleep(0.2)
            return "tick"


        HANDLERS["tick"] = on_tick


        class Connection:
            def __init__(self, dsn):
                time.sleep(0.2)
                self.dsn = dsn


        async def handler():
            conn = Connection("db://x")
            cfg = settings()
            tick = on_tick()
            repo = CachedRepo()
            return [conn.dsn, cfg["debug"], tick, await repo.fetch(), len(repo), repo.size]
        """,
}


def write_tree(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def awaitify(root: Path, *args: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    monkeypatch.chdir(root)
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    out, err = capsys.readouterr()
    return exit_info.value.code, out, err


def run_python(root: Path, code: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-W", "error::RuntimeWarning", "-c", textwrap.dedent(code)],
        cwd=root, capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    def _run(root: Path, *args: str) -> tuple[int, str, str]:
        return awaitify(root, *args, monkeypatch=monkeypatch, capsys=capsys)

    return _run


GATHER_ADMINS = """
    import asyncio, json, time
    from app import deps

    async def main():
        start = time.perf_counter()
        results = await asyncio.gather(
            *[deps.require_admin({"roles": None}) for _ in range(5)], return_exceptions=True
        )
        elapsed = time.perf_counter() - start
        ok = await deps.require_admin({"roles": ["admin"]})
        print(json.dumps({"elapsed": elapsed, "errors": [type(r).__name__ for r in results], "ok": ok}))

    asyncio.run(main())
    """


def test_story_221_callers_become_async_and_stop_blocking(tmp_path: Path, run) -> None:
    write_tree(tmp_path, STORY_221)
    before = json.loads(run_python(tmp_path, GATHER_ADMINS))
    assert before["elapsed"] > 2.5  # 5 x 2 retries x 0.3 s, one after another: the loop was blocked

    code, _, err = run(tmp_path, "fix", "--write", ".")
    assert code == 0, err
    auth = (tmp_path / "app/authorization.py").read_text()
    assert "async def _check_user_roles" in auth and "await asyncio.sleep(0.3)" in auth
    assert "async def is_admin(user):\n    return await _check_user_roles(user)" in auth
    assert "if not await is_admin(user):" in (tmp_path / "app/deps.py").read_text()
    cli = (tmp_path / "app/cli.py").read_text()
    assert "async def main" in cli and "sys.exit(asyncio.run(main()))" in cli

    after = json.loads(run_python(tmp_path, GATHER_ADMINS))
    assert after["elapsed"] < 1.2  # about one call's time (2 x 0.3 s), not five
    assert after["errors"] == before["errors"] == ["PermissionError"] * 5
    assert after["ok"] == before["ok"] == {"roles": ["admin"]}

    # the sync CLI still works, through asyncio.run
    for roles, expected in ((["admin"], "admin"), (["viewer"], "not admin")):
        proc = subprocess.run([sys.executable, "-m", "app.cli", *roles], cwd=tmp_path, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.strip() == expected

    # idempotent
    assert run(tmp_path, "fix", "--check", ".")[0] == 0


def test_explain_prints_the_chain(tmp_path: Path, run) -> None:
    write_tree(tmp_path, STORY_221)
    code, out, err = run(tmp_path, "fix", "--explain", ".")
    assert code == 0
    assert "`app.authorization._check_user_roles` made async: calls `time.sleep` (app/authorization.py:8)" in err
    assert "`app.authorization.is_admin` made async: calls `app.authorization._check_user_roles`" in err
    assert "awaited at app/cli.py:8, app/deps.py:5" in err


def test_methods_overrides_and_boundaries(tmp_path: Path, run) -> None:
    write_tree(tmp_path, METHODS)
    code, _, err = run(tmp_path, "fix", "--write", ".")
    assert code == 0, err
    text = (tmp_path / "shop/models.py").read_text()
    # self._get() and the subclass override calling super()._get() change together
    assert "    async def _get(self):\n        await asyncio.sleep(0.2)" in text
    assert "return await self._get() + 1" in text
    assert "return await super()._get() * 10" in text
    # boundaries stay sync and are offloaded where async code calls them
    assert "@lru_cache\ndef settings():" in text
    assert "conn = await asyncio.to_thread(Connection, \"db://x\")" in text
    assert "cfg = await asyncio.to_thread(settings)" in text
    assert "tick = await asyncio.to_thread(on_tick)" in text
    assert "def size(self):" in text and "def __len__(self):" in text and "def on_tick():" in text
    result = run_python(tmp_path, """
        import asyncio, json
        from shop import models
        print(json.dumps(asyncio.run(models.handler())))
        print(models.HANDLERS["tick"]())
        """)
    assert json.loads(result.splitlines()[0]) == ["db://x", False, "tick", 11, 3, 2]
    assert result.splitlines()[1] == "tick"
    assert run(tmp_path, "fix", "--check", ".")[0] == 0


def test_offloaded_calls_run_concurrently(tmp_path: Path, run) -> None:
    write_tree(tmp_path, STORY_221)
    code, _, _ = run(tmp_path, "fix", "--write", "--propagate", "offload", ".")
    assert code == 0
    assert "def _check_user_roles" in (tmp_path / "app/authorization.py").read_text()
    assert "async def" not in (tmp_path / "app/authorization.py").read_text()
    assert "if not await asyncio.to_thread(is_admin, user):" in (tmp_path / "app/deps.py").read_text()
    assert (tmp_path / "app/cli.py").read_text() == __import__("textwrap").dedent(STORY_221["app/cli.py"]).lstrip("\n")
    after = json.loads(run_python(tmp_path, GATHER_ADMINS))
    assert after["elapsed"] < 1.2 and after["errors"] == ["PermissionError"] * 5
    assert run(tmp_path, "fix", "--check", "--propagate", "offload", ".")[0] == 0


def test_propagate_off_fixes_only_async_code(tmp_path: Path, run) -> None:
    files = dict(STORY_221)
    files["app/handlers.py"] = """
        import time


        async def ping():
            time.sleep(0.01)
            return "pong"
        """
    write_tree(tmp_path, files)
    code, out, _ = run(tmp_path, "fix", "--propagate", "off", ".")
    assert code == 0
    assert "app/handlers.py" in out and "await asyncio.sleep(0.01)" in out
    assert "authorization" not in out and "deps.py" not in out


def test_config_sets_the_policy(tmp_path: Path, run) -> None:
    write_tree(tmp_path, STORY_221)
    (tmp_path / "pyproject.toml").write_text('[tool.awaitify]\npropagate = "offload"\n')
    code, out, _ = run(tmp_path, "fix", ".")
    assert code == 0 and "asyncio.to_thread(is_admin, user)" in out and "async def" not in out.replace("async def require_admin", "")


def test_sync_tests_call_the_new_coroutine_through_asyncio_run(tmp_path: Path, run) -> None:
    files = dict(STORY_221)
    files["tests/test_auth.py"] = """
        from app.authorization import is_admin


        def test_admin():
            assert is_admin({"roles": ["admin"]})
        """
    write_tree(tmp_path, files)
    run(tmp_path, "fix", "--write", ".")
    test_text = (tmp_path / "tests/test_auth.py").read_text()
    assert "assert asyncio.run(is_admin({\"roles\": [\"admin\"]}))" in test_text
    assert "def test_admin():" in test_text and "import asyncio" in test_text
    run_python(tmp_path, "import sys; sys.path.insert(0, 'tests'); import test_auth; test_auth.test_admin()")


def test_unresolved_caller_means_offload_not_asyncify(tmp_path: Path, run) -> None:
    write_tree(tmp_path, {
        "svc.py": """
            import time


            class Store:
                def load(self):
                    time.sleep(0.01)
                    return 1


            def use(thing):
                return thing.load()  # thing: unknown type, might be a Store


            async def handler(store: Store):
                return store.load()
            """,
    })
    code, out, err = run(tmp_path, "fix", "--explain", ".")
    assert "await asyncio.to_thread(store.load)" in out
    assert "async def load" not in out
    assert "cannot resolve" in err


def test_sync_only_code_is_left_alone(tmp_path: Path, run) -> None:
    write_tree(tmp_path, {
        "jobs.py": """
            import asyncio
            import time


            def retry():
                time.sleep(1)


            def task():
                retry()
                return asyncio.run(work())


            async def work():
                return 1
            """,
    })
    code, out, _ = run(tmp_path, "fix", ".")
    assert code == 0 and out == ""


def test_asyncio_run_in_a_sync_helper_reached_from_async_code(tmp_path: Path, run) -> None:
    write_tree(tmp_path, {
        "svc.py": """
            import asyncio


            async def submit(job):
                return job * 2


            def submit_sync(job):
                return asyncio.run(submit(job))


            async def route(job):
                return submit_sync(job)
            """,
    })
    before = subprocess.run([sys.executable, "-c", "import asyncio, svc; asyncio.run(svc.route(2))"], cwd=tmp_path, capture_output=True, text=True)
    assert "cannot be called from a running event loop" in before.stderr
    run(tmp_path, "fix", "--write", ".")
    text = (tmp_path / "svc.py").read_text()
    assert "async def submit_sync(job):\n    return await submit(job)" in text
    assert "return await submit_sync(job)" in text
    assert run_python(tmp_path, "import asyncio, svc; print(asyncio.run(svc.route(2)))").strip() == "4"


def test_relative_imports_reexports_and_src_layout(tmp_path: Path, run) -> None:
    write_tree(tmp_path, {
        "src/corp/__init__.py": "from .auth import is_admin\n",
        "src/corp/auth.py": """
            from time import sleep as pause


            def is_admin(user):
                pause(0.01)
                return user == "root"
            """,
        "src/corp/web/__init__.py": "",
        "src/corp/web/views.py": """
            from .. import is_admin
            from ..auth import is_admin as check


            async def view(user):
                return is_admin(user), check(user)
            """,
    })
    code, out, err = run(tmp_path, "fix", "--write", ".")
    assert code == 0, err
    views = (tmp_path / "src/corp/web/views.py").read_text()
    assert "return await is_admin(user), await check(user)" in views
    auth = (tmp_path / "src/corp/auth.py").read_text()
    assert "async def is_admin" in auth and "await asyncio.sleep(0.01)" in auth and "pause" not in auth
    out = run_python(tmp_path / "src", "import asyncio; from corp.web import views; print(asyncio.run(views.view('root')))")
    assert out.strip() == "(True, True)"
