"""Functions that return a lazy iterator: offloading them moves the call, not the work.

`await asyncio.to_thread(read_rows, path)` runs `read_rows` in a thread, but when it returns
`csv.reader(open(path))`, a generator expression over a file, `iter(f.readline, "")`, `map(...)` over
blocking work, `Path(p).open()`, `response.iter_lines()`, a generator of the project or one defined in
the function itself (`def gen(): yield ...` returned as `gen()`), the reading happens where the result
is iterated: on the loop. `lazy_return(...)` names such a return (for the planner, which treats the
call like a generator's: consumed whole in the thread, or refused with a diagnostic).

What is detected is a list, not a proof. Inside `map`/`filter`/`zip`/... and generator expressions,
unsure is lazy: an iterable whose source cannot be shown to be in memory already (a literal, a list,
`range`, `.split()`...) counts as lazy. But the result of a call the tool does not know (a function of
another library, a method other than the ones listed here, a project function that is not a
generator but returns one) counts as *not* lazy: such a function returning a lazy iterator is not
detected, and its offload moves only the call, the reading staying where the result is iterated.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

# calls whose result reads lazily when iterated
LAZY_CALLS = frozenset({
    "csv.reader", "csv.DictReader", "os.scandir", "os.walk", "os.fwalk", "glob.iglob", "open", "io.open",
    "gzip.open", "bz2.open", "lzma.open", "codecs.open", "fileinput.input", "itertools.islice",
    "itertools.chain", "itertools.chain.from_iterable", "itertools.starmap", "itertools.takewhile",
    "itertools.dropwhile", "itertools.filterfalse", "itertools.compress", "itertools.zip_longest",
    "itertools.accumulate", "itertools.groupby", "itertools.pairwise", "itertools.batched", "itertools.tee",
    "builtins.open", "concurrent.futures.as_completed",
})
# builtins that wrap their iterables lazily: lazy when one of those is
WRAPPERS = frozenset({"map", "filter", "zip", "enumerate", "reversed", "iter"})
# methods whose result reads (or waits) lazily when iterated: pathlib's generators and `Path.open()`,
# a requests/httpx response's streams, a multiprocessing pool's lazy maps
LAZY_METHODS = frozenset({"iterdir", "glob", "rglob", "walk", "open", "iter_lines", "iter_content", "iter_bytes",
                          "iter_text", "iter_raw", "imap", "imap_unordered"})
# what is in memory already: iterating it does no I/O
MATERIAL_CALLS = frozenset({"range", "list", "tuple", "set", "frozenset", "dict", "sorted", "str", "bytes", "bytearray"})
MATERIAL_METHODS = frozenset({"split", "rsplit", "splitlines", "items", "keys", "values", "readlines", "copy"})


def lazy_return(node: ast.FunctionDef | ast.AsyncFunctionDef, dotted: Callable[[ast.expr], str | None],
                is_generator: Callable[[str], bool]) -> str | None:
    """The first `return` of `node` (not of a nested function) that hands back a lazy iterator,
    shown as source text, or None. `dotted` names a called expression through the module's
    imports; `is_generator` says whether a dotted name is a generator function of the project."""
    assigned = _assignments(node)
    local = _local_generators(node)

    def named(expr: ast.expr) -> str | None:  # a local generator shadows a module-level name
        return f"<locals>.{expr.id}" if isinstance(expr, ast.Name) and expr.id in local else dotted(expr)

    def generator(name: str) -> bool:
        return name.removeprefix("<locals>.") in local if name.startswith("<locals>.") else is_generator(name)

    for ret in _returns(node):
        if ret.value is not None and _lazy(ret.value, assigned, named, generator, 0):
            return ast.unparse(ret.value)
    return None


def _local_generators(node: ast.AST) -> frozenset[str]:
    """Names of generator functions defined in the function itself (`def gen(): ... yield ...`)."""
    found = set()
    for child in ast.walk(node):
        if child is not node and isinstance(child, ast.FunctionDef) and any(
                isinstance(sub, (ast.Yield, ast.YieldFrom)) for sub in _own_nodes(child)):
            found.add(child.name)
    return frozenset(found)


def _own_nodes(node: ast.AST):
    """The nodes of a function's body, not those of functions or lambdas nested in it."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        yield child
        yield from _own_nodes(child)


def _lazy(expr: ast.expr, assigned: dict[str, ast.expr], dotted, is_generator, depth: int) -> bool:
    if depth > 8:
        return True
    if isinstance(expr, ast.GeneratorExp):
        return any(not _material(gen.iter, assigned, dotted, depth + 1) for gen in expr.generators) or _calls(expr.elt)
    if isinstance(expr, ast.Name) and expr.id in assigned:
        return _lazy(assigned[expr.id], assigned, dotted, is_generator, depth + 1)
    if not isinstance(expr, ast.Call):
        return False
    name = dotted(expr.func) or ""
    if name in LAZY_CALLS or is_generator(name):
        return True
    if name == "iter" and len(expr.args) == 2:
        return True  # iter(f.readline, ""): each step calls f.readline
    if name in WRAPPERS:
        mapped = name in ("map", "filter")
        if mapped and expr.args and _calls_something(expr.args[0]):
            return True  # the function runs per element, where the result is iterated
        return any(not _material(arg, assigned, dotted, depth + 1) for arg in expr.args[1 if mapped else 0:])
    return isinstance(expr.func, ast.Attribute) and expr.func.attr in LAZY_METHODS


def _material(expr: ast.expr, assigned: dict[str, ast.expr], dotted, depth: int) -> bool:
    """Is iterating `expr` free of I/O: a literal, a comprehension, range/list/sorted(...), `.split()`."""
    if depth > 8:
        return False
    if isinstance(expr, (ast.List, ast.Tuple, ast.Set, ast.Dict, ast.ListComp, ast.SetComp, ast.DictComp, ast.Constant, ast.JoinedStr)):
        return True
    if isinstance(expr, ast.Name):
        return expr.id in assigned and _material(assigned[expr.id], assigned, dotted, depth + 1)
    if isinstance(expr, ast.Call):
        name = dotted(expr.func) or ""
        if name.removeprefix("builtins.") in MATERIAL_CALLS:
            return True
        return isinstance(expr.func, ast.Attribute) and expr.func.attr in MATERIAL_METHODS
    return False


def _calls(expr: ast.expr) -> bool:
    """A generator expression's element calls something (the work each step does)."""
    return any(isinstance(sub, ast.Call) for sub in ast.walk(expr))


def _calls_something(func: ast.expr) -> bool:
    """`map(f, ...)`: a function (not a type such as `int` or `str.strip`) may block per element."""
    if isinstance(func, ast.Lambda):
        return _calls(func.body)
    if isinstance(func, ast.Name):
        return func.id not in {"int", "float", "str", "bytes", "bool", "len", "abs", "repr", "ord", "chr", "tuple", "list"}
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        return func.value.id not in {"str", "bytes", "int", "float", "dict", "list", "tuple", "operator"}
    return True


def _returns(node: ast.AST):
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(child, ast.Return):
            yield child
        yield from _returns(child)


def _assignments(node: ast.AST) -> dict[str, ast.expr]:
    """`name = value` in the function, for names assigned exactly once (anything else: unknown)."""
    values: dict[str, list[ast.expr | None]] = {}
    plain = {id(sub.targets[0]): sub.value for sub in ast.walk(node)
             if isinstance(sub, ast.Assign) and len(sub.targets) == 1 and isinstance(sub.targets[0], ast.Name)}
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
            values.setdefault(sub.id, []).append(plain.get(id(sub)))
    return {name: found[0] for name, found in values.items() if len(found) == 1 and found[0] is not None}
