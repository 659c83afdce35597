"""Qualified names without libcst's scope analysis, for the names whose answer cannot depend on scopes.

libcst's ScopeProvider builds every scope, assignment and access of a tree version: several times
the cost of the parse, paid again after each codemod that changed the tree, to answer a few
questions such as "is this call `time.sleep`?". Most of those questions are about a name that is
bound only at module level (an import, a def, a class, an assignment) or not at all (a builtin),
and is never bound in any function, lambda, class body or comprehension of the file. For such a
name the scopes have one answer wherever the name is read outside the module's own statements: the
union of what every module-level binding of it gives (libcst's `Scope.get_qualified_names_for`),
with no ordering (libcst filters by order only among the statements of the same scope).

`NameIndex` reads that from one `ast` walk of the tree version's text (C-speed parse) and answers
for a node at a known position (PositionProvider); it answers None ("ask the scopes") for anything
else: a name bound in a nested scope, declared `global`/`nonlocal`, deleted, bound by `except ...
as`, a `match` capture, an annotation or augmented assignment; a name read among the module's own
statements (where the order of bindings counts) when the module binds it; a node the `ast` does not
show at that exact position. tests/test_qualified_names.py compares it with libcst's analysis on
every name and call of the goldens, examples, test apps and a slice of the standard library.
"""

from __future__ import annotations

import ast
import builtins
import re
from collections import Counter, defaultdict
from collections.abc import Callable

import libcst as cst
from libcst.helpers import get_full_name_for_node
from libcst.metadata import CodeRange, QualifiedName, QualifiedNameSource

Span = tuple[int, int, int, int]  # start line, start column, end line, end column (columns in characters)

# module-level statements whose Name targets libcst records as plain assignments of the module
_PLAIN_TARGETS = (ast.Assign, ast.For, ast.AsyncFor, ast.withitem, ast.NamedExpr)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
# the node types `NameIndex._walk` reads for themselves; it only goes into the others (most nodes: a
# constant, an operator, a Name's `ctx`), told by type once per type
_READ = (ast.Name, ast.Attribute, ast.Call, ast.keyword, ast.Import, ast.ImportFrom, ast.Global, ast.Nonlocal,
         ast.ExceptHandler, ast.MatchAs, ast.MatchStar, ast.MatchMapping, ast.Assign, ast.FunctionDef,
         ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, *_COMPREHENSIONS)
_READS: dict[type, bool] = {}
_KEYWORD = re.compile(r"(?:async[ \t]+)?def[ \t]+|class[ \t]+")


class _Function:
    """A def's scope: its qualified-name prefix (libcst's: `C.m.<locals>`), the names it binds
    plainly (parameters, assignment, `for` and `with` targets, nested defs and classes) or imports,
    and its enclosing def, if any."""

    def __init__(self, prefix: str, parent: _Function | None) -> None:
        self.prefix, self.parent = prefix, parent
        self.locals: set[str] = set()
        self.params: set[str] = set()
        self.imports: dict[str, list[ast.Import | ast.ImportFrom]] = defaultdict(list)  # dotted names too
        # Where the first and the last statement binding each name by `=`, `import`, `def` or `class`
        # end, and how many targets bind it by `=` or otherwise: libcst counts a read after such a
        # statement as reading that binding (its order of assignments and accesses).
        self.first_end: dict[str, tuple[int, int]] = {}
        self.last_end: dict[str, tuple[int, int]] = {}
        self.targets: Counter[str] = Counter()  # plain targets, `for` and `with` ones included
        self.assigned: Counter[str] = Counter()  # of which by `=`

    def bound_by(self, name: str, end: tuple[int, int]) -> None:
        """A statement ending at `end` binds `name` (one libcst counts as an assignment)."""
        if end < self.first_end.get(name, (1 << 60, 0)):
            self.first_end[name] = end
        if end > self.last_end.get(name, (0, 0)):
            self.last_end[name] = end

    def read_after_binding(self, name: str, start: tuple[int, int]) -> bool:
        """A read of `name` here at `start` refers to what `_resolve` gives: every binding of it comes
        before (parameters, and statements ended), or only plain ones do and at least one comes before."""
        if self.targets[name] == self.assigned[name] and self.last_end.get(name, (0, 0)) < start:
            return True
        return name not in self.imports and (name in self.params or self.first_end.get(name, start) < start)


class _Scope:
    """Where a node stands while the tree is read: in the module, a def, a class body, a lambda or a
    comprehension; `function` is the innermost def around it and `prefix` libcst's name prefix."""

    def __init__(self, kind: str, function: _Function | None, prefix: str) -> None:
        self.kind, self.function, self.prefix = kind, function, prefix


_MODULE = _Scope("module", None, "")


class NameIndex:
    """What one tree version binds where, read from its text. `answer` gives the qualified names
    libcst's scope analysis gives a Name, Attribute or Call node, or None when it cannot tell."""

    def __init__(self, code: str, parse: Callable[[], ast.Module | None] | None = None) -> None:
        """`parse`: gives `code`'s `ast` tree (None when it cannot be read), when the caller keeps one."""
        self.usable = False
        self._module = _Function("", None)  # the module's bindings, as a def's
        self._imports = self._module.imports
        self._locals = self._module.locals  # bound at module level other than by an import
        self._defs: dict[Span, _Scope] = {}  # the names of defs and classes, and the scope binding them
        self.imported: set[str] = set()  # every name an import binds, anywhere
        self.classes: set[str] = set()  # every class's name
        self._async_lines: list[tuple[int, int]] = []  # the first and last line of every `async def`
        self._unsafe: set[str] = set()  # bound in a way this index does not model, anywhere
        # the bodies of defs, classes and lambdas: (start, end, the innermost def, crossed a scope)
        self._bodies: list[tuple[tuple[int, int], tuple[int, int], _Scope]] = []
        self._names: dict[tuple[int, int], Span] = {}  # Load Names by start
        self._stores: dict[tuple[int, int], tuple[Span, _Scope]] = {}  # plain assignment targets by start
        self._unscoped: set[Span] = set()  # names libcst gives no scope: `.attr`, `keyword=`
        self._params: dict[Span, _Function] = {}  # a def's parameter names
        self._exprs: set[Span] = set()  # Attributes and Calls
        if "\r" in code or code.startswith("\ufeff"):
            return  # line ends or a BOM ast and libcst may count differently: ask the scopes
        if parse is not None:
            found = parse()
            if found is None:
                return
            module = found
        else:
            try:
                module = ast.parse(code)
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                return
        self._lines = code.split("\n")
        self._walk(module.body, _MODULE)
        self._bodies.sort(key=lambda body: body[0])
        self.usable = True

    # --- reading the tree ---------------------------------------------------------------------------
    def _walk(self, nodes: list, scope: _Scope) -> None:
        stack: list[tuple[ast.AST, _Scope, ast.AST | None]] = [(node, scope, None) for node in reversed(nodes)]
        reads = _READS
        while stack:
            node, scope, parent = stack.pop()
            kind = type(node)
            read = reads.get(kind)
            if read is None:
                read = reads[kind] = issubclass(kind, _READ)
            if not read:
                stack.extend((child, scope, node) for child in reversed(list(ast.iter_child_nodes(node))))
                continue
            children: list[tuple[ast.AST, _Scope]] | None = None
            if isinstance(node, ast.Name):
                self._name(node, scope, parent)
            elif isinstance(node, (ast.Attribute, ast.Call)):
                span = self._span(node)
                self._exprs.add(span)
                if isinstance(node, ast.Attribute):
                    self._unscoped.add((span[2], span[3] - len(node.attr), span[2], span[3]))
            elif isinstance(node, ast.keyword) and node.arg is not None:
                line, column = node.lineno, self._column(node.lineno, node.col_offset)
                self._unscoped.add((line, column, line, column + len(node.arg)))
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                self._import(node, scope)
            elif isinstance(node, (ast.Global, ast.Nonlocal)):
                self._unsafe.update(node.names)
            elif isinstance(node, ast.ExceptHandler) and node.name:
                self._unsafe.add(node.name)
            elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
                self._unsafe.add(node.name)
            elif isinstance(node, ast.MatchMapping) and node.rest:
                self._unsafe.add(node.rest)
            elif isinstance(node, ast.Assign) and scope.kind in ("module", "function"):
                self._assign(node, scope.function or self._module)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                children = self._def(node, scope)
            elif isinstance(node, ast.ClassDef):
                self._bind_statement(node, scope)
                self.classes.add(node.name)
                inner = _Scope("class", scope.function, ".".join(filter(None, [scope.prefix, node.name])))
                self._body(node.body, inner)
                children = [(n, scope) for n in (*node.decorator_list, *node.bases, *node.keywords)]
                children += [(n, inner) for n in node.body]
            elif isinstance(node, ast.Lambda):
                inner = _Scope("lambda", scope.function, ".".join(filter(None, [scope.prefix, "<locals>"])))
                self._body([node.body], inner)
                children = self._arguments(node.args, scope, None) + [(node.body, inner)]
            elif isinstance(node, _COMPREHENSIONS):
                # its own scope, but for the first iterable, read in the enclosing one
                prefix = ".".join(filter(None, [scope.prefix, "<comprehension>"]))
                inner = _Scope("comprehension", _Function(prefix, scope.function), prefix)
                first = node.generators[0]
                span, hole = self._span(node), self._span(first.iter)
                self._bodies += [(span[:2], span[2:], inner), (hole[:2], hole[2:], scope)]
                children = [(first.iter, scope)] + [(n, inner) for n in ast.iter_child_nodes(node) if n is not first]
                children += [(n, inner) for n in ast.iter_child_nodes(first) if n is not first.iter]
            if children is None:
                stack.extend((child, scope, node) for child in reversed(list(ast.iter_child_nodes(node))))
            else:
                stack.extend((child, child_scope, node) for child, child_scope in reversed(children))

    def _assign(self, node: ast.Assign, function: _Function) -> None:
        end = self._span(node)[2:]
        for target in node.targets:
            for name in _target_names(target):
                function.bound_by(name, end)
                function.assigned[name] += 1

    def _def(self, node: ast.FunctionDef | ast.AsyncFunctionDef, scope: _Scope) -> list[tuple[ast.AST, _Scope]]:
        self._bind_statement(node, scope)
        if isinstance(node, ast.AsyncFunctionDef):
            self._async_lines.append((node.lineno, node.end_lineno or node.lineno))
        prefix = ".".join(filter(None, [scope.prefix, node.name, "<locals>"]))
        inner = _Scope("function", _Function(prefix, scope.function), prefix)
        self._body(node.body, inner)
        children = [(n, scope) for n in node.decorator_list] + ([(node.returns, scope)] if node.returns else [])
        return children + self._arguments(node.args, scope, inner.function) + [(n, inner) for n in node.body]

    def _arguments(self, args: ast.arguments, scope: _Scope, function: _Function | None) -> list[tuple[ast.AST, _Scope]]:
        """Defaults and annotations are read in the enclosing scope; the parameters bind in the def
        (a lambda's: not modelled)."""
        children: list[tuple[ast.AST, _Scope]] = [(n, scope) for n in (*args.defaults, *args.kw_defaults) if n is not None]
        for arg in (*args.posonlyargs, *args.args, args.vararg, *args.kwonlyargs, args.kwarg):
            if arg is None:
                continue
            if function is None:
                self._unsafe.add(arg.arg)
            else:
                function.params.add(arg.arg)
                function.locals.add(arg.arg)
                line, column = arg.lineno, self._column(arg.lineno, arg.col_offset)
                self._params[(line, column, line, column + len(arg.arg))] = function
            if arg.annotation is not None:
                children.append((arg.annotation, scope))
        return children

    def _body(self, body: list[ast.AST], scope: _Scope) -> None:
        # a decorated def or class starts, for ast, at its `def` or `class` line, below its decorators
        start, end = self._span(getattr(body[0], "decorator_list", None) and body[0].decorator_list[0] or body[0]), self._span(body[-1])
        self._bodies.append(((start[0], start[1]), (end[2], end[3]), scope))

    def _bind_statement(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef, scope: _Scope) -> None:
        """A def or class statement binds its name where it stands, once its body is read."""
        self._bind(node.name, scope)
        if scope.kind in ("module", "function"):
            (scope.function or self._module).bound_by(node.name, self._span(node)[2:])
        line = node.lineno
        text = self._lines[line - 1]
        column = self._column(line, node.col_offset)
        keyword = _KEYWORD.match(text, column)
        if keyword is not None and text.startswith(node.name, keyword.end()):
            self._defs[(line, keyword.end(), line, keyword.end() + len(node.name))] = scope

    def _bind(self, name: str, scope: _Scope) -> None:
        """A plain binding (a def, a class, an assignment target) of `name` where `scope` stands."""
        if scope.kind == "module":
            self._locals.add(name)
        elif scope.kind == "function":
            scope.function.locals.add(name)  # type: ignore[union-attr]
        else:
            self._unsafe.add(name)

    def _name(self, node: ast.Name, scope: _Scope, parent: ast.AST | None) -> None:
        if isinstance(node.ctx, ast.Load):
            span = self._span(node)
            self._names[(span[0], span[1])] = span
        elif scope.kind == "comprehension" and isinstance(node.ctx, ast.Store) and isinstance(
                parent, (ast.comprehension, *_COMPREHENSIONS, ast.Tuple, ast.List, ast.Starred)):
            # a `for` target of the comprehension (a walrus inside binds in the enclosing scope: unsafe)
            scope.function.locals.add(node.id)  # type: ignore[union-attr]
            scope.function.targets[node.id] += 1  # type: ignore[union-attr]
            span = self._span(node)
            self._stores[(span[0], span[1])] = (span, scope)
        elif isinstance(node.ctx, ast.Del) or not isinstance(parent, (*_PLAIN_TARGETS, ast.Tuple, ast.List, ast.Starred)):
            self._unsafe.add(node.id)
        else:
            self._bind(node.id, scope)
            span = self._span(node)
            self._stores[(span[0], span[1])] = (span, scope)
            if scope.kind in ("module", "function"):
                (scope.function or self._module).targets[node.id] += 1

    def _import(self, node: ast.Import | ast.ImportFrom, scope: _Scope) -> None:
        self.imported.update((alias.asname or alias.name).partition(".")[0] for alias in node.names)
        if scope.kind == "module":
            imports = self._imports
        elif scope.kind == "function":
            imports = scope.function.imports  # type: ignore[union-attr]
        else:
            self._unsafe.update((alias.asname or alias.name).partition(".")[0] for alias in node.names)
            return
        record = scope.function or self._module
        end = self._span(node)[2:]
        for alias in node.names:
            if alias.name == "*":
                continue  # libcst records nothing for a star import
            if alias.asname:
                imports[alias.asname].append(node)
                record.bound_by(alias.asname, end)
            else:
                parts = alias.name.split(".")
                for i in range(len(parts), 0, -1):
                    imports[".".join(parts[:i])].append(node)
                    record.bound_by(".".join(parts[:i]), end)

    def _span(self, node: ast.AST) -> Span:
        return (node.lineno, self._column(node.lineno, node.col_offset),  # type: ignore[attr-defined]
                node.end_lineno, self._column(node.end_lineno, node.end_col_offset))  # type: ignore[attr-defined]

    def _column(self, line: int, offset: int) -> int:
        """ast counts UTF-8 bytes, libcst characters."""
        text = self._lines[line - 1]
        return offset if text.isascii() else len(text.encode()[:offset].decode(errors="replace"))

    # --- answering ----------------------------------------------------------------------------------
    def answer(self, node: cst.CSTNode, where: CodeRange) -> set[QualifiedName] | None:
        if not self.usable:
            return None
        span = (where.start.line, where.start.column, where.end.line, where.end.column)
        if isinstance(node, cst.Name):
            if span in self._unscoped:
                return set()
            function = self._params.get(span)
            if function is not None:
                return self._parameter(node.value, function)
            binding = self._defs.get(span)
            if binding is not None:
                return self._def_name(node, binding, (span[0], span[1]))
            store = self._stores.get(span[:2])
            if store is not None and store[0] == span:
                return self._assigned(node.value, store[1])
            if self._names.get(span[:2]) != span:
                return None
        elif isinstance(node, (cst.Attribute, cst.Call)):
            if span not in self._exprs:
                return None
        else:
            return None
        full_name = get_full_name_for_node(node)
        if full_name is None or full_name.partition(".")[0] in self._unsafe:
            return None
        scope = self._innermost(span)
        chain: list[tuple[_Function | None, bool]] = []  # the defs to look in, innermost first; crossed a scope
        function, crossed = scope.function, scope.kind not in ("function", "comprehension")
        while function is not None:
            chain.append((function, crossed))
            function, crossed = function.parent, True
        chain.append((None, scope.kind != "module"))
        return self._resolve(node, full_name, chain, (span[0], span[1]))

    def _resolve(self, node: cst.CSTNode, full_name: str, chain: list[tuple[_Function | None, bool]],
                 start: tuple[int, int]) -> set[QualifiedName] | None:
        """libcst's `Scope.get_qualified_names_for`: the longest dotted prefix of the name that a
        scope around the node binds (the innermost such scope), and what each of that scope's
        bindings of it makes of the name; a builtin's name when nothing binds it. None where the
        order of the bindings counts: a node that reads the name itself (a Name; an Attribute spelling
        an `import a.b`) in the scope that binds it, unless that is a def binding it plainly and the
        read comes after a binding (`_read_after_binding`)."""
        prefix: str | None = full_name
        while prefix:
            for function, crossed in chain:
                imports = (function.imports if function is not None else self._imports).get(prefix, ())
                local = prefix in (function.locals if function is not None else self._locals)
                if not (imports or local):
                    continue
                if not crossed and prefix == full_name and (isinstance(node, cst.Name) or imports):
                    if not (function or self._module).read_after_binding(prefix, start):
                        return None
                found = set()
                if local:
                    name = f"{function.prefix}.{full_name}" if function is not None else full_name
                    found.add(QualifiedName(name, QualifiedNameSource.LOCAL))
                for statement in dict.fromkeys(imports):
                    found |= _import_names(statement, full_name)
                return found
            if hasattr(builtins, prefix):
                return {QualifiedName(f"builtins.{prefix}", QualifiedNameSource.BUILTIN)}
            at = prefix.rfind(".")
            prefix = None if at == -1 else prefix[:at]
        return set()

    def _assigned(self, name: str, scope: _Scope) -> set[QualifiedName] | None:
        """A plain assignment's target: the name its scope binds there (libcst answers with that
        assignment alone, whatever else binds the name)."""
        if name in self._unsafe or scope.kind not in ("module", "function", "comprehension"):
            return None
        prefix = scope.function.prefix if scope.kind != "module" else ""  # type: ignore[union-attr]
        return {QualifiedName(f"{prefix}.{name}" if prefix else name, QualifiedNameSource.LOCAL)}

    def _def_name(self, node: cst.Name, scope: _Scope, start: tuple[int, int]) -> set[QualifiedName] | None:
        """A def's or class's own name: what every binding of it in the scope around makes of it
        (libcst ties the binding to the statement, not to its name)."""
        if node.value in self._unsafe or scope.kind not in ("module", "function"):
            return None
        chain: list[tuple[_Function | None, bool]] = []
        function = scope.function
        while function is not None:
            chain.append((function, True))
            function = function.parent
        return self._resolve(node, node.value, [*chain, (None, True)], start)

    def _parameter(self, name: str, function: _Function) -> set[QualifiedName] | None:
        """A parameter's own name: what every binding of the name in its def makes of it (libcst ties
        the binding to the Param, not to its name)."""
        if name in self._unsafe:
            return None
        found = {QualifiedName(f"{function.prefix}.{name}", QualifiedNameSource.LOCAL)}
        for statement in dict.fromkeys(function.imports.get(name, ())):
            found |= _import_names(statement, name)
        return found

    def _innermost(self, span: Span) -> _Scope:
        start = span[:2]
        found = _MODULE
        for first, last, scope in self._bodies:
            if first > start:
                break
            if start <= last:
                found = scope  # sorted by start: a later body holding the node lies inside an earlier one
        return found

    def spelled_in_async_def(self, name: str) -> bool:
        """Whether `name` is spelled anywhere on the lines of an `async def` (a read of it there, in a
        string annotation too, can only stand there); True when the index cannot tell."""
        if not self.usable:
            return True
        word = re.compile(rf"(?<![\w]){re.escape(name)}(?![\w])")
        return any(word.search("\n".join(self._lines[first - 1:last])) for first, last in self._async_lines)

    def module_binds_but_by_from_import(self, name: str) -> bool | None:
        """Whether the module scope binds `name` by anything but `from ... import`: a def, a class, an
        assignment, `import name` (None when the index cannot tell)."""
        if not self.usable or name in self._unsafe:
            return None
        return name in self._locals or any(isinstance(node, ast.Import) for node in self._imports.get(name, ()))

    def module_name_free(self, name: str) -> bool | None:
        """`AwaitifyCodemod.module_name_free` from the index, or None when it cannot tell."""
        if not self.usable or name in self._unsafe:
            return None
        if name in self._locals:
            return False
        return all(isinstance(node, ast.Import) and any(a.name == name and a.asname is None for a in node.names)
                   for node in self._imports.get(name, ()))


def _target_names(target: ast.AST) -> list[str]:
    """The names an assignment target binds: `a`, `a, (b, *c)`."""
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [name for element in target.elts for name in _target_names(element)]
    if isinstance(target, ast.Starred):
        return _target_names(target.value)
    return []


def _import_names(node: ast.Import | ast.ImportFrom, full_name: str) -> set[QualifiedName]:
    """libcst's `ImportAssignment.get_qualified_names_for`, read from the `ast` node."""
    module = ""
    if isinstance(node, ast.ImportFrom):
        module = "." * node.level + (node.module or "")
    results = set()
    for alias in node.names:
        if alias.name == "*":
            continue
        parts = alias.name.split(".")
        for real_name in (".".join(parts[:i]) for i in range(len(parts), 0, -1)):
            as_name = real_name
            if module and module.endswith("."):
                real_name = f"{module}{real_name}"
            elif module:
                real_name = f"{module}.{real_name}"
            if alias.asname:
                as_name = alias.asname
            if full_name.startswith(as_name):
                remaining = full_name.split(as_name, 1)[1]
                if remaining and not remaining.startswith("."):
                    continue
                remaining = remaining.lstrip(".")
                results.add(QualifiedName(f"{real_name}.{remaining}" if remaining else real_name, QualifiedNameSource.IMPORT))
                break
    return results
