"""What every awaitify codemod shares: where it stands (async body or not), name resolution,
and recording each change with its reason.

Codemods subclass `AwaitifyCodemod`; they never see the CLI, only the settings and the global
plan's part for their file, which the engine puts in the libcst `CodemodContext`.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import ClassVar

import libcst as cst
from libcst.codemod import Codemod, CodemodContext, VisitorBasedCodemodCommand
from libcst.codemod.visitors import AddImportsVisitor
from libcst.matchers import MatcherDecoratableTransformer
from libcst.metadata import MetadataWrapper, PositionProvider, QualifiedName, ScopeProvider

from awaitify.config import Config
from awaitify.fast_positions import positions
from awaitify.findings import Change, Diagnostic
from awaitify.import_fixups import ORIGINAL_MODULE
from awaitify.nested_calls import ALREADY_AWAITED, OFFLOAD_BY_HAND, handoff_name
from awaitify.node_walk import code_children, is_statement, own_hook
from awaitify.plan import FilePlan
from awaitify.qualified_names import NameIndex
from awaitify.rules import Rule
from awaitify.spelled_names import names_in  # noqa: F401 - the codemods' import of it
from awaitify.summary import UNPARSABLE
from awaitify.suppress import is_suppressed
from awaitify.token_aliases import imports, with_aliases

SCRATCH_KEY = "awaitify"
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass
class FileSession:
    """Shared by the codemods run on one file: inputs from the engine, findings back to it."""

    display: str
    config: Config
    plan: FilePlan
    changes: list[Change] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    suppressed: dict = field(default_factory=dict)  # line -> codes, from `awaitify.suppress`
    # Line n of the tree the current codemod sees came from line line_map[n - 1] of the original
    # file (None: the same file). Codemods run one after another on one tree, so an earlier one's
    # edits move the lines a later one sees; the plan, suppressions and reports speak of the original.
    line_map: tuple[int, ...] | None = None
    # The text of the tree version the current codemod sees, and what it binds where (read once,
    # when a codemod first asks a qualified name of that version).
    code: str | None = None
    first: str | None = None  # the text of the first version (the file as read, function bodies hidden or not)
    _names: NameIndex | None = field(default=None, repr=False)
    _syntax: list = field(default_factory=list, repr=False)  # [that text's `ast` tree, or None], once read
    _lines: list = field(default_factory=list, repr=False)  # [its lines, the first version's], once asked
    _aliases: dict = field(default_factory=dict, repr=False)  # tokens -> with the aliases this version imports
    _rows: list = field(default_factory=list, repr=False)  # [its lines, split as libcst and `ast` count them], once asked

    def new_version(self, code: str) -> None:
        if self.first is None:
            self.first = code
        self.code, self._names, self._syntax, self._lines, self._aliases, self._rows = code, None, [], [], {}, []

    def spells(self, first: int, last: int, tokens: tuple[str, ...]) -> bool:
        """Do lines `first` to `last` of the current version spell one of `tokens`, or a name an
        import of the version binds for one (`from time import sleep as nap`)? True when unsure."""
        if self.code is None or first <= 0:
            return True
        known = self._aliases.get(tokens)
        if known is None:
            tree = self.syntax_tree()
            if tree is None:
                return True
            known = self._aliases[tokens] = with_aliases(imports(tree, self._code_lines()), tokens)
        span = "\n".join(self._code_lines()[first - 1 : last])
        return any(t in span for t in known)

    def _code_lines(self) -> list[str]:
        """The current version's lines as libcst's positions and `ast` number them (`str.splitlines`
        also breaks at form feeds and other separators)."""
        if not self._rows:
            self._rows.append(_LINE_BREAK.split(self.code or ""))
        return self._rows[0]

    def names(self) -> NameIndex | None:
        if self._names is None and self.code is not None:
            self._names = NameIndex(self.code, self.syntax_tree)
        return self._names

    def syntax_tree(self) -> ast.Module | None:
        """The `ast` tree of the current version's text (None when `ast` cannot read it), parsed once
        for every codemod that reads it: the name index and the requests plans read the same text."""
        if not self._syntax and self.code is not None:
            try:
                self._syntax.append(ast.parse(self.code))
            except UNPARSABLE:
                self._syntax.append(None)
        return self._syntax[0] if self._syntax else None

    def original_line(self, line: int) -> int:
        if self.line_map is None or line <= 0:
            return line
        return self.line_map[min(line, len(self.line_map)) - 1]

    def original_column(self, line: int, column: int) -> int:
        """The 0-based `column` of `line` of the current version, on the original line it came from:
        shifted by the change of indentation when an earlier codemod only moved the line in or out (a
        block wrapped in `async with`) and the text before the column is the original's; else as it is."""
        if self.line_map is None or self.code is None or self.first is None:
            return column
        if not self._lines:
            self._lines = [self.code.splitlines(), self.first.splitlines()]
        now, was = self._lines
        origin = self.original_line(line)
        if not (0 < line <= len(now) and 0 < origin <= len(was)):
            return column
        current, original = now[line - 1], was[origin - 1]
        indent, first_indent = len(current) - len(current.lstrip()), len(original) - len(original.lstrip())
        if indent == first_indent or column < indent:
            return column
        before = current[indent:column]
        return column - indent + first_indent if original[first_indent:first_indent + len(before)] == before else column


def new_context(session: FileSession) -> CodemodContext:
    return CodemodContext(filename=session.display, scratch={SCRATCH_KEY: session})


# What kind of code the innermost enclosing scope is. Only ASYNC may hold an `await`.
ASYNC, SYNC, LAMBDA, GENEXP, CLASS = "async", "sync", "lambda", "genexp", "class"
ANNOTATION = "annotation"  # no `await` may go there (a SyntaxError with postponed annotations), and no fix does


class _Dispatch:
    """The visit and leave methods a codemod class defines itself (libcst's no-op stubs left out),
    by node type, and whether it defines any per-attribute one."""

    def __init__(self, cls: type) -> None:
        self._cls = cls
        self._visits: dict[type, object] = {}
        self._leaves: dict[type, object] = {}
        # per-attribute hooks of its own, or its own `on_visit_attribute`/`on_leave_attribute`
        self.attributes = any(
            _is_attribute_hook(name) and not getattr(getattr(cls, name), "_is_no_op", False) for name in dir(cls)
        ) or any(getattr(cls, name) is not getattr(MatcherDecoratableTransformer, name)
                 for name in ("on_visit_attribute", "on_leave_attribute"))

    def _own(self, name: str):  # type: ignore[no-untyped-def]
        return own_hook(self._cls, name)

    def visit(self, kind: type):  # type: ignore[no-untyped-def]
        try:
            return self._visits[kind]
        except KeyError:
            method = self._visits[kind] = self._own(f"visit_{kind.__name__}")
            return method

    def leave(self, kind: type):  # type: ignore[no-untyped-def]
        try:
            return self._leaves[kind]
        except KeyError:
            method = self._leaves[kind] = self._own(f"leave_{kind.__name__}")
            return method


def _is_attribute_hook(name: str) -> bool:
    """`visit_Try_body`, `leave_Call_func`: a hook libcst calls around one child attribute."""
    kind, _, rest = name.partition("_")
    return kind in ("visit", "leave") and "_" in rest and rest[:1].isupper()


_DISPATCH: dict[type, _Dispatch | None] = {}


def _no_attribute_hook(node: cst.CSTNode, attribute: str) -> None:
    return None


_UNDECORATED: set[type] = set()  # codemod classes with no method decorated by a matcher
_UNKNOWN = object()


class _MetadataOnDemand(dict):
    """A codemod's metadata, resolved on the wrapper the first time the codemod asks for it: a
    codemod that finds nothing to do in a tree version never pays for the scope analysis (several
    times a parse), nor does one whose names `NameIndex` resolves. The wrapper caches what it
    resolved, so codemods sharing a tree version still resolve each provider once, and the values
    are the same whenever they are computed (the wrapper's tree never changes). Each provider is
    resolved alone, when asked for: most codemods need positions only, and a few the parents
    without the scopes. Positions come from `awaitify.fast_positions`, libcst's values computed from
    one codegen pass of the version (the one that gives its code, when the engine needed that)."""

    def __init__(self, wrapper: MetadataWrapper, wanted: frozenset) -> None:
        super().__init__()
        self._wrapper, self._wanted = wrapper, wanted

    def __contains__(self, key: object) -> bool:
        return key in self._wanted

    def __missing__(self, key):  # type: ignore[no-untyped-def]
        if key not in self._wanted:
            raise KeyError(key)
        if key is PositionProvider:  # libcst's values, without libcst's costly pass
            self[key] = positions(self._wrapper)
            return self[key]
        self.update(self._wrapper.resolve_many({key}))
        return dict.__getitem__(self, key)


class AwaitifyCodemod(VisitorBasedCodemodCommand):
    RULE: ClassVar[Rule]
    # No QualifiedNameProvider: its walk puts a value on every node of every tree version, and the
    # codemods ask about a few (`qualified_names` computes those the same way, from the scopes).
    METADATA_DEPENDENCIES = (PositionProvider, ScopeProvider)

    @contextmanager
    def resolve(self, wrapper: MetadataWrapper) -> Iterator[None]:
        """As libcst's, but each provider is resolved when first asked for (`_MetadataOnDemand`)."""
        self.metadata = _MetadataOnDemand(wrapper, self.get_inherited_dependencies())
        try:
            yield
        finally:
            self.metadata = {}

    def __init__(self, context: CodemodContext) -> None:
        self._init_transformer(context)
        self._dispatch = self._table()
        if self._dispatch is not None and not self._dispatch.attributes:
            # libcst calls these around every child attribute of every node: with no hook of the
            # codemod's own to call (no `visit_<Type>_<attr>`, no override of these two), an
            # instance attribute answers without a method lookup.
            self.on_visit_attribute = self.on_leave_attribute = _no_attribute_hook  # type: ignore[method-assign]
        self.session: FileSession = context.scratch[SCRATCH_KEY]
        self.config = self.session.config
        self._scopes: list[str] = []
        self._scopes_aside: list[list[str]] = []  # the scopes put aside while a decorator or parameter is read
        self._headers: list[bool] = []  # per entry of `_scopes_aside`: a def's decorator or parameter (not a lambda's)
        self._awaited_calls: set[int] = set()  # ids of the calls the original code already awaits
        self._rewritten_awaited: dict[int, tuple[int, int | None, cst.Call]] = {}  # see `_leave_awaited_call`
        self._skips = type(self).enters is not AwaitifyCodemod.enters  # may leave defs unentered

    def _init_transformer(self, context: CodemodContext) -> None:
        """libcst's own `__init__`, without looking for matcher decorators again: libcst reads every
        attribute of every new instance for them (a quarter of a small file's transform, once per
        codemod per tree version), and what it finds depends on the class alone."""
        cls = type(self)
        if cls in _UNDECORATED:
            Codemod.__init__(self, context)
            self._MatcherDecoratableTransformer__matchers = None
            self._extra_visit_funcs, self._extra_leave_funcs = {}, {}
            return
        VisitorBasedCodemodCommand.__init__(self, context)
        if not self._extra_visit_funcs and not self._extra_leave_funcs:
            _UNDECORATED.add(cls)

    # --- where we are ---------------------------------------------------------------------------
    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self._scopes.append(ASYNC if node.asynchronous else SYNC)
        return True

    def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef) -> cst.BaseStatement:
        self._scopes.pop()
        return updated

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        self._scopes.append(LAMBDA)
        return True

    def leave_Lambda(self, original: cst.Lambda, updated: cst.Lambda) -> cst.BaseExpression:
        self._scopes.pop()
        return updated

    def visit_GeneratorExp(self, node: cst.GeneratorExp) -> bool:
        # `await` inside a generator expression turns it into an async generator: not the same program
        self._scopes.append(GENEXP)
        return True

    def leave_GeneratorExp(self, original: cst.GeneratorExp, updated: cst.GeneratorExp) -> cst.BaseExpression:
        self._scopes.pop()
        return updated

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        self._scopes.append(CLASS)
        return True

    def leave_ClassDef(self, original: cst.ClassDef, updated: cst.ClassDef) -> cst.BaseStatement:
        self._scopes.pop()
        return updated

    # An annotation is no place for a rewrite: `await` is a SyntaxError there under `from __future__
    # import annotations` (and at module level, on a def's return), and a local variable's is never
    # evaluated. `check` reports no call in one.
    def visit_Annotation(self, node: cst.Annotation) -> bool:
        self._scopes.append(ANNOTATION)
        return True

    def leave_Annotation(self, original: cst.Annotation, updated: cst.Annotation) -> cst.Annotation:
        self._scopes.pop()
        return updated

    # A decorator, and a parameter's default and annotation, are evaluated where the `def` stands,
    # not in the function: an `await` for them belongs to the enclosing scope. (A lambda's defaults
    # are left to the lambda's rules, as `check` reads them: refused inside async code.)
    def visit_Decorator(self, node: cst.Decorator) -> bool:
        self._read_outside(True)
        return True

    def leave_Decorator(self, original: cst.Decorator, updated: cst.Decorator) -> cst.Decorator:
        self._scopes = self._scopes_aside.pop()
        self._headers.pop()
        return updated

    def visit_Param(self, node: cst.Param) -> bool:
        self._read_outside(bool(self._scopes) and self._scopes[-1] != LAMBDA)
        return True

    def leave_Param(self, original: cst.Param, updated: cst.Param) -> cst.Param:
        self._scopes = self._scopes_aside.pop()
        self._headers.pop()
        return updated

    def _read_outside(self, outside: bool) -> None:
        """Until the matching leave: the innermost scope put aside when `outside`."""
        self._scopes_aside.append(self._scopes)
        self._headers.append(outside)
        if outside:
            self._scopes = self._scopes[:-1]

    def in_def_header(self) -> bool:
        """Is the node being visited in a decorator, default or annotation of a `def` (evaluated where
        the `def` statement runs), with no lambda's parameter inside it?"""
        return bool(self._headers) and self._headers[-1]

    @property
    def scope_kind(self) -> str | None:
        """None at module level."""
        return self._scopes[-1] if self._scopes else None

    def inside_async_function(self) -> bool:
        return ASYNC in self._scopes

    # --- what the walk enters -------------------------------------------------------------------------
    # libcst's walk of a transformer calls hooks on, and rebuilds, every node of the tree: most of a
    # codemod's cost. A codemod whose work is confined to statements that spell its tokens, or hold
    # what the plan names, says which statements (defs and classes included) hold nothing for it; the
    # walk does not enter them (their own visit and leave hooks are called, with the node as it was).
    def enters(self, node: cst.BaseStatement) -> bool:
        """Can anything inside this statement (a def's decorators, parameters and body too) give the
        codemod work? Called once its own visit hook entered it. A codemod that overrides this must
        leave the same file and say the same things whether or not the walk enters what it says False
        for."""
        return True

    def statement_lines(self, node: cst.BaseStatement) -> tuple[int, int]:
        """The first and last line of a statement, a def's or class's decorators included, in the tree
        version being walked ((0, 0) for a node with no position)."""
        where = self.get_metadata(PositionProvider, node, None)
        if where is None:
            return (0, 0)
        first = where.start.line
        decorators = getattr(node, "decorators", ())
        if decorators:
            above = self.get_metadata(PositionProvider, decorators[0], None)
            if above is None:
                return (0, 0)
            first = min(first, above.start.line)
        return first, where.end.line

    def spells_tokens(self, node: cst.BaseStatement, tokens: tuple[str, ...]) -> bool:
        """Does the text of a statement spell one of `tokens`, or a name an import of the module binds
        for one? True when unsure."""
        return self.session.spells(*self.statement_lines(node), tokens)

    # --- dispatch ---------------------------------------------------------------------------------
    # libcst's matcher-aware transformer looks up `visit_<Type>`, `leave_<Type>` and, for every child
    # attribute of every node, `visit_<Type>_<attr>` / `leave_<Type>_<attr>` by name, calls the no-op
    # stubs it finds, and evaluates matcher decorators none of our codemods use: most of a codemod's
    # walk. A codemod class without matcher decorators gets the same calls from a table of the
    # methods it really defines (`_Dispatch`); one with them keeps libcst's own dispatch.
    def _table(self) -> _Dispatch | None:
        cls = type(self)
        table = _DISPATCH.get(cls, _UNKNOWN)
        if table is _UNKNOWN:
            decorated = self._extra_visit_funcs or self._extra_leave_funcs or self._matchers
            table = _DISPATCH[cls] = None if decorated else _Dispatch(cls)
        return table  # type: ignore[return-value]

    def _dispatch_visit(self, node: cst.CSTNode) -> bool:
        table = self._dispatch
        if table is None:
            return super().on_visit(node)
        visit = table.visit(type(node))
        return True if visit is None else visit(self, node) is not False

    def _dispatch_leave(self, original: cst.CSTNode, updated: cst.CSTNode):  # type: ignore[no-untyped-def]
        table = self._dispatch
        if table is None:
            return super().on_leave(original, updated)
        leave = table.leave(type(original))
        return updated if leave is None else leave(self, original, updated)


    # --- suppressions, and calls the code already awaits ---------------------------------------------
    # `type(x) is cst.Call` rather than isinstance: libcst's node classes are ABCs, so isinstance
    # goes through ABCMeta on every node of every visit; Call and Await have no subclasses.
    def on_visit(self, node: cst.CSTNode) -> bool:
        kind = type(node)
        if kind is cst.Await and type(node.expression) is cst.Call:  # type: ignore[attr-defined]
            self._awaited_calls.add(id(node.expression))  # type: ignore[attr-defined]
        entered = self._dispatch_visit(node)
        if entered and self._skips and is_statement(node):
            return self.enters(node)  # type: ignore[arg-type]  # (its leave hooks are called all the same)
        return entered

    def on_leave(self, original: cst.CSTNode, updated: cst.CSTNode):  # type: ignore[override]
        # A call on a line that says `# awaitify: ignore[CODE]` (or flake8-async's `# noqa`) is left
        # as it is, as `check` leaves it unreported. The plan's own edits are never skipped here:
        # a function made async needs every `await` the planner decided.
        kind = type(original)
        if kind is cst.Call:
            if self.RULE.name != "propagation" and self._suppressed(original):  # type: ignore[arg-type]
                return updated
            if id(original) in self._awaited_calls:
                return self._leave_awaited_call(original, updated)  # type: ignore[arg-type]
        elif kind is cst.Await and id(original.expression) in self._awaited_calls:  # type: ignore[attr-defined]
            return self._leave_await(original, updated)  # type: ignore[arg-type]
        return self._dispatch_leave(original, updated)

    def _leave_awaited_call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        """`await os.path.isfile(p)`: a rewrite that adds its own `await` writes `await await`. Unless
        the codemod folds the two itself (asyncio-run's `await asyncio.run(coro)`), the enclosing
        `await` takes the rewrite back (`_leave_await`): remember how to."""
        changes = len(self.session.changes)
        imports = self.context.scratch.get(AddImportsVisitor.CONTEXT_KEY)
        added = len(imports) if imports is not None else None
        result = self._dispatch_leave(original, updated)
        if isinstance(result, cst.Await):
            self._rewritten_awaited[id(original)] = (changes, added, updated)
        return result

    def _leave_await(self, original: cst.Await, updated: cst.Await) -> cst.BaseExpression:
        """The call the code already awaits is not rewritten when that would leave `await await`: what
        it returns is awaited as it stands (a TypeError today unless the sync function hands back an
        awaitable). The change's record and imports are taken back, and the call reported."""
        undo = self._rewritten_awaited.pop(id(original.expression), None)
        result = self._dispatch_leave(original, updated)
        if undo is None or not (isinstance(result, cst.Await) and isinstance(result.expression, cst.Await)):
            return result
        changes, added, call = undo
        del self.session.changes[changes:]
        imports = self.context.scratch.get(AddImportsVisitor.CONTEXT_KEY)
        if imports is not None:
            del imports[added or 0:]
        self.diagnose(original.expression, ALREADY_AWAITED)
        return result.with_changes(expression=call)

    def _suppressed(self, node: cst.CSTNode) -> bool:
        found = self.session.suppressed
        if not found:
            return False
        lines = self.original_lines(node)
        return lines != (0, 0) and is_suppressed(found, set(lines), self.finding_code(node))

    def finding_code(self, node: cst.CSTNode) -> str:
        """The code `check` reports `node` under: the one its ignore comment names (the rule's own,
        unless the codemod also fixes another rule's findings)."""
        return self.RULE.code

    # --- names ------------------------------------------------------------------------------------
    def qualified_name(self, node: cst.CSTNode) -> str | None:
        """The one qualified name `node` refers to, or None when it is unknown or ambiguous
        (a name bound both by an import and by a local definition is never rewritten)."""
        names = self.qualified_names(node)
        if len(names) != 1:
            return None
        return next(iter(names)).name

    def qualified_names(self, node: cst.CSTNode) -> Collection[QualifiedName]:
        """What libcst's QualifiedNameProvider gives `node` (its walk does exactly this for each node,
        lazily): the names its scope resolves it to; none for a node outside the tree (one a
        codemod built: it has no position either). `NameIndex` answers from the node's position
        when no scope can change the answer; the scope analysis is run only when it cannot."""
        where = self.get_metadata(PositionProvider, node, None)
        if where is None:
            return set()
        index = self.session.names()
        found = index.answer(node, where) if index is not None else None
        if found is not None:
            return found
        scope = self.get_metadata(ScopeProvider, node, None)
        return scope.get_qualified_names_for(node) if scope else set()

    def calls(self, node: cst.Call, *qualified: str) -> bool:
        return self.qualified_name(node.func) in qualified

    def module_name_free(self, name: str) -> bool:
        """True when `name` at module level is unbound or bound only by `import name`: safe to use
        (and to add `import name`) for the standard module of that name."""
        index = self.session.names()
        free = index.module_name_free(name) if index is not None else None
        if free is not None:
            return free
        scope = self.get_metadata(ScopeProvider, self.module_node, None)
        if scope is None or name not in scope:
            return True
        return all(
            isinstance(a.node, cst.Import) and any(
                alias.evaluated_name == name and alias.asname is None for alias in a.node.names
            )
            for a in scope[name]
        )

    def visit_Module(self, node: cst.Module) -> bool:
        self.module_node = node
        # the first codemod sees the file as parsed: the import fix-ups compare the result with it
        self.context.scratch.setdefault(ORIGINAL_MODULE, node)
        return True

    # --- positions, in the original file ------------------------------------------------------------
    def original_lines(self, node: cst.CSTNode) -> tuple[int, int]:
        """The first and last line of `node` in the file as it was read (0, 0 for a node libcst
        gives no position, such as one an earlier codemod built)."""
        pos = self.get_metadata(PositionProvider, node, None)
        if pos is None:
            return (0, 0)
        return self.session.original_line(pos.start.line), self.session.original_line(pos.end.line)

    def position(self, node: cst.CSTNode) -> tuple[int, int]:
        """Where a change or diagnostic is reported: line and 1-based column of the original file."""
        pos = self.get_metadata(PositionProvider, node, None)
        if pos is None:
            return (0, 0)
        session = self.session
        return session.original_line(pos.start.line), session.original_column(pos.start.line, pos.start.column) + 1

    # --- findings ---------------------------------------------------------------------------------

    def record(self, node: cst.CSTNode, message: str, dependent: bool = False) -> None:
        """`dependent`: an edit that only follows another one of this codemod (an `except` clause for a
        converted call): not offered on its own in `fix --interactive`."""
        line, col = self.position(node)
        self.session.changes.append(Change(line, col, self.RULE.code, message, dependent))

    def diagnose(self, node: cst.CSTNode, message: str, code: str | None = None) -> None:
        line, col = self.position(node)
        self.session.diagnostics.append(
            Diagnostic(self.session.display, line, col, code or self.RULE.code, message)
        )


def awaited(expr: cst.BaseExpression) -> cst.Await:
    return cst.Await(expression=expr)


class ParenthesizeAwait(cst.CSTTransformer):
    """`await` binds looser than `.attr`, `[...]` and `(...)`: wrap an Await standing there."""

    @staticmethod
    def _wrap(expr: cst.BaseExpression) -> cst.BaseExpression:
        if isinstance(expr, cst.Await) and not expr.lpar:
            return expr.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        return expr

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.BaseExpression:
        return updated.with_changes(value=self._wrap(updated.value))

    def leave_Subscript(self, original: cst.Subscript, updated: cst.Subscript) -> cst.BaseExpression:
        return updated.with_changes(value=self._wrap(updated.value))

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        return updated.with_changes(func=self._wrap(updated.func))


def parenthesize_awaits(tree: cst.Module) -> cst.Module:
    """`ParenthesizeAwait` on the tree, when an Await stands bare where it must be wrapped: reading
    the nodes to find out costs a quarter of the transformer's pass, which rebuilds every node,
    and most rewritten files hold none (a parsed file cannot: only a codemod writes one)."""
    stack: list[cst.CSTNode] = [tree]
    while stack:
        node = stack.pop()
        kind = type(node)  # none of these classes has subclasses
        held = node.value if kind is cst.Attribute or kind is cst.Subscript else node.func if kind is cst.Call else None  # type: ignore[attr-defined]
        if type(held) is cst.Await and not held.lpar:  # type: ignore[union-attr]
            return tree.visit(ParenthesizeAwait())
        stack.extend(code_children(node))
    return tree


def insert_after_imports(module: cst.Module, statement: cst.BaseStatement, blank_lines: int,
                         binding: str | None = None) -> cst.Module:
    """`statement` written into the module after the docstring and the imports at the top (and, when it
    uses the module `binding` at import time, after every top-level statement that imports it, which
    may stand lower, in a `try:` say), with `blank_lines` empty lines before it and at least as many
    before the statement that follows (whose comments stay)."""
    body = list(module.body)
    at = next((i for i, stmt in enumerate(body) if not _is_import(stmt)), len(body))
    if binding is not None:
        at = max([at, *(i + 1 for i, stmt in enumerate(body[at:], at) if binding in _imported(stmt))])
    blank = [cst.EmptyLine()] * blank_lines
    if at < len(body):
        lines = list(body[at].leading_lines)
        own = next((i for i, line in enumerate(lines) if line.comment), len(lines))
        body[at] = body[at].with_changes(leading_lines=[*blank[own:], *lines])
    return module.with_changes(body=[*body[:at], statement.with_changes(leading_lines=blank), *body[at:]])


def import_binds(alias: cst.ImportAlias) -> str:
    """The name `import a.b` (`a`) or `import a.b as c` (`c`) binds."""
    return alias.evaluated_alias or alias.evaluated_name.partition(".")[0]


def _is_import(stmt: cst.CSTNode) -> bool:
    if isinstance(stmt, cst.SimpleStatementLine):
        return all(isinstance(s, (cst.Import, cst.ImportFrom)) or (isinstance(s, cst.Expr) and isinstance(s.value, cst.SimpleString))
                   for s in stmt.body)
    return False


def _imported(stmt: cst.CSTNode) -> set[str]:
    """The names a top-level statement binds by `import`, at any depth but not inside a def or class."""
    found: set[str] = set()
    stack = [stmt]  # read from the fields (a libcst visit would rebuild every node it passes)
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is cst.FunctionDef or kind is cst.ClassDef:
            continue
        if kind is cst.Import:
            found.update(map(import_binds, node.names))  # type: ignore[attr-defined]
        stack.extend(code_children(node))
    return found


def _is_dotted_name(expr: cst.BaseExpression) -> bool:
    while isinstance(expr, cst.Attribute):
        expr = expr.value
    return isinstance(expr, cst.Name)


def to_thread(context: CodemodContext, call: cst.Call, runtime: str) -> cst.Call:
    """`f(*args, **kwargs)` -> `asyncio.to_thread(f, *args, **kwargs)` (anyio: `anyio.to_thread.run_sync`,
    through `functools.partial` when there are keywords); the caller adds the `await`."""
    func = cst.Arg(call.func.with_changes(lpar=[], rpar=[]) if isinstance(call.func, cst.Await) else call.func)
    args = [func, *call.args]
    if runtime in ("anyio", "trio"):  # anyio.to_thread.run_sync / trio.to_thread.run_sync take no keywords
        AddImportsVisitor.add_needed_import(context, thread_import(runtime))
        if any(arg.keyword is not None or arg.star == "**" for arg in call.args):
            AddImportsVisitor.add_needed_import(context, "functools")
            partial = cst.Call(func=cst.Attribute(cst.Name("functools"), cst.Name("partial")), args=with_commas(args))
            args = [cst.Arg(partial)]
        target = cst.Attribute(cst.Attribute(cst.Name(runtime), cst.Name("to_thread")), cst.Name("run_sync"))
    else:
        AddImportsVisitor.add_needed_import(context, thread_import(runtime))
        target = cst.Attribute(cst.Name("asyncio"), cst.Name("to_thread"))
    return cst.Call(func=target, args=with_commas(args))


def thread_import(runtime: str) -> str:
    """The module `to_thread` (and any thread offload written as text) needs imported for the runtime."""
    return "anyio.to_thread" if runtime == "anyio" else runtime if runtime == "trio" else "asyncio"


def thread_helper(runtime: str) -> str:
    """What `to_thread` writes for the runtime, as the messages name it."""
    return f"{runtime}.to_thread.run_sync" if runtime in ("anyio", "trio") else "asyncio.to_thread"


def with_commas(args: list[cst.Arg]) -> list[cst.Arg]:
    """Arguments moved into a new call need a comma after every one but the last."""
    out = []
    for i, arg in enumerate(args):
        last = i == len(args) - 1
        if last:
            out.append(arg.with_changes(comma=cst.MaybeSentinel.DEFAULT) if not isinstance(arg.comma, cst.Comma) else arg)
        elif not isinstance(arg.comma, cst.Comma):
            out.append(arg.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))))
        else:
            out.append(arg)
    return out


class ThreadHandoffs(AwaitifyCodemod):
    """A codemod that knows which lambdas are handed to a thread (`asyncio.to_thread(lambda: ...)`,
    `loop.run_in_executor(None, lambda: ...)`, `awaitify.nested_calls.THREAD_HANDOFFS`): a call in
    one blocks that thread, not the loop, so it is neither rewritten nor reported (as `check` reads
    it)."""

    def __init__(self, context: CodemodContext) -> None:
        super().__init__(context)
        self._handed: set[int] = set()  # lambdas handed to a thread
        self._lambdas: list[bool] = []  # per enclosing lambda: was it handed to a thread?

    def visit_Call(self, node: cst.Call) -> bool:
        func = node.func
        name = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else ""
        if handoff_name(name):
            self._handed.update(id(arg.value) for arg in node.args if isinstance(arg.value, cst.Lambda))
        return True

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        self._lambdas.append(id(node) in self._handed)
        return super().visit_Lambda(node)

    def leave_Lambda(self, original: cst.Lambda, updated: cst.Lambda) -> cst.BaseExpression:
        self._lambdas.pop()
        return super().leave_Lambda(original, updated)

    def in_handed_lambda(self) -> bool:
        """Does the call being read stand in a lambda handed to a thread (innermost scope)?"""
        return self.scope_kind == LAMBDA and self._lambdas[-1]


class OffloadCodemod(AwaitifyCodemod):
    """Base of the codemods for blocking calls with no async twin: inside `async def`, `f(*a, **k)`
    becomes `await asyncio.to_thread(f, *a, **k)` (anyio: `anyio.to_thread.run_sync`). Arguments are
    evaluated on the loop as before, in the same order; only the call itself moves to a thread."""

    CALLS: ClassVar[frozenset[str]] = frozenset()  # qualified names ("builtins.input" for builtins)

    def offloaded_name(self, call: cst.Call) -> str | None:
        """What the call is, for the message, when this codemod offloads it."""
        if not _is_dotted_name(call.func):
            return None  # `input().strip()`: only the inner call blocks
        name = self.qualified_name(call.func)
        return name if name in self.CALLS else None

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        name = self.offloaded_name(original)
        if name is None:
            return updated
        shown = name.removeprefix("builtins.")
        if self.scope_kind == GENEXP and self.inside_async_function():
            self.diagnose(original, f"{shown}() blocks the event loop, but {OFFLOAD_BY_HAND}")
            return updated
        if self.scope_kind != ASYNC:
            return updated  # sync code, and lambdas: mostly handed to a thread already
        helper = thread_helper(self.config.target)
        self.record(original, f"{shown}() -> await {helper}({shown}, ...): it blocks and has no async twin")
        return awaited(to_thread(self.context, updated, self.config.target))
