"""AW301 lifespan: converted apps run under `TestClient` and call the same hooks, in the same order,
as the original app did (both are run: FastAPI still runs `on_event` hooks, with a deprecation
warning), and no `on_event` deprecation is left."""

from __future__ import annotations

import json
import shutil
import tempfile
import textwrap
from pathlib import Path

import pytest

from awaitify_runs import ForkServer

from awaitify.config import Config
from awaitify.rules import select_rules
from awaitify.runner import RunOptions, run

# the app runs in a fresh child of an interpreter that imported FastAPI once (tests/apps/_kit/forkrun.py):
# the tree's folder first on sys.path and its modules imported afresh, as in `python -c` there
RUN_APP = textwrap.dedent("""
    import importlib, json, os, sys, warnings
    from fastapi.testclient import TestClient
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        app = getattr(importlib.import_module(os.environ["APP_MODULE"]), os.environ["APP_VAR"])
        from recorder import events
        with TestClient(app):
            started = list(events)
    print(json.dumps({"started": started, "stopped": events[len(started):],
                      "deprecations": [str(w.message) for w in caught if "on_event" in str(w.message)]}))
""")

RECORDER = "events = []\n"


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in {"recorder.py": RECORDER, **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


# no bytecode next to the trees: a module `fix` rewrites within the second, at the same size, could
# otherwise be imported from its stale .pyc
_DRIVERS = ForkServer("forkrun.py", {"PYTHONDONTWRITEBYTECODE": "1"})
_DRIVER_FOLDER = Path(tempfile.mkdtemp(prefix="lifespan-drivers-"))  # outside every tree `fix` rewrites


@pytest.fixture(scope="module", autouse=True)
def _driver_server():
    yield
    _DRIVERS.close()
    shutil.rmtree(_DRIVER_FOLDER, ignore_errors=True)


def _drive(name: str, script: str, root: Path, env: dict[str, str] | None = None) -> str:
    """What `script` printed, run with `root` as its working folder and first on sys.path."""
    driver = _DRIVER_FOLDER / f"{name}.py"
    if not driver.exists():
        driver.write_text(script, encoding="utf-8")
    result = _DRIVERS.request({"script": str(driver), "tree": str(root), "env": env or {}})
    assert "error" not in result, result["error"]
    return result["output"]


def _run_app(root: Path, module: str, var: str = "app") -> dict:
    return json.loads(_drive("run_app", RUN_APP, root, {"APP_MODULE": module, "APP_VAR": var}))


def _fix(root: Path, **overrides):
    config = Config(root=root).with_overrides(**overrides)
    result = run([root], config, select_rules((), ()), RunOptions(use_cache=False, jobs=1))
    assert not [f for f in result.results if f.error], [f.error for f in result.results if f.error]
    for f in result.changed:
        f.path.write_bytes(f.new)
    return result


def _convert_and_compare(root: Path, files: dict[str, str], module: str, var: str = "app") -> dict:
    _write(root, files)
    before = _run_app(root, module, var)
    assert before["deprecations"], "the fixture must use on_event for the comparison to mean anything"
    _fix(root)
    after = _run_app(root, module, var)
    assert after["deprecations"] == []
    # FastAPI 0.128+ runs an included router's on_event hooks twice (once copied into the app, once
    # through the router's own default lifespan); older releases and the docs run each once
    once = lambda events: list(dict.fromkeys(events))  # noqa: E731
    assert (after["started"], after["stopped"]) == (once(before["started"]), once(before["stopped"]))
    return after


SINGLE = {
    "app.py": """
        from fastapi import FastAPI
        from recorder import events


        async def first():
            events.append("first")


        def second():
            events.append("second")


        app = FastAPI(title="demo", on_startup=[first])


        @app.on_event("startup")
        async def third():
            events.append("third")


        @app.on_event("shutdown")
        def bye():
            events.append("bye")


        app.router.add_event_handler("startup", second)  # `app.add_event_handler` before FastAPI 0.128
        app.on_event("shutdown")(first)
    """,
}


def test_single_module_mixed_hooks_keep_their_order(tmp_path: Path) -> None:
    after = _convert_and_compare(tmp_path, SINGLE, "app")
    assert after["started"] == ["first", "third", "second"] and after["stopped"] == ["bye", "first"]
    text = (tmp_path / "app.py").read_text()
    assert "on_event" not in text and "add_event_handler" not in text and "on_startup" not in text
    assert 'app = FastAPI(title="demo", lifespan=lifespan)' in text
    assert "async def lifespan(app: FastAPI):\n    await first()\n    await third()\n    second()\n    yield\n" in text


TWO_MODULES = {
    "pkg/__init__.py": "",
    "pkg/main.py": """
        from fastapi import FastAPI
        from recorder import events

        app = FastAPI()


        @app.on_event("startup")
        async def open_db():
            events.append("main.open_db")


        import pkg.hooks  # noqa: E402  (registers more hooks on `app`)


        @app.on_event("shutdown")
        def close_db():
            events.append("main.close_db")
    """,
    "pkg/hooks.py": """
        from recorder import events
        from pkg.main import app


        @app.on_event("startup")
        def warm_cache():
            events.append("hooks.warm_cache")


        async def flush():
            events.append("hooks.flush")


        app.router.add_event_handler("shutdown", flush)
    """,
}


def test_hooks_registered_from_another_module(tmp_path: Path) -> None:
    after = _convert_and_compare(tmp_path, TWO_MODULES, "pkg.main")
    assert after["started"] == ["main.open_db", "hooks.warm_cache"]
    assert after["stopped"] == ["hooks.flush", "main.close_db"]
    main = (tmp_path / "pkg/main.py").read_text()
    assert "    from pkg.hooks import warm_cache, flush\n" in main  # imported inside the lifespan: no cycle
    assert "on_event" not in (tmp_path / "pkg/hooks.py").read_text()


HANDLERS_ELSEWHERE = {
    "pkg/__init__.py": "",
    # spells the hook words only inside longer names: read only when a handler is looked up there
    "pkg/handlers.py": """
        from recorder import events


        async def on_startup_db():
            events.append("handlers.db")


        def on_shutdown_db():
            events.append("handlers.close")
    """,
    "pkg/main.py": """
        from fastapi import FastAPI
        from pkg import handlers

        app = FastAPI()
        app.on_event("startup")(handlers.on_startup_db)
        app.on_event("shutdown")(handlers.on_shutdown_db)
    """,
}


def test_a_handler_module_is_read_when_a_hook_names_it(tmp_path: Path) -> None:
    after = _convert_and_compare(tmp_path, HANDLERS_ELSEWHERE, "pkg.main")
    assert (after["started"], after["stopped"]) == (["handlers.db"], ["handlers.close"])
    main = (tmp_path / "pkg/main.py").read_text()
    assert "    await handlers.on_startup_db()\n    yield\n    handlers.on_shutdown_db()\n" in main


ROUTERS = {
    "pkg/__init__.py": "",
    "pkg/routes.py": """
        from fastapi import APIRouter
        from recorder import events


        def router_start():
            events.append("routes.start")


        router = APIRouter(prefix="/r", on_startup=[router_start])


        @router.on_event("shutdown")
        async def router_stop():
            events.append("routes.stop")


        @router.get("/ping")
        def ping():
            return "pong"
    """,
    "pkg/main.py": """
        from fastapi import FastAPI
        from recorder import events
        from pkg import routes

        app = FastAPI()


        @app.on_event("startup")
        def a():
            events.append("main.a")


        app.include_router(routes.router)


        @app.on_event("startup")
        async def z():
            events.append("main.z")


        @app.on_event("shutdown")
        async def s():
            events.append("main.s")
    """,
}


def test_router_hooks_are_hoisted_where_the_router_is_included(tmp_path: Path) -> None:
    after = _convert_and_compare(tmp_path, ROUTERS, "pkg.main")
    assert after["started"] == ["main.a", "routes.start", "main.z"]
    assert after["stopped"] == ["routes.stop", "main.s"]
    routes = (tmp_path / "pkg/routes.py").read_text()
    assert 'router = APIRouter(prefix="/r")' in routes and "on_event" not in routes


def test_router_included_out_of_sight_gets_its_own_lifespan(tmp_path: Path) -> None:
    files = dict(ROUTERS)
    files["pkg/main.py"] = """
        from fastapi import FastAPI
        from recorder import events
        from pkg import routes

        app = FastAPI()


        @app.on_event("startup")
        def a():
            events.append("main.a")


        for router in [routes.router]:
            app.include_router(router)
    """
    after = _convert_and_compare(tmp_path, files, "pkg.main")
    assert after["started"] == ["main.a", "routes.start"] and after["stopped"] == ["routes.stop"]
    routes = (tmp_path / "pkg/routes.py").read_text()
    assert 'router = APIRouter(prefix="/r", lifespan=router_lifespan)' in routes
    assert "async def router_lifespan(app):" in routes


EXISTING = {
    "app.py": """
        from contextlib import asynccontextmanager

        from fastapi import FastAPI
        from recorder import events


        @asynccontextmanager
        async def lifespan(app: FastAPI):
            events.append("lifespan.start")
            yield
            events.append("lifespan.stop")


        app = FastAPI(lifespan=lifespan)


        @app.on_event("startup")
        def never_runs():
            events.append("dead.start")


        @app.on_event("shutdown")
        async def never_stops():
            events.append("dead.stop")
    """,
}


def test_existing_lifespan_is_left_alone_and_dead_hooks_reported(tmp_path: Path) -> None:
    _write(tmp_path, EXISTING)
    before = (tmp_path / "app.py").read_bytes()
    result = _fix(tmp_path)
    assert (tmp_path / "app.py").read_bytes() == before
    (message,) = [d.message for d in result.diagnostics if d.code == "AW301"]
    assert "never run" in message and "app.never_runs" in message and "app.never_stops" in message


def test_existing_lifespan_merged_on_request(tmp_path: Path) -> None:
    _write(tmp_path, EXISTING)
    assert _run_app(tmp_path, "app")["started"] == ["lifespan.start"]  # what FastAPI does today
    _fix(tmp_path, lifespan_merge=True)
    after = _run_app(tmp_path, "app")
    assert after["started"] == ["dead.start", "lifespan.start"]
    assert after["stopped"] == ["lifespan.stop", "dead.stop"]
    assert after["deprecations"] == []


def test_undecorated_async_generator_lifespan_is_wrapped(tmp_path: Path) -> None:
    files = {"app.py": EXISTING["app.py"].replace("        @asynccontextmanager\n", "")}
    _write(tmp_path, files)
    _fix(tmp_path, lifespan_merge=True)
    after = _run_app(tmp_path, "app")
    assert after["started"] == ["dead.start", "lifespan.start"]


def test_merge_flag_on_the_command_line(tmp_path: Path, cli) -> None:
    _write(tmp_path, EXISTING)
    code, out, err = cli("fix", ".", "--lifespan-merge")
    assert code == 0 and b"+    async with lifespan(app) as state:" in out


UNTOUCHED = {
    "bus.py": """
        class EventBus:
            def on_event(self, name):
                return lambda fn: fn

            def add_event_handler(self, name, fn):
                pass


        bus = EventBus()


        @bus.on_event("startup")
        def boot():
            pass


        bus.add_event_handler("shutdown", boot)
    """,
    "plain.py": """
        def on_startup():
            return "not a hook"


        config = {"on_startup": [on_startup]}
    """,
}


def test_other_libraries_on_event_is_untouched(tmp_path: Path) -> None:
    _write(tmp_path, UNTOUCHED)
    result = _fix(tmp_path)
    assert not result.changed and not result.diagnostics


def test_refusals_are_reported_not_rewritten(tmp_path: Path) -> None:
    _write(tmp_path, {
        "factory.py": """
            from fastapi import FastAPI


            class Server:
                def __init__(self):
                    self._app = FastAPI()
                    self._app.on_event("startup")(self.boot)

                async def boot(self):
                    pass
        """,
        "elsewhere.py": """
            from somewhere_else import app


            @app.on_event("startup")
            def hook():
                pass
        """,
    })
    result = _fix(tmp_path)
    assert not result.changed
    messages = sorted(f"{Path(d.path).name}:{d.line} {d.message.split(':')[0]}" for d in result.diagnostics)
    assert messages[0].startswith("elsewhere.py:4 hook `hook` is registered on `somewhere_else.app`")
    assert messages[1].startswith("factory.py:7 startup/shutdown hook `self._app.on_event(\"startup\")(self.boot)` registered "
                                  "with `.on_event(...)` inside `__init__`")


@pytest.mark.parametrize("pin", ["fastapi==0.85.1", "fastapi>=0.70,<0.90"])
def test_fastapi_without_lifespan_is_refused(tmp_path: Path, pin: str) -> None:
    _write(tmp_path, SINGLE)
    (tmp_path / "requirements.txt").write_text(f"uvicorn\n{pin}\n")
    result = _fix(tmp_path)
    assert not result.changed
    assert any("below 0.93" in d.message for d in result.diagnostics)


def test_lifespan_name_never_collides_and_file_style_is_kept(tmp_path: Path) -> None:
    source = (
        "from fastapi import FastAPI\r\n\r\nlifespan = 'taken'\r\n\r\n\r\n"
        "app = FastAPI()\r\n\r\n\r\n@app.on_event('startup')\r\nasync def boot():\r\n\tpass\r\n"
    )
    (tmp_path / "app.py").write_bytes(source.encode())
    _fix(tmp_path)
    new = (tmp_path / "app.py").read_bytes().decode()
    assert "app = FastAPI(lifespan=lifespan_1)" in new and "lifespan = 'taken'" in new
    assert "\r\n\tawait boot()\r\n\tyield\r\n" in new  # the file's CRLF endings and tab indentation
    assert "\n" not in new.replace("\r\n", "")
    compile(new, "app.py", "exec")


# --- a hook is never dropped, and keeps its condition (issue: all rules at once) ------------------

def _refused(root: Path, files: dict[str, str], hook: str) -> list[str]:
    """The app is left exactly as it was and a diagnostic names the hook that cannot move."""
    _write(root, files)
    before = {p: p.read_bytes() for p in root.rglob("*.py")}
    result = _fix(root)
    messages = [d.render() for d in result.diagnostics]
    assert not [f for f in result.changed if "on_event" in f.old.decode() or "FastAPI(" in f.old.decode()], messages
    for path, data in before.items():
        if "FastAPI" in data.decode():
            assert path.read_bytes() == data
    assert any(hook in m and "AW301" in m for m in messages), messages
    return messages


def _app_and(extra: str = "") -> str:
    """The app module below, with `extra` written after it (both dedented on their own)."""
    return textwrap.dedent(APP_WITH_HOOK).lstrip("\n") + textwrap.dedent(extra)


APP_WITH_HOOK = """
    from fastapi import FastAPI
    from recorder import events

    app = FastAPI()


    @app.on_event("startup")
    async def boot():
        events.append("boot")
"""


def test_router_on_startup_append_moves_in_order(tmp_path: Path) -> None:
    after = _convert_and_compare(tmp_path, {"app.py": _app_and("""

        def warm():
            events.append("warm")


        def close():
            events.append("close")


        app.router.on_startup.append(warm)
        app.router.on_shutdown.append(close)
    """)}, "app")
    assert after["started"] == ["boot", "warm"] and after["stopped"] == ["close"]
    text = (tmp_path / "app.py").read_text()
    assert "on_startup.append" not in text and "lifespan=lifespan" in text


def test_an_on_event_call_starlette_could_not_take_blocks_nothing(tmp_path: Path) -> None:
    """Starlette's `on_event` takes one argument and `add_event_handler` two: a call with others (a
    telemetry client's `self._otel.on_event(event, user_id, session_id)`, seen in a real bot) registers
    no hook. It neither stops the app's migration nor is called a startup/shutdown hook."""
    after = _convert_and_compare(tmp_path, {
        "app.py": _app_and("\n\nimport telemetry  # noqa: F401\n"),
        "telemetry.py": """
            from fastapi import FastAPI  # noqa: F401 - the module mentions the framework


            class Logger:
                def __init__(self, otel):
                    self._otel = otel

                def record(self, event, user_id, session_id):
                    self._otel.on_event(event, user_id, session_id)
                    self._otel.add_event_handler(event, user_id, session_id)
                    self._otel.on_event(event, user=user_id)
        """,
    }, "app")
    assert after["started"] == ["boot"]
    assert "lifespan=lifespan" in (tmp_path / "app.py").read_text()
    messages = [d.render() for d in _fix(tmp_path).diagnostics]
    assert not [m for m in messages if "telemetry.py" in m], messages


def test_an_on_event_call_that_may_be_starlettes_still_refuses(tmp_path: Path) -> None:
    """The same calls with arguments Starlette's methods take (or a `*args` hiding how many there
    are) may register a hook on an app awaitify cannot trace: every app is refused, as before."""
    for call in ("self._otel.on_event(event)(self.flush)", "self._otel.add_event_handler(event, self.flush)",
                 "self._otel.add_event_handler(event_type=event, func=self.flush)", "self._otel.on_event(*args)"):
        root = tmp_path / str(abs(hash(call)))
        root.mkdir()
        _refused(root, {"main.py": APP_WITH_HOOK, "telemetry.py": f"""
            from fastapi import FastAPI  # noqa: F401 - the module mentions the framework


            class Logger:
                def record(self, event, *args):
                    {call}

                def flush(self):
                    pass
        """}, "cannot tell which app")


def test_partial_handler_refuses_the_app(tmp_path: Path) -> None:
    messages = _refused(tmp_path, {"app.py": _app_and("""

        import functools


        def warm(name):
            events.append(name)


        app.on_event("startup")(functools.partial(warm, "cache"))
    """)}, "functools.partial(warm")
    assert any("`app` is not given a lifespan" in m and "app.boot" in m for m in messages)


def test_hook_added_by_a_helper_that_receives_the_app(tmp_path: Path) -> None:
    _refused(tmp_path, {
        "main.py": _app_and("\n\nfrom telemetry import instrument\n\ninstrument(app)\n"),
        "telemetry.py": """
            def instrument(app):
                app.add_event_handler("shutdown", flush)


            def flush():
                pass
        """,
    }, "inside `instrument`")


def test_hook_on_an_app_awaitify_cannot_trace_refuses_every_app(tmp_path: Path) -> None:
    messages = _refused(tmp_path, {
        "main.py": APP_WITH_HOOK,
        "plugins.py": """
            from fastapi import FastAPI


            def install(target):
                target.add_event_handler("startup", lambda: None)
        """,
    }, "cannot tell which app")
    assert any("`app` is not given a lifespan" in m for m in messages)


@pytest.mark.parametrize("guard", [
    "try:\n    import extra_hooks\nexcept ImportError:\n    pass\n",
    "import os\nif os.environ.get('FLAG'):\n    import extra_hooks\n",
])
def test_hooks_in_a_conditionally_imported_module_are_not_made_unconditional(tmp_path: Path, guard: str) -> None:
    _refused(tmp_path, {
        "main.py": _app_and("\n\n" + guard),
        "extra_hooks.py": """
            from main import app


            @app.on_event("startup")
            def extra():
                pass
        """,
    }, "does not import unconditionally")


def test_hook_registered_by_a_test_module_is_not_imported_by_the_app(tmp_path: Path) -> None:
    _refused(tmp_path, {
        "main.py": APP_WITH_HOOK,
        "tests/conftest.py": """
            from main import app


            @app.on_event("startup")
            def seed_database():
                pass
        """,
    }, "seed_database")


def test_hook_registered_under_an_if_refuses_the_app(tmp_path: Path) -> None:
    _refused(tmp_path, {"app.py": _app_and("""

        import os


        def debug_toolbar():
            pass


        if os.environ.get("DEBUG"):
            app.add_event_handler("startup", debug_toolbar)
    """)}, "inside a module-level `if`")


def test_an_app_built_inside_a_factory_does_not_block_the_module_app(tmp_path: Path) -> None:
    after = _convert_and_compare(tmp_path, {"app.py": _app_and("""

        def create_admin_app():
            admin = FastAPI()
            admin.add_event_handler("startup", lambda: None)
            return admin
    """)}, "app")
    assert after["started"] == ["boot"]


@pytest.mark.parametrize(("files", "converted"), [
    ({"requirements.txt": "fastapi>=0.100\nhttpx<0.3\nstarlette<0.30  # old\n"}, True),
    ({"requirements.txt": "fastapi[all] >= 0.95 ; python_version >= '3.8'\n"}, True),
    ({"requirements.txt": "fastapi==0.92.*\n"}, False),
    ({"requirements.txt": "fastapi~=0.92.0 \\\n    --hash=sha256:abc\n"}, False),
    ({"pyproject.toml": '[project]\nname = "x"\ndependencies = ["fastapi>=0.100", "pydantic<2"]\n'}, True),
    ({"pyproject.toml": '[tool.poetry.dependencies]\nfastapi = "^0.92.1"\nrequests = "<0.3"\n'}, False),
    ({"pyproject.toml": '[tool.poetry.dependencies]\nfastapi = {version = "^0.110", extras = ["all"]}\n'}, True),
    ({"poetry.lock": '[[package]]\nname = "fastapi"\nversion = "0.89.1"\n', "requirements.txt": "fastapi>=0.100\n"}, False),
    ({"requirements.txt": "-r base.txt\n-c constraints.txt\nuvicorn\n", "base.txt": "fastapi>=0.80\n-r requirements.txt\n",
      "constraints.txt": "fastapi==0.89.1\n"}, False),  # pins in included files count, as pip reads them
])
def test_fastapi_pins_are_read_as_requirements(tmp_path: Path, files: dict[str, str], converted: bool) -> None:
    _write(tmp_path, {"app.py": APP_WITH_HOOK})
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    result = _fix(tmp_path)
    assert bool(result.changed) is converted, [d.render() for d in result.diagnostics]
    assert converted or any("below 0.93" in d.message for d in result.diagnostics)


ROUTER_WITH_LIFESPAN = {
    "pkg/__init__.py": "",
    "pkg/routes.py": """
        from contextlib import asynccontextmanager

        from fastapi import APIRouter
        from recorder import events


        @asynccontextmanager
        async def own(app):
            events.append("own.start")
            yield
            events.append("own.stop")


        router = APIRouter(lifespan=own)


        @router.on_event("startup")
        def dead_start():
            events.append("dead.start")
    """,
    "pkg/main.py": """
        from fastapi import FastAPI
        from pkg import routes

        app = FastAPI()
        for router in [routes.router]:
            app.include_router(router)
    """,
}


def test_router_with_its_own_lifespan_and_hooks(tmp_path: Path) -> None:
    """Hooks on a router that has lifespan= run only if the app including it has none: reported, and
    --lifespan-merge runs them in a lifespan that enters the router's own, in FastAPI's order."""
    _write(tmp_path, ROUTER_WITH_LIFESPAN)
    before = _run_app(tmp_path, "pkg.main")
    assert before["started"] == ["dead.start", "own.start"] and before["stopped"] == ["own.stop"]
    result = _fix(tmp_path)
    assert not result.changed
    assert any("router `router` passes lifespan=" in d.message and "depends on the app" in d.message
               and "dead_start" in d.message for d in result.diagnostics)
    _fix(tmp_path, lifespan_merge=True)
    after = _run_app(tmp_path, "pkg.main")
    assert after["started"] == ["dead.start", "own.start"] and after["stopped"] == ["own.stop"]
    assert after["deprecations"] == []


def test_check_calls_fixable_only_what_fix_moves(tmp_path: Path, cli) -> None:
    """An app fix refuses keeps its AW301 findings, not marked fixable; a convertible one is."""
    _write(tmp_path, {
        "refused.py": """
            from fastapi import FastAPI

            app = FastAPI(on_startup=[print], on_shutdown=[lambda: None])
        """,
        "moved.py": """
            from fastapi import FastAPI

            app = FastAPI()


            @app.on_event("startup")
            def boot():
                pass
        """,
    })
    code, out, _ = cli("check", "--no-cache", "--format", "json", ".")
    findings = {(f["path"], f["line"]): f["fixable"] for f in json.loads(out)["findings"] if f["code"] == "AW301"}
    assert findings == {("refused.py", 3): False, ("moved.py", 6): True}
    cli("fix", "--write", "--no-cache", ".")
    code, out, _ = cli("check", "--no-cache", "--format", "json", ".")
    assert not [f for f in json.loads(out)["findings"] if f["fixable"]]


def test_sync_hooks_that_block_are_run_by_the_new_lifespan_in_one_fix(tmp_path: Path, cli) -> None:
    """The lifespan calls sync hooks from async code: propagation decides for them in the same run
    (a hook that blocks is made async or offloaded), so a second fix and check find nothing more."""
    after = _convert_and_compare(tmp_path, {"app.py": """
        import os
        import time

        from fastapi import FastAPI
        from recorder import events


        def load():
            events.append(f"load {os.path.exists('settings.json')}")


        def warm():
            time.sleep(0.01)
            events.append("warm")


        app = FastAPI(on_startup=[load])


        @app.on_event("startup")
        def boot():
            warm()


        @app.on_event("shutdown")
        def bye():
            events.append("bye")
    """}, "app")
    assert after["started"] == ["load False", "warm"] and after["stopped"] == ["bye"]
    text = (tmp_path / "app.py").read_text()
    # load's blocking call has no async twin: it runs in a thread; boot's (time.sleep) has one, and boot's
    # registration goes with the rewrite, so boot becomes async and is awaited, on the loop as before
    assert "await asyncio.to_thread(load)" in text and "    await boot()" in text and "async def warm():" in text
    assert "    bye()" in text
    code, out, _ = cli("fix", "--check", "--no-cache", ".")
    assert code == 0, out
    code, out, _ = cli("check", "--no-cache", "--format", "json", ".")
    assert not [f for f in json.loads(out)["findings"] if f["fixable"]]


RUN_FAILING_APP = textwrap.dedent("""
    import importlib, json, sys, warnings
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient
    app = importlib.import_module("app").app
    from recorder import events
    try:
        with TestClient(app):
            events.append("served")
    except Exception as exc:
        events.append(f"raised {type(exc).__name__}: {exc}")
    print(json.dumps(events))
""")


def test_a_failing_startup_hook_still_aborts_startup(tmp_path: Path) -> None:
    """Converted, a hook that raises stops startup as before: later hooks and requests never run."""
    _write(tmp_path, {"app.py": """
        from fastapi import FastAPI
        from recorder import events

        app = FastAPI()


        @app.on_event("startup")
        def first():
            events.append("first")


        @app.on_event("startup")
        async def broken():
            raise RuntimeError("no database")


        @app.on_event("startup")
        def never():
            events.append("never")


        @app.on_event("shutdown")
        def bye():
            events.append("bye")
    """})

    def events() -> list[str]:
        return json.loads(_drive("run_failing_app", RUN_FAILING_APP, tmp_path))

    before = events()
    assert before[0] == "first" and before[-1] == "raised RuntimeError: no database" and "served" not in before
    _fix(tmp_path)
    assert "lifespan=lifespan" in (tmp_path / "app.py").read_text()
    assert events() == before


def test_two_hooks_with_one_name_refuse_the_app(tmp_path: Path) -> None:
    """`def init` twice, both registered: by the time a lifespan runs, `init` is the last one only."""
    _refused(tmp_path, {"app.py": _app_and("""

        @app.on_event("startup")
        def init():
            events.append("database")


        @app.on_event("startup")
        def init():  # noqa: F811
            events.append("cache")
    """)}, "the hook `init` shares its name")


def test_a_registration_through_an_alias_of_the_router_moves(tmp_path: Path) -> None:
    after = _convert_and_compare(tmp_path, {"app.py": _app_and("""

        router = app.router
        web = app


        def load_models():
            events.append("models")


        @web.on_event("shutdown")
        def bye():
            events.append("bye")


        router.add_event_handler("startup", load_models)
    """)}, "app")
    assert after["started"] == ["boot", "models"] and after["stopped"] == ["bye"]


def test_refusals_say_where_and_how_a_hook_is_registered(tmp_path: Path) -> None:
    messages = _refused(tmp_path, {"app.py": _app_and("""

        import os

        STARTUP = "startup"


        def check_env():
            pass


        app.router.on_startup.insert(0, check_env)

        if os.environ.get("METRICS"):
            @app.on_event("shutdown")
            def stop_metrics():
                pass


        @app.on_event(STARTUP)
        def boot2():
            pass
    """)}, "app.router.on_startup.insert(0, check_env)")
    text = "\n".join(messages)
    assert "`stop_metrics` (@app.on_event(\"shutdown\")) registered with `.on_event(...)` inside a module-level `if`" in text
    assert "`boot2` (@app.on_event(STARTUP)) registered with `.on_event(...)` with an event awaitify cannot read" in text


@pytest.mark.parametrize(("target", "written"), [("anyio", "await anyio.to_thread.run_sync(load)"),
                                                 ("trio", "await trio.to_thread.run_sync(load)")])
def test_a_blocking_sync_hook_is_offloaded_with_the_runtimes_api(tmp_path: Path, target: str, written: str) -> None:
    _write(tmp_path, {"app.py": """
        import os

        from fastapi import FastAPI


        def load():
            return os.path.exists("settings.json")


        app = FastAPI(on_startup=[load])
    """})
    _fix(tmp_path, target=target)
    assert written in (tmp_path / "app.py").read_text()


def test_a_hook_is_imported_from_where_it_is_defined(tmp_path: Path) -> None:
    """hooks.py imports close_db and registers it; once the registration moves, that import is
    unused and goes: the lifespan must import close_db from its own module, not from hooks.py."""
    after = _convert_and_compare(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/db.py": """
            from recorder import events


            async def close_db():
                events.append("db closed")
        """,
        "pkg/main.py": """
            from fastapi import FastAPI
            from recorder import events

            app = FastAPI()


            @app.on_event("startup")
            def boot():
                events.append("boot")


            from pkg import hooks  # noqa: E402,F401
        """,
        "pkg/hooks.py": """
            from pkg.db import close_db
            from pkg.main import app

            app.router.add_event_handler("shutdown", close_db)
        """,
    }, "pkg.main")
    assert after["started"] == ["boot"] and after["stopped"] == ["db closed"]
    assert "from pkg.db import close_db" in (tmp_path / "pkg/main.py").read_text()


def test_hooks_of_an_app_a_factory_builds_are_reported(tmp_path: Path) -> None:
    _write(tmp_path, {"factory.py": """
        from fastapi import FastAPI


        def create_app():
            app = FastAPI()
            app.add_event_handler("startup", lambda: None)
            return app
    """})
    result = _fix(tmp_path)
    assert not result.changed
    (diagnostic,) = result.diagnostics
    assert diagnostic.message.startswith("startup/shutdown hook `app.add_event_handler(\"startup\", lambda: None)` "
                                         "registered with `.add_event_handler(...)` inside `create_app`")
    assert "awaitify gives a lifespan only to module-level apps" in diagnostic.message
