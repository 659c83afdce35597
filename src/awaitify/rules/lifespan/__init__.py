r"""# AW301 `lifespan`: `on_event` startup/shutdown hooks -> a `lifespan` context manager

## What it does
Finds every FastAPI/Starlette app and router (`FastAPI(...)`, `Starlette(...)`, `APIRouter(...)`,
resolved through the module's imports, any import form) and every startup/shutdown hook registered
on it:

- `@app.on_event("startup")` / `@app.on_event("shutdown")` (also on `app.router`),
- `app.add_event_handler("startup", fn)` and `app.on_event("startup")(fn)`,
- `app.router.on_startup.append(fn)` / `app.router.on_shutdown.append(fn)` (Starlette's own lists),
- `FastAPI(on_startup=[...], on_shutdown=[...])` (same for `Starlette` and `APIRouter`),
- hooks registered from **another module** on the imported app (`from app.main import app`),
- hooks of a router the app includes with `app.include_router(router)` at module level.

It writes the lifespan FastAPI's docs teach, just before the app is built, and passes
`lifespan=lifespan` to the constructor (every other argument is kept). The hook functions stay as
named functions, without their decorators; the lifespan calls them in registration order, `await`ing
the async ones and calling the sync ones directly. Hooks from other modules are imported *inside* the
lifespan body, so no import cycle appears. The name `lifespan` is never reused: `lifespan_1`, ... when
taken. A router whose inclusion is not visible (included in a loop, by a plugin, ...) gets its own
`router = APIRouter(..., lifespan=router_lifespan)`, which FastAPI merges into the app's lifespan on
`include_router` (since 0.112.2).

## Why is this bad?
`on_event` is deprecated since FastAPI 0.104, and Starlette removed it. Worse, the two styles do not
mix: once an app passes `lifespan=`, FastAPI silently stops running its `on_event` hooks, so a
half-done migration drops start-up work (Redis pools, environment checks) without an error.

## Example
```python
from fastapi import FastAPI

app = FastAPI(title="bidiq", on_startup=[connect_db])


@app.on_event("startup")
def validate_env() -> None:
    ...


@app.on_event("shutdown")
async def close_pools() -> None:
    ...
```
becomes
```python
from contextlib import asynccontextmanager

from fastapi import FastAPI


@asynccontextmanager
async def lifespan(app: FastAPI):
    await connect_db()
    validate_env()
    yield
    await close_pools()


app = FastAPI(title="bidiq", lifespan=lifespan)


def validate_env() -> None:
    ...


async def close_pools() -> None:
    ...
```
A hook registered in `app/events.py` on the imported app appears in the lifespan as
`from app.events import warm_cache` followed by `warm_cache()`.

## When it refuses
Once an app passes `lifespan=`, Starlette runs none of the hooks registered the old way, so a hook
left behind is silently lost. The rule therefore moves **all** of an app's hooks (with those of the
routers it includes) or none: when one cannot move, the app is left exactly as it is, and a finding
at the registration and one at the app name each hook that stays and why. Each refusal is a finding
(`path:line:col AW301 ...`). `check` gives the same reasons at the same places: on its finding for
the registration (`...; not fixed: <why>`), and at the app (`startup/shutdown hooks stay on this
app; not fixed: <why>`).

| registration | why it cannot move |
|---|---|
| `app.on_event("startup")(functools.partial(fn, arg))`, a lambda, `on_startup=[make_hook()]`, an `on_startup=` that is not a list literal | the handler is not a plain name, so the lifespan cannot call it by name |
| `app.add_event_handler(...)` inside a function (`def instrument(app): ...`, a method, an app factory that is handed the module's app) | it runs only when that function is called; when the calls pass the app by name, that app is refused; when awaitify cannot tell which app the function receives, **every app of the run** is refused |
| a registration under a module-level `if`, `try`, `with`, loop or in a class body | it runs only as that decides |
| hooks in a module the app's module does not import unconditionally at its top level: a `try: import x except ImportError`, an `if settings.FLAG: import y`, a `tests/conftest.py`, a module imported by someone else | moving them would import and call them on every start, where today they run only if that module is imported |
| any other use of `app.router.on_startup`, `on_shutdown` or `lifespan_context` (`+=`, assignment, `.extend`) | not a single, ordered registration |
| a hook on an object imported from a module outside the run | the app is not among the files being fixed |

Also refused:
- **The app already passes `lifespan=`.** Its `on_event` hooks never run today (dead code). Making
  them run would change behaviour, so by default the finding names the dead hooks. With
  `--lifespan-merge` (or `lifespan-merge = true`), they are merged: a new lifespan runs the startup
  hooks, then enters the existing lifespan (`async with lifespan(app) as state: yield state`; an
  undecorated async-generator lifespan is wrapped in `asynccontextmanager` first), then runs the
  shutdown hooks. An existing lifespan that is not a module-level function of the app's file is not
  merged.
- **A router that passes `lifespan=` and has `on_event` hooks.** Whether those hooks run depends on
  the app that includes it (`include_router` copies them into the app, which runs them unless it
  has a `lifespan=` of its own), so the finding says so; `--lifespan-merge` moves them into a
  lifespan that enters the router's own, in the order FastAPI ran them (hooks, then the router's
  lifespan).
- A project whose requirements, `pyproject.toml` or lock file pin FastAPI below 0.93 (no
  `lifespan=`), or below 0.112.2 for a router's own lifespan. Pins are read as pip and packaging read
  them (PEP 508 lines with markers, extras, `\` continuations and `--hash` options; PEP 621
  dependencies and optional dependencies; Poetry's `^`/`~` constraints; the version in
  `poetry.lock`, `uv.lock` or `pdm.lock`, which wins): the newest release they allow decides.
  `fastapi>=0.70` allows any newer release, so it does not refuse.
- Left alone without a finding: `on_event`/`add_event_handler` of any object that is not a
  FastAPI/Starlette app or router (an event bus of another library), calls whose arguments
  Starlette's methods could not take (`on_event` takes one, `add_event_handler` two: a telemetry
  client's `otel.on_event(event, user_id)` registers no hook), and apps an app factory builds
  itself inside a function (`admin = FastAPI()` in `create_admin_app()`), which get no lifespan.

## Fix safety
Safe: the planner reads every registration of the app in the run and moves them only when all of
them move, in their order; the tests run each app before and after and compare the hooks that ran.

## How it keeps behaviour
- Order: Starlette ran constructor `on_startup=` hooks first, then registrations in the order the
  module executed them. The lifespan keeps that order: constructor hooks, then module-level
  registrations by line; hooks registered from another module run where the app's module imports
  that module; an included router's hooks run where `include_router` stands.
- Sync hooks stay sync and run on the loop thread, as Starlette ran them; async hooks are awaited. A
  hook whose kind cannot be known statically (e.g. `db.connect` of an imported object) is called and
  its result awaited only when it is awaitable, which is what Starlette decided at run time.
- Blocking calls inside the hooks are handled by the other rules in the same run, as in any function
  async code calls: the lifespan calls the hooks from async code, so propagation sees those calls. A
  sync hook whose blocking call has an async twin (`time.sleep`, `requests`) becomes `async def` and is
  awaited, on the loop thread as before (its `@app.on_event` decorator or `on_startup=` entry, which
  would have made it a propagation boundary, goes with the rewrite); one whose blocking call has none
  (`os.path.exists`) is run with `await asyncio.to_thread(hook)` (`anyio`/`trio`: their
  `to_thread.run_sync`). A second `fix` then changes nothing.
- FastAPI 0.128 and later run the `on_event` hooks of an included router **twice** (copied into the
  app and again through the router's own default lifespan). After the migration each runs once, as
  in earlier FastAPI releases and as the docs describe.
- The tests run each app before and after under `with TestClient(app):` and compare the hooks that
  ran, in order, at startup and shutdown, and check that no `on_event` deprecation warning is left:
  one module with mixed sync/async hooks, `add_event_handler` and `on_startup=`; hooks in two
  modules; a router with its own hooks (hoisted, and with its own lifespan); the existing-lifespan
  case with and without `--lifespan-merge`, for an app and for a router; `app.router.on_startup.append`.
  Each refusal above has a test that checks the app's files are left byte for byte and the finding
  names the hook.
- With every rule on, the other rewrites of the same module (the shared TLS context of AW201, an
  offloaded call, a made-async helper) move lines before this rule runs; the rule matches the plan's
  registrations by their line in the original file, so it sees them all.
"""

from __future__ import annotations

from awaitify.rule import Example, Rule

# the framework hooks this rule rewrites
LIFESPAN_HOOKS = ("on_event", "add_event_handler", "on_startup", "on_shutdown")

RULE = Rule(
    code="AW301",
    name="lifespan",
    summary="@app.on_event / add_event_handler / on_startup= hooks -> a lifespan context manager",
    why="is deprecated, and FastAPI ignores such hooks once the app passes lifespan=",
    family="Framework",
    fixed_by="AW301",
    context_free=True,
    fixable=True,
    triggers=LIFESPAN_HOOKS,
    order=50,
    plan_only=True,
    planner="awaitify.rules.lifespan.plan",
)

# Cases the suite runs with every rule on (tests/test_rule_examples.py; awaitify.rule.Example)
VALID = (
    Example("""\
from contextlib import asynccontextmanager

from fastapi import FastAPI


@asynccontextmanager
async def lifespan(app: FastAPI):
    yield


app = FastAPI(lifespan=lifespan)
"""),
)

INVALID = (
    Example("""\
from fastapi import FastAPI

app = FastAPI()


@app.on_event("startup")
async def connect() -> None:
    print("up")


@app.on_event("shutdown")
def close() -> None:
    print("down")
""", fixed="""\
from contextlib import asynccontextmanager

from fastapi import FastAPI


@asynccontextmanager
async def lifespan(app: FastAPI):
    await connect()
    yield
    close()


app = FastAPI(lifespan=lifespan)


async def connect() -> None:
    print("up")


def close() -> None:
    print("down")
"""),
    Example("""\
import functools

from fastapi import FastAPI

app = FastAPI()


async def connect(url) -> None:
    print(url)


app.on_event("startup")(functools.partial(connect, "db"))


@app.on_event("shutdown")
def close() -> None:
    print("down")
"""),
)
