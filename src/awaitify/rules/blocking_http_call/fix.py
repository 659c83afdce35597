"""Offloads blocking HTTP calls that have no drop-in async twin inside `async def` to a thread:
`httpx.get/post/...(...)` (module-level functions, sync) and `urllib3.request(...)` become
`await asyncio.to_thread(httpx.get, url, ...)`; a `urllib.request.urlopen(...)` chain such as
`urlopen(url).read().decode()` moves to the thread as a whole, `await asyncio.to_thread(lambda:
urlopen(url).read().decode())`, so the response body is read there too and no side effect is split
between the loop and the thread. A bare `urlopen(...)` whose response is read later is reported: its
reads would still block. `requests` has its own rule (AW201, an `httpx.AsyncClient`).
"""

from __future__ import annotations

import libcst as cst

from awaitify.codemod_base import ASYNC, OffloadCodemod, awaited, to_thread
from awaitify.rules.blocking_http_call import RULE as BLOCKING_HTTP_CALL
from awaitify.rules.blocking_http_call.detect import URLOPEN, wants


RULE = BLOCKING_HTTP_CALL
CALLS = frozenset(RULE.offload_fixes)



class OffloadHttp(OffloadCodemod):
    RULE = RULE
    DESCRIPTION = __doc__
    CALLS = CALLS

    def __init__(self, context: cst.codemod.CodemodContext) -> None:
        super().__init__(context)
        self._chains: set[int] = set()  # urlopen calls that stand at the root of an offloaded chain
        self._outer: set[int] = set()  # the outermost call of each such chain: what moves to the thread

    def _urlopen_root(self, expr: cst.BaseExpression) -> cst.Call | None:
        """`urlopen(...).read()...`: the urlopen call at the root of an attribute/call chain."""
        while isinstance(expr, (cst.Call, cst.Attribute)):
            inner = expr.func if isinstance(expr, cst.Call) else expr.value
            if isinstance(expr, cst.Call) and self.qualified_name(expr.func) == URLOPEN:
                return expr
            expr = inner
        return None

    def visit_Call(self, node: cst.Call) -> bool:
        # the outermost call of an urlopen chain is offloaded whole; mark its root now
        if isinstance(node.func, cst.Attribute) and self.scope_kind == ASYNC:
            root = self._urlopen_root(node.func.value)
            if root is not None and id(root) not in self._chains and not _contains_await(node):
                self._chains.add(id(root))
                self._outer.add(id(node))
        return True

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if id(original) in self._outer:
            if self._suppressed(original):
                return updated
            self.record(original, "urlopen(...) chain -> await asyncio.to_thread(lambda: ...): the request and the "
                        "body read block the event loop")
            thunk = cst.Lambda(params=cst.Parameters(), body=updated)
            return awaited(to_thread(self.context, cst.Call(func=thunk), self.config.target))
        if self.qualified_name(original.func) == URLOPEN and id(original) not in self._chains:
            if self.scope_kind == ASYNC and not self._suppressed(original):
                self.diagnose(original, "urlopen() in async code: its response is read later, which would still "
                              "block; move the request and the reads into one function run with asyncio.to_thread")
            return updated
        return super().leave_Call(original, updated)


def _contains_await(node: cst.CSTNode) -> bool:
    found = []

    class Awaits(cst.CSTVisitor):
        def visit_Await(self, n: cst.Await) -> None:
            found.append(n)

    node.visit(Awaits())
    return bool(found)

