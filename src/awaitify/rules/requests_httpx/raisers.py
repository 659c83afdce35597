"""The project-wide half of AW201 (`Rule.planner`): where a converted call's exceptions travel to
other modules.

A function holding a requests call raises requests' exceptions; once AW201 converts the call, httpx's
instead. So does every function that calls it, in any module. An `except requests.X` (or `except
OSError`, or `pytest.raises(requests.X)`) around a call to one of them in *another* module must catch
the httpx class too. This planner finds those guarded calls with `ast` (no libcst) and hands each file
their (line, called name); the codemod maps the handlers around the ones that are awaited (async
already, or made async by propagation) or run with `asyncio.run(...)`. The requests class is kept
beside the httpx one there: the helper may keep requests calls AW201 refuses. (Calls within one
module are the codemod's own business: it sees them.)
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from awaitify.rules.requests_httpx.returns import (
    FOLLOWED,
    RESPONSES,
    UNFOLLOWED,
    plan_returns,
)

from awaitify import requests_plan, shared_parses
from awaitify.rules.requests_httpx import exception_values
from awaitify.ast_statements import push_children, statements
from awaitify.config import Config
from awaitify.index import absolute_module, module_names
from awaitify.rules.requests_httpx.detect import SESSION_FACTORIES
from awaitify.source import SourceFile
from awaitify.summary import UNPARSABLE, name_chain

_IMPORTS_REQUESTS = re.compile(r"^[ \t]*(?:import|from)[ \t]+requests\b", re.MULTILINE)
GUARDED = "guarded"  # the facts' key: [[line, called name, reads json], ...]
KEEPS_REQUESTS = "keeps_requests"  # why no requests call of the module is converted ("" where they are)
KEPT_CODES = ("AW201", "AW514")  # the findings such a module's requests calls and sessions are reported under
REFUSED = "refused_calls"  # [[line, why], ...]: calls no propagation starts from (awaitify.planner reads this key)
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


class _Module:
    def __init__(self, source: SourceFile, roots: list[Path]) -> None:
        self.path = str(source.path)
        self.names = module_names(source.path, roots) or [source.path.stem]
        self.tree = shared_parses.parse(source.text)
        self.lines = source.text.splitlines()
        self.imports = _imports(self.tree, self.names[0], source.path.stem == "__init__")
        self.functions = {f.name: f for f in self.tree.body if isinstance(f, _FUNCTIONS)}
        self._called: dict[str, tuple[set[str], bool]] = {}

    def called(self, fname: str) -> tuple[set[str], bool]:
        """What the function `fname` calls (dotted, "" for what has none) and whether it calls a `.json()`:
        read once, the raisers' fixed point asks again each round."""
        known = self._called.get(fname)
        if known is None:
            calls = list(self.calls(self.functions[fname]))
            known = self._called[fname] = ({self.dotted(call.func) or "" for call in calls},
                                           any(isinstance(c.func, ast.Attribute) and c.func.attr == "json" for c in calls))
        return known

    def dotted(self, expr: ast.expr) -> str | None:
        """What a called expression names: `fetch` (a function of this module or imported),
        `api.fetch`, `requests.get`, as a dotted name."""
        chain = name_chain(expr)
        if chain is None:
            return None
        root, parts = chain
        if root in self.imports:
            return ".".join([self.imports[root], *parts])
        if root in self.functions and not parts:
            return f"{self.names[0]}.{root}"
        return None

    def calls(self, node: ast.AST):
        """The calls of a function body or a block, nested functions and classes left out."""
        stack: list[ast.AST] = []
        push_children(node, stack)  # (`ast.iter_child_nodes`'s order, without its generators)
        while stack:
            child = stack.pop()
            if isinstance(child, (*_FUNCTIONS, ast.ClassDef, ast.Lambda)):
                continue
            if isinstance(child, ast.Call):
                yield child
            push_children(child, stack)


def _imports(tree: ast.Module, name: str, is_package: bool) -> dict[str, str]:
    found: dict[str, str] = {}
    for node in statements(tree):  # (an import is a statement: `ast.walk`'s order, its expressions unread)
        if isinstance(node, ast.Import):
            for alias in node.names:
                found[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom):
            base = absolute_module(name, is_package, node.module, node.level)
            for alias in node.names:
                found[alias.asname or alias.name] = f"{base}.{alias.name}" if base else alias.name
    return found


def _raisers(modules: list[_Module]) -> dict[str, tuple[_Module, bool]]:
    """Every function (by each dotted name of its module) holding a requests call, or calling one
    that does, with whether a `.json()` call is on the way (requests wraps its failure in a
    RequestException, httpx raises json.JSONDecodeError). Two modules can bear one name (two
    projects in one run): the name keeps the first one found, so a handler around a call of it is
    mapped if either raises (an httpx class more in an `except` catches nothing it should not). An
    entry is only ever added or has its json flag turned on, so the rounds end."""
    raisers: dict[str, tuple[_Module, bool]] = {}
    changed = True
    while changed:
        changed = False
        for module in modules:
            for fname in module.functions:
                targets, calls_json = module.called(fname)
                if not any(t.startswith("requests.") or t in raisers for t in targets):
                    continue
                json = calls_json or any(raisers.get(t, (None, False))[1] for t in targets)
                for n in module.names:
                    known = raisers.get(f"{n}.{fname}")
                    if known is None or (json and not known[1]):
                        raisers[f"{n}.{fname}"] = (known[0] if known else module, json)
                        changed = True
    return raisers


def _is_raises(module: _Module, item: ast.withitem) -> bool:
    call = item.context_expr
    return isinstance(call, ast.Call) and module.dotted(call.func) == "pytest.raises"


def _guarded(module: _Module, raisers: dict[str, tuple[_Module, bool]]) -> list[list]:
    """(line, called name, reads json) of each call to another module's raiser inside a `try` body or
    a `with pytest.raises(...)` block."""
    found: list[list] = []
    for node in statements(module.tree):
        if isinstance(node, (ast.Try, getattr(ast, "TryStar", ast.Try))):
            blocks: list[ast.stmt] = node.body
        elif isinstance(node, (ast.With, ast.AsyncWith)) and any(_is_raises(module, i) for i in node.items):
            blocks = node.body
        else:
            continue
        for stmt in blocks:
            if isinstance(stmt, (*_FUNCTIONS, ast.ClassDef)):
                continue
            for call in module.calls(stmt):
                target = module.dotted(call.func) or ""
                if target in raisers and raisers[target][0] is not module:
                    spelled = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
                    entry = [call.lineno, spelled, raisers[target][1]]  # as written: `fj` for `import fetch as fj`
                    if entry not in found:
                        found.append(entry)
    return found


def plan_project(sources: list[SourceFile], config: Config) -> dict[str, dict]:
    roots = [config.root.resolve(), config.root.resolve() / "src"]
    texts = {str(s.path): s for s in sources}
    parsed: dict[str, _Module] = {}
    tried: set[str] = set()

    def parse(source: SourceFile) -> None:
        tried.add(str(source.path))
        try:
            parsed[str(source.path)] = _Module(source, roots)
        except UNPARSABLE:
            pass  # the transform step reports files that do not parse

    for source in sources:
        if "requests" in source.text and _IMPORTS_REQUESTS.search(source.text):  # (the plain test first: 20x faster)
            parse(source)
    raisers = _raisers(list(parsed.values()))
    while True:  # callers in files that do not spell requests: read the files spelling a raiser's name
        names = {r.rpartition(".")[2] for r in raisers}
        if not names:
            return {}
        spelled = re.compile(r"\b(?:{})\b".format("|".join(map(re.escape, sorted(names)))))
        new = [s for path, s in texts.items() if path not in tried and spelled.search(s.text)]
        if not new:
            break
        for source in new:
            parse(source)
        raisers = _raisers(list(parsed.values()))
    unparsed = {path: texts[path].text for path in tried - set(parsed)}  # (callers there cannot be seen)
    kept = _keeping_requests(parsed, raisers)
    followed, responses, unfollowed = plan_returns(list(parsed.values()), config.root, unparsed, kept)
    out: dict[str, dict] = {}
    for path, module in parsed.items():
        facts = {GUARDED: _guarded(module, raisers),
                 REFUSED: _refused(module, followed.get(path, set()), unfollowed, kept.get(path, "")),
                 FOLLOWED: sorted(followed.get(path, ())), RESPONSES: responses.get(path, []),
                 UNFOLLOWED: [[line, why] for (where, line), why in sorted(unfollowed.items()) if where == path],
                 KEEPS_REQUESTS: kept.get(path, "")}
        if any(facts.values()):
            out[path] = facts
    return out


def _keeping_requests(parsed: dict[str, _Module], raisers: dict[str, tuple[_Module, bool]]) -> dict[str, str]:
    """path -> why none of its requests calls is converted: the module names a requests exception
    class other than as what an `except` catches (`exception_values`), or imports a name from such a
    module (`from errors import RETRYABLE`), or a function it calls, in any module, reaches requests
    calls (their exceptions would meet that code as httpx's)."""
    naming = {path: found for path, module in parsed.items() if (found := exception_values.named_as_value(module.tree))}
    if not naming:
        return {}
    by_name = {name: path for path in naming for name in parsed[path].names}
    kept: dict[str, str] = {path: exception_values.reason(found) for path, found in naming.items()}
    sources = dict.fromkeys(naming, "")  # path -> the module it took the classes from ("" for its own)
    for path, module in parsed.items():
        origin = next((by_name[m] for dotted in module.imports.values() for m in _prefixes(dotted) if m in by_name), None)
        if origin is not None and origin != path and path not in kept:
            line, _, name = naming[origin]
            kept[path] = (f"it imports from {parsed[origin].names[0]}, which names {name} at line {line} other than as "
                          "what an `except` catches: httpx raises its own exceptions, which that code would not meet; map it by hand")
            sources[path] = origin
    for path, origin in sources.items():
        module = parsed[path]
        name = naming[origin or path][2]
        seen: set[str] = set()
        todo = [t for fname in module.functions for t in module.called(fname)[0]]
        todo += [module.dotted(call.func) or "" for call in module.calls(module.tree)]
        while todo:
            target = todo.pop()
            if target in seen or target not in raisers:
                continue
            seen.add(target)
            other, _ = raisers[target]
            fname = target.rpartition(".")[2]
            if other.path not in kept:
                kept[other.path] = (f"the exceptions of its requests calls reach {module.names[0]}, which "
                                    f"{'imports from a module naming' if origin else 'names'} {name} other than as "
                                    "what an `except` catches: httpx raises its own exceptions, which that code would "
                                    "not meet; map it by hand")
            if fname in other.functions:
                todo += other.called(fname)[0]
    return kept


def _prefixes(dotted: str) -> list[str]:
    """`a.b.c` -> `a.b.c`, `a.b`, `a`: the modules an imported dotted name may lie in."""
    parts = dotted.split(".")
    return [".".join(parts[:cut]) for cut in range(len(parts), 0, -1)]


def _refused(module: _Module, followed: set[int], unfollowed: dict[tuple[str, int], str], kept: str = "") -> list[list]:
    """[line, why] of each requests call in a sync function that AW201 would refuse once the function
    is async: propagation starts from none of them (it would make the function async and still block).
    `followed`: the lines of calls whose returned response is followed into every caller (kept);
    `unfollowed`: why, for (path, line) of a returned one that is not; `kept`: why the module keeps
    every requests call (`_keeping_requests`), if it does."""
    def kind(call: ast.Call) -> str | None:
        target = module.dotted(call.func) or ""
        if target in SESSION_FACTORIES:
            return requests_plan.SESSION
        return requests_plan.verb_of(target)

    found: list[list] = []
    for func in statements(module.tree):
        if not isinstance(func, ast.FunctionDef):
            continue
        verbs = [(node, verb) for node in requests_plan.walk_scope(func)
                 if isinstance(node, ast.Call) and (verb := kind(node)) is not None and verb != requests_plan.SESSION]
        if not verbs:  # nothing to refuse: spare the plan
            continue
        plans = requests_plan.plan(func, kind, lambda call: call.lineno in followed)
        streamed = {id(s.call) for s in plans.streams}
        for node, verb in verbs:
            why = kept or plans.refused[id(node)][1] if id(node) in plans.refused else kept or (
                None if requests_plan.call_fixable(node, verb, id(node) in streamed) else "its arguments cannot all be kept")
            if why and (module.path, node.lineno) in unfollowed:
                why = requests_plan.unfollowed(unfollowed[(module.path, node.lineno)])
            if why:
                found += [[line, why] for line in sorted({node.lineno, node.func.end_lineno or node.lineno})]
    return found


def followed_sites(facts: dict[str, dict]) -> dict[str, set[int]]:
    """The lines of the requests calls whose returned response the plan follows into every caller:
    `fix` converts them (check asks, awaitify.audit.engine)."""
    return {path: set(f.get(FOLLOWED, [])) for path, f in facts.items() if f.get(FOLLOWED)}


def kept_modules(facts: dict[str, dict]) -> dict[str, str]:
    """path -> why `fix` converts none of the module's requests calls (`check` asks, awaitify.audit.engine)."""
    return {path: f[KEEPS_REQUESTS] for path, f in facts.items() if f.get(KEEPS_REQUESTS)}


def unfollowed_sites(facts: dict[str, dict]) -> dict[str, dict[int, str]]:
    """Why the plan could not follow the response a requests call returns into every caller, by the
    call's first line: `fix` gives that reason for the call (check asks, awaitify.audit.engine)."""
    return {path: {line: requests_plan.unfollowed(why) for line, why in f[UNFOLLOWED]}
            for path, f in facts.items() if f.get(UNFOLLOWED)}


def scope_facts(facts: dict[str, dict], scope: set[str]) -> dict[str, dict]:
    """`--changed-since`: the facts of the files in scope, and of every file holding a caller whose
    response or handler follows a converted call (propagation edits callers anywhere)."""
    return {path: f for path, f in facts.items() if path in scope or f.get(RESPONSES) or f.get(GUARDED)}
