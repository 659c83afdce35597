"""Why sync-db-client's fix leaves a redis client made in async code, in the words of its diagnostic,
as far as the factory call and what binds it tell (no libcst): `check`'s scan gives the reason on its
finding, so that `check` never calls fixable a client `fix` refuses for its arguments or for how it is
bound. The refusals that follow the client's uses (passed on, rebound, non-command methods) are
the fix's alone (`RedisToAsyncio._plan_uses`)."""

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


def _arguments_refusal(call: ast.Call, spelling: str) -> str | None:
    positional = 0
    for arg in sorted([*call.args, *call.keywords], key=lambda a: (a.lineno, a.col_offset)):  # source order, as libcst's
        if isinstance(arg, ast.Starred) or (isinstance(arg, ast.keyword) and arg.arg is None):
            star = "*" if isinstance(arg, ast.Starred) else "**"
            return f"`{star}` arguments may hold sync-only settings (connection_pool=, retry=)"
        if isinstance(arg, ast.keyword):
            if arg.arg in SYNC_ONLY_ARGS:
                return f"`{arg.arg}=` is {SYNC_ONLY_ARGS[arg.arg]}"
        else:
            positional += 1
    if positional > MAX_POSITIONAL.get(spelling.rpartition(".")[2], 4):
        return "positional arguments past host, port, db, password; pass them by keyword"
    return None


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
