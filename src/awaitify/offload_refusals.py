"""Why `fix` would not offload a helper where async code calls it: what `check` asks so that it calls
a finding reached through a sync helper fixable exactly when `fix` changes it.

`fix` offloads the helper's call at the async call site (`asyncio.to_thread`), except:

- the helper hands back something whose body runs later (a generator, a `@contextmanager`
  function, a function returning a lazy iterator: `awaitify.lazy_iterators`) and no builtin
  consumes the result whole at that call (`sum(rows(n))`, `list(read(p))`), or the consumer would
  take into the thread more than the helper: a `key=` function that is not a builtin, a called
  expression holding a call (`list(get_db().rows(q))`, see `not_movable`);
- the helper touches thread-bound state (`awaitify.thread_bound`): an unsafe fix, made only with
  `--unsafe-fixes`.
"""

from __future__ import annotations

import ast
import builtins

from awaitify.index import Edge, FuncId, ProjectIndex
from awaitify.lazy_iterators import lazy_return
from awaitify.thread_bound import ThreadBound, call_at, local_names

CONTEXT_MANAGER_DECORATORS = frozenset({"contextlib.contextmanager", "contextmanager"})
# builtins that iterate their first argument to the end before they return (not any/all: they stop)
CONSUMERS = frozenset({"list", "tuple", "set", "frozenset", "dict", "sorted", "sum", "min", "max"})


def hands_back(index: ProjectIndex, bound: ThreadBound, fid: FuncId) -> str | None:
    """What calling `fid` builds without running (all of) its work: "contextmanager", "generator",
    "iterator" (it returns a lazy iterator), or None."""
    info = index.function(fid)
    for decorator in info.decorators:
        dotted = decorator.target if decorator.kind == "import" else decorator.target or decorator.attr
        if dotted in CONTEXT_MANAGER_DECORATORS:
            return "contextmanager"
    if info.is_generator:
        return "generator"
    return "iterator" if lazy_result(index, bound, fid) else None


def lazy_result(index: ProjectIndex, bound: ThreadBound, fid: FuncId) -> str | None:
    """The lazy iterator `fid` returns, as source text (`csv.reader(open(path))`), or None."""
    module = bound.module(fid[0])
    node = module.functions.get(fid[1]) if module else None
    if node is None:
        return None

    def is_generator(dotted: str) -> bool:
        found = index.resolve_dotted(dotted) if "." in dotted else None
        return bool(found and found[0] == "function" and index.function(found[1]).is_generator)  # type: ignore[arg-type]

    return lazy_return(node, module.dotted_name, is_generator)


def consumed_whole(bound: ThreadBound, edge: Edge, kind: str) -> bool:
    """Does a consuming builtin hold the call at `edge` as its first argument (alone, for a function
    returning an iterator: the codemod moves the consumer into the thread with it), with nothing else
    that would move into the thread (`not_movable`)?"""
    return _consumption(bound, edge, kind) is True


def _consumption(bound: ThreadBound, edge: Edge, kind: str) -> bool | str:
    """True when consumed whole and movable, a `not_movable` reason, or False."""
    module = bound.module(edge.path)
    call, caller = call_at(module, edge) if module else (None, None)
    parent = getattr(call, "_tb_parent", None)
    if kind == "contextmanager" or not isinstance(parent, ast.Call) or not parent.args or parent.args[0] is not call:
        return False
    if not isinstance(parent.func, ast.Name) or parent.func.id not in CONSUMERS or any(isinstance(a, ast.Starred) for a in parent.args):
        return False
    rebound = module.globals | set(module.imports) | set(module.functions) | module.classes
    rebound |= local_names(caller) if caller is not None else set()
    why = not_movable(parent, call, kind, rebound.__contains__)
    if why:
        return why
    if kind == "iterator":
        return len(parent.args) == 1 and not parent.keywords
    return len(parent.args) == 1 or (len(parent.args) == 2 and parent.func.id == "sum")


def not_movable(consumer: ast.Call, call: ast.Call, kind: str, shadowed) -> str | None:
    """Why the consumer and the call cannot move into the thread together, or None. The thread runs
    the consumer's `key=` function (`sorted(rows(), key=lambda r: conn.execute(...))`): only a builtin
    (`len`, `str.lower`) is known not to touch state bound to the loop's thread. For a function that
    returns a lazy iterator the called expression is evaluated in the thread too: one holding a call
    (`get_db().rows(q)`) would run that call there, after the arguments. `shadowed(name)`: the module
    binds `name` itself (so it is not the builtin)."""
    key = next((k.value for k in consumer.keywords if k.arg == "key"), None)
    if key is not None and not _builtin(key, shadowed):
        return "key"
    if kind == "iterator" and any(isinstance(node, ast.Call) for node in ast.walk(call.func)):
        return "call"
    return None


def _builtin(expr: ast.expr, shadowed) -> bool:
    """`None`, `len`, `str.lower`: a builtin (or an attribute of one) the module does not rebind."""
    if isinstance(expr, ast.Constant) and expr.value is None:
        return True
    while isinstance(expr, ast.Attribute):
        expr = expr.value
    return isinstance(expr, ast.Name) and hasattr(builtins, expr.id) and not shadowed(expr.id)


def refused_offload(index: ProjectIndex, bound: ThreadBound, helper: FuncId, caller: FuncId, line: int,
                    offloaded: bool, unsafe_fixes: bool) -> str | None:
    """Why `fix` leaves the call of `helper` by async `caller` at `line` as it is, or None. `offloaded`:
    the helper can only be offloaded (its blocking call has no async twin); a generator or a
    @contextmanager function always is (they are boundaries)."""
    edge = next((e for e, target in index.calls_from(caller) if target == helper and e.site.line == line), None)
    kind = hands_back(index, bound, helper)
    name = index.display_name(helper)
    if kind in ("generator", "contextmanager") or (kind == "iterator" and offloaded):
        consumed = _consumption(bound, edge, kind) if edge is not None else False
        what = {"generator": "is a generator", "contextmanager": "is a @contextmanager function",
                "iterator": "returns a lazy iterator"}[kind]
        if consumed == "key":
            return (f"`{name}` {what}, consumed whole here, but the consumer's `key=` function would run in the worker "
                    "thread too (only a builtin key is known to keep no state of the loop's thread)")
        if consumed == "call":
            return (f"`{name}` {what}, and the called expression holds a call that would run in the worker thread, "
                    "after the arguments")
        if consumed is not True:
            return f"`{name}` {what}: a thread would only build it (offloaded only where a builtin consumes it whole)"
    if offloaded and not unsafe_fixes:
        hazard = bound.hazard(helper) or (bound.site_hazard(edge) if edge is not None else None)
        if hazard:
            return f"offloading `{name}` is an unsafe fix: it {hazard}"
    return None
