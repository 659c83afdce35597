"""Names a requests-httpx fix will not convert the requests calls of: bound to a response and to
something else in the same function, and read as a response (`.ok`, `.text`, its truth...). The
codemod's `_Bindings` walk, in `ast` terms, for check's scan: change both together."""

from __future__ import annotations

import ast
from typing import Callable

from awaitify.requests_plan import SESSION, VERBS

# what the codemod rewrites on a response, so reading it says the name holds one
RESPONSE_READS = frozenset({"ok", "reason", "next", "url", "text", "iter_content", "cookies"})

Kind = Callable[[ast.Call], "str | None"]  # a call's requests verb, `SESSION` for a session factory, else None


class _Bindings(ast.NodeVisitor):
    """Every name a function binds (nested scopes too, to stay on the safe side), whether each binding
    is `name = <requests call>`, and the names read as responses; in source order, as sessions must
    be known before their calls."""

    def __init__(self, kind: Kind) -> None:
        self.kind = kind
        self.found: dict[str, bool] = {}
        self.sessions: set[str] = set()
        self.response_bound: set[str] = set()
        self.uses: set[str] = set()
        self._depth = 0

    def _response(self, value: ast.expr) -> bool:
        if not isinstance(value, ast.Call):
            return False
        func = value.func
        return self.kind(value) not in (None, SESSION) or (
            isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in self.sessions
            and func.attr in VERBS)

    def bind(self, name: str, response: bool = False) -> None:
        self.found[name] = self.found.get(name, True) and response
        if response:
            self.response_bound.add(name)

    def bind_target(self, target: ast.expr) -> None:
        if isinstance(target, ast.Name):
            self.bind(target.id)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self.bind_target(element)
        elif isinstance(target, ast.Starred):
            self.bind_target(target.value)

    def truth(self, test: ast.expr) -> None:
        if isinstance(test, ast.Name):
            self.uses.add(test.id)
        elif isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            self.truth(test.operand)
        elif isinstance(test, ast.BoolOp):
            for value in test.values:
                self.truth(value)

    # --- bindings ---------------------------------------------------------------------------------
    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        if self._depth:
            self.bind(node.name)
        self._depth += 1
        self.generic_visit(node)
        self._depth -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = _function

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.bind(node.name)
        self.generic_visit(node)

    def visit_arg(self, node: ast.arg) -> None:
        self.bind(node.arg)
        self.generic_visit(node)

    def visit_Assign(self, node: ast.Assign) -> None:
        if len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            if self._response(node.value):
                self.bind(name, True)
                self.generic_visit(node)
                return
            if isinstance(node.value, ast.Call) and self.kind(node.value) == SESSION:
                self.sessions.add(name)
        for target in node.targets:
            self.bind_target(target)
        self.generic_visit(node)

    def _target(self, node: ast.AnnAssign | ast.AugAssign | ast.For | ast.AsyncFor | ast.comprehension) -> None:
        self.bind_target(node.target)
        self.generic_visit(node)

    visit_AnnAssign = visit_AugAssign = visit_For = visit_AsyncFor = visit_comprehension = _target

    def visit_withitem(self, node: ast.withitem) -> None:
        name, item = node.optional_vars, node.context_expr
        if name is not None:
            if isinstance(name, ast.Name) and self._response(item):
                self.bind(name.id, True)  # `with requests.get(u, stream=True) as r:`
            else:
                self.bind_target(name)
                if isinstance(name, ast.Name) and isinstance(item, ast.Call) and self.kind(item) == SESSION:
                    self.sessions.add(name.id)
        self.generic_visit(node)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name:
            self.bind(node.name)
        self.generic_visit(node)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        if self._response(node.value):
            self.bind(node.target.id, True)  # `(r := requests.get(u)).ok`
        else:
            self.bind_target(node.target)
        self.generic_visit(node)

    def visit_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            self.bind_target(target)
        self.generic_visit(node)

    def _imports(self, node: ast.Import | ast.ImportFrom) -> None:
        for alias in node.names:
            self.bind(alias.asname or alias.name.partition(".")[0])

    visit_Import = visit_ImportFrom = _imports

    # --- reads as a response ----------------------------------------------------------------------
    def visit_Attribute(self, node: ast.Attribute) -> None:
        if isinstance(node.value, ast.Name) and node.attr in RESPONSE_READS:
            self.uses.add(node.value.id)
        self.generic_visit(node)

    def _test(self, node: ast.If | ast.While | ast.IfExp | ast.Assert) -> None:
        self.truth(node.test)
        self.generic_visit(node)

    visit_If = visit_While = visit_IfExp = visit_Assert = _test

    def visit_UnaryOp(self, node: ast.UnaryOp) -> None:
        if isinstance(node.op, ast.Not):
            self.truth(node.operand)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        if isinstance(node.func, ast.Name) and node.func.id == "bool" and len(node.args) == 1:
            self.truth(node.args[0])
        self.generic_visit(node)


def refused_calls(func: ast.FunctionDef | ast.AsyncFunctionDef, kind: Kind) -> dict[int, str]:
    """id of each requests call (not streamed) the fix refuses as ambiguous -> the name it is bound to:
    `name = requests.get(...)` in the function itself (not a nested one), `name` ambiguous."""
    walker = _Bindings(kind)
    walker.visit(func)
    ambiguous = {name for name in walker.uses if name in walker.response_bound and not walker.found.get(name, False)}
    if not ambiguous:
        return {}
    refused: dict[int, str] = {}
    for node in _own_nodes(func):
        if (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                and node.targets[0].id in ambiguous and isinstance(node.value, ast.Call)
                and kind(node.value) not in (None, SESSION) and not any(k.arg == "stream" for k in node.value.keywords)):
            refused[id(node.value)] = node.targets[0].id
    return refused


def _own_nodes(func: ast.FunctionDef | ast.AsyncFunctionDef):
    """The nodes of the function's body, not of the functions defined in it."""
    stack = list(reversed(func.body))
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            stack.extend(ast.iter_child_nodes(node))
