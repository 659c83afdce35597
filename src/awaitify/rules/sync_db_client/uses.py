"""Why sync-db-client's fix leaves a redis client made in an `async def` for how its name is used
after it is made, read from the `ast` of that function (no libcst), so that `check` gives the fix's
reason: passed on, returned or stored, rebound, used in a lambda, nested function, class body or
generator expression, read as an attribute, a method that is not a command (`pubsub()`), a pipeline
or a scan iterator the fix cannot follow, or a use a suppression comment keeps sync.

The fix (`RedisToAsyncio._plan_uses`) asks libcst's scope analysis for the accesses of the client's
one assignment and looks at them in source order; the first problem it meets is the reason it gives.
`_Scopes` below rebuilds what that analysis says about a function: the scopes in it, where each name
is bound, and which accesses an assignment counts as its own (libcst's order rules included: an
access in the same scope counts only after the assignment; one in a nested scope that rebinds the
name counts for the outer assignment when it comes before that rebinding; a `match` capture is an
access, not an assignment; a string annotation, or a type given to `cast()`, is read as code). Not
followed: a mapping pattern's `**rest` and strings in `typing.X[...]` outside annotations, which libcst
also reads as accesses (no client was seen used there)."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from awaitify.rules.sync_db_client import refusals
from awaitify.rules.sync_db_client.refusals import (CLOSE, NOT_COMMANDS, PIPELINE, PIPELINE_AWAITED, PIPELINE_REFUSED,
                                                    SCAN_ITERS)

FUNCTION, LAMBDA, CLASS, COMPREHENSION, GENERATOR = "function", "lambda", "class", "comprehension", "generator"
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp)


class Refused(Exception):
    """Why the client is left as it is, in the fix's words."""


@dataclass(eq=False)
class _Scope:
    kind: str
    parent: _Scope | None
    bindings: dict[str, list[int]] = field(default_factory=dict)  # name -> libcst's index of each assignment
    declared: dict[str, str] = field(default_factory=dict)  # name -> "global" or "nonlocal"
    count: int = 0  # assignment-like statements left so far (libcst's `_assignment_count`)

    def target(self, name: str) -> _Scope | None:
        """The scope an assignment of `name` here binds it in (None: outside the function)."""
        if name not in self.declared:
            return self
        if self.declared[name] == "global" or self.parent is None:
            return None
        return self.parent.visible().target(name)

    def visible(self) -> _Scope:
        """This scope, or the first enclosing one that is not a class body (as nested code sees it)."""
        scope = self
        while scope.kind == CLASS and scope.parent is not None:
            scope = scope.parent
        return scope

    def resolve(self, name: str) -> _Scope | None:
        """The scope whose assignments an access of `name` here reads (None: outside the function)."""
        scope: _Scope | None = self
        while scope is not None:
            if name in scope.declared:  # read where the declaration points
                outer = scope.parent
                scope = outer.visible() if outer is not None and scope.declared[name] == "nonlocal" else None
                continue
            if scope.bindings.get(name):
                return scope
            scope = scope.parent
            while scope is not None and scope.kind == CLASS:  # a class body is not seen from inside it
                scope = scope.parent
        return None


@dataclass(eq=False)
class _Access:
    node: ast.AST  # the Name, or the string annotation that holds it
    scope: _Scope
    index: int
    position: tuple[int, int]


class _Scopes:
    """libcst's scope analysis of one function, as far as the fix asks it: walked in libcst's order."""

    def __init__(self, func: ast.AsyncFunctionDef) -> None:
        self.function = _Scope(FUNCTION, None)
        self.accesses: dict[str, list[_Access]] = {}
        self.parents: dict[int, ast.AST] = {}
        self._in_annotation = False
        self._captures: list[tuple[ast.Name, ast.AST]] = []  # a name a pattern captures, and the pattern
        for arg in _arguments(func.args):
            self._bind(self.function, arg.arg)
        self.function.count += 1  # the Parameters node
        for statement in func.body:
            self._visit(statement, self.function)
        for parent in ast.walk(func):
            for child in ast.iter_child_nodes(parent):
                self.parents[id(child)] = parent
        self.parents.update((id(capture), pattern) for capture, pattern in self._captures)

    # --- the walk ----------------------------------------------------------------------------------
    def _bind(self, scope: _Scope, name: str) -> None:
        target = scope.target(name)
        if target is not None:
            target.bindings.setdefault(name, []).append(target.count)

    def _access(self, scope: _Scope, name: str, node: ast.AST, position: tuple[int, int]) -> None:
        self.accesses.setdefault(name, []).append(_Access(node, scope, scope.count, position))

    def _visit(self, node: ast.AST, scope: _Scope) -> None:
        kind = type(node)
        if kind is ast.Name:
            if isinstance(node.ctx, ast.Store):
                self._bind(scope, node.id)
            else:
                self._access(scope, node.id, node, (node.lineno, node.col_offset))
        elif kind is ast.Constant:
            if self._in_annotation and isinstance(node.value, str):
                self._string_annotation(node, scope)
        elif kind in (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda):
            self._function(node, scope)
        elif kind is ast.ClassDef:
            self._class(node, scope)
        elif kind in (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp):
            self._comprehension(node, scope)
        elif kind in (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.NamedExpr):
            for name, value in ast.iter_fields(node):
                self._annotation(value, scope) if name == "annotation" else self._field(value, scope)
            scope.count += 1
        elif kind in (ast.For, ast.AsyncFor):
            self._visit(node.target, scope)
            scope.count += 1
            for child in (node.iter, *node.body, *node.orelse):
                self._visit(child, scope)
        elif kind in (ast.With, ast.AsyncWith):
            for item in node.items:
                self._visit(item.context_expr, scope)
                if item.optional_vars is not None:
                    self._visit(item.optional_vars, scope)
                    scope.count += 1  # the AsName
                scope.count += 1  # the WithItem
            for child in node.body:
                self._visit(child, scope)
        elif kind is ast.ExceptHandler:
            if node.type is not None:
                self._visit(node.type, scope)
            if node.name is not None:
                self._bind(scope, node.name)
                scope.count += 1
            for child in node.body:
                self._visit(child, scope)
        elif kind in (ast.Import, ast.ImportFrom):
            for alias in node.names:
                if alias.name != "*":
                    self._bind(scope, alias.asname or alias.name.partition(".")[0] if kind is ast.Import
                               else alias.asname or alias.name)
            scope.count += 1
        elif kind in (ast.Global, ast.Nonlocal):
            for name in node.names:
                scope.declared[name] = "global" if kind is ast.Global else "nonlocal"
            scope.count += 1
        elif kind is ast.MatchAs or kind is ast.MatchStar:
            for child in ast.iter_child_nodes(node):
                self._visit(child, scope)
            if node.name is not None:  # libcst binds no name in a pattern: it reads its capture as an access
                position = (node.end_lineno, node.end_col_offset - len(node.name))
                capture = ast.Name(node.name, ast.Load(), lineno=position[0], col_offset=position[1])
                self._captures.append((capture, node))
                self._access(scope, node.name, capture, position)
        elif kind is ast.Call and _spelled(node.func) in _TYPE_HINT_CALLS:
            self._type_hint_call(node, scope)
        else:
            for child in ast.iter_child_nodes(node):
                self._visit(child, scope)

    def _field(self, value: object, scope: _Scope) -> None:
        if isinstance(value, ast.AST):
            self._visit(value, scope)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, ast.AST):
                    self._visit(item, scope)

    def _annotation(self, node: ast.AST | None, scope: _Scope) -> None:
        if node is None:
            return
        was, self._in_annotation = self._in_annotation, True
        self._visit(node, scope)
        self._in_annotation = was

    def _string_annotation(self, node: ast.Constant, scope: _Scope) -> None:
        """libcst reads a string annotation as code; an access in it stands at the string."""
        try:
            parsed = ast.parse(node.value)
        except (SyntaxError, ValueError):
            return
        for name in ast.walk(parsed):
            if isinstance(name, ast.Name):
                self._access(scope, name.id, node, (node.lineno, node.col_offset))

    def _type_hint_call(self, node: ast.Call, scope: _Scope) -> None:
        """libcst reads the type given to `cast()` (and to `TypeVar()`, `NewType()` after their name) as
        a type hint: a string there is code, as in an annotation."""
        self._visit(node.func, scope)
        hints = node.args[:1] if _spelled(node.func) == "cast" else node.args[1:]
        for arg in node.args:
            self._annotation(arg, scope) if any(arg is hint for hint in hints) else self._visit(arg, scope)
        for keyword in node.keywords:
            self._visit(keyword, scope)

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda, scope: _Scope) -> None:
        is_def = not isinstance(node, ast.Lambda)
        if is_def:
            self._bind(scope, node.name)  # type: ignore[union-attr]
        inner = _Scope(LAMBDA if not is_def else FUNCTION, scope)
        for arg in _arguments(node.args):
            self._bind(inner, arg.arg)
        for default in (*node.args.defaults, *(d for d in node.args.kw_defaults if d is not None)):
            self._visit(default, scope)  # defaults and annotations are read where the function is made
        for arg in _arguments(node.args):
            self._annotation(arg.annotation, scope)
        inner.count += 1  # the Parameters node
        for child in (node.body if is_def else [node.body]):  # type: ignore[list-item]
            self._visit(child, inner)
        if is_def:
            for decorator in node.decorator_list:  # type: ignore[union-attr]
                self._visit(decorator, scope)
            self._annotation(node.returns, scope)  # type: ignore[union-attr]
            scope.count += 1

    def _class(self, node: ast.ClassDef, scope: _Scope) -> None:
        self._bind(scope, node.name)
        for child in (*node.decorator_list, *node.bases, *node.keywords):
            self._visit(child, scope)
        body = _Scope(CLASS, scope)
        for statement in node.body:
            self._visit(statement, body)
        scope.count += 1

    def _comprehension(self, node: ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp, scope: _Scope) -> None:
        first, *others = node.generators
        self._visit(first.iter, scope)  # the first iterable is evaluated where the comprehension stands
        inner = _Scope(GENERATOR if isinstance(node, ast.GeneratorExp) else COMPREHENSION, scope)
        self._visit(first.target, inner)
        inner.count += 1
        for condition in first.ifs:
            self._visit(condition, inner)
        self._inner_fors(others, inner)
        for part in ((node.key, node.value) if isinstance(node, ast.DictComp) else (node.elt,)):
            self._visit(part, inner)

    def _inner_fors(self, generators: list[ast.comprehension], scope: _Scope) -> None:
        if not generators:
            return
        generator, *others = generators
        for child in (generator.target, generator.iter, *generator.ifs):
            self._visit(child, scope)
        self._inner_fors(others, scope)
        scope.count += 1  # the CompFor

    # --- what the fix asks ---------------------------------------------------------------------------
    def uses(self, name: str) -> list[_Access]:
        """The accesses of the function's one assignment of `name`, in source order (`_plan_uses`)."""
        function = self.function
        if not function.bindings.get(name):
            raise Refused(refusals.declared_elsewhere(name))
        if len(function.bindings[name]) != 1:
            raise Refused(refusals.bound_twice(name))
        index = function.bindings[name][0]
        return sorted((access for access in self.accesses.get(name, ()) if self._counts(access, name, index)),
                      key=lambda access: access.position)

    def _counts(self, access: _Access, name: str, index: int) -> bool:
        """Is `access` one of the function's assignment's (libcst's `record_accesses`)?"""
        scope = access.scope.resolve(name)
        while scope is not None and scope is not self.function:
            # an access before a rebinding in its own scope is the enclosing assignment's too
            if access.scope is not scope or not any(access.index <= bound for bound in scope.bindings[name]):
                return False
            scope = scope.parent.resolve(name) if scope.parent is not None else None
        if scope is None:
            return False
        return access.scope is not scope or index < access.index

    def parent(self, node: ast.AST) -> ast.AST | None:
        return self.parents.get(id(node))


_TYPE_HINT_CALLS = ("cast", "TypeVar", "NewType")  # typing's (libcst asks the qualified name; the last one does here)


def _spelled(func: ast.expr) -> str:
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def _arguments(args: ast.arguments) -> Iterator[ast.arg]:
    yield from args.posonlyargs
    yield from args.args
    if args.vararg is not None:
        yield args.vararg
    yield from args.kwonlyargs
    if args.kwarg is not None:
        yield args.kwarg


class _Plan:
    """One client's uses, followed as the fix follows them (`RedisToAsyncio._plan_uses` and the
    methods it calls): raises Refused with the first problem; `calls` are the calls it would change,
    in the order it plans them."""

    def __init__(self, scopes: _Scopes, moved: Callable[[int], bool] = lambda line: False) -> None:
        self.scopes = scopes
        self.moved = moved
        self.calls: list[ast.Call] = []

    def uses(self, name: str, classify: Callable[[str, ast.Name], None]) -> None:
        for access in self.scopes.uses(name):
            if self.moved(access.position[0]):  # AW507's fix, run first, put it in a helper function
                raise Refused(refusals.in_nested_function(name))
            self._check_scope(name, access.scope)
            if not isinstance(access.node, ast.Name):
                raise Refused(refusals.unfollowable(name))
            classify(name, access.node)

    def _check_scope(self, name: str, inner: _Scope) -> None:
        while inner is not self.scopes.function:
            if inner.kind in (FUNCTION, LAMBDA):
                raise Refused(refusals.in_nested_function(name))
            if inner.kind == CLASS:
                raise Refused(refusals.in_class_body(name))
            if inner.kind == GENERATOR:
                raise Refused(refusals.in_generator(name))
            inner = inner.parent  # type: ignore[assignment]

    def _method_call(self, node: ast.expr) -> tuple[str, ast.Call] | None:
        attribute = self.scopes.parent(node)
        if not (isinstance(attribute, ast.Attribute) and attribute.value is node):
            return None
        call = self.scopes.parent(attribute)
        if not (isinstance(call, ast.Call) and call.func is attribute):
            return None
        return attribute.attr, call

    def client_use(self, name: str, node: ast.Name) -> None:
        found = self._method_call(node)
        if found is None:
            attribute = self.scopes.parent(node)
            if isinstance(attribute, ast.Attribute) and attribute.value is node:
                raise Refused(refusals.attribute_read(name, attribute.attr))
            raise Refused(refusals.used_as_value(name))
        method, call = found
        if method == CLOSE:
            self.calls.append(call)
        elif method == PIPELINE:
            self._pipeline(name, call)
        elif method in SCAN_ITERS:
            loop = self.scopes.parent(call)
            if isinstance(loop, ast.For) and loop.iter is call:
                return
            if not (isinstance(loop, ast.comprehension) and loop.iter is call and not loop.is_async):
                raise Refused(refusals.scan_not_looped(name, method))
            self._check_comprehension(name, method, loop)
        elif method in NOT_COMMANDS or method.startswith("_"):
            raise Refused(refusals.not_a_command(name, method))
        else:
            self.calls.append(call)

    def _check_comprehension(self, name: str, method: str, loop: ast.comprehension) -> None:
        node = self.scopes.parent(loop)
        if not isinstance(node, _COMPREHENSIONS):
            raise Refused(refusals.scan_in_generator(name, method))
        while node is not None and not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            parent = self.scopes.parent(node)
            if isinstance(parent, ast.comprehension) and parent.iter is node:
                outer = self.scopes.parent(parent)
                if outer is not None and outer.generators[0] is parent:  # type: ignore[attr-defined]
                    node = outer  # the first iterable of a comprehension is evaluated in the enclosing scope
                    continue
            node = parent
            if isinstance(node, (ast.GeneratorExp, *_COMPREHENSIONS, ast.Lambda)):
                raise Refused(refusals.scan_in_nested_comprehension(name, method))

    def _pipeline(self, client: str, call: ast.Call) -> None:
        parent = self.scopes.parent(call)
        if isinstance(parent, ast.withitem) and parent.context_expr is call:
            statement = self.scopes.parent(parent)
            if not isinstance(parent.optional_vars, ast.Name):
                raise Refused(refusals.pipeline_with_unbound(client))
            if len(statement.items) != 1:  # type: ignore[union-attr]
                raise Refused(refusals.pipeline_with_others(client))
            self.uses(parent.optional_vars.id, self.pipeline_use)
        elif isinstance(parent, ast.Assign) and parent.value is call and len(parent.targets) == 1 \
                and isinstance(parent.targets[0], ast.Name):
            self.uses(parent.targets[0].id, self.pipeline_use)
        else:
            self._pipeline_chain(client, call)

    def pipeline_use(self, name: str, node: ast.Name) -> None:
        if self._method_call(node) is None:
            raise Refused(refusals.pipeline_as_value(name))
        self._pipeline_chain(name, node)

    def _pipeline_chain(self, name: str, node: ast.expr) -> None:
        while True:
            found = self._method_call(node)
            if found is None:
                if isinstance(self.scopes.parent(node), ast.Expr) and isinstance(node, ast.Call):
                    return  # `p.set(...)` as a statement
                raise Refused(refusals.pipeline_passed_on(name))
            method, call = found
            if method in PIPELINE_AWAITED:
                self.calls.append(call)
                return
            if method in PIPELINE_REFUSED or method.startswith("_"):
                raise Refused(refusals.pipeline_method(method))
            node = call


class ClientUses:
    """The uses of the redis clients one async function makes: read once, asked per client."""

    def __init__(self, func: ast.AsyncFunctionDef) -> None:
        self._scopes = _Scopes(func)

    def refusal(self, name: str, suppressed: Callable[[ast.Call], bool],
                moved: Callable[[int], bool] = lambda line: False) -> str | None:
        """Why the fix leaves the client bound to the local `name` for how it is used, or None
        when it converts it. `suppressed(call)`: does an ignore comment for AW512 stand on the first
        or last line of `call` (asked only of a client the fix would convert). `moved(line)`: is the
        line in a `with open()` block AW507's fix moves into a helper function first."""
        plan = _Plan(self._scopes, moved)
        try:
            plan.uses(name, plan.client_use)
        except Refused as why:
            return str(why)
        awaited = next((call for call in plan.calls if isinstance(self._scopes.parent(call), ast.Await)), None)
        if awaited is not None:
            return refusals.already_awaited(awaited.lineno)
        found = next((call for call in plan.calls if suppressed(call)), None)
        return refusals.suppressed_use(found.lineno) if found is not None else None
