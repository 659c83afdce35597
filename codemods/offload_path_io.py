"""Offloads `pathlib.Path` file I/O inside `async def` to a thread: `Path(p).read_text()` and
`path.write_bytes(data)` (for a local `path = Path(...)`) become
`await asyncio.to_thread(Path(p).read_text)` / `await asyncio.to_thread(path.write_bytes, data)`, with
`encoding=`, `errors=` and `newline=` kept. The `Path` is built on the loop (no I/O); only the read or
write runs in the thread. `open()` and `with open(...)` blocks are reported by `awaitify check`
(AW507, AW509) but not rewritten yet.
"""

from __future__ import annotations

import libcst as cst

from awaitify.codemod_base import OffloadCodemod
from awaitify.rules import Rule

PATH_CLASSES = frozenset({"pathlib.Path", "pathlib.PosixPath", "pathlib.WindowsPath"})
METHODS = ("read_text", "read_bytes", "write_text", "write_bytes")

RULE = Rule(
    code="AW507",
    name="blocking-open",
    summary="Path.read_text/read_bytes/write_text/write_bytes in async code -> await asyncio.to_thread(...)",
    triggers=METHODS,
    order=45,
)


class OffloadPathIO(OffloadCodemod):
    RULE = RULE
    DESCRIPTION = __doc__

    def __init__(self, context: cst.codemod.CodemodContext) -> None:
        super().__init__(context)
        self._paths: list[set[str]] = [set()]  # per function: locals assigned a Path(...)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self._paths.append(set())
        return super().visit_FunctionDef(node)

    def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef) -> cst.BaseStatement:
        self._paths.pop()
        return super().leave_FunctionDef(original, updated)

    def visit_Assign(self, node: cst.Assign) -> bool:
        if (len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name) and isinstance(node.value, cst.Call)
                and self.qualified_name(node.value.func) in PATH_CLASSES):
            self._paths[-1].add(node.targets[0].target.value)
        return True

    def _is_path(self, expr: cst.BaseExpression) -> bool:
        if isinstance(expr, cst.Call):
            return self.qualified_name(expr.func) in PATH_CLASSES
        return isinstance(expr, cst.Name) and (expr.value in self._paths[-1] or expr.value in self._paths[0])

    def offloaded_name(self, call: cst.Call) -> str | None:
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value in METHODS and self._is_path(func.value):
            return f"Path.{func.attr.value}"
        return None
