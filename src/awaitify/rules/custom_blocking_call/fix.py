"""Rewrites the project's own blocking calls, listed in `[tool.awaitify.blocking-calls]`, inside
`async def`: `"pkg.mod.get_blob" = { replace = "pkg.mod.aget_blob" }` makes `get_blob(x)` into
`await aget_blob(x)` (spelled the way the original was: `mod.aget_blob`, or an added
`from pkg.mod import aget_blob`), and `= "offload"` makes it `await asyncio.to_thread(get_blob, x)`
(`anyio.to_thread.run_sync` for the anyio target).

Sync code is left alone; sync helpers that async code reaches are made async first by propagation
(for `replace` entries). A call in a lambda or generator expression inside async code is reported.
"""

from __future__ import annotations

import libcst as cst
from libcst.codemod.visitors import AddImportsVisitor

from awaitify.codemod_base import ASYNC, GENEXP, LAMBDA, ThreadHandoffs, awaited, to_thread
from awaitify.nested_calls import refusal
from awaitify.rules.custom_blocking_call import RULE as CUSTOM_BLOCKING_CALL

RULE = CUSTOM_BLOCKING_CALL


class CustomBlockingCalls(ThreadHandoffs):
    RULE = RULE
    DESCRIPTION = __doc__

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        name = self.qualified_name(original.func)
        how = self.config.blocking_calls.get(name or "")
        if not how:
            return updated
        if self.in_handed_lambda():
            return updated  # it blocks the thread the lambda is handed to, not the loop
        if self.scope_kind in (LAMBDA, GENEXP) and self.inside_async_function():
            self.diagnose(original, f"{name}() is configured as blocking, but {refusal(RULE.code, self.scope_kind)}")
            return updated
        if self.scope_kind != ASYNC:
            return updated
        if how == "offload":
            self.record(original, f"{name}() -> await {self.config.target} thread offload: configured as blocking")
            return awaited(to_thread(self.context, updated, self.config.target))
        self.record(original, f"{name}() -> await {how}(): configured async twin")
        return awaited(updated.with_changes(func=self._twin(updated.func, name or "", how)))

    def _twin(self, func: cst.BaseExpression, name: str, twin: str) -> cst.BaseExpression:
        module, _, attr = twin.rpartition(".")
        same_module = name.rpartition(".")[0] == module
        if same_module and isinstance(func, cst.Attribute):  # mod.get_blob -> mod.aget_blob
            return func.with_changes(attr=cst.Name(attr))
        AddImportsVisitor.add_needed_import(self.context, module, attr)
        return cst.Name(attr)
