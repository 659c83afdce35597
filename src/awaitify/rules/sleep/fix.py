"""Rewrites `time.sleep(x)` inside `async def` to `await asyncio.sleep(x)`.

Every import form is recognised (`import time`, `import time as t`, `from time import sleep`,
`from time import sleep as nap`); `import asyncio` is added where missing and the `time` import is
dropped only when nothing else uses it. Left alone: sync functions, nested sync `def`s and class
bodies inside async functions (such code may run in a thread), any other `sleep` (local helpers,
methods, `gevent.sleep`) and names shadowed by a local definition. A `time.sleep` in a lambda or a
generator expression inside an async function cannot take an `await` without changing what it is,
so it is reported instead.
"""

from __future__ import annotations

import libcst as cst
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor

from awaitify.codemod_base import ASYNC, GENEXP, LAMBDA, ThreadHandoffs, awaited
from awaitify.nested_calls import refusal
from awaitify.rules.sleep import RULE as SLEEP
from awaitify.rules.sleep.detect import wants

RULE = SLEEP


class SleepToAsyncSleep(ThreadHandoffs):
    RULE = RULE
    DESCRIPTION = __doc__

    def enters(self, node: cst.BaseStatement) -> bool:
        # a call that resolves to `time.sleep` spells `sleep`, or a name an import binds for it
        return self.spells_tokens(node, RULE.triggers_for(self.config))

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if not self.calls(original, "time.sleep"):
            return updated
        if self.in_handed_lambda():
            return updated  # it sleeps in the thread the lambda is handed to, not on the loop
        if self.scope_kind in (LAMBDA, GENEXP) and self.inside_async_function():
            self.diagnose(original, f"time.sleep() blocks the event loop, but {refusal(RULE.code, self.scope_kind)}")
            return updated
        if self.scope_kind != ASYNC:
            return updated
        runtime = self.config.target  # "asyncio" or "anyio": both spell it `<module>.sleep`
        if not self.module_name_free(runtime):
            self.diagnose(original, f"time.sleep() blocks the event loop, but `{runtime}` is bound to something "
                          "else in this module; not rewritten")
            return updated
        AddImportsVisitor.add_needed_import(self.context, runtime)
        self._schedule_import_removal(original.func)
        self.record(original, f"time.sleep() -> await {runtime}.sleep(): time.sleep blocks the event loop")
        return awaited(updated.with_changes(func=cst.Attribute(cst.Name(runtime), cst.Name("sleep"))))

    def _schedule_import_removal(self, func: cst.BaseExpression) -> None:
        if isinstance(func, cst.Name):  # from time import sleep [as nap]
            asname = func.value if func.value != "sleep" else None
            RemoveImportsVisitor.remove_unused_import(self.context, "time", "sleep", asname)
        elif isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):  # import time [as t]
            asname = func.value.value if func.value.value != "time" else None
            RemoveImportsVisitor.remove_unused_import(self.context, "time", asname=asname)
