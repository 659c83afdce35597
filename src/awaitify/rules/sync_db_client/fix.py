"""Rewrites a sync redis-py client whose whole life is local to one `async def` to `redis.asyncio`.

Inside an async function, `r = redis.Redis(...)`, `redis.StrictRedis(...)`, `redis.from_url(...)`
or `redis.Redis.from_url(...)` (every import form), or `with redis.Redis(...) as r:`, becomes the
`redis.asyncio` client of the same spelling with every argument kept (`import redis.asyncio as
aioredis` is added; the alias never collides with a name of the module, and an existing
`import redis.asyncio as X` is reused). Then, in that function:

- every command called on the client is awaited: `r.get(k)` -> `await r.get(k)`;
- `r.close()` -> `await r.aclose()` (`close` with a redis-py older than 5.0.1), and
  `with redis.Redis() as r:` -> `async with ...`: the client is closed where it was before;
- a pipeline: `with r.pipeline() as p:` -> `async with r.pipeline() as p:`, `p = r.pipeline()` kept;
  its commands are buffered (not awaited), `p.execute()` and `p.reset()` are awaited, and so is a
  `r.pipeline().set(...).execute()` chain;
- `for key in r.scan_iter(...)` (and `sscan_iter`/`hscan_iter`/`zscan_iter`) -> `async for`.

Refused, with a finding and the manual fix: a client stored on `self` or another object, kept in a
module global that async code uses, passed to or returned from another function, rebound, read as
an attribute, used in a lambda, nested function or generator expression; methods that hand out
other objects (`pubsub`, `lock`, `register_script`, `monitor`, `transaction`, module accessors such
as `json()`); pipelines that `watch`/`multi`; arguments that hold sync-only objects
(`connection_pool=`, `retry=`, `connection_class=`, `cache=`, ...), `*args`/`**kwargs`. Sync code is
left alone.
"""

from __future__ import annotations

from functools import cache

import libcst as cst
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor
from libcst.metadata import ComprehensionScope, FunctionScope, ParentNodeProvider, Scope, ScopeProvider

from awaitify.codemod_base import CLASS, GENEXP, LAMBDA, SYNC, AwaitifyCodemod, awaited, names_in
from awaitify.node_walk import parents
from awaitify.rules.sync_db_client import RULE as SYNC_DB_CLIENT, refusals
from awaitify.rules.sync_db_client.detect import REDIS_FACTORIES as FACTORIES, wants
from awaitify.rules.sync_db_client.refusals import (ANNOTATED, CLOSE, NOT_BOUND, NOT_COMMANDS, PIPELINE,
                                                    PIPELINE_AWAITED, PIPELINE_REFUSED, SCAN_ITERS, SYNC_ONLY_ARGS,
                                                    WITH_OTHERS, WITH_UNBOUND, stored_reason)

RULE = SYNC_DB_CLIENT


MANUAL = "create one redis.asyncio client in the app's lifespan and await its commands"
MANUAL_LOCAL = ("create one redis.asyncio client in the app's lifespan (or `async with redis.asyncio.Redis(...)` "
                "in this function) and await its commands")
ALIASES = ("aioredis", "async_redis", "redis_asyncio", *(f"aioredis_{i}" for i in range(1, 100)))


@cache
def close_method() -> str:
    """`aclose` since redis-py 5.0.1 (`close` is deprecated there); `close` before. Without redis-py
    where awaitify runs, the current spelling."""
    try:
        import redis.asyncio
    except ImportError:
        return "aclose"
    return "aclose" if hasattr(redis.asyncio.Redis, "aclose") else "close"


class _Refused(Exception):
    """Why a client (or pipeline) is left as it is."""


class RedisToAsyncio(AwaitifyCodemod):
    RULE = RULE
    DESCRIPTION = __doc__
    METADATA_DEPENDENCIES = (*AwaitifyCodemod.METADATA_DEPENDENCIES, ParentNodeProvider)

    def __init__(self, context: cst.codemod.CodemodContext) -> None:
        super().__init__(context)
        # id(original node) -> what to do with it: "await", "close", "factory", "async" (with/for)
        self._edits: dict[int, str] = {}
        self._planned_factories: dict[int, str] = {}  # id(factory call) -> message recorded for it
        self._refused: dict[int, str] = {}  # id(factory call) -> why it is left sync
        self._alias: str | None = None
        self._alias_exists = False
        self._kept: list[cst.CSTNode] = []  # the planned nodes, kept alive: their ids key `_edits`
        self._module_names: set[str] = set()
        self._classes: list[cst.ClassDef] = []
        self._parents: tuple[dict[int, cst.CSTNode], set[int]] | None = None  # see node_walk.parents

    # --- module: the alias of redis.asyncio ---------------------------------------------------
    def visit_Module(self, node: cst.Module) -> bool:
        super().visit_Module(node)
        self._module_names.update(names_in(node))
        return True

    def _existing_alias(self) -> str | None:
        """An alias the module already binds to redis.asyncio at its top level."""
        for stmt in self.module_node.body:
            if not isinstance(stmt, cst.SimpleStatementLine):
                continue
            for small in stmt.body:
                if isinstance(small, cst.Import):
                    for alias in small.names:
                        if alias.asname is not None and self._dotted(alias.name) == "redis.asyncio":
                            return alias.asname.name.value  # type: ignore[union-attr]
                elif isinstance(small, cst.ImportFrom) and not small.relative and small.module is not None \
                        and self._dotted(small.module) == "redis" and not isinstance(small.names, cst.ImportStar):
                    for alias in small.names:
                        if self._dotted(alias.name) == "asyncio":
                            return alias.asname.name.value if alias.asname else "asyncio"  # type: ignore[union-attr]
        return None

    @staticmethod
    def _dotted(expr: cst.BaseExpression) -> str:
        if isinstance(expr, cst.Name):
            return expr.value
        if isinstance(expr, cst.Attribute):
            return f"{RedisToAsyncio._dotted(expr.value)}.{expr.attr.value}"
        return ""

    def alias(self) -> str:
        if self._alias is None:
            existing = self._existing_alias()
            if existing is not None:
                self._alias, self._alias_exists = existing, True
            else:
                self._alias = next(n for n in ALIASES if n not in self._module_names)
        return self._alias

    # --- scopes ---------------------------------------------------------------------------------
    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        self._classes.append(node)
        return super().visit_ClassDef(node)

    def leave_ClassDef(self, original: cst.ClassDef, updated: cst.ClassDef) -> cst.BaseStatement:
        self._classes.pop()
        return super().leave_ClassDef(original, updated)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        if node.asynchronous is not None:
            self._plan_function(node)
        return super().visit_FunctionDef(node)

    # --- planning: one async function -------------------------------------------------------------
    def _factory(self, call: cst.CSTNode) -> str | None:
        """The sync factory `call` calls (its qualified name), or None."""
        if not isinstance(call, cst.Call):
            return None
        name = self.qualified_name(call.func)
        return name if name in FACTORIES else None

    def _parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        # read from the tree directly: libcst's provider rebuilds the whole tree twice to say it
        if self._parents is None:
            self._parents = parents(self.module_node)
        found, ambiguous = self._parents
        if id(node) in ambiguous:  # a node object standing in two places: libcst's answer
            return self.get_metadata(ParentNodeProvider, node, None)
        return found.get(id(node))

    def _plan_function(self, func: cst.FunctionDef) -> None:
        calls: list[cst.Call] = []
        owner = self

        class Factories(cst.CSTVisitor):
            def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
                # a def's decorators and defaults run where the `def` does: func's own outside it, a
                # nested def's in func (whose plan then refuses a client made there: it is not bound)
                if node is func:
                    node.body.visit(self)
                    return False
                params = node.params
                for part in (*node.decorators, *(p.default for p in (*params.posonly_params, *params.params,
                                                                     *params.kwonly_params) if p.default is not None)):
                    part.visit(self)
                return False

            def visit_ClassDef(self, node: cst.ClassDef) -> bool:
                return False

            def visit_Lambda(self, node: cst.Lambda) -> bool:
                return False

            def visit_Call(self, node: cst.Call) -> None:
                if owner._factory(node):
                    calls.append(node)

        func.visit(Factories())
        # the scope analysis only for a function that makes a client (most make none)
        scope = self.get_metadata(ScopeProvider, func.body, None) if calls else None
        for call in calls:
            edits: dict[int, str] = {}
            try:
                if scope is None:
                    raise _Refused("its scope cannot be analysed")
                message = self._plan_client(call, scope, edits)
            except _Refused as why:
                self._refused[id(call)] = str(why)
                continue
            awaited = [node for node in self._nodes(edits) if edits[id(node)] in ("await", "close")
                       and isinstance(self._parent(node), cst.Await)]
            if awaited:  # (`await r.get(k)`: its rewrite would write `await await`)
                self._refused[id(call)] = refusals.already_awaited(self.position(awaited[0])[0])
                continue
            suppressed = [node for node in self._nodes(edits) if isinstance(node, cst.Call) and self._suppressed(node)]
            if suppressed:
                if not self._suppressed(call):
                    line = self.position(suppressed[0])[0]
                    self._refused[id(call)] = refusals.suppressed_use(line)
                continue
            self._edits.update(edits)
            self._planned_factories[id(call)] = message

    def _nodes(self, edits: dict[int, str]) -> list[cst.CSTNode]:
        return [node for node in self._kept if id(node) in edits]

    def _keep(self, node: cst.CSTNode, kind: str, edits: dict[int, str]) -> None:
        edits[id(node)] = kind
        self._kept.append(node)

    def _plan_client(self, call: cst.Call, scope: Scope, edits: dict[int, str]) -> str:
        factory = self._factory(call) or ""
        shown = f"{factory}()"
        if self.config.target == "trio":
            raise _Refused(refusals.TRIO)
        self._check_arguments(call, FACTORIES[factory])
        parent = self._parent(call)
        if isinstance(parent, cst.Assign) and parent.value is call:
            if len(parent.targets) != 1 or not isinstance(parent.targets[0].target, cst.Name):
                raise _Refused(self._stored_reason(parent.targets[0].target))
            name = parent.targets[0].target.value
            closed_by = "its close() calls"
        elif isinstance(parent, cst.WithItem) and parent.item is call:
            statement = self._parent(parent)
            if parent.asname is None or not isinstance(parent.asname.name, cst.Name):
                raise _Refused(WITH_UNBOUND)
            if not isinstance(statement, cst.With) or len(statement.items) != 1:
                raise _Refused(WITH_OTHERS)
            name = parent.asname.name.value
            self._keep(statement, "async", edits)
            closed_by = "`async with`"
        elif isinstance(parent, cst.AnnAssign):
            raise _Refused(ANNOTATED)
        else:
            raise _Refused(NOT_BOUND)
        closes = self._plan_uses(name, scope, edits, self._client_use)
        self._keep(call, "factory", edits)
        if closed_by != "`async with`":
            closed_by = f"`await {name}.{close_method()}()`" if closes else "nothing (it was never closed, as before)"
        return f"{shown} in async code -> redis.asyncio: its commands are awaited; closed by {closed_by}"

    def _check_arguments(self, call: cst.Call, spelling: str) -> None:
        positional = 0
        for arg in call.args:
            if arg.star:
                raise _Refused(refusals.unpacked_arguments(arg.star))
            if arg.keyword is None:
                positional += 1
            elif arg.keyword.value in SYNC_ONLY_ARGS:
                raise _Refused(refusals.sync_only_argument(arg.keyword.value))
        if positional > refusals.positional_limit(spelling):
            raise _Refused(refusals.POSITIONAL_PAST)

    def _stored_reason(self, target: cst.BaseExpression) -> str:
        return stored_reason(self._dotted(target) if isinstance(target, cst.Attribute) else None)

    def _plan_uses(self, name: str, scope: Scope, edits: dict[int, str], classify) -> bool:
        """Plan every use of the local `name`; True when one of them closes it."""
        assignments = list(scope.assignments[name]) if name in scope.assignments else []
        if not assignments:
            raise _Refused(refusals.declared_elsewhere(name))
        if len(assignments) != 1:
            raise _Refused(refusals.bound_twice(name))
        closes = False
        for access in sorted(assignments[0].references, key=lambda a: self.position(a.node)):  # first problem first
            node = access.node
            self._check_scope(name, access.scope, scope)
            if not isinstance(node, cst.Name):
                raise _Refused(refusals.unfollowable(name))
            closes |= classify(name, node, scope, edits)
        return closes

    def _check_scope(self, name: str, inner: Scope, outer: Scope) -> None:
        while inner is not outer:
            if isinstance(inner, FunctionScope):
                raise _Refused(refusals.in_nested_function(name))
            if not isinstance(inner, ComprehensionScope):
                raise _Refused(refusals.in_class_body(name))
            if isinstance(inner.node, cst.GeneratorExp):
                raise _Refused(refusals.in_generator(name))
            inner = inner.parent

    def _method_call(self, node: cst.BaseExpression) -> tuple[str, cst.Call] | None:
        """`node.method(...)`: the method's name and the call, or None."""
        attr = self._parent(node)
        if not (isinstance(attr, cst.Attribute) and attr.value is node):
            return None
        call = self._parent(attr)
        if not (isinstance(call, cst.Call) and call.func is attr):
            return None
        return attr.attr.value, call

    def _client_use(self, name: str, node: cst.Name, scope: Scope, edits: dict[int, str]) -> bool:
        found = self._method_call(node)
        if found is None:
            attr = self._parent(node)
            if isinstance(attr, cst.Attribute) and attr.value is node:
                raise _Refused(refusals.attribute_read(name, attr.attr.value))
            raise _Refused(refusals.used_as_value(name))
        method, call = found
        if method == CLOSE:
            self._keep(call, "close", edits)
            return True
        if method == PIPELINE:
            self._plan_pipeline(name, call, scope, edits)
        elif method in SCAN_ITERS:
            loop = self._parent(call)
            if not (isinstance(loop, (cst.For, cst.CompFor)) and loop.iter is call and loop.asynchronous is None):
                raise _Refused(refusals.scan_not_looped(name, method))
            if isinstance(loop, cst.CompFor):
                self._check_comprehension(name, method, loop)
            self._keep(loop, "async", edits)
        elif method in NOT_COMMANDS or method.startswith("_"):
            raise _Refused(refusals.not_a_command(name, method))
        else:
            self._keep(call, "await", edits)
        return False

    def _check_comprehension(self, name: str, method: str, loop: cst.CompFor) -> None:
        """An `async for` may stand only in a list, set or dict comprehension written directly in the
        async function: in a generator expression it makes an async generator (`sum(...)` over it
        raises TypeError), and inside another comprehension or a lambda it is not in the function."""
        node: cst.CSTNode | None = loop
        while isinstance(node, cst.CompFor):
            node = self._parent(node)
        if not isinstance(node, (cst.ListComp, cst.SetComp, cst.DictComp)):
            raise _Refused(refusals.scan_in_generator(name, method))
        while node is not None and not isinstance(node, cst.FunctionDef):
            parent = self._parent(node)
            outer = self._parent(parent) if isinstance(parent, cst.CompFor) else None
            if isinstance(parent, cst.CompFor) and parent.iter is node and not isinstance(outer, cst.CompFor):
                node = outer  # the first iterable of a comprehension is evaluated in the enclosing scope
                continue
            node = parent
            if isinstance(node, (cst.GeneratorExp, cst.ListComp, cst.SetComp, cst.DictComp, cst.Lambda)):
                raise _Refused(refusals.scan_in_nested_comprehension(name, method))

    # --- pipelines ------------------------------------------------------------------------------
    def _plan_pipeline(self, client: str, call: cst.Call, scope: Scope, edits: dict[int, str]) -> None:
        parent = self._parent(call)
        if isinstance(parent, cst.WithItem) and parent.item is call:
            statement = self._parent(parent)
            if parent.asname is None or not isinstance(parent.asname.name, cst.Name):
                raise _Refused(refusals.pipeline_with_unbound(client))
            if not isinstance(statement, cst.With) or len(statement.items) != 1:
                raise _Refused(refusals.pipeline_with_others(client))
            self._keep(statement, "async", edits)
            self._plan_uses(parent.asname.name.value, scope, edits, self._pipeline_use)
        elif isinstance(parent, cst.Assign) and parent.value is call and len(parent.targets) == 1 \
                and isinstance(parent.targets[0].target, cst.Name):
            self._plan_uses(parent.targets[0].target.value, scope, edits, self._pipeline_use)
        else:
            self._pipeline_chain(client, call, edits)

    def _pipeline_use(self, name: str, node: cst.Name, scope: Scope, edits: dict[int, str]) -> bool:
        if self._method_call(node) is None:
            raise _Refused(refusals.pipeline_as_value(name))
        self._pipeline_chain(name, node, edits)
        return False

    def _pipeline_chain(self, name: str, node: cst.BaseExpression, edits: dict[int, str]) -> None:
        """`node` is a pipeline: follow `.cmd(...)` calls on it up to an awaited `.execute()`."""
        while True:
            found = self._method_call(node)
            if found is None:
                parent = self._parent(node)
                if isinstance(parent, cst.Expr) and isinstance(node, cst.Call):
                    return  # `p.set(...)` as a statement
                raise _Refused(refusals.pipeline_passed_on(name))
            method, call = found
            if method in PIPELINE_AWAITED:
                self._keep(call, "await", edits)
                return
            if method in PIPELINE_REFUSED or method.startswith("_"):
                raise _Refused(refusals.pipeline_method(method))
            node = call

    # --- refusals outside the planned functions ------------------------------------------------------
    def _escape_reason(self, call: cst.Call) -> str | None:
        """For a factory call no plan covers: why it is reported, or None when it is not (sync code)."""
        if id(call) in self._refused:
            return self._refused[id(call)]
        kind = self.scope_kind
        if kind in (LAMBDA, GENEXP) and self.inside_async_function():
            return "it is made in a lambda or generator expression inside async code"
        if kind not in (None, CLASS, SYNC):
            return None  # (made in async code, or a lambda outside it: no reason; its parent is not needed)
        parent = self._parent(call)
        target = parent.targets[0].target if isinstance(parent, cst.Assign) and len(parent.targets) == 1 else None
        if kind is None and isinstance(target, cst.Name):
            users = self._async_users(call, target.value)
            if users:
                return f"it is a module global that async code uses ({', '.join(users)})"
        if kind == CLASS and isinstance(target, cst.Name):
            users = self._async_methods_using(self._classes[-1], target.value)
            if users:
                return f"it is a class attribute that async methods use ({', '.join(users)})"
        if kind == SYNC and isinstance(target, cst.Attribute) and self._classes:
            users = self._async_methods_using(self._classes[-1], target.attr.value)
            if users:
                return f"it is stored on `{self._dotted(target)}`, which async methods use ({', '.join(users)})"
        return None

    def _async_users(self, node: cst.CSTNode, name: str) -> list[str]:
        index = self.session.names()
        if index is not None and not index.spelled_in_async_def(name):
            return []  # no async function can read it: the scope analysis would find no user
        scope = self.get_metadata(ScopeProvider, node, None)
        if scope is None or name not in scope.assignments:
            return []
        users: list[str] = []
        # libcst keeps references in a set: in source order, so the message (and the three users it
        # names) is the same on every run
        accesses = sorted((access for assignment in scope.assignments[name] for access in assignment.references),
                          key=lambda access: self.position(access.node))
        for access in accesses:
            inner = access.scope
            while inner is not None and inner is not scope:
                if isinstance(inner, FunctionScope) and isinstance(inner.node, cst.FunctionDef):
                    if inner.node.asynchronous is not None:
                        label = f"{inner.node.name.value}() line {self.position(access.node)[0]}"
                        if label not in users:
                            users.append(label)
                    break
                inner = inner.parent
        return users[:3]

    def _async_methods_using(self, cls: cst.ClassDef, attr: str) -> list[str]:
        users: list[str] = []

        class Uses(cst.CSTVisitor):
            def visit_Attribute(self, node: cst.Attribute) -> None:
                if node.attr.value == attr and isinstance(node.value, cst.Name) and node.value.value == "self":
                    self.hit = True

        for stmt in cls.body.body:
            if isinstance(stmt, cst.FunctionDef) and stmt.asynchronous is not None:
                visitor = Uses()
                visitor.hit = False  # type: ignore[attr-defined]
                stmt.visit(visitor)
                if visitor.hit:  # type: ignore[attr-defined]
                    users.append(f"{stmt.name.value}()")
        return users[:3]

    # --- rewriting ------------------------------------------------------------------------------
    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        kind = self._edits.get(id(original))
        if kind == "await":
            shown = self._shown(original)
            self.record(original, f"{shown} -> await {shown}: a coroutine with redis.asyncio", dependent=True)
            return awaited(updated)
        if kind == "close":
            method = close_method()
            self.record(original, f"{self._shown(original)} -> await {self._shown(original, method)}: "
                        "the redis.asyncio client closes asynchronously", dependent=True)
            return awaited(updated.with_changes(func=updated.func.with_changes(attr=cst.Name(method))))  # type: ignore[attr-defined]
        if kind == "factory":
            return self._factory_call(original, updated)
        factory = self._factory(original)
        if factory is not None:
            reason = self._escape_reason(original)
            if reason is not None:
                self.diagnose(original, f"{factory}() is a sync redis client used from async code; not rewritten: "
                              f"{reason}. Manual fix: {MANUAL_LOCAL if self.inside_async_function() else MANUAL}")
        return updated

    def _shown(self, call: cst.Call, method: str | None = None) -> str:
        func = call.func
        assert isinstance(func, cst.Attribute)
        receiver = self._dotted(func.value) if isinstance(func.value, (cst.Name, cst.Attribute)) else ""
        return f"{receiver or '(pipeline)'}.{method or func.attr.value}()"

    def _factory_call(self, original: cst.Call, updated: cst.Call) -> cst.Call:
        factory = self._factory(original) or ""
        alias = self.alias()
        if not self._alias_exists:
            AddImportsVisitor.add_needed_import(self.context, "redis.asyncio", asname=alias)
        self._schedule_import_removal(original.func)
        func: cst.BaseExpression = cst.Name(alias)
        for part in FACTORIES[factory].split("."):
            func = cst.Attribute(func, cst.Name(part))
        self.record(original, self._planned_factories[id(original)])
        return updated.with_changes(func=func)

    def _schedule_import_removal(self, func: cst.BaseExpression) -> None:
        root = func
        while isinstance(root, cst.Attribute):
            root = root.value
        if not isinstance(root, cst.Name):
            return
        qualified = self.qualified_name(root)
        if not qualified:
            return
        if "." not in qualified:  # import redis [as r]
            RemoveImportsVisitor.remove_unused_import(self.context, qualified, asname=None if root.value == qualified else root.value)
        elif qualified != root.value:  # from redis import Redis [as R]
            module, _, obj = qualified.rpartition(".")
            RemoveImportsVisitor.remove_unused_import(self.context, module, obj, None if root.value == obj else root.value)

    def leave_With(self, original: cst.With, updated: cst.With) -> cst.BaseStatement:
        if self._edits.get(id(original)) == "async":
            self.record(original, "with over a redis client or pipeline -> async with: redis.asyncio's enter and exit "
                        "are awaited", dependent=True)
            return updated.with_changes(asynchronous=cst.Asynchronous())
        return updated

    def leave_For(self, original: cst.For, updated: cst.For) -> cst.BaseStatement:
        if self._edits.get(id(original)) == "async":
            self.record(original, "for over a scan iterator -> async for: it is an async iterator with redis.asyncio",
                        dependent=True)
            return updated.with_changes(asynchronous=cst.Asynchronous())
        return updated

    def leave_CompFor(self, original: cst.CompFor, updated: cst.CompFor) -> cst.CompFor:
        if self._edits.get(id(original)) == "async":
            self.record(original, "for over a scan iterator -> async for: it is an async iterator with redis.asyncio",
                        dependent=True)
            return updated.with_changes(asynchronous=cst.Asynchronous())
        return updated
