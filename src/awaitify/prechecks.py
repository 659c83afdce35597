"""The codemods' `wants(summary)` pre-checks, read without importing libcst.

Each says, from the cheap `ast` summary of a file (`awaitify.summary`), whether its codemod may
change the file: a file no selected codemod wants is never parsed with libcst. They live here, not
in the codemod modules, so that planning and the pre-check never load libcst (0.6 s with the
codemods): only a transform does. Each codemod module takes its own as `wants`.
"""

from __future__ import annotations

from typing import Callable, Iterable

from awaitify import codemod_rules as rules
from awaitify.summary import ASYNC, MODULE, ModuleSummary

Wants = Callable[[ModuleSummary], bool]
# A summary may leave sync function bodies unread (`awaitify.engine.lazy_bodies`): they hold no async code,
# so a hook that asks about async code reads `calls` as they are; one that asks about sync code
# reads the bodies that spell what it looks for first (`ModuleSummary.expand_naming`).

# asyncio_run: where a loop whose run_until_complete() may be rewritten comes from
LOOP_GETTERS = ("asyncio.get_event_loop", "asyncio.get_running_loop", "asyncio.new_event_loop")
# requests_httpx: what makes a requests.Session
SESSION_FACTORIES = ("requests.Session", "requests.session", "requests.sessions.Session")
# redis_asyncio: qualified name of the sync factory -> how the redis.asyncio one is spelled after the module alias
REDIS_FACTORIES = {
    "redis.Redis": "Redis",
    "redis.StrictRedis": "StrictRedis",
    "redis.client.Redis": "Redis",
    "redis.client.StrictRedis": "StrictRedis",
    "redis.from_url": "from_url",
    "redis.utils.from_url": "from_url",
    "redis.Redis.from_url": "Redis.from_url",
    "redis.StrictRedis.from_url": "StrictRedis.from_url",
    "redis.client.Redis.from_url": "Redis.from_url",
    "redis.client.StrictRedis.from_url": "StrictRedis.from_url",
}
URLOPEN = "urllib.request.urlopen"


def _last_names(dotted: Iterable[str]) -> frozenset[str]:
    """What a call of one of these spells: its last name."""
    return frozenset(name.rpartition(".")[2] for name in dotted)


def wants_calls(qualified: frozenset[str] = frozenset(), unresolved: frozenset[str] = frozenset()) -> Wants:
    """A `wants(summary)` hook: is there, in async code, a call to one of `qualified` (through an
    import) or to a name/attribute spelled like one of `unresolved` (builtins, methods)?"""
    def wants(summary: ModuleSummary) -> bool:
        return any(
            site.in_async and ((site.ref.kind == "import" and site.ref.target in qualified)
                               or (site.ref.kind == "unresolved" and site.ref.attr in unresolved))
            for site in summary.calls
        )
    return wants


def sleep(summary: ModuleSummary) -> bool:
    """Is there a time.sleep the sleep codemod would rewrite or report?"""
    return any(site.ref.kind == "import" and site.ref.target == "time.sleep" and site.in_async for site in summary.calls)


def asyncio_run(summary: ModuleSummary) -> bool:
    """An asyncio.run() in async code or at import time, or a run_until_complete() in an async
    function that gets a loop from asyncio (the codemod rewrites only a loop it sees come from
    `get_event_loop()` and the like, in that same function)."""
    # a loop getter counts in the async function itself: none stands in a body left unread
    getting_loops = {site.owner for site in summary.calls if site.ref.kind == "import" and site.ref.target in LOOP_GETTERS}
    for site in summary.calls:
        if site.ref.kind == "import" and site.ref.target == "asyncio.run" and site.context in (ASYNC, MODULE):
            return True
        if site.ref.attr == "run_until_complete" and site.context == ASYNC and site.owner in getting_loops:
            return True
    return False


def requests_httpx(summary: ModuleSummary) -> bool:
    """A requests call in async code, or a requests.Session() made anywhere in a module with async
    functions (a session kept on `self` or a global is reported where async code uses it)."""
    if any(site.ref.kind == "import" and site.ref.target.startswith("requests.") and site.in_async for site in summary.calls):
        return True
    if not any(f.is_async for f in summary.functions.values()):
        return False
    summary.expand_naming(_last_names(SESSION_FACTORIES))
    return any(site.ref.kind == "import" and site.ref.target in SESSION_FACTORIES for site in summary.calls)


def sync_db_client(summary: ModuleSummary) -> bool:
    """A sync redis client is made somewhere (module-level and `self` clients are reported when
    async code uses them, so sync scopes count too)."""
    summary.expand_naming(_last_names(REDIS_FACTORIES))
    return any(site.ref.kind == "import" and site.ref.target in REDIS_FACTORIES for site in summary.calls)


_path_io = wants_calls(unresolved=frozenset(rules.PATH_IO_METHODS))


def blocking_open(summary: ModuleSummary) -> bool:
    """A Path I/O method called in async code, or an opener that is the one item of a `with` block
    that could move (`ModuleSummary.movable_withs`)."""
    return _path_io(summary) or any(
        site.key in summary.movable_withs and site.context == ASYNC
        and ((site.ref.kind == "import" and site.ref.target in ("io.open", "codecs.open"))
             or (site.ref.kind == "unresolved" and site.ref.attr == "open"))
        for site in summary.calls
    )


def _offloads(rule: rules.Rule, *more: str) -> Wants:
    return wants_calls(qualified=frozenset((*rule.offload_fixes, *more)))


# rule name -> its codemod's pre-check, for the codemods that have one
WANTS: dict[str, Wants] = {
    rules.SLEEP.name: sleep,
    rules.ASYNCIO_RUN.name: asyncio_run,
    rules.REQUESTS_HTTPX.name: requests_httpx,
    rules.SYNC_DB_CLIENT.name: sync_db_client,
    rules.BLOCKING_OPEN.name: blocking_open,
    rules.BLOCKING_HTTP_CALL.name: _offloads(rules.BLOCKING_HTTP_CALL, URLOPEN),
    rules.SUBPROCESS_RUN.name: _offloads(rules.SUBPROCESS_RUN),
    rules.OS_WAIT.name: _offloads(rules.OS_WAIT),
    rules.OS_PATH.name: _offloads(rules.OS_PATH),
    rules.SHUTIL_IO.name: _offloads(rules.SHUTIL_IO),
    rules.INPUT.name: wants_calls(unresolved=frozenset({"input"})),
}
