"""Rewrites event-loop entry calls made from inside a running loop to a plain `await`.

Inside `async def`:
- `asyncio.run(coro)` and `await asyncio.run(coro)` -> `await coro`
- `asyncio.get_event_loop().run_until_complete(coro)` -> `await coro`
- `loop.run_until_complete(coro)` -> `await coro` when every assignment of `loop` in the function is
  `asyncio.get_event_loop()`, `get_running_loop()` or `new_event_loop()`; the `loop = ...` line goes
  too when nothing else uses `loop`.

Under a running loop these calls raise "asyncio.run() cannot be called from a running event loop"
(or "This event loop is already running"); `await` runs the same coroutine on the loop that is
already there and returns the same value. Sync code keeps its `asyncio.run`: it is the right bridge
in entry points, `if __name__ == "__main__":` blocks, Celery tasks and CLIs. A module-level
`asyncio.run` outside a main guard runs at import time and is reported, not rewritten.
"""

from __future__ import annotations

from typing import Callable

import libcst as cst
import libcst.matchers as m
from libcst.codemod.visitors import RemoveImportsVisitor
from libcst.metadata import ScopeProvider

from awaitify.codemod_base import CLASS, GENEXP, LAMBDA, SYNC, AwaitifyCodemod, awaited
from awaitify.rules.asyncio_run import RULE as ASYNCIO_RUN
from awaitify.rules.asyncio_run.detect import AT_IMPORT_TIME, EXTRA_ARGUMENTS, LOOP_GETTERS, UNKNOWN_LOOP, wants
from awaitify.summary import ASYNC

RULE = ASYNCIO_RUN

_MAIN_GUARD = m.If(
    test=m.Comparison(
        left=m.Name("__name__"),
        comparisons=[m.ComparisonTarget(operator=m.Equal(), comparator=m.SimpleString())],
    )
)


class _LoopCalls(cst.CSTVisitor):
    """One walk of the file for what the loop variables need: the `<name>.run_until_complete(coro)`
    calls the codemod rewrites if `<name>` is a loop variable of the function they stand in (their
    receivers, by id, with that function's id), the functions holding one, and the `<name> = ...`
    statements by name. A call is counted only where `_run_until_complete` rewrites one: directly in
    an async function (not in a lambda, a generator expression or a nested sync def), with one
    coroutine (no keyword, no star) and not suppressed; a variable any other call uses stays."""

    def __init__(self, suppressed: Callable[[cst.CSTNode], bool]) -> None:
        super().__init__()
        self.suppressed = suppressed
        self.receivers: dict[int, int] = {}  # id(receiver Name) -> id(the async function it stands in)
        self.feeding: set[int] = set()
        self.statements: dict[str, list[cst.SimpleStatementLine]] = {}
        # where the walk is, as the codemod's `scope_kind` sees it: (kind, id(function) or 0)
        self._scopes: list[tuple[str, int]] = []
        self._aside: list[list[tuple[str, int]]] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self._scopes.append((ASYNC if node.asynchronous else SYNC, id(node)))
        return True

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._scopes.pop()

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        self._scopes.append((LAMBDA, 0))
        return True

    def leave_Lambda(self, original_node: cst.Lambda) -> None:
        self._scopes.pop()

    def visit_GeneratorExp(self, node: cst.GeneratorExp) -> bool:
        self._scopes.append((GENEXP, 0))
        return True

    def leave_GeneratorExp(self, original_node: cst.GeneratorExp) -> None:
        self._scopes.pop()

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        self._scopes.append((CLASS, 0))
        return True

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._scopes.pop()

    # decorators and parameters' defaults belong to the scope around the `def` (AwaitifyCodemod's rule)
    def visit_Decorator(self, node: cst.Decorator) -> bool:
        self._set_aside(True)
        return True

    def leave_Decorator(self, original_node: cst.Decorator) -> None:
        self._scopes = self._aside.pop()

    def visit_Param(self, node: cst.Param) -> bool:
        self._set_aside(bool(self._scopes) and self._scopes[-1][0] != LAMBDA)
        return True

    def leave_Param(self, original_node: cst.Param) -> None:
        self._scopes = self._aside.pop()

    def _set_aside(self, outside: bool) -> None:
        self._aside.append(self._scopes)
        if outside:
            self._scopes = self._scopes[:-1]

    def visit_Call(self, node: cst.Call) -> bool:
        func = node.func
        if (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and isinstance(func.attr, cst.Name)
                and func.attr.value == "run_until_complete" and _one_coroutine(node) is not None
                and self._scopes and self._scopes[-1][0] == ASYNC
                and not self.suppressed(node)):  # a call left as it is keeps its loop variable
            self.receivers[id(func.value)] = self._scopes[-1][1]
            self.feeding.add(self._scopes[-1][1])
        return True

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> bool:
        if len(node.body) == 1 and isinstance(node.body[0], cst.Assign):
            targets = node.body[0].targets
            if len(targets) == 1 and isinstance(targets[0].target, cst.Name):
                self.statements.setdefault(targets[0].target.value, []).append(node)
        return True


def _one_coroutine(call: cst.Call) -> cst.BaseExpression | None:
    """The one coroutine a run call is handed (no keyword, no star), else None."""
    if len(call.args) == 1 and call.args[0].keyword is None and not call.args[0].star:
        return call.args[0].value
    return None


class AsyncioRunToAwait(AwaitifyCodemod):
    RULE = RULE
    DESCRIPTION = __doc__

    def __init__(self, context: cst.codemod.CodemodContext) -> None:
        super().__init__(context)
        self._made: set[int] = set()  # ids of the Await nodes this codemod created
        self._loop_names: list[set[str]] = []  # per async function: names bound only to loop getters
        self._removable: set[cst.CSTNode] = set()  # `loop = asyncio.get_event_loop()` statements to drop
        self._main_guard_depth = 0

    # --- loop variables ------------------------------------------------------------------------
    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        super().visit_FunctionDef(node)
        self._loop_names.append(self._loop_variables(node) if node.asynchronous else set())
        return True

    def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef) -> cst.BaseStatement:
        self._loop_names.pop()
        return super().leave_FunctionDef(original, updated)

    def _loop_variables(self, func: cst.FunctionDef) -> set[str]:
        if id(func) not in self._feeding_functions:
            # only a loop that feeds run_until_complete() is looked at: its uses, and the calls that
            # read this function's loop names, lie inside the function (scope analysis of the whole
            # file is not run for none)
            return set()
        scope = self.get_metadata(ScopeProvider, func.body, None)
        if scope is None:
            return set()
        names: set[str] = set()
        for name in {a.name for a in scope.assignments if a.scope is scope}:
            assignments = list(scope.assignments[name])
            statements = [self._loop_assignment(a.node, name) for a in assignments]
            if not statements or any(s is None for s in statements):
                continue
            names.add(name)
            uses = [ref.node for a in assignments for ref in a.references]
            # only a variable whose every use is a run_until_complete() this function has rewritten
            # goes; an unused one is none of our business
            if uses and all(self._run_until_complete_receivers.get(id(use)) == id(func) for use in uses):
                self._removable.update(statements)
        return names

    def _loop_assignment(self, node: cst.CSTNode, name: str) -> cst.CSTNode | None:
        """The `name = asyncio.get_event_loop()` statement that made this assignment, else None."""
        for statement in self._statements_by_target.get(name, ()):
            if any(target.target is node for target in statement.body[0].targets):
                value = statement.body[0].value
                if isinstance(value, cst.Call) and not value.args and self.calls(value, *LOOP_GETTERS):
                    return statement
        return None

    def visit_Module(self, node: cst.Module) -> bool:
        super().visit_Module(node)
        found = _LoopCalls(self._suppressed)
        if self.session.code is None or "run_until_complete" in self.session.code:  # else a walk finds nothing
            node.visit(found)
        self._run_until_complete_receivers = found.receivers
        self._feeding_functions = found.feeding
        self._statements_by_target: dict[str, list[cst.SimpleStatementLine]] = found.statements
        return True

    def leave_SimpleStatementLine(
        self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine
    ) -> cst.BaseStatement | cst.RemovalSentinel:
        if original in self._removable and self.scope_kind == ASYNC:
            self.record(original, "removed the event-loop variable that only fed run_until_complete()", dependent=True)
            return cst.RemoveFromParent()
        return updated

    # --- main guard (module level asyncio.run there is the right bridge) ---------------------------
    def visit_If(self, node: cst.If) -> bool:
        if m.matches(node, _MAIN_GUARD):
            self._main_guard_depth += 1
        return True

    def leave_If(self, original: cst.If, updated: cst.If) -> cst.BaseStatement:
        if m.matches(original, _MAIN_GUARD):
            self._main_guard_depth -= 1
        return updated

    # --- the rewrites ------------------------------------------------------------------------------
    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if self.calls(original, "asyncio.run"):
            return self._asyncio_run(original, updated)
        if m.matches(original.func, m.Attribute(attr=m.Name("run_until_complete"))):
            return self._run_until_complete(original, updated)
        return updated

    def _asyncio_run(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if self.scope_kind is None and self._main_guard_depth == 0:
            self.diagnose(original, f"asyncio.run() at module level; not rewritten: {AT_IMPORT_TIME}")
            return updated
        if self.scope_kind != ASYNC:
            return updated
        coroutine = _one_coroutine(updated)
        if coroutine is None:
            self.diagnose(original, "asyncio.run() with extra arguments inside async code; rewrite it to `await` by hand")
            return updated
        if isinstance(original.func, cst.Name):  # from asyncio import run [as r]
            asname = original.func.value if original.func.value != "run" else None
            RemoveImportsVisitor.remove_unused_import(self.context, "asyncio", "run", asname)
        self.record(original, "asyncio.run(coro) -> await coro: asyncio.run cannot be called from a running event loop")
        return self._await(coroutine)

    def _run_until_complete(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if self.scope_kind != ASYNC:
            return updated
        receiver = original.func.value  # type: ignore[attr-defined]
        from_getter = isinstance(receiver, cst.Call) and not receiver.args and self.calls(receiver, *LOOP_GETTERS)
        from_variable = isinstance(receiver, cst.Name) and receiver.value in self._loop_names[-1]
        coroutine = _one_coroutine(updated)
        if coroutine is None:
            self.diagnose(original, f"loop.run_until_complete() inside async code: {EXTRA_ARGUMENTS}")
            return updated
        if not (from_getter or from_variable):
            self.diagnose(original, UNKNOWN_LOOP)
            return updated
        self.record(original, "loop.run_until_complete(coro) -> await coro: the loop is already running")
        return self._await(coroutine)

    def _await(self, coroutine: cst.BaseExpression) -> cst.Await:
        node = awaited(coroutine.with_changes(lpar=[], rpar=[]) if isinstance(coroutine, cst.Await) else coroutine)
        self._made.add(id(node))
        return node

    def leave_Await(self, original: cst.Await, updated: cst.Await) -> cst.BaseExpression:
        # `await asyncio.run(coro)` became `await await coro`: keep one
        if id(updated.expression) in self._made:
            return updated.expression.with_changes(lpar=updated.lpar, rpar=updated.rpar)
        return updated
