"""Where a module reaches functions by a name computed at run time: `getattr(self, f"cmd_{name}")(arg)`,
`globals()[name](...)`, `vars(module)`, `sys.modules[__name__]`. The index sees no call there, so a
function made async would be handed back as a coroutine to such a dispatcher; the planner makes every
function such an access may reach a boundary (`awaitify.planner.Propagator.own_boundary`).

What an access may reach:
- `getattr(self, ...)` / `getattr(cls, ...)` / `getattr(type(self), ...)` in a class: the methods of
  that class and of its subclasses (`CLASS`, with the class's qualified name);
- `globals()`, `vars()` without arguments, `sys.modules[__name__]`: the module's own functions (`MODULE`);
- `getattr(name, ...)` / `vars(name)` on a name the file imports: that module's functions (`IMPORTED`,
  with the dotted name);
- `getattr(anything else, ...)`: functions and methods anywhere whose name starts with the constant
  prefix of the computed name (`ANY`); with no constant prefix it is not counted (a project-wide
  boundary on every function would stop all propagation; docs/propagation.md lists this limit).
Only the name's constant prefix narrows what is reached (`f"cmd_{name}"`, `"cmd_" + name`).
"""

from __future__ import annotations

import ast
import bisect
import functools
import re
from dataclasses import dataclass

from awaitify import shared_parses
from awaitify.ast_statements import push_children, statements
from awaitify.text_lines import split_lines

CLASS, MODULE, IMPORTED, ANY = "class", "module", "imported", "any"
# a file matching none of these has no dynamic access (the parse is skipped): a getattr whose second
# argument is not a plain string, globals(), vars(...), sys.modules[__name__]
_WORDS = re.compile(r"""\bgetattr\s*\([^)]*?,\s*(?!['"][\w.]*['"]\s*[,)])|\bglobals\s*\(\s*\)|\bvars\s*\("""
                    r"""|\bsys\.modules\s*\[\s*__name__""")


@dataclass(frozen=True)
class DynamicAccess:
    line: int
    kind: str  # CLASS | MODULE | IMPORTED | ANY
    target: str  # the class qualname (CLASS), the module (IMPORTED), "" otherwise
    prefix: str  # the computed name's constant start ("" when unknown)

    def reaches(self, name: str) -> bool:
        return name.startswith(self.prefix)


@functools.lru_cache(maxsize=1024)
def dynamic_accesses(text: str) -> tuple[DynamicAccess, ...]:
    if not _WORDS.search(text):
        return ()
    try:
        tree = shared_parses.parse(text)
    except (SyntaxError, ValueError):
        return ()
    finder = _Finder(_imported_modules(tree))
    finder.walk(tree, [n for n, line in enumerate(split_lines(text), 1) if any(w in line for w in _ACCESS_WORDS)])
    return tuple(finder.found)


def _imported_modules(tree: ast.Module) -> dict[str, str]:
    """Local name -> dotted module, for `import a.b as c` and `from a import b` (b may be a module)."""
    names: dict[str, str] = {}
    for node in statements(tree):  # (an import is a statement: `ast.walk`'s order)
        if isinstance(node, ast.Import):
            for alias in node.names:
                names[alias.asname or alias.name.partition(".")[0]] = alias.name if alias.asname else alias.name.partition(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def _prefix(node: ast.expr) -> str | None:
    """The constant start of a computed name; None when the name is a constant (a plain attribute)."""
    if isinstance(node, ast.Constant):
        return None
    if isinstance(node, ast.JoinedStr):
        first = node.values[0] if node.values else None
        return first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else ""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left = _prefix(node.left)
        if left is None and isinstance(node.left, ast.Constant) and isinstance(node.left.value, str):
            return node.left.value
        return left or ""
    return ""


_LEAVE_CLASS = object()  # on the walk's stack: the class whose nodes were all met is left
# what the source of every access spells: a statement whose lines hold none holds no access
_ACCESS_WORDS = ("getattr", "globals", "vars", "modules")


class _Finder:
    def __init__(self, modules: dict[str, str]) -> None:
        self.modules = modules
        self.found: list[DynamicAccess] = []
        self._classes: list[str] = []

    def walk(self, tree: ast.AST, lines: list[int]) -> None:
        """Every node, each before its children, in field order (as `ast.NodeVisitor` visits them), with
        the classes it stands in (a class's decorators and bases too): a stack, not a recursive visitor.
        `lines`: the numbers of the lines spelling an access's words, in order; a statement spanning
        none of them is passed over whole."""
        stack: list = [tree]
        while stack:
            node = stack.pop()
            if node is _LEAVE_CLASS:
                self._classes.pop()
                continue
            if isinstance(node, ast.stmt):
                at = bisect.bisect_left(lines, node.lineno)
                if at == len(lines) or lines[at] > (node.end_lineno or node.lineno):
                    continue
            kind = type(node)
            if kind is ast.ClassDef:
                self._classes.append(f"{self._classes[-1]}.{node.name}" if self._classes else node.name)
                stack.append(_LEAVE_CLASS)
            elif kind is ast.Subscript:
                self._subscript(node)
            elif kind is ast.Call:
                self._call(node)
            children: list[ast.AST] = []
            push_children(node, children)
            stack.extend(reversed(children))

    def _subscript(self, node: ast.Subscript) -> None:
        value = node.value
        if (isinstance(value, ast.Attribute) and value.attr == "modules" and isinstance(value.value, ast.Name)
                and value.value.id == "sys" and isinstance(node.slice, ast.Name) and node.slice.id == "__name__"):
            self._add(node, MODULE, "", "")

    def _call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Name) and func.id in ("globals", "vars") and not node.args and not node.keywords:
            self._add(node, MODULE, "", "")
        elif isinstance(func, ast.Name) and func.id == "vars" and len(node.args) == 1:
            self._on(node, node.args[0], "")
        elif isinstance(func, ast.Name) and func.id == "getattr" and len(node.args) >= 2:
            prefix = _prefix(node.args[1])
            if prefix is not None:
                self._on(node, node.args[0], prefix)

    def _on(self, node: ast.Call, obj: ast.expr, prefix: str) -> None:
        if isinstance(obj, ast.Call) and isinstance(obj.func, ast.Name) and obj.func.id == "type" and len(obj.args) == 1:
            obj = obj.args[0]  # getattr(type(self), name)
        if isinstance(obj, ast.Name) and obj.id in ("self", "cls") and self._classes:
            self._add(node, CLASS, self._classes[-1], prefix)
        elif isinstance(obj, ast.Name) and obj.id in self.modules:
            self._add(node, IMPORTED, self.modules[obj.id], prefix)
        elif prefix:  # an object the scan cannot name (`import_module(...)` too): any function with the prefix
            self._add(node, ANY, "", prefix)

    def _add(self, node: ast.AST, kind: str, target: str, prefix: str) -> None:
        self.found.append(DynamicAccess(node.lineno, kind, target, prefix))
