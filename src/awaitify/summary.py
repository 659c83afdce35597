"""Per-file facts for the project index, read with the stdlib `ast` (about 17x faster than libcst).

A `ModuleSummary` is plain, picklable data that depends only on the file's text: it can be cached
by content hash and computed in worker processes. Names are resolved only as far as one file can
tell (`Ref`); the project index (`awaitify.index`) finishes the job across modules. What cannot be
resolved stays `unresolved`: never guessed.
"""

from __future__ import annotations

import ast
import bisect
import functools
import re
from dataclasses import dataclass, field
from itertools import repeat
from typing import Callable, Iterable, NamedTuple

from awaitify.engine import lazy_bodies
from awaitify.engine.lazy_bodies import Pending
from awaitify import shared_state
from awaitify.await_barriers import barrier_at, held_sections, try_barrier, with_barrier
from awaitify.text_lines import char_column  # (here too: where its readers import it from)

# what `ast` raises for source it cannot read on this Python (too deep a nesting included)
UNPARSABLE = (SyntaxError, ValueError, RecursionError, MemoryError)


def summary_or_none(read: Callable[..., "ModuleSummary"], path: str, text: str, *args: object, **how: object) -> "ModuleSummary | None":
    """`read(path, text, ...)` (`summarize`, `summarize_focused`), or None for a file `ast` cannot read."""
    try:
        return read(path, text, *args, **how)
    except UNPARSABLE:
        return None


def name_chain(expr: ast.expr) -> tuple[str, list[str]] | None:
    """`a.b.c` -> ("a", ["b", "c"]): a Name and the attributes read from it; None for anything else."""
    parts: list[str] = []
    while isinstance(expr, ast.Attribute):
        parts.insert(0, expr.attr)
        expr = expr.value
    return (expr.id, parts) if isinstance(expr, ast.Name) else None


def parse_failure(exc: BaseException) -> str:
    """One line for a file `ast` could not read: `cannot parse: <why> (line N)`."""
    line = getattr(exc, "lineno", None)
    return f"cannot parse: {getattr(exc, 'msg', None) or type(exc).__name__}" + (f" (line {line})" if line else "")


# no leading \b: a pattern that starts with a literal is searched for by that literal (six times
# faster over the stdlib); the word boundary before it is checked by hand
_ASYNC_DEF = re.compile(r"async(?:\s|\\)+def\b")


@functools.lru_cache(maxsize=4096)  # asked per file and rule; a str keeps its hash once computed
def has_async_def(text: str) -> bool:
    """Can the file hold an async function? (no parse: "async" alone also stands in `asyncore`)"""
    if "async" not in text:
        return False
    for found in _ASYNC_DEF.finditer(text):
        start = found.start()
        if start == 0 or not (text[start - 1].isalnum() or text[start - 1] == "_"):  # what \b sees
            return True
    return False


# Where a call stands. Only ASYNC call sites may take an `await`.
ASYNC, SYNC, LAMBDA, GENEXP, CLASS, MODULE, MAIN = "async", "sync", "lambda", "genexp", "class", "module", "main"
# where no call of a body left unread stands (it is a sync function's body, nested in no async one)
_NEVER_LEFT_UNREAD = frozenset((ASYNC, MODULE, MAIN))


def _plain_tuple(record: tuple) -> tuple:
    """Summaries cross processes and the cache by the ten thousand: the records below pickle as
    plain tuples, rebuilt by C-level `tuple.__new__`, instead of running a Python constructor each
    (unpickling the calls of the stdlib's async files: 0.7 s -> under 0.1 s)."""
    return (tuple.__new__, (type(record), tuple(record)))


class Ref(NamedTuple):
    """What a name in call or value position refers to.

    kind: "own" (a top-level or nested definition of this module; target is its qualname),
    "import" (target is a dotted name, relative ones keep their leading dots), "self"/"super"
    (target is the enclosing class's qualname, attr the method), "instance" (attr called on an
    instance of the class `cls`), "unresolved" (attr is the last name, for review and caution).
    """

    kind: str
    target: str = ""
    attr: str = ""
    cls: "Ref | None" = None

    __reduce__ = _plain_tuple


class CallSite(NamedTuple):
    ref: Ref
    line: int
    col: int  # 1-based, in characters, of the start of the called expression
    context: str  # ASYNC, SYNC, LAMBDA, GENEXP, CLASS, MODULE or MAIN (module level under a main guard)
    owner: str  # qualname of the innermost enclosing function ("" at module level)
    awaited: bool
    key: tuple[int, int] = (0, 0)  # (line, 0-based char column) where the called expression ends: unique per call
    in_async: bool = False  # some enclosing function is async (the call may sit in a lambda inside it)
    barrier: str = ""  # what its function holds around it, where no `await` may go (`awaitify.await_barriers`)

    __reduce__ = _plain_tuple


class ValueRef(NamedTuple):
    """A function named without being called: passed as a callback, stored, wrapped."""

    ref: Ref
    line: int
    col: int

    __reduce__ = _plain_tuple


@dataclass
class FunctionInfo:
    qualname: str
    name: str
    line: int
    col: int
    is_async: bool
    is_generator: bool
    decorators: list[Ref]
    class_qualname: str | None  # set for methods defined directly in a class body
    # an async function's last line (0 for a sync one, whose body may have been left unread)
    end_line: int = field(default=0, compare=False)


@dataclass
class ClassInfo:
    qualname: str
    bases: list[Ref]


@dataclass
class ModuleSummary:
    path: str
    functions: dict[str, FunctionInfo] = field(default_factory=dict)
    classes: dict[str, ClassInfo] = field(default_factory=dict)
    calls: list[CallSite] = field(default_factory=list)
    values: list[ValueRef] = field(default_factory=list)
    imports: dict[str, str] = field(default_factory=dict)  # module-level alias -> dotted (maybe relative)
    is_package_init: bool = False
    # `CallSite.key`s of calls that are the one item of a plain `with` in an async function whose
    # block could move to a function (`with open(p) as f: ...`): what the file I/O codemod rewrites
    movable_withs: set[tuple[int, int]] = field(default_factory=set)
    # sync function bodies left unread (`awaitify.engine.lazy_bodies`): read by `expand` when a question
    # needs their calls; the fields above hold everything else. Equal summaries may differ here.
    pending: list["Pending"] = field(default_factory=list, compare=False)
    # per pending body: what reading it added (calls, values, functions, classes), None while unread
    added: list[tuple[int, int, int, int] | None] = field(default_factory=list, compare=False)
    source: str | None = field(default=None, compare=False, repr=False)  # the text, while pending bodies need it

    def expand(self, pick: Callable[["Pending"], bool] | None = None) -> bool:
        """Read the pending bodies `pick` keeps (all without it) into this summary, each record
        where a walk of the whole file would have put it. Needs `source` (the file's text: set by
        `summarize` and by the store, not pickled). True when something was read."""
        return self._read(i for i, p in enumerate(self.pending) if pick is None or pick(p))

    def _read(self, indexes: Iterable[int]) -> bool:
        todo = sorted({i for i in indexes if self.added[i] is None})
        for i in todo:
            _read_pending(self, i)
        return bool(todo)

    @property
    def unread(self) -> bool:
        """Is a body still left out?"""
        return None in self.added

    def expand_naming(self, words: "set[str] | frozenset[str]") -> bool:
        """Read the pending bodies whose calls may name something called one of `words`: those
        whose text spells it, or a name an import binds to something called so (`from m import
        word as w`: each way a call resolves ends in one of those names)."""
        if not self.unread:
            return False
        named = set(words)
        for imports in {id(p.imports): p.imports for p in self.pending}.values():
            named.update(alias for alias, dotted in imports if dotted.rpartition(".")[2] in words)
        starts, text, hits = self._starts, self.text(), set()
        for word in named:
            at = text.find(word)
            while at != -1:
                index = bisect.bisect_right(starts, at) - 1
                if index >= 0 and at < self.pending[index].end:
                    hits.add(index)
                at = text.find(word, at + 1)
        return self._read(hits)

    def expand_defining_method(self, name: str) -> bool:
        """Read the pending bodies that may define a class with a method `name` (they spell
        `class` and `def name`): what an override search enumerates."""
        if not self.unread:
            return False
        header = re.compile(rf"\bdef\s+{re.escape(name)}\b")  # as `ProjectIndex.files_defining` reads files
        text = self.text()
        return self.expand(lambda p: text.find("class", p.start, p.end) != -1 and header.search(text, p.start, p.end) is not None)

    def expand_inside(self, qualname: str) -> bool:
        """Read the pending body that defines `qualname` (`f.<locals>.g` is defined in f's)."""
        return self.unread and "<locals>" in qualname and self._read(self._holding(qualname, own=False))

    def expand_owner(self, owner: str) -> bool:
        """Read the pending body that holds `owner`'s calls (the function, or a function inside it)."""
        return self.unread and self._read(self._holding(owner, own=True))

    def sites_calling(self, qualified: Iterable[str] = (), spelled: Iterable[str] = (), methods: Iterable[str] = (),
                      contexts: "frozenset[str] | None" = None, in_async: bool = False,
                      under: Iterable[str] = ()) -> list[CallSite]:
        """The calls, as if every body was read, of one of `qualified` (through an import) or of
        anything in one of the modules `under` (`requests` for `requests.get`), of a name or
        attribute the file cannot resolve spelled like one of `spelled` (builtins, methods on
        unknown objects), or of a method named like one of `methods` whatever it is called on;
        standing in one of `contexts` (any when None) and, with `in_async`, inside an async function.

        A body left unread (`awaitify.engine.lazy_bodies`) is a sync function's: it holds no async code
        and no module-level code, so bodies are read only when the question can find something
        there, and then only those spelling what is asked. Detectors ask this, never `expand_*`."""
        qualified, spelled, methods = frozenset(qualified), frozenset(spelled), frozenset(methods)
        prefixes = tuple(f"{module}." for module in under)
        if self.unread and not in_async and (contexts is None or not contexts <= _NEVER_LEFT_UNREAD):
            if prefixes:
                self.expand()  # what a module's names are imported as cannot be told from their spelling
            else:
                self.expand_naming({n.rpartition(".")[2] for n in qualified} | spelled | methods)
        return [site for site in self.calls
                if (not in_async or site.in_async) and (contexts is None or site.context in contexts)
                and ((site.ref.kind == "import" and (site.ref.target in qualified or site.ref.target.startswith(prefixes)))
                     or (site.ref.kind == "unresolved" and site.ref.attr in spelled)
                     or (bool(site.ref.attr) and site.ref.attr in methods))]

    def has_async_function(self) -> bool:
        """Does the file define an async function? (A body left unread holds none.)"""
        return any(f.is_async for f in self.functions.values())

    def _holding(self, qualname: str, own: bool) -> list[int]:
        """The pending bodies that are `qualname`'s (with `own`) or define it: the qualnames it
        starts with, cut before a `.<locals>.`."""
        names = [qualname] if own else []
        at = qualname.find(".<locals>.")
        while at != -1:
            names.append(qualname[:at])
            at = qualname.find(".<locals>.", at + 1)
        return [self._by_name[name] for name in names if name in self._by_name]

    def text(self) -> str:
        """The file's text, which reading a pending body needs."""
        if self.source is None:
            raise RuntimeError(f"{self.path}: a body left out is read without the file's text")
        return self.source

    # tables over `pending` (which never changes once made), kept out of pickles
    @functools.cached_property
    def _starts(self) -> list[int]:
        return [p.start for p in self.pending]

    @functools.cached_property
    def _by_name(self) -> dict[str, int]:
        return {p.qualname: i for i, p in enumerate(self.pending)}

    # Summaries cross processes and the cache by the hundred, each with thousands of records: the
    # records travel as columns of plain values (`zip`, in C), and are rebuilt the same way; record
    # by record, pickling took most of the time a worker spends on a file after parsing it.
    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        for derived in ("source", "_by_name", "_starts"):  # the receiving side has the text (`SummaryStore` sets it again)
            state.pop(derived, None)
        if self.calls:
            refs, *rest = zip(*self.calls)
            state["calls"] = (tuple(zip(*refs)), *rest)
        if self.values:
            refs, *rest = zip(*self.values)
            state["values"] = (tuple(zip(*refs)), *rest)
        return state

    def __setstate__(self, state: dict) -> None:
        for name, record in (("calls", CallSite), ("values", ValueRef)):
            if state[name]:
                ref_columns, *rest = state[name]
                refs = map(tuple.__new__, repeat(Ref), zip(*ref_columns))
                state[name] = list(map(tuple.__new__, repeat(record), zip(refs, *rest)))
        self.__dict__.update(state)
        self.source = None


def _dotted(node: ast.expr) -> list[str] | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return parts[::-1]
    return None


BLOCKS = ("body", "orelse", "finalbody", "handlers", "cases")  # fields that hold statements (or handlers, cases)


def _statements(node: ast.AST, enter_scopes: bool = False):
    """The statements below `node`, nested blocks included; nested functions and classes only
    with `enter_scopes` (they are not yielded either without it)."""
    stack = [node]
    while stack:
        current = stack.pop()
        for block in BLOCKS:
            for child in getattr(current, block, ()):
                if not enter_scopes and isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    continue
                yield child
                stack.append(child)


def _is_main_guard(node: ast.If) -> bool:
    test = node.test
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
        and len(test.comparators) == 1
        and isinstance(test.comparators[0], ast.Constant)
        and test.comparators[0].value == "__main__"
    )


_NAME, _CONSTANT = ast.Name, ast.Constant
# the statements that bind `target`, and those whose items may bind names
_BINDS_TARGET = (ast.AugAssign, ast.AnnAssign, ast.For, ast.AsyncFor)
_WITHS = (ast.With, ast.AsyncWith)


@functools.cache
def _child_fields(kind: type) -> tuple[str, ...]:
    """The fields of a node type that can hold nodes worth visiting: not `ctx` (Load/Store) nor
    operators, which are leaves; most of the nodes of a tree are those."""
    return tuple(f for f in kind._fields if f not in ("ctx", "op", "ops"))  # type: ignore[attr-defined]


@dataclass
class _Scope:
    kind: str  # ASYNC, SYNC, LAMBDA, GENEXP, CLASS
    qualname: str  # of the function or class ("" for lambdas and genexps: they take their parent's)
    nested: dict[str, str] = field(default_factory=dict)  # names of nested defs -> qualname
    instances: dict[str, Ref] = field(default_factory=dict)  # local variables of a known class
    self_name: str | None = None  # the first parameter of a method
    class_qualname: str | None = None
    # what every call inside needs, set when the scope is entered (`_Summarizer._enter`)
    owner: str = ""  # qualname of the innermost enclosing function ("" when none)
    in_async: bool = False  # some enclosing function is async
    # the function's (or lambda's) parameters: a name one of them binds is not the module's of that
    # name there (`async def f(a, fetch): fetch(a)` calls what it is given)
    params: frozenset[str] = frozenset()
    # the names its body binds itself (assignments, `for`, `with ... as`, `except ... as`, `del`, `:=`,
    # `case` captures; not imports, which the import table resolves): the same, everywhere in the function
    bound: frozenset[str] = frozenset()
    # the barriers (`awaitify.await_barriers`) around the statements being read, innermost last (a
    # body set aside starts at its `def`, inside none)
    barriers: list[str] = field(default_factory=list)
    # the stretches of its body no `await` may enter, by line: a lock taken by hand held
    # (`await_barriers.held_sections`), uses of a container another task changes (`shared_state`)
    held: list[tuple[int, int, str]] = field(default_factory=list)

    def fields(self) -> tuple:
        """As plain values, copied (a body set aside starts from the scopes as they are then).
        The same tuple while nothing was added (the methods of a class share their class's: one
        object to pickle); an entry is never rebound to another value in a scope's walk."""
        size = (len(self.nested), len(self.instances))
        known = self.__dict__.get("_fields")
        if known is not None and known[0] == size:
            return known[1]
        fields = (self.kind, self.qualname, tuple(self.nested.items()), tuple(self.instances.items()), self.self_name,
                  self.class_qualname, self.owner, self.in_async, self.params, self.bound)
        self.__dict__["_fields"] = (size, fields)
        return fields

    @classmethod
    def from_fields(cls, fields: tuple) -> "_Scope":
        kind, qualname, nested, instances, self_name, class_qualname, owner, in_async, params, bound = fields
        return cls(kind, qualname, dict(nested), dict(instances), self_name, class_qualname, owner, in_async, params,
                   bound)


def function_locals(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> frozenset[str]:
    """The names that stand for the function's own variables in its body: its parameters and what
    its body binds (`_bound_names`), as `_Summarizer.resolve` reads them. A lambda's body is an
    expression: a walrus there binds in the lambda."""
    params = parameter_names(node.args)
    if type(node) is ast.Lambda:
        return params | _walrus_names(node.body)  # type: ignore[arg-type]
    return params | _bound_names(list(_statements(node)))


def _bound_names(statements: list[ast.AST], walrus: bool = True) -> frozenset[str]:
    """The names these statements (a function's own, `_statements`) bind, less those declared
    `global` or `nonlocal`; imports left out (the import table resolves them). `walrus`: the
    text may hold `:=` (the statements' expressions are walked for it only then)."""
    names: set[str] = set()
    declared: set[str] = set()
    for child in statements:
        kind = type(child)
        if kind is ast.ExceptHandler:
            if child.name:
                names.add(child.name)
        elif kind is ast.Global or kind is ast.Nonlocal:
            declared.update(child.names)
        elif kind is ast.match_case:
            names |= _capture_names(child.pattern)  # type: ignore[attr-defined]
        else:
            for target in _binding_targets(child):
                names |= target_names(target)
        if walrus:
            names |= _walrus_names(child)
    return frozenset(names - declared) if names else frozenset()


def _capture_names(pattern: ast.pattern) -> set[str]:
    """The names a `case` pattern binds: its captures (`case b`, `[b, *rest]`, `{"k": b, **rest}`,
    `X(b=b)`, `... as b`)."""
    names: set[str] = set()
    for node in ast.walk(pattern):
        kind = type(node)
        if (kind is ast.MatchAs or kind is ast.MatchStar) and node.name:  # type: ignore[attr-defined]
            names.add(node.name)  # type: ignore[attr-defined]
        elif kind is ast.MatchMapping and node.rest:  # type: ignore[attr-defined]
            names.add(node.rest)  # type: ignore[attr-defined]
    return names


def _walrus_names(node: ast.AST) -> set[str]:
    """The names `:=` binds in the scope `node` stands in: in its expressions, comprehensions
    included (a walrus there binds in the enclosing function), not in a lambda's body nor in the
    statements nested in `node` (`_statements` gives those on their own)."""
    names: set[str] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        kind = type(current)
        if kind is ast.NamedExpr:
            names.add(current.target.id)  # type: ignore[attr-defined]
        for name in _child_fields(kind):
            if name in BLOCKS:
                continue
            value = getattr(current, name, None)
            for item in value if type(value) is list else (value,):
                if isinstance(item, ast.AST) and type(item) is not ast.Lambda and not isinstance(item, ast.stmt):
                    stack.append(item)
    return names


def comprehension_names(node: ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp) -> frozenset[str]:
    """The names a comprehension's `for` targets bind: its own, seen nowhere outside it."""
    return frozenset().union(*(target_names(c.target) for c in node.generators))


def _binding_targets(statement: ast.AST) -> list[ast.expr]:
    """The targets through which a statement binds names: an assignment's (plain, augmented,
    annotated), a `for`'s, `with ... as`, `del`; none for another statement."""
    kind = type(statement)
    if kind is ast.Assign or kind is ast.Delete:
        return statement.targets  # type: ignore[attr-defined]
    if kind in _BINDS_TARGET:
        return [statement.target]  # type: ignore[attr-defined]
    if kind in _WITHS:
        return [item.optional_vars for item in statement.items if item.optional_vars]  # type: ignore[attr-defined]
    return []


def target_names(target: ast.AST) -> set[str]:
    """The names an assignment target binds: a name, those in a tuple or list, a starred one; an
    attribute or a subscript binds none."""
    kind = type(target)
    if kind is ast.Name:
        return {target.id}  # type: ignore[attr-defined]
    if kind is ast.Tuple or kind is ast.List:
        return set().union(*(target_names(element) for element in target.elts))  # type: ignore[attr-defined]
    if kind is ast.Starred:
        return target_names(target.value)  # type: ignore[attr-defined]
    return set()


def parameter_names(args: ast.arguments) -> frozenset[str]:
    """The names a function's or lambda's parameters bind."""
    return frozenset(a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg) if a is not None)


def silent_leaf(self: ast.NodeVisitor, node: ast.AST) -> None:
    """The visit of a leaf a walk has nothing to do with. A summarizer whose `visit_Name` and
    `visit_Constant` are both this one skips those nodes without calling it (`generic_visit`)."""


class _Summarizer(ast.NodeVisitor):
    def __init__(self, path: str, text: str, outline: bool = False, focus: list[int] | None = None) -> None:
        self.summary = ModuleSummary(path=path, is_package_init=path.endswith("__init__.py"))
        # an outline reads statements only: definitions and imports, no call sites or values...
        self.outline = outline
        # ...but for the expressions that reach one of these lines (sorted), read in full
        self.focus = focus
        self.has_yield = "yield" in text
        self.lines = text.splitlines()
        self.ascii = text.isascii()  # columns in bytes are columns in characters: nothing to count
        kind = type(self)
        self._own_leaves = kind.visit_Name is _Summarizer.visit_Name and kind.visit_Constant is _Summarizer.visit_Constant
        # a subclass whose names and constants are visited by `silent_leaf` (check's scan): not visited
        self._silent_leaves = kind.visit_Name is silent_leaf and kind.visit_Constant is silent_leaf
        self.scopes: list[_Scope] = []
        # the names the comprehensions around the walk bind (`[b(x) for b in fs]`): none of them is
        # the module's. Kept apart from `scopes`, whose last entry says where a call runs
        self.comprehended: list[frozenset[str]] = []
        self.has_walrus = ":=" in text  # a function's `:=` targets are looked for only then
        self.may_acquire = ".acquire(" in text  # a function's lock sections are looked for only then
        # the module's containers async functions change (shared_state): a function's uses of them
        self.changers = shared_state.loop_changers_in(text) if focus or not outline else {}
        self.toplevel: set[str] = set()  # names defined at module level by def/class
        self.awaited: set[int] = set()
        self.call_funcs: set[int] = set()
        self.main_guard = 0
        self.bindable: set[str] = set()  # names that may stand for a function: defs, classes, imports
        # bodies the parsed text left out (`awaitify.engine.lazy_bodies`), by the line of their `def`
        self.regions: dict[int, lazy_bodies.Region] = {}
        self.refused: set[int] = set()  # lines of candidates that cannot stay out
        self._imports_version = 0  # bumped by every import registered: when to copy the table again
        self._state: tuple | None = None
        self._state_key: tuple[int, int] = (-1, -1)

    # --- dispatch: NodeVisitor's, without building a method name for every node ----------------------
    _dispatch: dict[type, object] = {}

    def visit(self, node: ast.AST) -> None:
        if self.outline and isinstance(node, ast.expr) and not (self.focus and self._in_focus(node)):
            return  # expressions hold no definitions or imports
        method = self._dispatch.get(type(node))
        if method is None:
            method = getattr(type(self), "visit_" + type(node).__name__, None) or _Summarizer.generic_visit
            self._dispatch[type(node)] = method
        method(self, node)  # type: ignore[operator]

    def generic_visit(self, node: ast.AST) -> None:
        if self.outline:
            for name in _child_fields(type(node)):
                value = getattr(node, name, None)
                for item in value if type(value) is list else (value,):
                    if isinstance(item, ast.AST):
                        self.visit(item)
            return
        # The full walk meets every node of the tree: names and constants, most of them, are told
        # here without a call (what `visit_Name` and `visit_Constant` do, unless a subclass says otherwise).
        if self._silent_leaves:  # (a scan's: 44% of the nodes it visited on the stdlib, each a call to a no-op)
            visit = self.visit
            for name in _child_fields(type(node)):
                value = getattr(node, name, None)
                for item in value if type(value) is list else (value,):
                    kind = type(item)
                    if kind is not _NAME and kind is not _CONSTANT and isinstance(item, ast.AST):
                        visit(item)
            return
        bindable, visit, value_of, leaves = self.bindable, self.visit, self._value, self._own_leaves
        for name in _child_fields(type(node)):
            value = getattr(node, name, None)
            for item in value if type(value) is list else (value,):
                kind = type(item)
                if leaves and kind is _NAME:
                    if item.id in bindable:
                        value_of(item)
                elif (not leaves or kind is not _CONSTANT) and isinstance(item, ast.AST):
                    visit(item)

    def _in_focus(self, node: ast.AST) -> bool:
        at = bisect.bisect_left(self.focus, node.lineno)  # type: ignore[arg-type, attr-defined]
        return at < len(self.focus) and self.focus[at] <= (node.end_lineno or node.lineno)  # type: ignore[arg-type, attr-defined]

    # --- positions ---------------------------------------------------------------------------------
    def col(self, node: ast.expr) -> int:
        return self._chars(node.lineno, node.col_offset) + 1

    def _chars(self, lineno: int, offset: int) -> int:
        return offset if self.ascii else char_column(self.lines, lineno, offset)

    def end_key(self, node: ast.expr) -> tuple[int, int]:
        return (node.end_lineno or node.lineno, self._chars(node.end_lineno or node.lineno, node.end_col_offset or 0))

    # --- names ---------------------------------------------------------------------------------------
    def resolve(self, node: ast.expr) -> Ref:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "super" and self._method_scope():
            return Ref("super", self._method_scope().class_qualname or "")  # type: ignore[union-attr]
        parts = _dotted(node)
        if parts is None:
            if isinstance(node, ast.Attribute):
                inner = self.resolve(node.value)
                if inner.kind == "super":
                    return Ref("super", inner.target, node.attr)
            return Ref("unresolved", attr=node.attr if isinstance(node, ast.Attribute) else "")
        head, rest = parts[0], parts[1:]
        if self.comprehended and any(head in names for names in self.comprehended):
            return Ref("unresolved", attr=parts[-1])
        for scope in reversed(self.scopes):
            if scope.kind == CLASS:
                continue  # class bodies do not enclose their methods' names
            if head in scope.nested:
                return Ref("own", ".".join([scope.nested[head], *rest])) if not rest else self._attr_on_own(scope.nested[head], rest)
            if head in scope.instances and len(rest) == 1:
                return Ref("instance", attr=rest[0], cls=scope.instances[head])
            if head == scope.self_name and scope.class_qualname and len(rest) == 1:
                return Ref("self", scope.class_qualname, rest[0])
            if head in scope.params or head in scope.bound:
                return Ref("unresolved", attr=parts[-1])
        if head in self.toplevel:
            return Ref("own", ".".join(parts)) if len(parts) <= 2 else Ref("unresolved", attr=parts[-1])
        if head in self.summary.imports:
            return Ref("import", ".".join([self.summary.imports[head], *rest]))
        return Ref("unresolved", attr=parts[-1])

    def _attr_on_own(self, qualname: str, rest: list[str]) -> Ref:
        return Ref("own", ".".join([qualname, *rest])) if len(rest) == 1 else Ref("unresolved", attr=rest[-1])

    def _method_scope(self) -> _Scope | None:
        for scope in reversed(self.scopes):
            if scope.kind in (ASYNC, SYNC):
                return scope if scope.class_qualname else None
        return None

    # --- structure ---------------------------------------------------------------------------------
    def _context(self) -> str:
        if not self.scopes:
            return MAIN if self.main_guard else MODULE
        return self.scopes[-1].kind

    def _owner(self) -> str:
        return self.scopes[-1].owner if self.scopes else ""

    def _enter(self, scope: _Scope) -> None:
        parent = self.scopes[-1] if self.scopes else None
        scope.owner = scope.qualname if scope.kind in (ASYNC, SYNC) else (parent.owner if parent else "")
        scope.in_async = scope.kind == ASYNC or (parent is not None and parent.in_async)
        self.scopes.append(scope)

    def _qualname(self, name: str) -> str:
        for scope in reversed(self.scopes):
            if scope.kind == CLASS:
                return f"{scope.qualname}.{name}"
            if scope.kind in (ASYNC, SYNC):
                return f"{scope.qualname}.<locals>.{name}"
        return name

    def _bind_nested(self, name: str, qualname: str) -> None:
        self.bindable.add(name)
        for scope in reversed(self.scopes):
            if scope.kind in (ASYNC, SYNC):
                scope.nested[name] = qualname
                return
            if scope.kind == CLASS:
                return
        self.toplevel.add(name)

    def _register_import(self, statement: ast.Import | ast.ImportFrom) -> None:
        self._imports_version += 1
        imports = self.summary.imports
        if isinstance(statement, ast.Import):
            for alias in statement.names:
                if alias.asname:
                    imports[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    imports[top] = top
                self.bindable.add(alias.asname or alias.name.split(".")[0])
        else:
            base = "." * statement.level + (statement.module or "")
            for alias in statement.names:
                if alias.name != "*":
                    sep = "" if base.endswith(".") or not base else "."
                    imports[alias.asname or alias.name] = f"{base}{sep}{alias.name}"
                    self.bindable.add(alias.asname or alias.name)

    def visit_Import(self, node: ast.Import) -> None:
        self._register_import(node)

    visit_ImportFrom = visit_Import

    def visit_Module(self, node: ast.Module) -> None:
        # module-level imports first: a function may use a name imported further down the file
        for statement in _statements(node):
            if isinstance(statement, (ast.Import, ast.ImportFrom)):
                self._register_import(statement)
        for statement in node.body:
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.toplevel.add(statement.name)
                self.bindable.add(statement.name)
        self.generic_visit(node)

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for decorator in node.decorator_list:
            self.visit(decorator)
        for default in [*node.args.defaults, *node.args.kw_defaults]:
            if default is not None:
                self.visit(default)
        qualname = self._qualname(node.name)
        parent = self.scopes[-1] if self.scopes else None
        class_qualname = parent.qualname if parent is not None and parent.kind == CLASS else None
        self.summary.functions[qualname] = FunctionInfo(
            qualname=qualname,
            name=node.name,
            line=node.lineno,
            col=node.col_offset + 1,
            is_async=isinstance(node, ast.AsyncFunctionDef),
            is_generator=False,  # set when the body's walk meets a yield
            decorators=[self.resolve(d.func if isinstance(d, ast.Call) else d) for d in node.decorator_list],
            class_qualname=class_qualname,
            end_line=(node.end_lineno or node.lineno) if isinstance(node, ast.AsyncFunctionDef) else 0,
        )
        self._bind_nested(node.name, qualname)
        scope = _Scope(ASYNC if isinstance(node, ast.AsyncFunctionDef) else SYNC, qualname, params=parameter_names(node.args))
        positional = [*node.args.posonlyargs, *node.args.args]
        is_static = any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in node.decorator_list)
        if class_qualname and positional and not is_static:
            scope.self_name, scope.class_qualname = positional[0].arg, class_qualname
        self._enter(scope)
        for arg in [*positional, *node.args.kwonlyargs]:
            if arg.annotation is not None and arg.arg != scope.self_name:
                ref = self.resolve(arg.annotation)
                if ref.kind in ("own", "import"):
                    scope.instances[arg.arg] = ref
        region = self.regions.get(node.lineno) if self.regions else None
        if region is not None and node.col_offset == region.indent and lazy_bodies.is_marker(node.body, region.body_line):
            del self.regions[region.line]
            if scope.in_async:  # its calls are in async code: the reach starts from them
                self.refused.add(region.line)
            else:
                self._set_aside(region, qualname)
        else:
            self._body(node, scope)
        self.scopes.pop()

    def _body(self, node: ast.FunctionDef | ast.AsyncFunctionDef, scope: _Scope) -> None:
        # an outline resolves names only for nested definitions (and the calls it reads)
        if not self.outline or _defines_inside(node) or (self.focus and self._in_focus(node)):
            self._local_instances(node, scope)
        if self.outline and self.has_yield and "yield" in "\n".join(self.lines[node.lineno - 1 : node.end_lineno]):
            self.summary.functions[scope.qualname].is_generator = _yields(node)  # the outline skips the walk that meets it
        if self.may_acquire:
            scope.held = held_sections(node)
        if self.changers:
            scope.held = sorted(scope.held + shared_state.shared_sections(node, self.changers))
        for statement in node.body:
            self.visit(statement)

    def _set_aside(self, region: lazy_bodies.Region, qualname: str) -> None:
        """Record a body the parsed text left out, with the state its walk would start from."""
        summary = self.summary
        summary.pending.append(Pending(
            qualname, region.line, region.start, region.end, tuple(map(_Scope.fields, self.scopes)), *self._names_now(),
            (len(summary.calls), len(summary.values), len(summary.functions), len(summary.classes))))
        summary.added.append(None)

    def _names_now(self) -> tuple:
        """(imports, toplevel) as they stand: each copied only when it has changed since the last
        body set aside (toplevel only grows; imports count their changes)."""
        key = (self._imports_version, len(self.toplevel))
        if key != self._state_key:
            was, self._state_key = self._state_key, key
            imports, toplevel = self._state or ((), frozenset())
            self._state = (imports if was[0] == key[0] else tuple(self.summary.imports.items()),
                           toplevel if was[1] == key[1] else frozenset(self.toplevel))
        return self._state  # type: ignore[return-value]

    def _local_instances(self, node: ast.AST, scope: _Scope) -> list[ast.AST]:
        """`x = Class(...)`: x is an instance of Class when that is its only assignment. Walks
        statements only (expressions are most of a tree), and expressions for `:=` when the text
        spells it; a walrus or `case` rebinding is not seen here (`scope.bound` has it). Returns the
        function's own statements (`_statements`), for a subclass's questions about them."""
        statements = list(_statements(node))
        scope.bound = _bound_names(statements, self.has_walrus)
        if not any(type(child) is ast.Assign and type(child.value) is ast.Call for child in statements):
            return statements  # no `x = Class(...)`: nothing to find (whatever else binds names)
        seen: dict[str, Ref | None] = {}
        for child in statements:
            kind = type(child)
            if kind is ast.Assign:
                targets = child.targets
                if len(targets) == 1 and type(targets[0]) is ast.Name:
                    name = targets[0].id
                    ref = self.resolve(child.value.func) if type(child.value) is ast.Call else None
                    ok = ref is not None and ref.kind in ("own", "import")
                    seen[name] = ref if ok and seen.get(name, ref) == ref else None
                    continue
            for target in _binding_targets(child):  # any other binding of a name (or use inside a target) rules it out
                if type(target) is ast.Name:
                    seen[target.id] = None
                else:
                    for name_node in ast.walk(target):
                        if type(name_node) is ast.Name:
                            seen[name_node.id] = None
        scope.instances.update({name: ref for name, ref in seen.items() if ref is not None})
        return statements

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for expr in [*node.decorator_list, *node.bases, *(k.value for k in node.keywords)]:
            self.visit(expr)
        qualname = self._qualname(node.name)
        self.summary.classes[qualname] = ClassInfo(qualname, [self.resolve(b) for b in node.bases])
        self._bind_nested(node.name, qualname)
        self._enter(_Scope(CLASS, qualname))
        for statement in node.body:
            self.visit(statement)
        self.scopes.pop()

    def visit_Lambda(self, node: ast.Lambda) -> None:
        scope = _Scope(LAMBDA, "")
        self._enter(scope)
        self.visit(node.args)  # its defaults: in its context, but read where it is made (no parameter yet)
        scope.params = parameter_names(node.args)
        self.visit(node.body)
        self.scopes.pop()

    def visit_GeneratorExp(self, node: ast.GeneratorExp) -> None:
        # the first iterable is evaluated in the enclosing scope; the rest runs inside the generator
        self.visit(node.generators[0].iter)
        self._enter(_Scope(GENEXP, ""))
        self._comprehension(node, (node.elt,))
        self.scopes.pop()

    def visit_ListComp(self, node: ast.ListComp | ast.SetComp | ast.DictComp) -> None:
        # run where it stands (no scope of its own for where calls run), its names its own
        self.visit(node.generators[0].iter)
        self._comprehension(node, (node.key, node.value) if type(node) is ast.DictComp else (node.elt,))  # type: ignore[union-attr]

    visit_SetComp = visit_DictComp = visit_ListComp

    def _comprehension(self, node: ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp,
                       elements: tuple[ast.expr, ...]) -> None:
        """All of a comprehension but its first iterable, with its targets' names its own."""
        self.comprehended.append(comprehension_names(node))
        for element in elements:
            self.visit(element)
        for i, comp in enumerate(node.generators):
            self.visit(comp.target)
            if i:
                self.visit(comp.iter)
            for cond in comp.ifs:
                self.visit(cond)
        self.comprehended.pop()

    def visit_If(self, node: ast.If) -> None:
        guard = not self.scopes and _is_main_guard(node)
        self.main_guard += guard
        self.generic_visit(node)
        self.main_guard -= guard

    def _yield(self, node: ast.Yield | ast.YieldFrom) -> None:
        for scope in reversed(self.scopes):
            if scope.kind in (ASYNC, SYNC):
                self.summary.functions[scope.qualname].is_generator = True
                break
            if scope.kind != GENEXP:  # a yield in a lambda makes the lambda a generator
                break
        self.generic_visit(node)

    visit_Yield = _yield
    visit_YieldFrom = _yield

    def visit_With(self, node: ast.With) -> None:
        if (not self.outline and self.scopes and self.scopes[-1].kind == ASYNC and len(node.items) == 1
                and isinstance(node.items[0].context_expr, ast.Call) and not _stays_put(node)):
            self.summary.movable_withs.add(self.end_key(node.items[0].context_expr.func))
        barrier = with_barrier(node) if self.scopes and self.scopes[-1].kind in (ASYNC, SYNC) else None
        if barrier is None:
            self.generic_visit(node)
            return
        for item in node.items:  # taking the lock is not done under it
            self.visit(item)
        self._inside(barrier, node.body)

    def visit_Try(self, node: ast.Try) -> None:
        barrier = try_barrier(node) if self.scopes and self.scopes[-1].kind in (ASYNC, SYNC) else None
        if barrier is None:
            self.generic_visit(node)
            return
        self._inside(barrier, node.body)  # only the body: a handler's own code is not in its try
        for block in (node.handlers, node.orelse, node.finalbody):
            for statement in block:
                self.visit(statement)

    visit_TryStar = visit_Try

    def _inside(self, barrier: str, body: list[ast.stmt]) -> None:
        barriers = self.scopes[-1].barriers
        barriers.append(barrier)
        for statement in body:
            self.visit(statement)
        barriers.pop()

    def visit_Await(self, node: ast.Await) -> None:
        if isinstance(node.value, ast.Call):
            self.awaited.add(id(node.value))
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        self.call_funcs.add(id(node.func))
        ref = self.resolve(node.func)
        self.summary.calls.append(
            CallSite(ref, node.lineno, self.col(node), self._context(), self._owner(), id(node) in self.awaited,
                     self.end_key(node.func), bool(self.scopes) and self.scopes[-1].in_async, self._barrier(node))
        )
        self.generic_visit(node)

    def _barrier(self, call: ast.Call) -> str:
        """The innermost barrier around the call in its function: a `with` or `try` being walked, else
        a section holding a lock taken by hand; "" when none."""
        if not self.scopes:
            return ""
        scope = self.scopes[-1]
        if scope.barriers:
            return scope.barriers[-1]
        return (barrier_at(scope.held, call.lineno) or "") if scope.held else ""

    def _value(self, node: ast.Name | ast.Attribute) -> None:
        if id(node) in self.call_funcs or not isinstance(node.ctx, ast.Load):
            return
        if isinstance(node, ast.Name) and node.id not in self.bindable:
            return  # not a def, class, import or parameter name of this module: cannot be a function
        ref = self.resolve(node)
        if ref.kind != "unresolved":
            self.summary.values.append(ValueRef(ref, node.lineno, self.col(node)))

    def visit_Name(self, node: ast.Name) -> None:
        self._value(node)

    # a leaf; ast.NodeVisitor's own visit_Constant looks for the old visit_Num & co. each time
    visit_Constant = silent_leaf

    def visit_Attribute(self, node: ast.Attribute) -> None:
        self._value(node)
        if id(node) in self.call_funcs:
            self.call_funcs.add(id(node.value))  # `mod.func()` names neither `mod` nor `mod.x` as a value
        self.generic_visit(node)


def _defines_inside(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Is a function or class defined in this function's body (at any depth of blocks)?"""
    stack: list[ast.AST] = list(function.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return True
        for block in BLOCKS:
            stack.extend(getattr(node, block, ()))
    return False


# what cannot move out of an async function into a local one as it is (the file I/O codemod's list)
_STAYS = (ast.Await, ast.Return, ast.Yield, ast.YieldFrom, ast.Break, ast.Continue, ast.Delete, ast.Import,
          ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Global, ast.Nonlocal,
          ast.AsyncWith, ast.AsyncFor)
_OWN_SCOPES = (ast.Lambda, ast.GeneratorExp, ast.ListComp, ast.SetComp, ast.DictComp)


def _stays_put(block: ast.With) -> bool:
    """Does the block hold something that keeps it in its async function? Lambdas and
    comprehensions are not entered (an async comprehension counts), as the codemod does."""
    stack: list[ast.AST] = [block]
    while stack:
        node = stack.pop()
        if isinstance(node, _STAYS):
            return True
        if isinstance(node, _OWN_SCOPES):
            if any(comp.is_async for comp in getattr(node, "generators", ())):
                return True
            continue
        stack.extend(ast.iter_child_nodes(node))
    return False


def _yields(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Does a yield make this function a generator? Nested functions, classes and lambdas have
    their own scope; their decorators, defaults and bases are evaluated in this one."""
    stack: list[ast.AST] = list(function.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Yield, ast.YieldFrom)):
            return True
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            stack += [*getattr(node, "decorator_list", ()), *node.args.defaults, *(d for d in node.args.kw_defaults if d)]
        elif isinstance(node, ast.ClassDef):
            stack += [*node.decorator_list, *node.bases, *(k.value for k in node.keywords)]
        else:
            stack.extend(ast.iter_child_nodes(node))
    return False


def summarize(path: str, text: str, outline: bool = False, lazy: bool = True) -> ModuleSummary:
    """Raises SyntaxError (or RecursionError) for source `ast` cannot read on this Python.
    `outline`: definitions, classes and imports only (what resolving a name in the module needs),
    at a fraction of the cost; `calls` and `values` stay empty. `lazy`: the bodies of sync
    functions that `lazy_bodies.regions` finds are read only when `expand` asks for them.

    A file whose left-out bodies hold a syntax error is summarized all the same (its other
    parts are sound); reading such a body later finds its calls unknown, as for a file `ast`
    cannot read."""
    if lazy and not outline:
        found = lazy_bodies.regions(text)
        if found:
            summary = _summarize_hollowed(path, text, found)
            if summary is not None:
                return summary
    tree = ast.parse(text, filename=path)
    summarizer = _Summarizer(path, text, outline)
    summarizer.visit(tree)
    return summarizer.summary


def _summarize_hollowed(path: str, text: str, found: list[lazy_bodies.Region]) -> ModuleSummary | None:
    """The summary of the text with these bodies left out, or None when none can be. A candidate
    that does not come back as a function's body (a `def` inside a string) or stands in async
    code is refused: the text is hollowed again without those, once."""
    for _ in range(2):
        try:
            tree = ast.parse(lazy_bodies.hollowed(text, found), filename=path)
        except UNPARSABLE:
            return None  # the whole text decides (it may well fail too: then that is the error)
        summarizer = _Summarizer(path, text)
        summarizer.regions = {region.line: region for region in found}
        summarizer.visit(tree)
        refused = summarizer.refused | set(summarizer.regions)
        if not refused:
            summarizer.summary.source = text
            return summarizer.summary
        found = [region for region in found if region.line not in refused]
        if not found:
            return None
    return None


def _read_pending(summary: ModuleSummary, index: int) -> None:
    """Walk one body left out, from the state recorded for it, and put what it holds where a walk
    of the whole file would have put it (the records of the bodies before it that were read
    come first)."""
    pending = summary.pending[index]
    text = summary.text()
    source = pending.source(text)
    walker = _Summarizer(summary.path, "")  # lines are needed only to count columns in characters
    if not source.isascii():
        walker.ascii, walker.lines = False, source.splitlines()
    walker.has_walrus = ":=" in source
    walker.may_acquire = ".acquire(" in source
    walker.changers = shared_state.loop_changers_in(text)
    walker.summary.imports = dict(pending.imports)
    walker.toplevel = set(pending.toplevel)
    walker.scopes = [_Scope.from_fields(fields) for fields in pending.scopes]
    # `bindable` only spares resolving a name that cannot resolve (one no scope, no module-level
    # definition and no import binds): these names, a superset of it then, give the same records
    walker.bindable = {*pending.toplevel, *walker.summary.imports, *(n for scope in walker.scopes for n in scope.nested)}
    try:
        tree = ast.parse(source, filename=summary.path)
    except UNPARSABLE:
        summary.added[index] = (0, 0, 0, 0)  # its calls stay unknown, as in a file `ast` cannot read
        return
    node = tree.body[0]
    if type(node) is ast.If:  # `if 1:` puts an indented function at its own columns
        node = node.body[0]
    walker._body(node, walker.scopes[-1])  # type: ignore[arg-type]
    found = walker.summary
    before = [sum(column) for column in zip((0, 0, 0, 0), *(a for a in summary.added[:index] if a is not None))]
    at_calls, at_values, at_functions, at_classes = (a + b for a, b in zip(pending.at, before))
    summary.calls[at_calls:at_calls] = found.calls
    summary.values[at_values:at_values] = found.values
    _insert(summary.functions, at_functions, found.functions)
    _insert(summary.classes, at_classes, found.classes)
    summary.movable_withs |= found.movable_withs
    summary.added[index] = (len(found.calls), len(found.values), len(found.functions), len(found.classes))


def _insert(table: dict, at: int, more: dict) -> None:
    """Put `more`'s entries at position `at` of `table`, in place (its order is the walk's)."""
    if more:
        items = list(table.items())
        table.clear()
        table.update(items[:at])
        table.update(more)
        table.update(items[at:])


def summarize_focused(path: str, text: str, word: str) -> ModuleSummary:
    """An outline, plus the calls and values that may name a function called `word`: those on a
    line that spells it, or spells a name an import binds to something called `word` (`from m
    import word as alias`). Every call that resolves to such a function is among them: each way
    the summary resolves a call ends in the function's own name or in such an alias."""
    tree = ast.parse(text, filename=path)
    words = {word}
    for statement in _statements(tree, enter_scopes=True):  # imports inside functions bind names too
        if isinstance(statement, (ast.Import, ast.ImportFrom)):
            words.update(a.asname for a in statement.names if a.asname and a.name.rpartition(".")[2] == word)
    spelled = re.compile(r"\b(?:" + "|".join(map(re.escape, sorted(words))) + r")\b")
    if "\r" in text:  # line numbers as `ast` counts them (str.splitlines also splits at \f and others)
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [n for n, line in enumerate(text.split("\n"), 1) if any(w in line for w in words) and spelled.search(line)]
    summarizer = _Summarizer(path, text, outline=True, focus=lines)
    summarizer.visit(tree)
    return summarizer.summary

