"""Why sync-db-client's fix leaves a redis client made in async code, in the words of its diagnostic
(no libcst): its arguments and what binds it (`binding_refusal`), and the reasons that follow how its
name is used afterwards (the tables and wordings below, which `fix` and `uses` both read). `check`'s
scan gives the reason on its finding, so that `check` never calls fixable a client `fix` refuses."""

from __future__ import annotations

import ast

# Keyword arguments that hold sync-only objects or settings redis.asyncio does not take.
SYNC_ONLY_ARGS = {
    "connection_pool": "a sync ConnectionPool",
    "connection_class": "a sync Connection class",
    "parser_class": "a sync parser class",
    "retry": "a sync Retry object",
    "redis_connect_func": "a sync connect callback",
    "cache": "client-side caching, which redis.asyncio lacks",
    "cache_config": "client-side caching, which redis.asyncio lacks",
    "ssl_validate_ocsp": "OCSP validation, which redis.asyncio lacks",
    "ssl_validate_ocsp_stapled": "OCSP validation, which redis.asyncio lacks",
    "ssl_ocsp_context": "OCSP validation, which redis.asyncio lacks",
    "ssl_ocsp_expected_cert": "OCSP validation, which redis.asyncio lacks",
    "oss_cluster_maint_notifications_handler": "a sync maintenance-notifications handler",
}
MAX_POSITIONAL = {"from_url": 1}  # url; the Redis constructors: host, port, db, password


NOT_BOUND = "the client is not bound to a local name (it is passed on, returned, stored or chained)"
WITH_UNBOUND = "the `with` does not bind the client to a name"
WITH_OTHERS = "the `with` holds other context managers too; split it first"
ANNOTATED = "the client's variable is annotated with the sync type; drop or change the annotation first"


def binding_refusal(call: ast.Call, spelling: str, bound_by: ast.AST | None) -> str | None:
    """Why the fix leaves the client `call` makes (`spelling`: how its factory is spelled, a value of
    `REDIS_FACTORIES`), asked in the fix's order: its arguments, then what binds it (`bound_by`: the
    `Assign`, `AnnAssign` or (`withitem`, `With`) whose value the call is, else None); None when
    neither refuses it."""
    return _arguments_refusal(call, spelling) or _bound_refusal(call, bound_by)


POSITIONAL_PAST = "positional arguments past host, port, db, password; pass them by keyword"


def unpacked_arguments(star: str) -> str:
    """`star`: "*" or "**"."""
    return f"`{star}` arguments may hold sync-only settings (connection_pool=, retry=)"


def sync_only_argument(keyword: str) -> str:
    """`keyword`: one of SYNC_ONLY_ARGS."""
    return f"`{keyword}=` is {SYNC_ONLY_ARGS[keyword]}"


def positional_limit(spelling: str) -> int:
    """How many positional arguments the factory spelled `spelling` may take."""
    return MAX_POSITIONAL.get(spelling.rpartition(".")[2], 4)


def _arguments_refusal(call: ast.Call, spelling: str) -> str | None:
    positional = 0
    for arg in sorted([*call.args, *call.keywords], key=lambda a: (a.lineno, a.col_offset)):  # source order, as libcst's
        if isinstance(arg, ast.Starred) or (isinstance(arg, ast.keyword) and arg.arg is None):
            return unpacked_arguments("*" if isinstance(arg, ast.Starred) else "**")
        if isinstance(arg, ast.keyword):
            if arg.arg in SYNC_ONLY_ARGS:
                return sync_only_argument(arg.arg)
        else:
            positional += 1
    return POSITIONAL_PAST if positional > positional_limit(spelling) else None


def _bound_refusal(call: ast.Call, bound_by: ast.AST | None) -> str | None:
    if isinstance(bound_by, ast.Assign) and bound_by.value is call:
        if len(bound_by.targets) == 1 and isinstance(bound_by.targets[0], ast.Name):
            return None
        return stored_reason(_dotted(bound_by.targets[0]) if isinstance(bound_by.targets[0], ast.Attribute) else None)
    if isinstance(bound_by, tuple):
        item, statement = bound_by
        if not isinstance(item.optional_vars, ast.Name):
            return WITH_UNBOUND
        if len(statement.items) != 1:
            return WITH_OTHERS
        return None
    if isinstance(bound_by, ast.AnnAssign) and bound_by.value is call:
        return ANNOTATED
    return NOT_BOUND


def stored_reason(attribute: str | None) -> str:
    """The client is assigned to something else than one local name: `attribute` (dotted, "" when it
    cannot be spelled) when it is an attribute, None otherwise."""
    if attribute is not None:
        return f"the client is stored on `{attribute or 'an object'}`, so its life is not local to this function"
    return "the client is not bound to a single local name"


def _dotted(node: ast.expr) -> str:
    """As the fix spells a target (`a.b.c`; `.c` on a call's result)."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


# --- how the client's name is used (RedisToAsyncio._plan_uses; `uses` reads the same with `ast`) -----

# Methods of the client that are not plain commands: with redis.asyncio they hand out other objects
# (whose own methods differ), take sync callbacks, or are internals. Anything else is a command.
NOT_COMMANDS = {
    "pubsub": "hands out a PubSub object whose methods become coroutines",
    "lock": "hands out a Lock whose acquire/release become coroutines",
    "register_script": "hands out a Script whose call becomes a coroutine",
    "monitor": "hands out a Monitor",
    "transaction": "takes a sync function that redis.asyncio would await",
    "bitfield": "hands out a BitFieldOperation whose execute() becomes a coroutine",
    "client": "hands out another client",
    "keyspace_notifications": "hands out a notifications object",
    "json": "hands out a module command object", "ft": "hands out a module command object",
    "ts": "hands out a module command object", "bf": "hands out a module command object",
    "cf": "hands out a module command object", "cms": "hands out a module command object",
    "topk": "hands out a module command object", "tdigest": "hands out a module command object",
    "vset": "hands out a module command object",
    "get_encoder": "is not a command", "get_connection_kwargs": "is not a command",
    "get_retry": "is not a command", "set_retry": "is not a command",
    "set_response_callback": "is not a command", "load_external_module": "is not a command",
    "from_url": "is not a command", "from_pool": "is not a command",
    "parse_response": "is an internal", "initialize": "is an internal",
    "__enter__": "is not a command", "__exit__": "is not a command",
}
SCAN_ITERS = {"scan_iter", "sscan_iter", "hscan_iter", "zscan_iter"}
CLOSE = "close"
PIPELINE = "pipeline"

# Pipelines: commands are buffered (they return the pipeline, not awaited); these run it.
PIPELINE_AWAITED = {"execute", "reset", "discard"}
PIPELINE_REFUSED = {
    "watch": "WATCH puts the pipeline in immediate mode: each command would need its own await",
    "unwatch": "WATCH/UNWATCH transactions need each command awaited",
    "multi": "WATCH/MULTI transactions need each command awaited",
    "immediate_execute_command": "is an internal", "pipeline_execute_command": "is an internal",
    "load_scripts": "is an internal", "close": "is not how a pipeline is ended",
    "pipeline": "is not a pipeline command", "pubsub": "is not a pipeline command",
    "lock": "is not a pipeline command", "transaction": "is not a pipeline command",
    "__enter__": "is not a command", "__exit__": "is not a command",
    **{name: NOT_COMMANDS[name] for name in ("register_script", "bitfield", "json", "ft", "ts", "bf", "cf",
                                             "cms", "topk", "tdigest", "vset", "monitor")},
    **{name: "is an async iterator with redis.asyncio" for name in SCAN_ITERS},
}

TRIO = ("redis.asyncio runs on asyncio only, and this is a trio program; offload the calls "
        "with trio.to_thread.run_sync or use a trio-capable client")


def declared_elsewhere(name: str) -> str:
    return f"`{name}` is a module global (declared `global`/`nonlocal`)"


def bound_twice(name: str) -> str:
    return f"`{name}` is bound more than once in the function (rebound or a parameter)"


def unfollowable(name: str) -> str:
    return f"`{name}` is used in a way that cannot be followed"


def in_nested_function(name: str) -> str:
    return f"`{name}` is used in a lambda or nested function, so its life is not local to this one"


def in_class_body(name: str) -> str:
    return f"`{name}` is used in a class body"


def in_generator(name: str) -> str:
    return f"`{name}` is used in a generator expression, which an `await` would make async"


def attribute_read(name: str, attribute: str) -> str:
    return f"`{name}.{attribute}` is read as an attribute; the async client's differs"


def used_as_value(name: str) -> str:
    return f"`{name}` is used as a value (passed on, returned or stored), so its life is not local"


def scan_not_looped(name: str, method: str) -> str:
    return f"`{name}.{method}()` is an async iterator with redis.asyncio; only a `for` over it is rewritten"


def scan_in_generator(name: str, method: str) -> str:
    return (f"`{name}.{method}()` is iterated in a generator expression; an `async for` there would "
            "make it an async generator, which its consumer cannot iterate")


def scan_in_nested_comprehension(name: str, method: str) -> str:
    return (f"`{name}.{method}()` is iterated in a comprehension nested in another one or in a "
            "lambda; an `async for` there is not in the async function")


def not_a_command(name: str, method: str) -> str:
    return f"`{name}.{method}()` {NOT_COMMANDS.get(method, 'is not a command')}"


def pipeline_with_unbound(client: str) -> str:
    return f"`with {client}.pipeline()` does not bind the pipeline to a name"


def pipeline_with_others(client: str) -> str:
    return f"the `with` holding `{client}.pipeline()` holds other context managers too"


def pipeline_as_value(name: str) -> str:
    return f"the pipeline `{name}` is used as a value or attribute; rewrite it by hand"


def pipeline_passed_on(name: str) -> str:
    return f"the pipeline of `{name}` is passed on or stored; rewrite it by hand"


def pipeline_method(method: str) -> str:
    return f"pipeline `.{method}()`: {PIPELINE_REFUSED.get(method, 'is not a command')}"


def suppressed_use(line: int) -> str:
    return f"line {line} says `awaitify: ignore`, and the client is converted whole or not at all"


def already_awaited(line: int) -> str:
    """A command (or close, or a pipeline's execute) the code awaits on the sync client: a TypeError
    when it runs; the async client would make it succeed, which is not what the code does now."""
    return (f"line {line} awaits what the sync client returns (a TypeError when it runs), and the async client "
            "would change that; fix the code by hand")

