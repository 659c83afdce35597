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
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable

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


def changes(expr: ast.expr) -> bool:
    """Does the use of a container at `expr` change it? Known by the parent links (`_tb_parent`) of
    the function's walk: `expr.append(...)`, `expr[k] = v`, `del expr[k]`, `expr[k] += 1`, `expr += [...]`."""
    parent = getattr(expr, "_tb_parent", None)
    kind = type(parent)
    if kind is ast.Attribute:
        holder = getattr(parent, "_tb_parent", None)
        return parent.attr in MUTATORS and type(holder) is ast.Call and holder.func is parent  # type: ignore[union-attr]
    if kind is ast.Subscript:
        return parent.value is expr and type(parent.ctx) in (ast.Store, ast.Del)  # type: ignore[union-attr]
    if kind is ast.AugAssign:
        return parent.target is expr  # type: ignore[union-attr]
    return type(getattr(expr, "ctx", None)) in (ast.Store, ast.Del)


def uses(nodes: list[ast.AST], resolve: Callable[[ast.expr], Key | None]) -> dict[Key, tuple[int, int, int]]:
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
        found[key] = (count + 1 + _augmented(node), changed + changes(node), line)  # type: ignore[arg-type]
    return found


def _augmented(expr: ast.expr) -> bool:
    """`expr[k] += 1`, `expr += [...]`: a read and a change in one statement, not one step (another
    thread can change `expr` between the two)."""
    parent = getattr(expr, "_tb_parent", None)
    if type(parent) is ast.Subscript and parent.value is expr:  # type: ignore[union-attr]
        expr, parent = parent, getattr(parent, "_tb_parent", None)
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
