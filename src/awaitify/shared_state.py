"""Module-level containers an offloaded function reads and changes while code on the loop changes
them too: a race the offload creates (an *unsafe* fix, docs/propagation.md). No libcst.

A blocking call in async code is atomic with respect to the loop's other tasks: nothing else runs
until it returns. `flush()` doing `items = list(queue); queue.clear()` loses nothing however many
handlers `queue.append(x)` meanwhile, because none runs in between. Offloaded (`await
asyncio.to_thread(flush)`), flush runs in a worker thread while the loop goes on: a handler's append
can land between the copy and the clear, and that item is lost. The same holds for every
read-then-change of a shared container (`if key not in cache: cache[key] = ...`, `counts[k] += 1`,
two appends that must stay together).

So an offload is a hazard when the function (or a project function it calls) touches a module-level
container (`[]`, `{}`, `set()`, `deque()`, `defaultdict(...)`...) at least twice, changing it at least
once, and a function that runs on the loop (an `async def`, or a sync function an `async def` of its
module calls) changes the same container; startup and shutdown hooks (`on_event`, `lifespan`...) run
before or after the tasks that could race, and are left out. A single change (`calls.append(x)`) is
atomic under the GIL: no hazard. Settings read by the thread and written at startup: no hazard.

The same holds for an `await` written between such uses (`shared_sections`: an await barrier,
awaitify.await_barriers): `items = list(queue)`, then `time.sleep()` become `await asyncio.sleep()`,
then `queue.clear()` lets a handler's append land in between. There the other function must be an
`async def` of the same module changing the container in place (`loop_changers`): a barrier is read
from one file. A function racing with itself in another task is not told (a cache filled twice),
nor a container kept on `self` (an instance may belong to one task: the tool cannot see).
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Callable, Iterable

from awaitify.ast_statements import SUSPENDS, local_names, walk_linked

# calls that make a container: `queue = []` is one as much as `queue = collections.deque()`
_MAKERS = frozenset({"list", "dict", "set", "deque", "defaultdict", "OrderedDict", "Counter", "bytearray"})
_DISPLAYS = (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp)
# the methods that change a list, dict, set, deque or bytearray in place
MUTATORS = frozenset({
    "append", "appendleft", "extend", "extendleft", "insert", "pop", "popleft", "popitem", "remove", "clear",
    "update", "setdefault", "add", "discard", "sort", "reverse", "rotate", "difference_update",
    "intersection_update", "symmetric_difference_update", "__setitem__", "__delitem__",
})
# functions run before the loop serves anything, or after it stopped: they race with nothing
_HOOK_NAMES = frozenset({"lifespan", "startup", "shutdown", "on_startup", "on_shutdown"})
_HOOK_DECORATORS = frozenset({"on_event", "on_startup", "on_shutdown", "on_cleanup", "asynccontextmanager"})

Key = tuple[str, str]  # (path of the module, the container's name there)
# the cheap tests on a module's text before any parse: a module-level name bound to a new container
# (read after a newline: a literal the regex engine looks for fast; the first line is matched alone)...
_MADE_AFTER = r"([A-Za-z_]\w*)[ \t]*(?::[^=\n]*)?=[ \t]*(?:\[|\{|(?:collections\.)?(?:list|dict|set|deque|defaultdict" \
              r"|OrderedDict|Counter|bytearray)\()"
_MADE = re.compile("\n" + _MADE_AFTER)
_MADE_FIRST = re.compile(_MADE_AFTER)
# ... and then a change of one of those names in place: a mutating method, an item set, deleted or
# augmented (what follows the name, matched where a `str.find` of the name lands: fast)
_CHANGE_AFTER = re.compile(r"\s*(?:\.(?:" + "|".join(sorted(MUTATORS)) + r")\(|\[[^\n]*\]\s*(?:[-+*/%&|^@]|//|\*\*|<<|>>)?=(?!=)"
                           r"|(?:[-+*/%&|^@]|//|\*\*|<<|>>)=)")
_DELETED = r"\bdel\s+{name}\s*\["


def containers(statements: Iterable[ast.stmt]) -> dict[str, int]:
    """name -> line of each module-level name bound to a new mutable container (`queue = []`,
    `cache: dict[str, int] = {}`, `seen = set()`), from the module's own statements."""
    found: dict[str, int] = {}
    for node in statements:
        if type(node) is ast.Assign and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif type(node) is ast.AnnAssign and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if type(target) is ast.Name and _makes_container(value):
            found[target.id] = node.lineno
    return found


def _makes_container(value: ast.expr) -> bool:
    if isinstance(value, _DISPLAYS):
        return True
    if type(value) is not ast.Call:
        return False
    func = value.func
    name = func.attr if type(func) is ast.Attribute else func.id if type(func) is ast.Name else None
    return name in _MAKERS


def _linked(node: ast.AST) -> ast.AST | None:
    return getattr(node, "_tb_parent", None)  # the parent links of awaitify.thread_bound's walks


def changes(expr: ast.expr, parent_of: Callable[[ast.AST], ast.AST | None] = _linked) -> bool:
    """Does the use of a container at `expr` change it? Known by the parent links of the function's
    walk: `expr.append(...)`, `expr[k] = v`, `del expr[k]`, `expr[k] += 1`, `expr += [...]`."""
    parent = parent_of(expr)
    kind = type(parent)
    if kind is ast.Attribute:
        holder = parent_of(parent)  # type: ignore[arg-type]
        return parent.attr in MUTATORS and type(holder) is ast.Call and holder.func is parent  # type: ignore[union-attr]
    if kind is ast.Subscript:
        return parent.value is expr and type(parent.ctx) in (ast.Store, ast.Del)  # type: ignore[union-attr]
    if kind is ast.AugAssign:
        return parent.target is expr  # type: ignore[union-attr]
    return type(getattr(expr, "ctx", None)) in (ast.Store, ast.Del)


def uses(nodes: list[ast.AST], resolve: Callable[[ast.expr], Key | None],
         parent_of: Callable[[ast.AST], ast.AST | None] = _linked) -> dict[Key, tuple[int, int, int]]:
    """key -> (uses, changes, first line) of each container the nodes (a function's, parent-linked)
    name, by `resolve` (a Name or Attribute chain -> the container it is, or None)."""
    found: dict[Key, tuple[int, int, int]] = {}
    for node in nodes:
        if type(node) not in (ast.Name, ast.Attribute):
            continue
        key = resolve(node)  # type: ignore[arg-type]
        if key is None:
            continue
        count, changed, line = found.get(key, (0, 0, node.lineno))  # type: ignore[attr-defined]
        found[key] = (count + 1 + _augmented(node, parent_of), changed + changes(node, parent_of), line)  # type: ignore[arg-type]
    return found


def _augmented(expr: ast.expr, parent_of: Callable[[ast.AST], ast.AST | None]) -> bool:
    """`expr[k] += 1`, `expr += [...]`: a read and a change in one statement, not one step (another
    thread can change `expr` between the two)."""
    parent = parent_of(expr)
    if type(parent) is ast.Subscript and parent.value is expr:  # type: ignore[union-attr]
        expr, parent = parent, parent_of(parent)  # type: ignore[assignment]
    return type(parent) is ast.AugAssign and parent.target is expr  # type: ignore[union-attr]


def read_and_changed(found: dict[Key, tuple[int, int, int]]) -> list[tuple[Key, int]]:
    """The containers used at least twice, changed at least once (`uses`): (key, first line)."""
    return [(key, line) for key, (count, changed, line) in found.items() if changed and count > 1]


def is_hook(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A startup or shutdown hook (by its name or decorator): it runs before or after the tasks."""
    if node.name in _HOOK_NAMES:
        return True
    for decorator in node.decorator_list:
        func = decorator.func if type(decorator) is ast.Call else decorator
        name = func.attr if type(func) is ast.Attribute else func.id if type(func) is ast.Name else None
        if name in _HOOK_DECORATORS:
            return True
    return False


def loop_changers_in(text: str) -> dict[str, list[tuple[int, str]]]:
    """`loop_changers` of the module `text` holds, from a parse made only when its text may hold one
    (the last few texts asked are kept: a module's sync bodies are read one by one)."""
    return _changers_in(text) if "async def" in text else {}


@functools.lru_cache(maxsize=16)
def _changers_in(text: str) -> dict[str, list[tuple[int, str]]]:
    first = _MADE_FIRST.match(text)
    made = {name for name in [*_MADE.findall(text), *(first.groups() if first else ())] if not name.startswith("__")}
    if not any(_changed_in_text(text, name) for name in sorted(made)):
        return {}
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return {}
    return loop_changers(tree)


def _changed_in_text(text: str, name: str) -> bool:
    """Does the text spell a change of `name` in place anywhere (a superset of what the parse finds)?"""
    at = text.find(name)
    while at != -1:
        before = text[at - 1] if at else " "
        if not (before.isalnum() or before in "_.") and _CHANGE_AFTER.match(text, at + len(name)):
            return True
        at = text.find(name, at + 1)
    return re.search(_DELETED.format(name=name), text) is not None


def loop_changers(tree: ast.Module) -> dict[str, list[tuple[int, str]]]:
    """name -> [(line of the `def`, qualname)] of the `async def`s of the module (not startup or
    shutdown hooks) that change the module-level container of that name in place."""
    made = {name: line for name, line in containers(tree.body).items() if not name.startswith("__")}
    found: dict[str, list[tuple[int, str]]] = {}
    if not made:
        return found
    for function, qualname in _async_defs(tree.body, ""):
        if is_hook(function):
            continue
        nodes, parents = walk_linked(function)
        local = local_names(function)
        changed = {node.id for node in nodes if type(node) is ast.Name and node.id in made and node.id not in local  # type: ignore[attr-defined]
                   and type(node.ctx) is ast.Load and changes(node, lambda n, up=parents: up.get(id(n)))}  # type: ignore[attr-defined]
        for name in sorted(changed):
            found.setdefault(name, []).append((function.lineno, qualname))
    return found


def _async_defs(body: list[ast.stmt], prefix: str) -> Iterable[tuple[ast.AsyncFunctionDef, str]]:
    for node in body:
        if type(node) is ast.AsyncFunctionDef:
            yield node, prefix + node.name
        elif type(node) is ast.ClassDef:
            yield from _async_defs(node.body, f"{prefix}{node.name}.")


def shared_sections(function: ast.FunctionDef | ast.AsyncFunctionDef,
                    changers: dict[str, list[tuple[int, str]]]) -> list[tuple[int, int, str]]:
    """(first line, last line, barrier) of the stretch of the function between its first and last
    use of a container that another function changes on the loop (`loop_changers`), when it uses it
    twice or more and changes it, and awaits nothing there yet: an `await` there would let that
    function change it in between."""
    nodes, parents = walk_linked(function)
    local = local_names(function)
    seen: dict[str, list[int]] = {}  # name -> [first line, last line, uses, changes]

    def parent_of(node: ast.AST) -> ast.AST | None:
        return parents.get(id(node))
    for node in nodes:
        if type(node) is not ast.Name or node.id not in changers or node.id in local:  # type: ignore[attr-defined]
            continue
        first, last, count, changed = seen.get(node.id, [node.lineno, node.lineno, 0, 0])  # type: ignore[attr-defined]
        seen[node.id] = [min(first, node.lineno), max(last, node.end_lineno or node.lineno),  # type: ignore[attr-defined]
                         count + 1 + _augmented(node, parent_of), changed + changes(node, parent_of)]  # type: ignore[arg-type]
    found: list[tuple[int, int, str]] = []
    if not seen:
        return found
    # a stretch that awaits already lets other tasks in today: one more `await` changes nothing in kind
    suspends = [node.lineno for node in nodes if type(node) in SUSPENDS]  # type: ignore[attr-defined]
    for name, (first, last, count, changed) in sorted(seen.items()):
        rivals = [qualname for line, qualname in changers[name] if line != function.lineno]
        if rivals and changed and count > 1 and not any(first <= line <= last for line in suspends):
            found.append((first, last, f"{SHARED}{name}:{rivals[0]}"))
    return found



SHARED = "shared:"  # how a barrier from `shared_sections` is spelled: shared:<container>:<function>


def shared_reason(barrier: str) -> str:
    name, _, rival = barrier.removeprefix(SHARED).partition(":")
    return (f"it stands between uses of `{name}`, a module-level container that `{rival}` changes on the event "
            f"loop too: awaited there, `{rival}` could change it in between (an item lost or handled twice), "
            "where blocking nothing ran in between; keep that stretch free of awaits (move the call before or "
            "after it) by hand")
