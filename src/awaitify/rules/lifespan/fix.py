"""Rewrites FastAPI/Starlette startup and shutdown hooks into a `lifespan` context manager.

Every registration spelling is found (`@app.on_event("startup")`, `app.add_event_handler("shutdown",
fn)`, `app.on_event("startup")(fn)`, `FastAPI(on_startup=[...], on_shutdown=[...])`), also when it
is made from another module on the imported app, or on a router the app includes. The hooks become
calls in an `@asynccontextmanager async def lifespan(app)` written before the app, in registration
order (async hooks awaited, sync ones called directly, as Starlette did); the handlers stay as named
functions without their decorators, and the app gets `lifespan=lifespan`. Hooks from other modules
are imported inside the lifespan body, so no import cycle appears. A router whose inclusion is not
visible gets its own `lifespan=` (FastAPI merges it on `include_router` since 0.112.2).

Refused, with a finding: an app that already passes `lifespan=` (its `on_event` hooks are dead code
today; `--lifespan-merge` wraps the existing lifespan to run them), hooks registered inside functions
or on objects that cannot be resolved, and projects that pin a FastAPI without `lifespan=`.
"""

from __future__ import annotations

import libcst as cst
from libcst.codemod.visitors import AddImportsVisitor
from libcst.metadata import ScopeProvider

from awaitify.codemod_base import AwaitifyCodemod, thread_helper, thread_import
from awaitify.findings import Diagnostic
from awaitify.rules.lifespan import RULE as LIFESPAN


RULE = LIFESPAN
OFFLOAD = "offload"  # how the plan says a sync hook that blocks is run (see planner.plan_hook_calls)


class OnEventToLifespan(AwaitifyCodemod):
    RULE = RULE
    DESCRIPTION = __doc__

    def __init__(self, context: cst.codemod.CodemodContext) -> None:
        super().__init__(context)
        facts = self.session.plan.extra.get(RULE.name) or {}
        self.lifespans: list[dict] = facts.get("lifespans", [])
        self.removals = {tuple(r["where"]) for r in facts.get("remove", [])}
        self.findings: list[tuple[int, int, str]] = facts.get("diagnostics", [])
        self.planned: list[dict] = facts.get("calls_from_async", [])
        self._depth = 0  # >0 inside a function or class body

    def _line(self, node: cst.CSTNode) -> int:
        """The plan names registrations and apps by their line in the original file."""
        return self.original_lines(node)[0]

    def visit_Module(self, node: cst.Module) -> bool:
        super().visit_Module(node)
        for line, col, message in self.findings:
            self.session.diagnostics.append(_diagnostic(self.session.display, line, col, message))
        return bool(self.lifespans or self.removals)

    # hook registrations -------------------------------------------------------------------------
    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self._depth += 1
        return super().visit_FunctionDef(node)

    def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef) -> cst.BaseStatement:
        self._depth -= 1
        updated = super().leave_FunctionDef(original, updated)  # type: ignore[assignment]
        if self._depth:
            return updated
        kept = [d for d in original.decorators if ("deco", self._line(d.decorator)) not in self.removals]
        if len(kept) == len(original.decorators):
            return updated
        removed = next(d for d in original.decorators if ("deco", self._line(d.decorator)) in self.removals)
        self.record(removed, f"removed the on_event registration of `{original.name.value}`: the lifespan calls it now")
        keep_ids = {id(d) for d in kept}
        return updated.with_changes(decorators=[u for o, u in zip(original.decorators, updated.decorators) if id(o) in keep_ids])

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        self._depth += 1
        return super().visit_ClassDef(node)

    def leave_ClassDef(self, original: cst.ClassDef, updated: cst.ClassDef) -> cst.BaseStatement:
        self._depth -= 1
        return super().leave_ClassDef(original, updated)

    # the app's construction ---------------------------------------------------------------------
    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if self._depth:
            return updated
        line = self._line(original)
        func = self.module_node.code_for_node(original.func)
        spec = next((s for s in self.lifespans if s["line"] == line and s["func"] == func), None)
        present = {a.keyword.value for a in original.args if a.keyword}
        dropped = {r[2] for r in self.removals if r[0] == "kw" and r[1] == line and r[2] in present}
        if spec is None and not dropped:
            return updated
        args = _drop_keywords(list(updated.args), dropped)
        for keyword in sorted(dropped):  # an edit not recorded would be thrown away with an unchanged file
            self.record(original, f"removed {keyword}=: the lifespan calls those hooks now")
        if spec is not None:
            args = _set_keyword(args, "lifespan", cst.Name(spec["name"]))
            self.record(original, f"passed lifespan={spec['name']} to `{spec['var']}`: it runs the startup/shutdown "
                        f"hooks {', '.join(spec['hooks'])} in their registration order")
        return updated.with_changes(args=args)

    # statements: drop registrations, write the lifespans ------------------------------------------
    def leave_Module(self, original: cst.Module, updated: cst.Module) -> cst.Module:
        body: list[cst.BaseStatement] = []
        spans = [self.original_lines(old) for old in original.body]
        # A statement an earlier codemod inserted above the app (the shared TLS context) is mapped to
        # the app's line too: each lifespan goes before the last statement spanning its app's line.
        home = {id(spec): max((i for i, (start, end) in enumerate(spans) if start <= spec["line"] <= end), default=-1)
                for spec in self.lifespans}
        for i, (old, new) in enumerate(zip(original.body, updated.body)):
            start, end = spans[i]
            if ("stmt", start) in self.removals:
                self.record(old, "removed a startup/shutdown hook registration: the lifespan calls the hook now")
                continue
            specs = [s for s in self.lifespans if home[id(s)] == i]
            if specs:
                blank, comments = _split_leading(new.leading_lines)
                blank = blank if len(blank) >= 2 else _blank_lines(2) if body else blank  # PEP 8: two above a def
                for i, spec in enumerate(specs):
                    lifespan = self._lifespan(spec, original)
                    body.append(lifespan.with_changes(leading_lines=blank if i == 0 else _blank_lines(2)))
                new = new.with_changes(leading_lines=[*_blank_lines(2), *comments])
            body.append(new)
        return updated.with_changes(body=body)

    def _lifespan(self, spec: dict, module: cst.Module) -> cst.FunctionDef:
        decorator = self._decorator_name()
        indent = "    "
        lines = [f"@{decorator}", f"async def {spec['name']}(app{': ' + spec['annotation'] if spec['annotation'] else ''}):"]
        by_module: dict[str, list[str]] = {}
        for mod, name, alias in spec["imports"]:
            by_module.setdefault(mod, []).append(name + (f" as {alias}" if alias != name else ""))
        lines += [f"{indent}from {mod} import {', '.join(names)}" for mod, names in by_module.items()]
        for planned in self.planned:  # how propagation decided a sync hook that blocks is run
            if planned["lifespan"] == spec["name"] and planned.get("how"):
                spec[planned["event"]][planned["index"]][1] = True if planned["how"] == "await" else OFFLOAD
        lines += self._calls(spec["startup"], indent)
        if spec["wrap"]:
            if spec["wrap"].startswith("asynccontextmanager("):
                spec_wrap = decorator + spec["wrap"][len("asynccontextmanager"):]
            else:
                spec_wrap = spec["wrap"]
            lines += [f"{indent}async with {spec_wrap} as state:", f"{indent * 2}yield state"]
        else:
            lines.append(f"{indent}yield")
        lines += self._calls(spec["shutdown"], indent)
        # parsed on its own, the function's blocks carry no indent of their own and take the file's
        return cst.parse_statement("\n".join(lines) + "\n")  # type: ignore[return-value]

    def _calls(self, calls: list, indent: str) -> list[str]:
        out = []
        for call, is_async in calls:
            if is_async == OFFLOAD:  # a sync hook that blocks, which propagation runs in a thread
                AddImportsVisitor.add_needed_import(self.context, thread_import(self.config.target))
                out.append(f"{indent}await {thread_helper(self.config.target)}({call.removesuffix('()')})")
            elif is_async is True:
                out.append(f"{indent}await {call}")
            elif is_async is False:
                out.append(f"{indent}{call}")
            else:  # cannot tell statically: do what Starlette did at run time
                AddImportsVisitor.add_needed_import(self.context, "inspect")
                out += [f"{indent}result = {call}", f"{indent}if inspect.isawaitable(result):", f"{indent * 2}await result"]
        return out

    def _decorator_name(self) -> str:
        index = self.session.names()
        bound = index.module_binds_but_by_from_import("asynccontextmanager") if index is not None else None
        if bound is None:  # the scopes decide
            scope = self.get_metadata(ScopeProvider, self.module_node, None)
            bound = scope is not None and "asynccontextmanager" in scope and not all(
                isinstance(a.node, cst.ImportFrom) for a in scope["asynccontextmanager"]
            )
        if bound:
            AddImportsVisitor.add_needed_import(self.context, "contextlib")
            return "contextlib.asynccontextmanager"
        AddImportsVisitor.add_needed_import(self.context, "contextlib", "asynccontextmanager")
        return "asynccontextmanager"


def _diagnostic(display: str, line: int, col: int, message: str) -> Diagnostic:
    return Diagnostic(display, line, col, RULE.code, message)


def _blank_lines(n: int) -> list[cst.EmptyLine]:
    return [cst.EmptyLine() for _ in range(n)]


def _split_leading(lines) -> tuple[list[cst.EmptyLine], list[cst.EmptyLine]]:
    """Blank lines above a statement go above the new lifespan; its comments stay with it."""
    blank = []
    for i, line in enumerate(lines):
        if line.comment is not None:
            return blank, list(lines[i:])
        blank.append(line)
    return blank, []


def _comma_like(args: list[cst.Arg]) -> cst.Comma:
    for arg in args[:-1]:
        if isinstance(arg.comma, cst.Comma):
            return arg.comma
    return cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))


def _drop_keywords(args: list[cst.Arg], names: set[str]) -> list[cst.Arg]:
    if not names:
        return args
    kept = [a for a in args if not (a.keyword and a.keyword.value in names)]
    if kept and args and args[-1] not in kept:  # the last one went: the new last keeps its trailing comma style
        kept[-1] = kept[-1].with_changes(comma=args[-1].comma)
    return kept


def _set_keyword(args: list[cst.Arg], name: str, value: cst.BaseExpression) -> list[cst.Arg]:
    for i, arg in enumerate(args):
        if arg.keyword and arg.keyword.value == name:
            args[i] = arg.with_changes(value=value)
            return args
    new = cst.Arg(value=value, keyword=cst.Name(name),
                  equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")))
    if not args:
        return [new]
    last = args[-1]
    between = _comma_like(args)
    return [*args[:-1], last.with_changes(comma=between), new.with_changes(comma=last.comma)]
