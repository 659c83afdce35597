"""Applies the global propagation plan to one file: `def` -> `async def` for functions the plan
makes async, `await` on their call sites, `await asyncio.to_thread(f, *args, **kwargs)` where the
plan offloads a sync function instead, and `asyncio.run(main())` where a sync entry point (a main
guard, a sync test) now calls an async function.

Every decision is made by the planner (`awaitify.planner`) over the whole project; this codemod only
finds the functions by qualified name and the calls by their position in the original file, which
is why it runs before every other codemod.
"""

from __future__ import annotations

import libcst as cst
from libcst.codemod.visitors import AddImportsVisitor
from libcst.metadata import PositionProvider

from awaitify.codemod_base import AwaitifyCodemod, awaited, to_thread
from awaitify.codemod_rules import PROPAGATION

RULE = PROPAGATION


class ApplyPropagationPlan(AwaitifyCodemod):
    RULE = RULE
    DESCRIPTION = __doc__

    def __init__(self, context: cst.codemod.CodemodContext) -> None:
        super().__init__(context)
        self.plan = self.session.plan
        self._names: list[tuple[str, bool]] = []  # (qualname, is a function) of enclosing defs

    def _qualname(self, name: str) -> str:
        if not self._names:
            return name
        parent, is_function = self._names[-1]
        return f"{parent}.<locals>.{name}" if is_function else f"{parent}.{name}"

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        self._names.append((self._qualname(node.name.value), False))
        return super().visit_ClassDef(node)

    def leave_ClassDef(self, original: cst.ClassDef, updated: cst.ClassDef) -> cst.BaseStatement:
        self._names.pop()
        return super().leave_ClassDef(original, updated)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self._names.append((self._qualname(node.name.value), True))
        return super().visit_FunctionDef(node)

    def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef) -> cst.BaseStatement:
        qualname, _ = self._names.pop()
        updated = super().leave_FunctionDef(original, updated)  # type: ignore[assignment]
        why = self.plan.make_async.get(qualname)
        if why and original.asynchronous is None:
            self.record(original, f"made `{qualname}` async: {why}")
            return updated.with_changes(asynchronous=cst.Asynchronous())
        return updated

    def _call_position(self, call: cst.Call) -> tuple[int, int]:
        """Where the called expression ends (parentheses excluded, as in `ast`): the plan's key."""
        pos = self.get_metadata(PositionProvider, call.func)
        return pos.end.line, pos.end.column

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        pos = self._call_position(original)
        runtime = self.config.target
        if pos in self.plan.await_calls:
            self.record(original, self.plan.await_calls[pos])
            return awaited(updated)
        if pos in self.plan.offload_calls:
            self.record(original, self.plan.offload_calls[pos])
            return awaited(to_thread(self.context, updated, runtime))
        if pos in self.plan.run_calls:
            AddImportsVisitor.add_needed_import(self.context, "asyncio")
            self.record(original, self.plan.run_calls[pos])
            return cst.Call(func=cst.Attribute(cst.Name("asyncio"), cst.Name("run")), args=[cst.Arg(updated)])
        return updated
