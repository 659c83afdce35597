"""What the requests codemod asks of the whole module before rewriting it, read in one walk
(`visit_order.read`, in libcst's order): the sessions kept beyond one call, the functions holding
requests calls, and the names spelled in the module and in each of its functions."""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst


class ModuleFacts(cst.CSTVisitor):
    """`is_session_factory(call)`: does it make a requests.Session; `qualified_name(expr)`: the one
    qualified name an expression refers to, or None."""

    def __init__(self, is_session_factory: Callable[[cst.Call], bool],
                 qualified_name: Callable[[cst.CSTNode], str | None]) -> None:
        self._is_session_factory = is_session_factory
        self._qualified_name = qualified_name
        self.global_sessions: set[str] = set()  # module names bound to a requests.Session()
        self.self_sessions: set[str] = set()  # `self.<attr>` / `cls.<attr>` bound to a requests.Session()
        self.requests_holders: set[str] = set()  # names of the functions (any depth) holding a requests call
        # id(def) -> (the def, kept alive for its id; every name spelled in it): what `names_in` answers
        self.function_names: dict[int, tuple[cst.FunctionDef, set[str]]] = {}
        self.names: set[str] = set()  # every name spelled in the module
        self._functions: list[cst.FunctionDef] = []
        self._spelled: list[set[str]] = [self.names]

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._functions.append(node)
        self._spelled.append(set())

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._functions.pop()
        names = self._spelled.pop()
        self._spelled[-1].update(names)
        self.function_names[id(node)] = (node, names)

    def visit_Name(self, node: cst.Name) -> None:
        self._spelled[-1].add(node.value)

    def visit_Assign(self, node: cst.Assign) -> None:
        if not (isinstance(node.value, cst.Call) and self._is_session_factory(node.value)):
            return
        for target in node.targets:
            t = target.target
            if isinstance(t, cst.Name) and not self._functions:
                self.global_sessions.add(t.value)
            elif isinstance(t, cst.Attribute) and isinstance(t.value, cst.Name) and t.value.value in ("self", "cls"):
                self.self_sessions.add(t.attr.value)

    def visit_Call(self, node: cst.Call) -> None:
        if self._functions and (self._qualified_name(node.func) or "").startswith("requests."):
            self.requests_holders.add(self._functions[-1].name.value)
