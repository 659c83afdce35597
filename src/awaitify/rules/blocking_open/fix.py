"""Moves file I/O inside `async def` to a thread.

- `Path(p).read_text()` and `path.write_bytes(data)` (for a local `path = Path(...)`) become
  `await asyncio.to_thread(Path(p).read_text)` / `await asyncio.to_thread(path.write_bytes, data)`,
  with `encoding=`, `errors=` and `newline=` kept. The `Path` is built on the loop (no I/O).
- A `with open(...) as f:` block (also `io.open`, `codecs.open`) becomes a small local function that
  holds the very same block, run with `await asyncio.to_thread(...)`; the names the block assigns and
  the rest of the function reads are returned and bound again, so the code after it sees the same
  values. Mode, encoding, newline and every other argument stay as they were, in the same block.
A block that awaits, returns, yields, breaks, continues, deletes, imports, defines functions or
classes, declares `global`/`nonlocal`, or updates an outer variable in place (`total += ...`) cannot
move to a function as it is: it is left alone (and `awaitify check` reports it). So is a block that
may leave a name the function reads later unbound (assigned only in a loop or in one branch: the
helper could not return it when the loop never runs, an empty file), with a diagnostic. So is a
block that uses state bound to the loop's thread (a sqlite3 connection or `threading.local` made on
the loop, here or at module level; a context variable it sets; an object the `thread-bound` setting
lists: awaitify.thread_bound).
"""

from __future__ import annotations

import ast
from collections import Counter
from functools import cached_property

import libcst as cst
from libcst.metadata import PositionProvider

from awaitify.codemod_base import ASYNC, OffloadCodemod, awaited, names_in, thread_helper, to_thread
from awaitify.rules.blocking_open import RULE as BLOCKING_OPEN, refusals
from awaitify.rules.blocking_open.bindings import ALL, always_bound, file_used_after, rebinds_outer, scope_bindings
from awaitify.rules.blocking_open import PATH_IO_METHODS as METHODS
from awaitify.rules.blocking_open.detect import wants
from awaitify.rules.blocking_open.thread_uses import LOOP_CALL_NAMES, BlockUses, bound_use
from awaitify.thread_bound import ThreadBound

PATH_CLASSES = frozenset({"pathlib.Path", "pathlib.PosixPath", "pathlib.WindowsPath"})
OPENERS = frozenset({"builtins.open", "io.open", "codecs.open"})
# statements and expressions that mean something else inside a new function (the pre-check's
# `summary._STAYS` says the same in `ast` terms: change both together)
NOT_MOVABLE = (cst.Await, cst.Return, cst.Yield, cst.Break, cst.Continue, cst.Del, cst.Import, cst.ImportFrom,
               cst.FunctionDef, cst.ClassDef, cst.Global, cst.Nonlocal)

RULE = BLOCKING_OPEN


class _Block(cst.CSTVisitor):
    """What a `with` block assigns, and the first thing in it that cannot move to a function."""

    def __init__(self) -> None:
        self.assigned: list[str] = []
        self.problem: str | None = None

    def _bind(self, target: cst.BaseExpression) -> None:
        if isinstance(target, cst.Name):
            if target.value not in self.assigned:
                self.assigned.append(target.value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._bind(element.value)
        elif isinstance(target, cst.StarredElement):
            self._bind(target.value)

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, NOT_MOVABLE) and self.problem is None:
            self.problem = f"`{type(node).__name__.lower()}` in the block"
        elif _asynchronous(node) and self.problem is None:  # written by an earlier codemod (requests-httpx's streams)
            self.problem = "`async with`/`async for` in the block"
        elif isinstance(node, cst.AugAssign) and isinstance(node.target, cst.Name) and node.target.value not in self.assigned:
            self.problem = f"`{node.target.value}` is updated in place"
        elif isinstance(node, cst.AssignTarget):
            self._bind(node.target)
        elif isinstance(node, (cst.AnnAssign, cst.For, cst.NamedExpr)):
            self._bind(node.target)
        elif isinstance(node, cst.AsName):
            self._bind(node.name)
        elif isinstance(node, (cst.Lambda, cst.GeneratorExp, cst.ListComp, cst.SetComp, cst.DictComp)):
            if self.problem is None and not isinstance(node, cst.Lambda) and _awaits_inside(node):
                self.problem = "`await` in the block"  # an async comprehension: only valid in the async function
            return False  # their own scopes
        return True


def _awaits_inside(node: cst.CSTNode) -> bool:
    class Awaits(cst.CSTVisitor):
        found = False

        def visit_Await(self, _node: cst.Await) -> bool:
            self.found = True
            return False

    visitor = Awaits()
    node.visit(visitor)
    return visitor.found


def _name_counts(node: cst.CSTNode) -> Counter[str]:
    counts: Counter[str] = Counter()

    class Names(cst.CSTVisitor):
        def visit_Name(self, name: cst.Name) -> None:
            counts[name.value] += 1

    node.visit(Names())
    return counts


class _FunctionFacts:
    """What the fix may ask of an enclosing def, read when it first asks: most defs hold no block
    to convert, and each answer is a walk of the whole def."""

    def __init__(self, node: cst.FunctionDef) -> None:
        self.node = node

    @cached_property
    def names(self) -> set[str]:
        """Every name it spells, and those of the helpers written into it since."""
        return names_in(self.node)

    @cached_property
    def counts(self) -> Counter[str]:
        """How often it spells each name."""
        return _name_counts(self.node)


# names through which a function can read any of its locals
_READ_ALL_LOCALS = frozenset({"locals", "vars", "eval", "exec"})


def _withs_by_line(tree: ast.Module) -> dict[int, tuple[ast.AsyncFunctionDef, ast.With]]:
    """Each `with` statement that stands right in an async function (not in a nested def, lambda
    or class), by its line, with that function."""
    found: dict[int, tuple[ast.AsyncFunctionDef, ast.With]] = {}
    stack: list[tuple[ast.AST, ast.AST | None]] = [(tree, None)]
    while stack:
        node, holder = stack.pop()
        if isinstance(node, ast.With) and isinstance(holder, ast.AsyncFunctionDef):
            found[node.lineno] = (holder, node)
        inner = node if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)) else holder
        stack.extend((child, inner) for child in ast.iter_child_nodes(node))
    return found


UNSEEN = "unseen"  # a kind of thread_uses.KINDS: what a file run alone imports from outside


def _file_alone_facts(code: str, configured: tuple[str, ...]) -> dict[str, dict]:
    """awaitify.thread_bound's facts for one file with no project around it (the second, checking
    pass over a rewritten file, a codemod run alone). What it imports from outside the standard
    library may be bound, and it cannot see: counted as bound (UNSEEN), as the first pass would have
    known, so both passes leave the same blocks."""
    import ast
    import sys

    from awaitify.index import SummaryStore, build_index

    path = "<file>"
    facts = ThreadBound(build_index(SummaryStore({path: code}), []), configured).file_facts(path)
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return facts
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").partition(".")[0] not in sys.stdlib_module_names):
            facts["module"].update({(a.asname or a.name): UNSEEN for a in node.names if a.name != "*"})
        elif isinstance(node, ast.Import):
            facts["module"].update({(a.asname or a.name).partition(".")[0]: UNSEEN for a in node.names
                                    if a.name.partition(".")[0] not in sys.stdlib_module_names})
    return facts


class _Uses(cst.CSTVisitor):
    """The names a block spells, the Name/Attribute chains in it, and the names it calls `.set()` or
    `.reset()` on (what thread_uses.read_block reads with `ast` for `check`)."""

    def __init__(self) -> None:
        self.names: set[str] = set()
        self.set_on: set[str] = set()
        self.chains: list[cst.Name | cst.Attribute] = []

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)
        self.chains.append(node)

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        self.chains.append(node)
        node.value.visit(self)  # `db.conn`: `db` is a name the block spells, `conn` is not
        return False

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in ("set", "reset") and isinstance(func.value, cst.Name):
            self.set_on.add(func.value.value)


def _last_name(node: cst.Name | cst.Attribute) -> str:
    return node.value if isinstance(node, cst.Name) else node.attr.value


def _asynchronous(node: cst.CSTNode) -> bool:
    """An `async with`, `async for` or async comprehension: only valid in the async function."""
    if isinstance(node, (cst.With, cst.For)):
        return node.asynchronous is not None
    comp = getattr(node, "for_in", None)
    while isinstance(comp, cst.CompFor):
        if comp.asynchronous is not None:
            return True
        comp = comp.inner_for_in
    return False


class OffloadFileIO(OffloadCodemod):
    RULE = RULE
    DESCRIPTION = __doc__

    def __init__(self, context: cst.codemod.CodemodContext) -> None:
        super().__init__(context)
        self._paths: list[set[str]] = [set()]  # per function: locals assigned a Path(...)
        self._functions: list[_FunctionFacts] = []  # the enclosing defs, innermost last
        self._qualnames: list[tuple[str, bool]] = []  # (qualname, is a function) of the enclosing defs
        self._thread_facts: dict[str, dict] | None = None  # awaitify.thread_bound's, for this file
        self._moving: list[tuple[cst.With, list[str]]] = []  # the block moving to a thread, and what it returns
        self._withs: dict[int, tuple[ast.AsyncFunctionDef, ast.With]] | None = None  # `_block_in_syntax_tree`'s

    def _qualname(self, name: str) -> str:
        if not self._qualnames:
            return name
        parent, is_function = self._qualnames[-1]
        return f"{parent}.<locals>.{name}" if is_function else f"{parent}.{name}"

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        self._qualnames.append((self._qualname(node.name.value), False))
        return super().visit_ClassDef(node)

    def leave_ClassDef(self, original: cst.ClassDef, updated: cst.ClassDef) -> cst.BaseStatement:
        self._qualnames.pop()
        return super().leave_ClassDef(original, updated)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self._qualnames.append((self._qualname(node.name.value), True))
        self._paths.append(set())
        self._functions.append(_FunctionFacts(node))
        return super().visit_FunctionDef(node)

    def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef) -> cst.BaseStatement:
        self._paths.pop()
        self._qualnames.pop()
        self._functions.pop()
        return super().leave_FunctionDef(original, updated)

    def visit_Assign(self, node: cst.Assign) -> bool:
        if (len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name) and isinstance(node.value, cst.Call)
                and self.qualified_name(node.value.func) in PATH_CLASSES):
            self._paths[-1].add(node.targets[0].target.value)
        return True

    # --- state bound to the loop's thread (awaitify.thread_bound) --------------------------------------
    def _thread_bound_names(self) -> dict[str, str]:
        """name -> kind of the thread-bound objects the enclosing function may use: awaitify.thread_bound's
        facts (the one place that says what is bound), made by the planner over the whole project
        (names imported from project modules resolved); for a file run alone, over this file."""
        if self._thread_facts is None:
            facts = self.session.plan.extra.get(RULE.name)
            self._thread_facts = facts.get("thread_bound") if isinstance(facts, dict) else None
            if self._thread_facts is None:
                self._thread_facts = _file_alone_facts(self.module_node.code, self.config.thread_bound)
        own = self._thread_facts["functions"].get(self._qualnames[-1][0], {}) if self._qualnames else {}
        return {**self._thread_facts["module"], **own}

    def _thread_bound_use(self, block: cst.With) -> str | None:
        """What in the block would not survive the move to a thread: a thread-bound object made on the
        loop (here at module level, imported from a project module, or earlier in the function), a
        context variable it sets (the thread works in a copy of the context), or an object the
        `thread-bound` setting lists."""
        uses = _Uses()
        block.body.visit(uses)
        # a qualified name is looked up only to match that setting, or a call that needs the running loop
        listed = bool(self.config.thread_bound)
        chains = tuple((self.module_node.code_for_node(node) if isinstance(node, cst.Attribute) else "",
                        (self.qualified_name(node) or "") if listed or _last_name(node) in LOOP_CALL_NAMES else "")
                       for node in uses.chains)
        read = BlockUses(frozenset(uses.names), frozenset(uses.set_on), chains)
        return bound_use(self._thread_bound_names(), read, self.config.thread_bound)

    def _is_path(self, expr: cst.BaseExpression) -> bool:
        if isinstance(expr, cst.Call):
            return self.qualified_name(expr.func) in PATH_CLASSES
        return isinstance(expr, cst.Name) and (expr.value in self._paths[-1] or expr.value in self._paths[0])

    # --- with open(...) as f: ... -------------------------------------------------------------------
    def visit_With(self, node: cst.With) -> bool:
        # Decided on the way in: a block that moves to a thread takes the blocking calls and `with
        # open(...)` blocks inside it along, so they are not offloaded one by one (an `await` of
        # theirs would land in the sync helper).
        if not self._moving:
            returned = self._move_plan(node)
            if returned is not None:
                self._moving.append((node, returned))
        return True

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if self._moving:
            return updated  # it moves to the thread with its block
        return super().leave_Call(original, updated)

    def _move_plan(self, original: cst.With) -> list[str] | None:
        """For a `with open(...)` block in async code that can move whole into a helper run in a
        thread: the names the helper hands back. None when it stays (and why, when that is worth
        saying)."""
        if (self.scope_kind != ASYNC or original.asynchronous is not None or len(original.items) != 1
                or not isinstance(original.items[0].item, cst.Call) or not isinstance(original.body, cst.IndentedBlock)
                or self.qualified_name(original.items[0].item.func) not in OPENERS or self._suppressed(original.items[0].item)):
            return None
        opened = original.items[0].item  # where both commands report the block's refusal: its `open()`
        block = _Block()
        original.visit(block)
        target = original.items[0].asname
        file_var = target.name.value if target is not None and isinstance(target.name, cst.Name) else None
        # the file's own name is bound first thing in the helper: binding it before the block too is fine
        others = [n for n in block.assigned if n != file_var]
        if block.problem:
            # said: check reports this block's file I/O, and nothing else will move it off the loop
            self.diagnose(opened, refusals.not_movable(block.problem))
            return None
        outer = self._outer_questions(original, file_var, others)
        if outer:
            self.diagnose(opened, outer)
            return None
        bound = self._thread_bound_use(original)
        if bound:
            self.diagnose(opened, refusals.thread_bound(bound))
            return None
        returned = self._read_after(original, others)
        # the question check's scan asks too (awaitify.audit.block_bindings), on the block's `ast`
        block_ast = ast.parse(self.module_node.code_for_node(original)).body[0]
        always = always_bound(block_ast.body)  # type: ignore[attr-defined]
        unbound = [n for n in returned if always is not ALL and n not in always]
        if unbound:
            self.diagnose(opened, refusals.may_leave_unbound(unbound))
            return None
        return returned

    def leave_With(self, original: cst.With, updated: cst.With) -> cst.BaseStatement | cst.FlattenSentinel:
        if not self._moving or self._moving[-1][0] is not original:
            return updated
        returned = self._moving.pop()[1]
        helper = self._helper_name()
        body: list[cst.BaseStatement] = [updated.with_changes(leading_lines=[])]
        if returned:
            value = cst.Name(returned[0]) if len(returned) == 1 else cst.Tuple(
                [cst.Element(cst.Name(n)) for n in returned], lpar=[], rpar=[])
            body.append(cst.SimpleStatementLine([cst.Return(value)]))
        function = cst.FunctionDef(name=cst.Name(helper), params=cst.Parameters(), body=cst.IndentedBlock(body),
                                   leading_lines=updated.leading_lines)
        call = awaited(to_thread(self.context, cst.Call(func=cst.Name(helper)), self.config.target))
        if not returned:
            statement = cst.SimpleStatementLine([cst.Expr(call)])
        else:
            target = cst.Name(returned[0]) if len(returned) == 1 else cst.Tuple(
                [cst.Element(cst.Name(n)) for n in returned], lpar=[], rpar=[])
            statement = cst.SimpleStatementLine([cst.Assign([cst.AssignTarget(target)], call)])
        self.record(original, f"the `with open(...)` block -> a local function run with await {self._helper_call()}: "
                    "file I/O blocks the event loop")
        return cst.FlattenSentinel([function, statement])

    def _read_after(self, node: cst.With, names: list[str]) -> list[str]:
        """The names the function spells outside the block too (read after it, or before it in a
        loop): only those need to come back from the helper. Every one when the function can read
        its locals by name (`locals()`, `eval`)."""
        counts = self._functions[-1].counts if self._functions else Counter()
        if any(counts[name] for name in _READ_ALL_LOCALS):
            return names
        inside = _name_counts(node)
        return [name for name in names if counts[name] > inside[name]]

    def _outer_questions(self, node: cst.With, file_var: str | None, others: list[str]) -> str | None:
        """Why the block stays, for what the function does around it (`check`'s scan asks the same, with
        the same `ast` functions: awaitify.rules.blocking_open.bindings), or None. Read from the `ast`
        tree of this version's text (no libcst scope analysis: it cost more than the rest of the
        rewrite on files with such blocks)."""
        found = self._block_in_syntax_tree(node)
        if found is None:  # (this Python cannot read the version: nothing is known of the function)
            return refusals.not_movable("code this Python cannot parse")
        func, block = found
        if file_var is not None and file_used_after(func, file_var, block.end_lineno or block.lineno):
            return refusals.FILE_USED_AFTER
        before = {name for name, line in scope_bindings(func) if line < block.lineno}
        if others and rebinds_outer(block, file_var, before):
            return refusals.REBINDS_OUTER
        return None

    def _block_in_syntax_tree(self, node: cst.With) -> tuple[ast.AsyncFunctionDef, ast.With] | None:
        """The block and the async function it stands in, in the `ast` tree of this version's text."""
        line = self.get_metadata(PositionProvider, node).start.line
        if self._withs is None:
            tree = self.session.syntax_tree()
            self._withs = {} if tree is None else _withs_by_line(tree)
        return self._withs.get(line)

    def _helper_call(self) -> str:
        return thread_helper(self.config.target)

    def _helper_name(self) -> str:
        taken = self._functions[-1].names if self._functions else set()
        name, n = "_file_io", 1
        while name in taken:
            name, n = f"_file_io_{n}", n + 1
        taken.add(name)
        return name

    def offloaded_name(self, call: cst.Call) -> str | None:
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value in METHODS and self._is_path(func.value):
            return f"Path.{func.attr.value}"
        return None
