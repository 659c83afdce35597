"""The project-wide half of the lifespan codemod: find every FastAPI/Starlette app and router, every
startup/shutdown hook registered on it (in any module), and decide what each file must do.

It reads `ast` only (cheap) and hands each file plain facts: the lifespans to write, the hook
registrations to remove, and findings to report. `fix.py` beside it applies them.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

from awaitify import pins, shared_parses
from awaitify.rules.lifespan import unmovable_hooks as unmovable
from awaitify.rules.lifespan import LIFESPAN_HOOKS as TOKENS
from awaitify.config import Config
from awaitify.index import absolute_module, module_names, pick_bearer
from awaitify.source import SourceFile
from awaitify.summary import UNPARSABLE, name_chain

APP_CLASSES = {
    "fastapi.FastAPI": "app", "fastapi.applications.FastAPI": "app",
    "starlette.applications.Starlette": "app",
    "fastapi.APIRouter": "router", "fastapi.routing.APIRouter": "router",
}
EVENTS = ("startup", "shutdown")
CTOR_HOOK_KWARGS = {"on_startup": "startup", "on_shutdown": "shutdown"}
MIN_LIFESPAN = "0.93"  # FastAPI(lifespan=...)
MIN_ROUTER_LIFESPAN = "0.112.2"  # include_router merges a router's own lifespan


@dataclass
class Handler:
    """A callable registered as a hook, as seen from the module that registered it."""

    module: str  # dotted name of the module the expression is valid in
    root: str  # the expression's first name (what a lifespan elsewhere must import)
    rest: str  # the rest of the expression (".connect"), may be ""
    is_async: bool | None  # None: cannot tell statically
    label: str  # for messages
    target: tuple[str, str] | None = None  # (path, name) of the module-level def it names, when known
    path: str = ""  # the file of the module that registered it (tells apart two modules of its name)

    def call(self, alias: str) -> list:
        """The lifespan's call: [text, how] where how is True (await it), False (call it) or None
        (await what it returns if awaitable); propagation may later make a sync one "offload"."""
        return [f"{alias}{self.rest}()", self.is_async]


@dataclass
class Hook:
    event: str
    handler: Handler
    key: tuple  # sort key inside the app's lifespan: (anchor line in the app's module, order)
    removal: tuple  # where the registration is: (path, ("deco", line) | ("stmt", line) | ("kw", line, kw))
    site: int = 0  # the line `check` reports the registration on
    span: tuple[int, int] = (0, 0)  # the registration's first and last line (it names the hook there)


@dataclass
class Target:
    """A module-level app or router construction."""

    module: "ModuleFacts"
    var: str
    kind: str  # "app" | "router"
    call: ast.Call
    func_text: str
    hooks: list[Hook] = field(default_factory=list)
    includes: list[tuple[int, "Target"]] = field(default_factory=list)  # routers included at line
    included: bool = False
    blocked: list[str] = field(default_factory=list)  # hooks that cannot move, and why: no lifespan then

    @property
    def existing(self) -> ast.expr | None:
        return next((k.value for k in self.call.keywords if k.arg == "lifespan"), None)


@dataclass
class ModuleFacts:
    source: SourceFile
    names: list[str]
    tree: ast.Module
    imports: dict[str, str] = field(default_factory=dict)  # local name -> dotted
    defs: dict[str, ast.AST] = field(default_factory=dict)  # module-level function defs
    bound: set[str] = field(default_factory=set)  # every module-level name
    rebound: set[str] = field(default_factory=set)  # names bound more than once at module level
    targets: dict[str, Target] = field(default_factory=dict)
    aliases: dict[str, ast.expr] = field(default_factory=dict)  # module-level `name = other.name`
    import_lines: list[tuple[int, str]] = field(default_factory=list)  # (line, dotted module imported)

    @property
    def path(self) -> str:
        return str(self.source.path)

    @property
    def name(self) -> str:
        return self.names[0] if self.names else self.source.path.stem

    def mentions_framework(self) -> bool:
        return "fastapi" in self.source.text or "starlette" in self.source.text


# --- reading one module -----------------------------------------------------------------------
def _read(source: SourceFile, roots: list[Path]) -> ModuleFacts | None:
    try:
        tree = shared_parses.parse(source.text)
    except UNPARSABLE:
        return None  # the transform step reports files that do not parse
    facts = ModuleFacts(source, module_names(source.path, roots), tree)
    is_package = source.path.stem == "__init__"
    for stmt in tree.body:
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                facts.imports[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else alias.name.split(".")[0]
                facts.import_lines.append((stmt.lineno, alias.name))
        elif isinstance(stmt, ast.ImportFrom):
            base = absolute_module(facts.name, is_package, stmt.module, stmt.level)
            for alias in stmt.names:
                facts.imports[alias.asname or alias.name] = f"{base}.{alias.name}" if base else alias.name
                facts.import_lines += [(stmt.lineno, base), (stmt.lineno, f"{base}.{alias.name}")]
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            facts.defs[stmt.name] = stmt
        names = [alias.asname or alias.name.split(".")[0] for alias in stmt.names] if isinstance(
            stmt, (ast.Import, ast.ImportFrom)) else []
        for node in ast.walk(stmt) if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) else [stmt]:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.append(node.name)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.append(node.id)
        for name in names:
            if name in facts.bound:
                facts.rebound.add(name)
            facts.bound.add(name)
    return facts


def dotted(facts: ModuleFacts, expr: ast.expr) -> str | None:
    """The qualified name of a Name/Attribute chain, through the module's imports."""
    chain = name_chain(expr)
    if chain is None:
        return None
    root, parts = chain
    return ".".join([facts.imports.get(root) or f"{facts.name}.{root}", *parts])


def _find_targets(facts: ModuleFacts) -> None:
    for stmt in facts.tree.body:
        value, target = None, None
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            value, target = stmt.value, stmt.targets[0].id
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
            value, target = stmt.value, stmt.target.id
        if isinstance(value, ast.Call):
            kind = APP_CLASSES.get(dotted(facts, value.func) or "")
            if kind:
                text = ast.get_source_segment(facts.source.text, value.func) or "FastAPI"
                facts.targets[target] = Target(facts, target, kind, value, text)
        elif isinstance(value, (ast.Name, ast.Attribute)) and target is not None:
            facts.aliases[target] = value  # `router = app.router`: a registration on it reaches the app


# --- the whole project -------------------------------------------------------------------------
_WORDS = (*TOKENS, "include_router", "FastAPI", "Starlette", "APIRouter")
_AS_WORD = re.compile(r"\b(?:" + "|".join(_WORDS) + r")\b")


def _read_whole(source: SourceFile, roots: list[Path]) -> ModuleFacts | None:
    facts = _read(source, roots)
    if facts is not None:
        _find_targets(facts)
    return facts


class Project:
    def __init__(self, sources: list[SourceFile], config: Config) -> None:
        self.config = config
        self.roots = [config.root.resolve(), config.root.resolve() / "src"]
        # dotted name -> the files that bear it, the first readable one wins; a file is read when
        # first asked for if it spells the words only inside longer names (`_on_shutdown_complete`
        # cannot build an app nor register a hook, but its functions may be handlers)
        self._named: dict[str, list[SourceFile]] = {}
        self._by_path: dict[str, ModuleFacts | None] = {}  # path -> facts (None: it does not parse)
        self.files: list[ModuleFacts] = []
        self._unnamed: list[SourceFile] = []  # files named only when a handler is looked up in them
        for source in sources:
            if not any(t in source.text for t in _WORDS):
                self._unnamed.append(source)
                continue
            if _AS_WORD.search(source.text):
                facts = self._facts(source)
                if facts is None:
                    continue
                self.files.append(facts)
                names = facts.names
            else:
                names = module_names(source.path, self.roots)
            for name in names:
                self._named.setdefault(name, []).append(source)
        self.out: dict[str, dict] = {}
        self.unknown: list[str] = []  # registrations whose app cannot be told: no app gets a lifespan
        self._following: set[tuple[str, str]] = set()  # aliases being resolved (resolve_target)

    def _facts(self, source: SourceFile) -> ModuleFacts | None:
        path = str(source.path)
        if path not in self._by_path:
            self._by_path[path] = _read_whole(source, self.roots)
        return self._by_path[path]

    def module(self, name: str, importer: str | None = None) -> ModuleFacts | None:
        """The facts of the module called `name`, read now if need be. Where two files bear the name
        (two projects in one run), the one an import in `importer` means (`pick_bearer`); None where
        that cannot be told."""
        # a handler module that spells none of the words (`config.load`), or a second file of the name:
        # name the files that may bear it (their stem, or their package's folder, is its last part)
        last = name.rpartition(".")[2]
        bearing = [s for s in self._unnamed if (s.path.parent.name if s.path.stem == "__init__" else s.path.stem) == last]
        if bearing:
            for source in bearing:
                for other in module_names(source.path, self.roots):
                    self._named.setdefault(other, []).append(source)
            named = {id(s) for s in bearing}
            self._unnamed = [s for s in self._unnamed if id(s) not in named]
        bearers = self._named.get(name, ())
        paths = list(dict.fromkeys(str(source.path) for source in bearers))
        if len(paths) > 1:
            picked = pick_bearer(paths, importer) if importer else None
            bearers = [source for source in bearers if str(source.path) == picked]
        return next((facts for source in bearers if (facts := self._facts(source)) is not None), None)

    def facts_for(self, path: str) -> dict:
        return self.out.setdefault(path, {"lifespans": [], "remove": [], "diagnostics": [], "calls_from_async": []})

    def report(self, facts: ModuleFacts, node: ast.AST, message: str) -> None:
        self.facts_for(facts.path)["diagnostics"].append((node.lineno, node.col_offset + 1, message))

    def resolve_target(self, facts: ModuleFacts, expr: ast.expr) -> Target | None | str:
        """The app/router an expression names; None when it is clearly something else, or the
        dotted name when it is imported from somewhere the project index cannot see."""
        if isinstance(expr, ast.Attribute) and expr.attr == "router":  # `app.router.add_event_handler`
            owner = self.resolve_target(facts, expr.value)
            if isinstance(owner, Target) and owner.kind == "app":
                return owner
        name = dotted(facts, expr)
        if name is None:
            return None
        module, _, var = name.rpartition(".")
        owner = self.module(module, facts.path)
        if owner is not None:
            if var not in owner.targets and var in owner.aliases and (owner.path, var) not in self._following:
                self._following.add((owner.path, var))  # an alias of an alias of itself ends here
                try:
                    return self.resolve_target(owner, owner.aliases[var])
                finally:
                    self._following.discard((owner.path, var))
            return owner.targets.get(var)
        root = expr
        while isinstance(root, ast.Attribute):
            root = root.value
        return name if isinstance(root, ast.Name) and root.id in facts.imports else None

    def handler(self, facts: ModuleFacts, expr: ast.expr) -> Handler | None:
        root = expr
        while isinstance(root, ast.Attribute):
            root = root.value
        if not isinstance(root, ast.Name):
            return None
        text = ast.get_source_segment(facts.source.text, expr) or root.id
        found = self._definition(facts, expr)
        if found is None:
            return Handler(facts.name, root.id, text[len(root.id):], None, text, path=facts.path)
        owner, func = found
        return Handler(facts.name, root.id, text[len(root.id):], isinstance(func, ast.AsyncFunctionDef), text,
                       (owner.path, func.name), path=facts.path)  # type: ignore[attr-defined]

    def _definition(self, facts: ModuleFacts, expr: ast.expr) -> tuple[ModuleFacts, ast.AST] | None:
        """The module-level def a handler expression names, with its module's facts."""
        if isinstance(expr, ast.Name) and expr.id in facts.defs and expr.id not in facts.imports:
            return facts, facts.defs[expr.id]
        name = dotted(facts, expr)
        if name:
            module, _, func = name.rpartition(".")
            owner = self.module(module, facts.path)
            if owner is not None and func in owner.defs:
                return owner, owner.defs[func]
        return None

    # registrations -------------------------------------------------------------------------
    def collect(self) -> None:
        for facts in self.files:
            seen: set[int] = set()  # the registration nodes understood (moved into a lifespan)
            for target in facts.targets.values():
                self._constructor_hooks(facts, target)
            for stmt in facts.tree.body:
                self._module_level(facts, stmt, seen)
            for found in unmovable.registrations(facts.tree, seen):
                self._block(facts, found)

    def _constructor_hooks(self, facts: ModuleFacts, target: Target) -> None:
        for kw in target.call.keywords:
            event = CTOR_HOOK_KWARGS.get(kw.arg or "")
            if event is None:
                continue
            if not isinstance(kw.value, (ast.List, ast.Tuple)):
                self._refuse(facts, target, kw.value, f"{kw.arg}= is not a list literal")
                continue
            for i, element in enumerate(kw.value.elts):
                handler = self.handler(facts, element)
                if handler is None:
                    self._refuse(facts, target, element, f"the {event} hook `{_text(facts, element)}` is not a plain name")
                    continue
                if isinstance(element, ast.Name) and element.id in facts.rebound:
                    self._rebound(facts, target.call.func, element, element.id)
                    continue
                key = (target.call.lineno, i - 10_000)  # constructor lists run first
                target.hooks.append(Hook(event, handler, key, (facts.path, ("kw", target.call.lineno, kw.arg)), kw.value.lineno,
                                         (kw.value.lineno, kw.value.end_lineno or kw.value.lineno)))

    def _module_level(self, facts: ModuleFacts, stmt: ast.stmt, seen: set[int]) -> None:
        """The registrations made unconditionally at import time of a module: these can move."""
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for deco in stmt.decorator_list:
                hit = _on_event(deco)
                if hit:
                    seen.add(id(deco))
                    receiver, event = hit
                    if stmt.name in facts.rebound:
                        self._rebound(facts, receiver, deco, stmt.name)
                        continue
                    handler = Handler(facts.name, stmt.name, "", isinstance(stmt, ast.AsyncFunctionDef), stmt.name,
                                      (facts.path, stmt.name), path=facts.path)
                    self._register(facts, receiver, event, handler, deco, ("deco", deco.lineno))
            return
        if not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)):
            return
        call = stmt.value
        hit = _on_event(call.func)  # app.on_event("startup")(fn)
        if hit and len(call.args) == 1 and not call.keywords:
            self._registration(facts, seen, call, call.func, *hit, call.args[0], stmt)
            return
        if (isinstance(call.func, ast.Attribute) and call.func.attr == "add_event_handler" and len(call.args) == 2
                and not call.keywords and (event := _literal_event(call.args[0]))):
            self._registration(facts, seen, call, call, call.func.value, event, call.args[1], stmt)
            return
        if (isinstance(call.func, ast.Attribute) and call.func.attr == "append" and len(call.args) == 1 and not call.keywords
                and isinstance(call.func.value, ast.Attribute) and call.func.value.attr in CTOR_HOOK_KWARGS):
            # app.router.on_startup.append(fn): Starlette's own list of hooks
            hooks = call.func.value
            self._registration(facts, seen, call, hooks, hooks.value, CTOR_HOOK_KWARGS[hooks.attr], call.args[0], stmt)
            return
        if isinstance(call.func, ast.Attribute) and call.func.attr == "include_router" and call.args:
            app = self.resolve_target(facts, call.func.value)
            router = self.resolve_target(facts, call.args[0])
            if isinstance(app, Target) and isinstance(router, Target) and router.kind == "router" and app.module is facts:
                app.includes.append((stmt.lineno, router))
                router.included = True

    def _registration(self, facts: ModuleFacts, seen: set[int], call: ast.Call, marker: ast.AST, receiver: ast.expr,
                      event: str, handler_expr: ast.expr, stmt: ast.stmt) -> None:
        """A statement that registers one hook: moved when its handler is a plain name, else its app is refused."""
        handler = self.handler(facts, handler_expr)
        if handler is None:
            return  # left for `unmovable` to find, which refuses the app it reaches
        seen.add(id(marker))
        if isinstance(handler_expr, ast.Name) and handler_expr.id in facts.rebound:
            self._rebound(facts, receiver, call, handler_expr.id)
            return
        self._register(facts, receiver, event, handler, call, ("stmt", stmt.lineno))

    def _register(self, facts: ModuleFacts, receiver: ast.expr, event: str, handler: Handler,
                  node: ast.AST, where: tuple) -> None:
        target = self.resolve_target(facts, receiver)
        if target is None:
            return  # some other library's `on_event`: not ours
        if isinstance(target, str):
            self.report(facts, node, f"hook `{handler.label}` is registered on `{target}`, which is not an app or "
                        "router defined in the files being fixed; migrate it by hand or include that module in the run")
            return
        if target.module is facts:
            key = (node.lineno, 0)
        else:  # registered from another module: it runs when that module is imported by the app's module
            anchor = next((line for line, mod in target.module.import_lines if mod in facts.names), None)
            if anchor is None:
                self._refuse(facts, target, node, f"the {event} hook `{handler.label}` is registered in {facts.name}, which "
                             f"{target.module.name} does not import unconditionally at its top level (it runs only "
                             "if and when that module is imported)")
                return
            key = (anchor, node.lineno)
        target.hooks.append(Hook(event, handler, key, (facts.path, where), node.lineno,
                                 (node.lineno, getattr(node, "end_lineno", None) or node.lineno)))

    def _origin(self, h: Handler) -> tuple[str, str]:
        """Where the lifespan imports a hook's first name from: the module the registering module
        imported it from, when it did (`from pkg.db import close_db` in hooks.py: from pkg.db), else
        the registering module. Once its registration is gone, the registering module's import of it
        is unused and may be removed, so it must not be the lifespan's source."""
        facts = self.module(h.module, h.path or None)
        dotted = facts.imports.get(h.root) if facts is not None else None
        if dotted and "." in dotted and facts is not None and h.root not in facts.defs:
            module, _, name = dotted.rpartition(".")
            return module, name
        return h.module, h.root

    def _rebound(self, facts: ModuleFacts, receiver: ast.expr, node: ast.AST, name: str) -> None:
        """A hook whose name is bound again at module level (two `def init():`): by the time the
        lifespan runs, the name holds only the last binding, so the registered function is lost."""
        target = self.resolve_target(facts, receiver)
        if isinstance(target, Target):
            self._refuse(facts, target, node, f"the hook `{name}` shares its name with another module-level binding "
                         "(the lifespan could only call the last one)")

    def _block(self, facts: ModuleFacts, found: unmovable.Registration) -> None:
        """A registration that cannot move: the app it reaches is refused; when awaitify cannot tell
        which app that is, every app of the run is."""
        if found.literal_event is False or not (facts.mentions_framework() or found.receiver_is_param):
            return  # an on_event of some other library (an event that is not startup/shutdown)
        shown = _text(facts, found.node)
        what = f"`{found.decorates}` (@{shown}) {found.why}" if found.decorates else f"`{shown}` {found.why}"
        value = found.local_value
        if isinstance(value, ast.Call) and APP_CLASSES.get(dotted(facts, value.func) or ""):
            # an app a factory builds: no module-level app to give a lifespan, but the hook is still deprecated
            self.report(facts, found.node, f"startup/shutdown hook {what}, on an app built there: awaitify gives "
                        "a lifespan only to module-level apps; move the hook into a lifespan by hand")
            return
        targets = self._reach(facts, found)
        if targets is None:
            self.report(facts, found.node, f"startup/shutdown hook {what}; awaitify cannot tell which app it reaches, so "
                        "no app of this run gets a lifespan; move it into the lifespan by hand")
            self.unknown.append(f"{facts.path}:{found.node.lineno}: {what}")
            return
        for target in targets:
            self._refuse(facts, target, found.node, f"startup/shutdown hook {what}")

    def _reach(self, facts: ModuleFacts, found: unmovable.Registration) -> list[Target] | None:
        """The apps and routers a registration's receiver may be (None: cannot tell)."""
        if found.param is not None:
            calls = [(caller, arg) for caller in self.files
                     for arg in unmovable.arguments_for(caller.tree, found.function, found.param)]
            targets = [self.resolve_target(caller, arg) for caller, arg in calls]
            if not calls or not all(isinstance(t, Target) for t in targets):
                return None
            return targets  # type: ignore[return-value]
        if found.local_value is not None:  # a name bound in the enclosing function
            value = found.local_value  # (an app the function builds itself was reported by `_block`)
            if not isinstance(value, (ast.Name, ast.Attribute)):
                return None
            receiver = value
        else:
            receiver = found.receiver
        target = self.resolve_target(facts, receiver)
        if isinstance(target, str):
            return None
        return [target] if target is not None else []

    def _refuse(self, facts: ModuleFacts, target: Target, node: ast.AST, reason: str) -> None:
        where = f"{facts.source.display}:{getattr(node, 'lineno', 0)}"
        target.blocked.append(f"{reason} ({where})")
        self.report(facts, node, f"{reason}: it cannot move into a lifespan, so `{target.var}` is not converted; "
                    "move it by hand")

    # decisions ----------------------------------------------------------------------------
    def decide(self) -> dict[str, dict]:
        for facts in self.files:
            for target in facts.targets.values():
                if target.kind == "app":
                    self._decide_app(target)
                elif not target.included and target.hooks:
                    self._decide_router(target)
        return {path: facts for path, facts in self.out.items() if any(facts.values())}

    def _all_hooks(self, app: Target) -> list[Hook]:
        hooks = list(app.hooks)
        for line, router in app.includes:
            hooks += [Hook(h.event, h.handler, (line, h.key), h.removal, h.site, h.span) for h in router.hooks]
        return sorted(hooks, key=lambda h: _flat(h.key))

    def _decide_app(self, app: Target) -> None:
        hooks = self._all_hooks(app)
        if not hooks:
            return
        names = ", ".join(f"{h.handler.module}.{h.handler.label}" for h in hooks)
        blocked = [*app.blocked, *(b for _, router in app.includes for b in router.blocked), *self.unknown]
        if blocked:  # lifespan= would silence the hooks left behind: all of them move, or none
            self.report(app.module, app.call, f"`{app.var}` is not given a lifespan: its hooks {names} would move, but "
                        f"these cannot: {'; '.join(blocked)}")
            return
        if not pins.allows(self.config.root, MIN_LIFESPAN):
            self.report(app.module, app.call, f"the project pins FastAPI below 0.93, which has no lifespan=; "
                        f"hooks of `{app.var}` not converted ({names})")
            return
        wrap = self._merge_into_existing(app, names)
        if wrap is not False:
            self._emit(app, hooks, wrap, annotate=True)

    def _decide_router(self, router: Target) -> None:
        names = ", ".join(h.handler.label for h in router.hooks)
        blocked = [*router.blocked, *self.unknown]
        if blocked:
            self.report(router.module, router.call, f"router `{router.var}` hooks ({names}) not converted: "
                        f"these cannot move: {'; '.join(blocked)}")
            return
        if not pins.allows(self.config.root, MIN_ROUTER_LIFESPAN):
            self.report(router.module, router.call, f"router `{router.var}` hooks ({names}) not converted: a router's own "
                        "lifespan needs FastAPI >= 0.112.2 and the project pins an older one")
            return
        wrap = self._merge_into_existing(router, names)
        if wrap is not False:
            self._emit(router, sorted(router.hooks, key=lambda h: _flat(h.key)), wrap, annotate=False)

    def _merge_into_existing(self, target: Target, names: str) -> str | None | bool:
        """How the new lifespan runs a lifespan= the app or router already has: None when it has
        none, the expression to enter otherwise, False (reported) when the hooks stay as they are."""
        if target.existing is None:
            return None
        kind = "" if target.kind == "app" else "router "
        if not self.config.lifespan_merge:
            if target.kind == "app":
                why = "so these on_event hooks never run (dead code today)"
            else:  # include_router copies a router's hooks into the app, which runs them unless it has lifespan= too
                why = ("so whether these on_event hooks run depends on the app that includes it (they run unless that "
                       "app has a lifespan= too)")
            self.report(target.module, target.call, f"{kind}`{target.var}` passes lifespan=, {why}: {names}; not changed "
                        "(--lifespan-merge runs them inside the lifespan)")
            return False
        wrap = self._wrapped(target)
        if wrap is None:
            self.report(target.module, target.call, f"cannot merge the hooks of {kind}`{target.var}` into its lifespan= (not "
                        "a module-level function of this file); merge them by hand")
            return False
        return wrap

    def _wrapped(self, app: Target) -> str | None:
        expr = app.existing
        if not isinstance(expr, ast.Name) or expr.id not in app.module.defs:
            return None
        func = app.module.defs[expr.id]
        decorated = any((dotted(app.module, d) or "").endswith("asynccontextmanager") for d in func.decorator_list)
        if decorated:
            return f"{expr.id}(app)"
        if isinstance(func, ast.AsyncFunctionDef) and not func.decorator_list and _is_generator(func):
            return f"asynccontextmanager({expr.id})(app)"
        return None

    def _emit(self, target: Target, hooks: list[Hook], wrap: str | None, annotate: bool) -> None:
        facts = target.module
        group = f"{facts.path}:{target.var}"  # every edit for one app: kept or dropped together
        base = "lifespan" if target.kind == "app" else f"{target.var}_lifespan"
        name = _unique(base, facts.bound)
        facts.bound.add(name)
        taken = set(facts.bound) | {"app", "state"}
        imports: list[tuple[str, str, str]] = []
        aliases: dict[tuple[str, str], str] = {}
        calls: dict[str, list[list]] = {"startup": [], "shutdown": []}
        planned = self.facts_for(facts.path)["calls_from_async"]
        for hook in hooks:
            h = hook.handler
            alias = h.root
            key = (facts.name, h.root) if h.module == facts.name else self._origin(h)
            if key != (facts.name, h.root):
                if key not in aliases:
                    aliases[key] = _unique(h.root, taken)
                    taken.add(aliases[key])
                    imports.append((*key, aliases[key]))
                alias = aliases[key]
            if h.is_async is False and h.target is not None:
                # the lifespan will call this sync hook from async code: propagation decides how
                # (planner.plan_calls_from_async), as for a call that stood there already
                planned.append({"group": group, "lifespan": name, "event": hook.event, "index": len(calls[hook.event]),
                                "target": list(h.target), "line": target.call.lineno, "key": [-1 - len(planned), 0],
                                "registration": [hook.removal[0], *hook.span]})
            calls[hook.event].append(h.call(alias))
            path, where = hook.removal
            self.facts_for(path)["remove"].append({"where": where, "group": group, "site": hook.site})
        self.facts_for(facts.path)["lifespans"].append({
            "group": group,
            "var": target.var, "line": target.call.lineno, "col": target.call.col_offset, "name": name,
            "annotation": target.func_text if annotate else None, "func": target.func_text, "imports": imports, "wrap": wrap,
            "startup": calls["startup"], "shutdown": calls["shutdown"], "kind": target.kind,
            "hooks": [f"{h.handler.module}.{h.handler.label}" for h in hooks],
        })


def _flat(key: tuple) -> tuple:
    out: list = []
    for part in key:
        out += _flat(part) if isinstance(part, tuple) else [part]
    return tuple(out)


def _unique(base: str, taken: set[str]) -> str:
    name, n = base, 1
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    return name


def _text(facts: ModuleFacts, node: ast.AST) -> str:
    text = ast.get_source_segment(facts.source.text, node) or "?"
    return text if len(text) <= 60 and "\n" not in text else text.split("\n", 1)[0][:57] + "..."


def _literal_event(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and node.value in EVENTS:
        return node.value
    return None


def _on_event(expr: ast.expr) -> tuple[ast.expr, str] | None:
    """`<receiver>.on_event("startup"|"shutdown")` -> (receiver, event)."""
    if (isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr == "on_event"
            and len(expr.args) == 1 and not expr.keywords):
        event = _literal_event(expr.args[0])
        if event:
            return expr.func.value, event
    return None


def _is_generator(func: ast.AST) -> bool:
    stack = list(ast.iter_child_nodes(func))
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Yield, ast.YieldFrom)):
            return True
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            stack.extend(ast.iter_child_nodes(node))
    return False


def scope_facts(facts: dict[str, dict], scope: set[str]) -> dict[str, dict]:
    """`--changed-since`: only the apps whose edits touch a file in `scope` (all of their edits, in any file: a hook
    must never be removed from one file without the lifespan that calls it in another)."""
    groups = {entry["group"] for path in scope for key in ("lifespans", "remove") for entry in facts.get(path, {}).get(key, [])}
    kept: dict[str, dict] = {}
    for path, file_facts in facts.items():
        trimmed = {
            "lifespans": [e for e in file_facts["lifespans"] if e["group"] in groups],
            "remove": [e for e in file_facts["remove"] if e["group"] in groups],
            "calls_from_async": [e for e in file_facts["calls_from_async"] if e["group"] in groups],
            "diagnostics": file_facts["diagnostics"] if path in scope else [],
        }
        if any(trimmed.values()):
            kept[path] = trimmed
    return kept


def fixed_sites(facts_by_path: dict[str, dict]) -> dict[str, set[int]]:
    """The registration lines the plan moves, by path: `check` calls an AW301 finding fixable only
    there, so it never promises what `fix` refuses."""
    return {path: {entry["site"] for entry in facts["remove"]} for path, facts in facts_by_path.items()}


# what `check` reports where the plan speaks of an app, not of one of its hooks (`refused_sites`)
UNREPORTED_SITE = "startup/shutdown hooks stay on this app"


def refused_sites(facts_by_path: dict[str, dict]) -> dict[str, dict[tuple[int, int], str]]:
    """What the plan leaves and why, by path and (line, column): the notes `fix` prints, which
    `check` gives as the reason of its finding there (or reports there, `UNREPORTED_SITE`)."""
    return {path: {(line, col): message for line, col, message in facts["diagnostics"]}
            for path, facts in facts_by_path.items() if facts["diagnostics"]}


def plan_project(sources: list[SourceFile], config: Config) -> dict[str, dict]:
    """Hooks can be registered on an app from any module: decided once for the whole project
    (`Rule.planner` names this module)."""
    project = Project(sources, config)
    project.collect()
    return project.decide()
