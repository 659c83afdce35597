"""The codemods' rules, declared apart from their transforms (ruff keeps its rule table apart too).

Each codemod module in `awaitify.codemods` takes its `RULE` from here. `check`, `rules` and
`--select` read this table without importing the codemods, and so without libcst, whose import
costs about 0.6 s of every run that never rewrites a file. What a rule declares is explained on
`awaitify.rules.Rule`. The call lists a codemod offloads are declared here once and read back by
the codemod (`CALLS = frozenset(RULE.offload_fixes)`) and by `check`'s scanner.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from awaitify.requests_plan import VERBS as HTTP_VERBS  # requests' and httpx's module-level verbs alike
from awaitify.rule import Rule

if TYPE_CHECKING:
    from awaitify.config import Config

# the framework hooks the lifespan codemod rewrites
LIFESPAN_HOOKS = ("on_event", "add_event_handler", "on_startup", "on_shutdown")
# pathlib methods that read or write a whole file
PATH_IO_METHODS = ("read_text", "read_bytes", "write_text", "write_bytes")
# os.path functions that touch the file system (`join`, `basename`, ... do not)
OS_PATH_IO = ("exists", "lexists", "isfile", "isdir", "islink", "ismount", "getsize", "getatime", "getmtime",
              "getctime", "samefile", "sameopenfile", "realpath")
_SHUTIL = ("copy", "copy2", "copyfile", "copyfileobj", "copytree", "move", "rmtree", "make_archive", "unpack_archive")
_SUBPROCESS = ("run", "call", "check_call", "check_output", "getoutput", "getstatusoutput")


def _configured_names(config: Config) -> tuple[str, ...]:
    return tuple(name.rpartition(".")[2] for name in config.blocking_calls)


def _offload(code: str, name: str, summary: str, triggers: tuple[str, ...], offload_fixes: tuple[str, ...] = ()) -> Rule:
    """The offload codemods: they change only async functions holding one of their triggers, one
    call (or `with` block) at a time, after the rewrites that make calls awaitable."""
    return Rule(code=code, name=name, summary=summary, triggers=triggers, order=45, async_only=True, local_edits=True,
                async_by_trigger=True, offload_fixes=offload_fixes)


PROPAGATION = Rule(
    code="AW401",
    name="propagation",
    summary="make callers of newly async functions async, or offload them to a thread",
    triggers=(),  # runs only where the plan has work for the file
    order=10,
    local_edits=True,
    async_by_trigger=True,
)

ASYNCIO_RUN = Rule(
    code="AW102",
    name="asyncio-run",
    summary="asyncio.run()/run_until_complete() inside async code -> await",
    triggers=("asyncio",),
    order=20,
    local_edits=True,
    async_by_trigger=True,
    async_fixes=("asyncio.run",),
)

SLEEP = Rule(
    code="AW101",
    name="sleep",
    summary="time.sleep() in async code -> await asyncio.sleep()",
    triggers=("sleep",),
    order=30,
    async_only=True,
    local_edits=True,
    async_by_trigger=True,
    async_fixes=("time.sleep",),
)

CUSTOM_BLOCKING_CALL = Rule(
    code="AW103",
    name="custom-blocking-call",
    summary="calls listed in `blocking-calls` config -> their awaited async twin, or asyncio.to_thread",
    triggers=(),
    order=35,
    async_only=True,
    local_edits=True,
    async_by_trigger=True,
    config_triggers=_configured_names,
)

REQUESTS_HTTPX = Rule(
    code="AW201",
    name="requests-httpx",
    summary="requests calls in async code -> await httpx.AsyncClient calls, with requests' behaviour kept",
    triggers=("requests",),
    order=40,
    async_only=True,
    local_edits=True,
    sync_tokens=("requests",),  # a client or loop made in a sync function and used by async code
    async_fixes=tuple(f"requests.{v}" for v in HTTP_VERBS),
    planner="awaitify.rules.requests_httpx.raisers",  # handlers in other modules around converted helpers
)

BLOCKING_HTTP_CALL = _offload(
    "AW501", "blocking-http-call",
    "httpx/urllib3 module-level calls and urlopen(...).read() chains in async code -> await asyncio.to_thread(...)",
    triggers=("httpx", "urllib3", "urlopen"),
    offload_fixes=tuple(sorted({*(f"httpx.{v}" for v in HTTP_VERBS), "urllib3.request"})),
)

SUBPROCESS_RUN = _offload(
    "AW505", "subprocess-run",
    "subprocess.run/call/check_*, os.system in async code -> await asyncio.to_thread(...)",
    triggers=("subprocess", "system", "posix_spawn"),
    offload_fixes=tuple(sorted({*(f"subprocess.{f}" for f in _SUBPROCESS), "os.system", "os.posix_spawn", "os.posix_spawnp"})),
)

OS_WAIT = _offload(
    "AW506", "os-wait",
    "os.wait/waitpid and friends in async code -> await asyncio.to_thread(...)",
    triggers=("wait",),
    offload_fixes=tuple(sorted(f"os.{f}" for f in ("wait", "wait3", "wait4", "waitid", "waitpid"))),
)

BLOCKING_OPEN = _offload(
    "AW507", "blocking-open",
    "with open(...) blocks and Path.read_text/write_bytes/... in async code -> await asyncio.to_thread(...)",
    triggers=(*PATH_IO_METHODS, "open("),
)

OS_PATH = _offload(
    "AW510", "os-path",
    "os.path functions that touch the file system, in async code -> await asyncio.to_thread(...)",
    triggers=OS_PATH_IO,
    offload_fixes=tuple(sorted(f"os.path.{f}" for f in OS_PATH_IO)),
)

INPUT = _offload(
    "AW511", "input",
    "input() in async code -> await asyncio.to_thread(input, ...)",
    triggers=("input",),
)

SHUTIL_IO = _offload(
    "AW515", "shutil-io",
    "shutil copies, moves, rmtree and archives in async code -> await asyncio.to_thread(...)",
    triggers=("shutil",),
    offload_fixes=tuple(sorted(f"shutil.{f}" for f in _SHUTIL)),
)

SYNC_DB_CLIENT = Rule(
    code="AW512",
    name="sync-db-client",
    summary="sync redis clients local to an async function -> redis.asyncio, commands awaited",
    triggers=("redis",),
    order=47,
    async_only=True,
    local_edits=True,
    sync_tokens=("redis",),  # a client or loop made in a sync function and used by async code
)

STRIPE_GLOBAL_KEY = Rule(
    code="AW513",
    name="stripe-global-key",
    summary="process-global stripe.api_key + stripe.<Resource>.<method>() -> a stripe.StripeClient and its "
            "services (awaited *_async in async code)",
    triggers=("stripe",),
    order=48,
    planner="awaitify.rules.stripe_global_key.plan",  # other modules may rely on the global key
)

LIFESPAN = Rule(
    code="AW301",
    name="lifespan",
    summary="@app.on_event / add_event_handler / on_startup= hooks -> a lifespan context manager",
    triggers=LIFESPAN_HOOKS,
    order=50,
    plan_only=True,
    planner="awaitify.rules.lifespan.plan",
)

CODEMOD_RULES: tuple[Rule, ...] = (PROPAGATION, ASYNCIO_RUN, SLEEP, CUSTOM_BLOCKING_CALL, REQUESTS_HTTPX, BLOCKING_HTTP_CALL,
                                   SUBPROCESS_RUN, OS_WAIT, BLOCKING_OPEN, OS_PATH, INPUT, SHUTIL_IO, SYNC_DB_CLIENT,
                                   STRIPE_GLOBAL_KEY, LIFESPAN)
