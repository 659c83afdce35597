"""Offloads that would lose state living on the loop's thread (an *unsafe* fix, docs/propagation.md).

`await asyncio.to_thread(f, ...)` runs `f` on another thread, in a copy of the caller's context.
What does not survive that move:

- a sqlite3 connection (or a cursor of one) made outside the offloaded call: sqlite3 refuses it in
  any other thread (`ProgrammingError`), unless it was opened with `check_same_thread=False`;
- a `threading.local()`: the thread sees its own, empty attributes;
- a `contextvars.ContextVar` that `f` *sets* (or resets): the thread works in a copy of the context,
  so the caller never sees the value (`.get()` alone is fine: the copy holds the caller's values);
- asyncio's own objects made on the loop (`asyncio.Queue()`, `Event()`, `Lock()`...: not thread-safe), and
  calls that need the calling thread's running loop (`asyncio.get_running_loop()`, `create_task`...);
- an instance of a `threading.local` subclass;
- process-wide state the function changes for a while (`with redirect_stdout(...)`, `chdir`,
  `mock.patch`, `os.chdir()`): the loop's other tasks would run under it meanwhile;
- a module-level container the function reads and changes while a function on the loop changes it
  too (`awaitify.shared_state`): the two would race once the function runs in a thread;

plus whatever the project lists in `thread-bound = [...]` (a module-level object, or a class or
factory whose results are bound to the thread that made them).

`ThreadBound.hazard(fid)` says why offloading `fid` would lose such state, reading `fid` and every
project function it calls (as far as the index resolves them); `site_hazard` looks at what a call
site passes in. The tool cannot see what those objects will do in the thread at run time, so such
an offload is not *provably* equivalent: it is made only with `--unsafe-fixes`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

from awaitify import await_barriers, shared_parses, shared_state
from awaitify.ast_statements import local_names, push_children, statements, walk_linked
from awaitify.index import Edge, FuncId, ProjectIndex
from awaitify.summary import UNPARSABLE, char_column, name_chain

SQLITE, LOCAL, CONTEXTVAR, CONFIGURED = "sqlite3", "threading.local", "contextvars.ContextVar", "configured"
LOOP = "asyncio"
LISTED = "listed"  # (file facts only) an object `thread-bound` names itself, not a maker of such objects
CONSTRUCTORS = {
    "sqlite3.connect": SQLITE, "sqlite3.Connection": SQLITE, "sqlite3.dbapi2.connect": SQLITE,
    "threading.local": LOCAL, "_thread._local": LOCAL,
    "contextvars.ContextVar": CONTEXTVAR,
    # asyncio's objects are not thread-safe: used from another thread they corrupt or never wake the loop
    **{f"asyncio.{name}": LOOP for name in ("Queue", "LifoQueue", "PriorityQueue", "Event", "Lock", "Condition",
                                             "Semaphore", "BoundedSemaphore", "Future")},
}
# calls that need the running loop of the calling thread: a worker thread has none
LOOP_CALLS = frozenset({"asyncio.get_running_loop", "asyncio.get_event_loop", "asyncio.create_task",
                        "asyncio.ensure_future", "asyncio.current_task", "asyncio.all_tasks"})
# methods of a sqlite3 connection that hand back an object bound to the same thread (a cursor)
_SQLITE_DERIVED = frozenset({"cursor", "execute", "executemany", "executescript"})
_CONTEXTVAR_WRITES = frozenset({"set", "reset"})
# calls that change process-wide state a task on the loop would see while the thread runs
_PROCESS_CALLS = frozenset({"os.chdir", "os.fchdir", "os.umask", "locale.setlocale", "warnings.simplefilter",
                            "warnings.filterwarnings"})
_MAX_DEPTH = 30  # how deep into the project's calls a hazard is looked for


@dataclass(frozen=True)
class Bound:
    """An object bound to the thread that made it: what it is, its dotted name, where it is made."""

    kind: str
    name: str
    path: str
    line: int
    via: Bound | None = None  # `repo = Repo(conn)`: the bound object it was built with

    def why(self, where: str, made_here: bool = False) -> str:
        if self.via is not None:  # it may hold the bound object: `self.conn = conn` in its constructor
            held = self.via.why(f"line {self.via.line}").removeprefix("uses ")
            return f"uses `{self.name}` ({where}), built with {held}"
        if made_here:  # the object escapes the call (a global, an attribute) and the loop's thread uses it later
            made = {SQLITE: f"opens the sqlite3 connection `{self.name}` ({where}) for later use: opened in a worker "
                            "thread, sqlite3 would refuse it on the loop's thread (ProgrammingError)",
                    LOCAL: f"sets up `{self.name}` ({where}), a threading.local: the loop's thread would not see it",
                    LOOP: f"makes `{self.name}` ({where}), an asyncio object, in a worker thread: asyncio objects are "
                          "not thread-safe"}
            if self.kind in made:
                return made[self.kind]
        if self.kind == SQLITE:
            return (f"uses the sqlite3 connection `{self.name}` ({where}), made outside the offloaded call: sqlite3 "
                    "refuses it in another thread (ProgrammingError)")
        if self.kind == LOCAL:
            return f"uses `{self.name}` ({where}), a threading.local: another thread sees its own, empty attributes"
        if self.kind == CONTEXTVAR:
            return (f"sets the context variable `{self.name}` ({where}): a thread runs in a copy of the context, so "
                    "the caller would not see the value")
        if self.kind == LOOP:
            return (f"uses `{self.name}` ({where}), an asyncio object made for the loop's thread: asyncio objects are not "
                    "thread-safe")
        return f"uses `{self.name}` ({where}), marked thread-bound in the settings (`thread-bound`)"


class _Module:
    """One file's facts: its imports, module-level bound objects, bound `self.` attributes, functions."""

    def __init__(self, owner: ThreadBound, path: str, tree: ast.Module, lines: list[str]) -> None:
        self.owner, self.path, self.lines = owner, path, lines
        self.dotted = owner.index.primary_name.get(path, "")
        self.imports: dict[str, str] = {}
        self.functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
        self.bound: dict[str, Bound] = {}
        self.attrs: dict[tuple[str, str], Bound] = {}  # (class qualname, attribute) -> bound
        self.classes: set[str] = set()
        self.local_classes: set[str] = set()  # `class State(threading.local)`: its instances are per thread
        self.globals: set[str] = _module_level_names(tree)
        self.containers: dict[str, int] = shared_state.containers(_module_statements(tree.body))  # name -> line
        self._methods: list[tuple[str, ast.AST]] = []  # (class qualname, method) for `self.x = ...`
        self._statements: dict[int, list[ast.stmt]] = {}  # id(function) -> `statements(function)`
        self._in_order: dict[int, list[ast.AST]] = {}  # id(function) -> `_in_order(function)`
        self._walk(tree.body, "", in_function=False, cls=None)
        for node in _module_statements(tree.body):  # in order: `cur = conn.cursor()` after `conn = ...`
            self._bind_assignment(node, self.bound, lambda name: f"{self.dotted}.{name}" if self.dotted else name)
        # `global conn; conn = sqlite3.connect(...)` at startup; no `global` statement without the word
        for function in self.functions.values() if "global" in owner.index.texts.get(path, "global") else ():
            declared = {name for sub in self.statements(function) if isinstance(sub, ast.Global) for name in sub.names}
            for sub in self.statements(function) if declared else ():
                if isinstance(sub, ast.Assign) and all(isinstance(t, ast.Name) and t.id in declared for t in sub.targets):
                    self._bind_assignment(sub, self.bound, lambda name: f"{self.dotted}.{name}" if self.dotted else name)
        for cls, method in self._methods:
            for node in self.statements(method):
                self._bind_self(node, cls)

    def statements(self, function: ast.AST) -> list[ast.stmt]:
        """The statements of `function` (itself first, nested ones included) in `ast.walk`'s order:
        the only nodes the assignment and `global` questions look at, kept for each function."""
        found = self._statements.get(id(function))
        if found is None:
            found = self._statements[id(function)] = statements(function)
        return found

    def in_order(self, function: ast.AST) -> list[ast.AST]:
        """Every node of `function` in `ast.walk`'s order, linked to its parent: for the functions a
        question is asked about (what they touch, where a call stands), each read once."""
        found = self._in_order.get(id(function))
        if found is None:
            found = self._in_order[id(function)] = _in_order(function)
        return found

    def _walk(self, body: list[ast.stmt], prefix: str, in_function: bool, cls: str | None) -> None:
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                qualname = prefix + node.name
                self.functions[qualname] = node
                if cls is not None:
                    self._methods.append((cls, node))
                self._walk(node.body, qualname + ".<locals>.", True, None)
            elif isinstance(node, ast.ClassDef):
                qualname = prefix + node.name
                self.classes.add(qualname)
                if not in_function and any(self.dotted_name(base) in ("threading.local", "_thread._local") for base in node.bases):
                    self.local_classes.add(qualname)
                self._walk(node.body, qualname + ".", in_function, qualname)
            elif isinstance(node, (ast.Import, ast.ImportFrom)) and not in_function:
                self._import(node)
            elif not in_function:  # if/try/with/for/while/match at module or class level
                for block in _blocks(node):
                    self._walk(block, prefix, in_function, cls)

    def _import(self, node: ast.Import | ast.ImportFrom) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    self.imports[alias.asname] = alias.name
                else:
                    head = alias.name.partition(".")[0]
                    self.imports[head] = head
            return
        module = self.owner.index._absolute(self.path, "." * node.level + (node.module or ""))
        for alias in node.names:
            if alias.name != "*":
                self.imports[alias.asname or alias.name] = f"{module}.{alias.name}" if module else alias.name

    def _bind_assignment(self, node: ast.AST, into: dict[str, Bound], shown) -> None:
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            return
        kind, via = self.made_by(value, into), None
        if kind is None:
            via = self.passed_bound(value, into)
            kind = via.kind if via is not None else None
        if kind is None:
            return
        for target in targets:
            if isinstance(target, ast.Name):
                into[target.id] = Bound(kind, shown(target.id), self.path, node.lineno, via)

    def passed_bound(self, value: ast.expr, known: dict[str, Bound]) -> Bound | None:
        """`Repo(conn)`, `wrap(conn)`: a call handed a bound object, whose result may keep it (a
        constructor's `self.conn = conn`). The tool does not follow it inside, so the result counts
        as bound too."""
        if not isinstance(value, ast.Call):
            return None
        for arg in [*value.args, *(k.value for k in value.keywords)]:
            found = self.bound_name(arg.value if isinstance(arg, ast.Starred) else arg, known)
            if found is not None and found.kind != CONTEXTVAR:
                return found
        return None

    def bound_name(self, expr: ast.expr, known: dict[str, Bound]) -> Bound | None:
        """The bound object a Name (or `module.name`) stands for: one of `known`, of this module, or
        of a project module it imports (`from db import conn`)."""
        chain = name_chain(expr)
        if chain is None:
            return None
        head = chain[0]
        if head in self.imports:
            return self.owner._imported(self.dotted_name(expr) or "")
        return known.get(head) or self.bound.get(head)

    def _bind_self(self, node: ast.AST, cls: str) -> None:
        if not isinstance(node, (ast.Assign, ast.AnnAssign)) or getattr(node, "value", None) is None:
            return
        kind = self.made_by(node.value, self.bound) or self._cursor_of_attribute(node.value, cls)
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for target in targets:
            if kind and isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self":
                self.attrs[(cls, target.attr)] = Bound(kind, f"{self.dotted}.{cls}.{target.attr}".lstrip("."), self.path, node.lineno)

    def _cursor_of_attribute(self, value: ast.expr, cls: str) -> str | None:
        """`self.cur = self.conn.cursor()` where `self.conn` is a bound connection (set earlier in the class)."""
        func = value.func if isinstance(value, ast.Call) else None
        if (isinstance(func, ast.Attribute) and func.attr in _SQLITE_DERIVED and isinstance(func.value, ast.Attribute)
                and isinstance(func.value.value, ast.Name) and func.value.value.id == "self"):
            bound = self.attrs.get((cls, func.value.attr))
            return SQLITE if bound is not None and bound.kind == SQLITE else None
        return None

    def made_by(self, value: ast.expr, known: dict[str, Bound]) -> str | None:
        """The kind of thread-bound object `value` makes, if any."""
        if not isinstance(value, ast.Call):
            return None
        func = value.func
        if isinstance(func, ast.Attribute) and func.attr in _SQLITE_DERIVED:
            connection = self.bound_name(func.value, known)
            if connection is not None and connection.kind == SQLITE:
                return SQLITE  # conn.cursor(): a cursor of a bound connection (made here or imported)
        dotted = self.dotted_name(func)
        kind = CONSTRUCTORS.get(dotted or "") or (CONFIGURED if dotted in self.owner.configured else None)
        if kind is None and isinstance(func, ast.Name) and func.id in self.local_classes:
            kind = LOCAL
        if kind is None and dotted and self.owner.local_class(dotted):
            kind = LOCAL  # `from state import State`, a threading.local subclass of another module
        if kind == SQLITE and any(k.arg == "check_same_thread" and not (isinstance(k.value, ast.Constant) and k.value.value)
                                  for k in value.keywords):
            return None  # opened for use from any thread
        return kind

    def dotted_name(self, expr: ast.expr) -> str | None:
        chain = name_chain(expr)
        if chain is None:
            return None
        head, parts = chain
        base = self.imports.get(head)
        if base is None:
            if head in self.globals or head in self.functions or head in self.classes:
                base = f"{self.dotted}.{head}" if self.dotted else head
            else:
                base = head
        return ".".join([base, *parts])

    def where(self, bound: Bound) -> str:
        return f"{self.owner.display(bound.path)}:{bound.line}"


class ThreadBound:
    def __init__(self, index: ProjectIndex, configured: tuple[str, ...] = (), display=str) -> None:
        self.index = index
        self.configured = frozenset(configured)
        self.display = display
        self._modules: dict[str, _Module | None] = {}
        self._direct: dict[FuncId, str | None] = {}
        self._found: dict[FuncId, str | None] = {}
        self._changers: dict[tuple[shared_state.Key, FuncId], str | None] = {}

    def module(self, path: str) -> _Module | None:
        if path not in self._modules:
            self._modules[path] = None  # modules importing each other: the inner look-up sees nothing yet
            text = self.index.texts.get(path)
            try:
                tree = shared_parses.parse(text) if text is not None else None
            except UNPARSABLE:
                tree = None
            self._modules[path] = _Module(self, path, tree, text.splitlines()) if tree is not None else None
        return self._modules[path]

    def local_class(self, dotted: str) -> bool:
        """`dotted` names a class of a project module that subclasses threading.local."""
        parts = dotted.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            path = self.index.modules.get(".".join(parts[:cut]))
            if path is not None:
                other = self.module(path)
                return bool(other and ".".join(parts[cut:]) in other.local_classes)
        return False

    def file_facts(self, path: str) -> dict[str, dict]:
        """For codemods that move code into a thread within one file (file_io's `with open` blocks):
        {"module": {name: kind}, "functions": {qualname: {name: kind}}}. Module: the file's own bound
        module-level objects (those `thread-bound` lists too), the names it imports from project modules
        that are bound (`from db import conn`), and `alias.name` for the bound objects of a project
        module it imports whole. Functions:
        the bound objects each function makes itself (`conn = sqlite3.connect(...)`, `cur = conn.cursor()`),
        and for a method the bound attributes its class keeps on `self` (`self.conn`)."""
        module = self.module(path)
        if module is None:
            return {"module": {}, "functions": {}}
        names = {name: bound.kind for name, bound in module.bound.items() if name not in module.imports}
        # a module-level object `thread-bound` lists by its dotted name (`pkg.app.cache`), used by its
        # own module as `cache`
        prefix = f"{module.dotted}." if module.dotted else ""
        names.update({name: LISTED for name in module.globals if f"{prefix}{name}" in self.configured
                      and name not in module.imports and name not in names})
        for alias, target in module.imports.items():
            found = self._imported(target)
            if found is not None:
                names[alias] = found.kind
            other_path = self.index.modules.get(target)
            other = self.module(other_path) if other_path else None
            for name, bound in (other.bound.items() if other else ()):
                names[f"{alias}.{name}"] = bound.kind
        functions: dict[str, dict[str, str]] = {}
        held: dict[str, dict[str, str]] = {}  # class -> `self.<attr>` -> kind
        for qualname, node in module.functions.items():
            own: dict[str, Bound] = {}
            for sub in module.statements(node):
                module._bind_assignment(sub, own, lambda name: name)
            cls = _enclosing_class(module, qualname)
            if cls is not None and cls not in held:
                held[cls] = {f"self.{attr}": bound.kind for attr, bound in self._attributes(module, cls).items()}
            kinds = {**(held[cls] if cls is not None else {}), **{name: bound.kind for name, bound in own.items()}}
            if kinds:
                functions[qualname] = kinds
        return {"module": names, "functions": functions}

    def _attributes(self, module: _Module, cls: str) -> dict[str, Bound]:
        """The bound `self.` attributes of `cls` (its own and its project bases'): `self.conn =
        sqlite3.connect(...)` in `__init__`, used by another method."""
        try:
            classes = [c for c in self.index.mro((module.path, cls)) if c is not None]
        except KeyError:
            classes = [(module.path, cls)]
        found: dict[str, Bound] = {}
        for path, qualname in reversed(classes or [(module.path, cls)]):  # the class's own win
            other = self.module(path)
            found.update({attr: bound for (owner, attr), bound in (other.attrs.items() if other else ())
                          if owner == qualname})
        return found

    # --- what a function touches ------------------------------------------------------------------
    def hazard(self, fid: FuncId) -> str | None:
        """Why running `fid` in a thread would lose thread-bound state (it, or a project function it
        calls, touches such an object), or None."""
        if fid not in self._found:
            self._found[fid] = self._search(fid)
        return self._found[fid]

    def _search(self, fid: FuncId) -> str | None:
        seen, stack = {fid}, [(fid, 0)]
        while stack:
            current, depth = stack.pop()
            found = self.direct(current)
            if found:
                return found if current == fid else f"calls `{self.index.display_name(current)}`, which {found}"
            if depth >= _MAX_DEPTH:
                continue
            for _, callee in self.index.calls_from(current):
                if callee not in seen:
                    seen.add(callee)
                    stack.append((callee, depth + 1))
        return None

    def direct(self, fid: FuncId) -> str | None:
        if fid not in self._direct:
            module = self.module(fid[0])
            node = module.functions.get(fid[1]) if module else None
            self._direct[fid] = self._touches(module, node, fid[1]) if node is not None else None
        return self._direct[fid]

    def _touches(self, module: _Module, node: ast.AST, qualname: str) -> str | None:
        nodes = module.in_order(node)  # parents linked, for `_writes_contextvar`
        local = local_names(node)
        cls = _enclosing_class(module, qualname)
        for expr in nodes:
            if not isinstance(expr, (ast.Name, ast.Attribute)):  # every Name/Attribute chain, as `_chains`
                continue
            bound = self._bound_at(module, expr, local, cls)
            if bound is not None and (bound.kind != CONTEXTVAR or _writes_contextvar(expr)):
                made_here = (bound.via is None and bound.path == module.path
                             and node.lineno <= bound.line <= (node.end_lineno or node.lineno))
                return bound.why(module.where(bound), made_here)
        for sub in nodes:  # one pass for what the calls and `with`s do
            if type(sub) is ast.Call and module.dotted_name(sub.func) in LOOP_CALLS:
                return (f"calls `{module.dotted_name(sub.func)}()` ({self.display(module.path)}:{sub.lineno}), which needs "
                        "the loop of the calling thread: a worker thread has none")
            state = _process_state(module, sub)
            if state:
                return (f"{state} ({self.display(module.path)}:{sub.lineno}): in a thread, the loop's other tasks "  # type: ignore[attr-defined]
                        "would run meanwhile under that state; blocking the loop, none ran")
        return self._race(module, nodes, local, (module.path, qualname))

    # --- containers shared with the loop (awaitify.shared_state) -----------------------------------
    def _race(self, module: _Module, nodes: list[ast.AST], local: set[str], fid: FuncId) -> str | None:
        """Why the function's reads and changes of a module-level container would race with a
        function on the loop that changes it too, once the function runs in a thread; or None."""
        found = shared_state.uses(nodes, lambda expr: self._container(module, expr, local))
        for key, line in shared_state.read_and_changed(found):
            rival = self._loop_changer(key, fid)
            if rival is not None:
                return (f"reads and changes `{key[1]}` ({self.display(module.path)}:{line}), a module-level container "
                        f"that `{rival}` changes on the event loop: run in a thread, that change could land between "
                        "the two (an item lost or handled twice); blocking the loop, nothing ran in between")
        return None

    def _container(self, module: _Module, expr: ast.expr, local: set[str]) -> shared_state.Key | None:
        """The module-level container (of this module, or imported from a project module) that a
        Name or Attribute chain names, or None."""
        chain = name_chain(expr)
        if chain is None or chain[0] in local:
            return None
        head, parts = chain
        if not parts and head in module.containers and head not in module.imports:
            return module.path, head
        if head not in module.imports:
            return None
        dotted = module.dotted_name(expr) or ""
        owner, _, name = dotted.rpartition(".")
        path = self.index.modules.get(owner)
        other = self.module(path) if path else None
        return (path, name) if other is not None and path is not None and name in other.containers else None

    def _loop_changer(self, key: shared_state.Key, offloaded: FuncId) -> str | None:
        """The name of a function other than `offloaded` that changes the container `key` on the
        loop (an `async def`, or a sync function an `async def` of its module calls; not a startup
        or shutdown hook), in its own module or one that imports it; None when none does."""
        if (key, offloaded) not in self._changers:
            self._changers[(key, offloaded)] = self._find_changer(key, offloaded)
        return self._changers[(key, offloaded)]

    def _find_changer(self, key: shared_state.Key, offloaded: FuncId) -> str | None:
        path, name = key
        owner = self.index.primary_name.get(path, "").rpartition(".")[2]
        texts = self.index.texts
        for other_path in [path, *(p for p in texts if p != path)]:
            text = texts.get(other_path) or ""
            if name not in text or (other_path != path and (not owner or owner not in text)):
                continue
            module = self.module(other_path)
            if module is None:
                continue
            called = {callee for qualname, node in module.functions.items() if isinstance(node, ast.AsyncFunctionDef)
                      for _, callee in self.index.calls_from((other_path, qualname))}
            for qualname, node in module.functions.items():
                fid = (other_path, qualname)
                if fid == offloaded or not (isinstance(node, ast.AsyncFunctionDef) or fid in called):
                    continue
                if shared_state.is_hook(node):
                    continue
                local = local_names(node)
                uses = shared_state.uses(module.in_order(node), lambda expr, m=module, own=local: self._container(m, expr, own))
                if uses.get(key, (0, 0, 0))[1]:
                    return self.index.display_name(fid)
        return None

    def _bound_at(self, module: _Module, expr: ast.expr, local: set[str], cls: str | None) -> Bound | None:
        """The bound object a Name/Attribute chain names (module-level here or in a project module,
        or a bound `self.` attribute of the enclosing class), or None."""
        chain = name_chain(expr)
        if chain is None:
            return None
        head, parts = chain
        if head == "self" and cls is not None and parts:
            return self._attribute(module, cls, parts[0])
        if head in local:
            return None
        if head in module.bound and head not in module.imports:
            return module.bound[head]
        dotted = module.dotted_name(expr)
        if dotted is None:
            return None
        for name in self.configured:
            if dotted == name or dotted.startswith(name + "."):
                return Bound(CONFIGURED, name, module.path, expr.lineno)
        return self._imported(dotted) if head in module.imports else None

    def _imported(self, dotted: str) -> Bound | None:
        parts = dotted.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            path = self.index.modules.get(".".join(parts[:cut]))
            if path is not None:
                other = self.module(path)
                return other.bound.get(parts[cut]) if other else None
        return None

    def _attribute(self, module: _Module, cls: str, attr: str) -> Bound | None:
        try:
            classes = [c for c in self.index.mro((module.path, cls)) if c is not None]
        except KeyError:
            classes = [(module.path, cls)]
        for path, qualname in classes or [(module.path, cls)]:
            other = self.module(path)
            if other and (qualname, attr) in other.attrs:
                return other.attrs[(qualname, attr)]
        return None

    # --- what a call site hands the thread ----------------------------------------------------------
    def site_hazard(self, edge: Edge) -> str | None:
        """Why the arguments the offloaded call at `edge` passes would not survive the thread: a bound
        object the caller made (module level, or a local of the calling function)."""
        module = self.module(edge.path)
        if module is None:
            return None
        call, caller = call_at(module, edge)
        if call is None:
            return None
        own: dict[str, Bound] = {}
        if caller is not None:
            for node in module.statements(caller):
                module._bind_assignment(node, own, lambda name: name)
        local = local_names(caller) - set(own) if caller is not None else set()
        cls = _enclosing_class(module, edge.site.owner)
        receiver = [call.func.value] if isinstance(call.func, ast.Attribute) else []  # `repo.get()`: repo moves too
        for arg in [*receiver, *call.args, *(k.value for k in call.keywords)]:
            for expr in _chains(arg):
                chain = name_chain(expr)
                bound = own.get(chain[0]) if chain and chain[0] in own else self._bound_at(module, expr, local, cls)
                if bound is not None and bound.kind != CONTEXTVAR:
                    return f"passes {bound.why(module.where(bound)).removeprefix('uses ')}"
        return None


def _process_state(module: _Module, node: ast.AST) -> str | None:
    """What process-wide state `node` changes for a while (a `with redirect_stdout(...)`, `chdir`,
    `mock.patch`...: awaitify.await_barriers; `os.chdir()`), or None."""
    if type(node) is ast.With:
        for item in node.items:
            if await_barriers.sets_process_state(item.context_expr):
                return f"changes process-wide state in `with {ast.unparse(item.context_expr)}`"
    elif type(node) is ast.Call and module.dotted_name(node.func) in _PROCESS_CALLS:
        return f"calls `{module.dotted_name(node.func)}()`, which changes process-wide state"
    return None


def call_at(module: _Module, edge: Edge) -> tuple[ast.Call | None, ast.AST | None]:
    """The call at the edge (the called expression ends at `site.key`), and the function holding it,
    its nodes linked to their parents (`_tb_parent`: what holds the call)."""
    caller = module.functions.get(edge.site.owner)
    if caller is None:
        return None, None
    line, col = edge.site.key
    for node in module.in_order(caller):
        if isinstance(node, ast.Call) and node.func.end_lineno == line:
            if char_column(module.lines, line, node.func.end_col_offset or 0) == col:
                return node, caller
    return None, caller


def _enclosing_class(module: _Module, qualname: str) -> str | None:
    """`C.m` -> `C` when C is a class of the module (a method's `self`)."""
    cls = qualname.rpartition(".")[0]
    return cls if cls in module.classes else None


def _chains(node: ast.AST) -> Iterator[ast.expr]:
    """Every Name and every Attribute chain standing in `node` (each prefix of `a.b.c` too)."""
    for sub in ast.walk(node):
        if isinstance(sub, (ast.Name, ast.Attribute)):
            yield sub


def _writes_contextvar(expr: ast.expr) -> bool:
    """`var.set(...)` / `var.reset(...)`: `expr` is `var`, and something called `.set` on it. Known by
    the parent links `_in_order` adds to the function holding it."""
    parent = getattr(expr, "_tb_parent", None)
    return (isinstance(parent, ast.Attribute) and parent.attr in _CONTEXTVAR_WRITES
            and isinstance(getattr(parent, "_tb_parent", None), ast.Call) and parent._tb_parent.func is parent)


def _module_level_names(tree: ast.Module) -> set[str]:
    """Names the module binds at its own level (not inside a function, class or lambda)."""
    names: set[str] = set()
    stack: list[ast.AST] = list(tree.body)
    scopes = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
    while stack:
        node = stack.pop()
        if isinstance(node, scopes):
            continue
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Store):
                names.add(node.id)
            continue
        push_children(node, stack)
    return names


def _blocks(node: ast.stmt) -> list[list[ast.stmt]]:
    """The statement lists a compound statement holds (if/try/with/for/while/match), none for a def
    or a class (their bodies are not run where they stand)."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return []
    blocks = [getattr(node, name) for name in ("body", "orelse", "finalbody") if isinstance(getattr(node, name, None), list)]
    blocks += [handler.body for handler in getattr(node, "handlers", ())]
    blocks += [case.body for case in getattr(node, "cases", ())]
    return blocks


def _module_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements run at module level, in order, inside if/try/with/for/while blocks too."""
    for node in body:
        yield node
        for block in _blocks(node):
            yield from _module_statements(block)


def _in_order(tree: ast.AST) -> list[ast.AST]:
    """`tree` and every node under it in `ast.walk`'s (breadth-first) order, each linked to its parent
    (`_tb_parent`)."""
    found, parents = walk_linked(tree)
    for node in found[1:]:
        node._tb_parent = parents[id(node)]  # type: ignore[attr-defined]
    return found
