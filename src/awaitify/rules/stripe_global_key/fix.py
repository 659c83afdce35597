"""Replaces a module's process-global `stripe.api_key = <expr>` with a client of its own,
`stripe_client = stripe.StripeClient(<expr>)`, and the module's `stripe.<Resource>.<method>(...)`
calls with the matching calls on that client's services:
`stripe.Customer.retrieve(cid, expand=["sources"])` ->
`stripe_client.v1.customers.retrieve(cid, params={"expand": ["sources"]})` (`modify` is `update` on
a service; request options such as `idempotency_key=` or `stripe_account=` go to `options={...}`).
Inside `async def` the awaitable twin is used: `await stripe_client.v1.customers.retrieve_async(...)`.

Which resources and methods map, and how a service is reached (`client.v1.customers`, or
`client.customers` before stripe-python 12.5), is read from the table of the stripe major the
project's pins allow (table.py beside it: built from released stripe packages, shipped as
data), never guessed, and the same whether or not stripe is installed where awaitify runs. It is all or nothing per module: when any Stripe use in it cannot be
converted (an unknown resource or method, `**kwargs`, `stripe.api_key` read or set anywhere else, a
key set inside a function or under an `if`, a method passed around uncalled, another global Stripe
setting the client would not read) nothing is rewritten and the reason is reported. Webhook helpers
(`stripe.Webhook.construct_event`) and the error classes make no API request: they are left as they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst
from libcst.codemod.visitors import RemoveImportsVisitor
from libcst.metadata import QualifiedNameSource

from awaitify.codemod_base import ASYNC, AwaitifyCodemod, awaited, import_binds
from awaitify.rules.stripe_global_key import RULE as STRIPE_GLOBAL_KEY
from awaitify.rules.stripe_global_key.table import Table, Target, table_for

RULE = STRIPE_GLOBAL_KEY

CLIENT_NAME = "stripe_client"
# classes and calls that make no API request with the global key
HARMLESS_OWNERS = ("Webhook", "WebhookSignature")


# --- the codemod ----------------------------------------------------------------------------------------
@dataclass
class Conversion:
    assign: cst.Assign
    stripe_ref: cst.BaseExpression  # how the module names `stripe` (`stripe`, `s`)
    client: str
    calls: dict[cst.Call, tuple[Target, str]] = field(default_factory=dict)  # -> (target, shown name)
    from_imports: set[tuple[str, str | None]] = field(default_factory=set)  # `from stripe import X [as Y]` names used


class _Survey(cst.CSTVisitor):
    """Every use of `stripe` in the module: the key assignments, the calls, anything else."""

    def __init__(self, codemod: StripeGlobalKeyToClient) -> None:
        self.codemod = codemod
        self.depth = 0  # functions and lambdas around us: their code runs later, not at import
        self.statement = -1  # index of the top-level statement we are in
        # (node, the assignment when it is one, a plain top-level `stripe.api_key = x`, top statement index)
        self.keys: list[tuple[cst.CSTNode, cst.CSTNode | None, bool, int]] = []
        self.calls: list[tuple[cst.Call, str, int, bool]] = []  # (call, qualified name, statement, runs later)
        self.other: list[tuple[cst.CSTNode, str]] = []  # refusals found on the way
        self.names: set[str] = set()
        self._targets: dict[cst.CSTNode, cst.CSTNode] = {}  # assignment target -> its statement
        self._top: cst.CSTNode | None = None

    def visit_Module(self, node: cst.Module) -> bool:
        for i, stmt in enumerate(node.body):
            self.statement, self._top = i, stmt
            stmt.visit(self)
        return False

    def visit_Import(self, node: cst.Import) -> bool:
        for alias in node.names:
            self.names.add(import_binds(alias))
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        if not isinstance(node.names, cst.ImportStar):
            for alias in node.names:
                self.names.add(alias.evaluated_alias or alias.evaluated_name)
        return False

    def visit_Name(self, node: cst.Name) -> bool:
        self.names.add(node.value)
        self._use(node)
        return False

    def _enter(self, node: cst.CSTNode) -> bool:
        self.depth += 1
        return True

    def _leave(self, node: cst.CSTNode) -> None:
        self.depth -= 1

    visit_FunctionDef = visit_Lambda = _enter  # type: ignore[assignment]
    leave_FunctionDef = leave_Lambda = _leave  # type: ignore[assignment]

    def visit_Assign(self, node: cst.Assign) -> bool:
        for target in node.targets:
            self._targets[target.target] = node
        return True

    def visit_AugAssign(self, node: cst.AugAssign) -> bool:
        self._targets[node.target] = node
        return True

    def visit_AnnAssign(self, node: cst.AnnAssign) -> bool:
        self._targets[node.target] = node
        return True

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        if not self._use(node):
            return True  # `f(stripe.X).y`: look inside
        self.names.add(node.attr.value)
        return False

    def visit_Call(self, node: cst.Call) -> bool:
        name = self.codemod.stripe_name(node.func)
        if not (name or "").startswith("stripe."):
            return True
        self.calls.append((node, name, self.statement, self.depth > 0))  # type: ignore[arg-type]
        for arg in node.args:
            arg.visit(self)
        return False

    def _use(self, node: cst.Name | cst.Attribute) -> bool:
        """A `stripe...` name in any position but a call's: True when it is one."""
        name = self.codemod.stripe_name(node)
        if name is None or not name.startswith("stripe."):
            return False
        statement = self._targets.get(node)
        if name == "stripe.api_key":
            top = (isinstance(statement, cst.Assign) and self.depth == 0 and isinstance(self._top, cst.SimpleStatementLine)
                   and statement in self._top.body and len(statement.targets) == 1)
            if statement is not None or isinstance(node, cst.Attribute):
                self.keys.append((node, statement, bool(top), self.statement))
            return True
        shown = name.partition(".")[2]
        if statement is not None:
            why = (f"`stripe.{shown}` is set here: a StripeClient does not read the module's global settings, so "
                   "the converted calls would change")
            self.other.append((node, why))
            return True
        api = self.codemod.api
        if api is None:
            return True
        if api.is_resource_method(name):
            why = (f"`stripe.{shown}` is used without being called (passed around or stored): it would still use "
                   "the global key; convert it by hand")
            self.other.append((node, why))
        return True


class StripeGlobalKeyToClient(AwaitifyCodemod):
    RULE = RULE
    DESCRIPTION = __doc__

    def __init__(self, context) -> None:
        super().__init__(context)
        self.conversion: Conversion | None = None

    def stripe_name(self, node: cst.CSTNode) -> str | None:
        """`stripe.X.y` for a dotted name that the file's imports resolve into the stripe package (a
        local class or variable named `stripe` is not it), else None."""
        if not _dotted(node):  # type: ignore[arg-type]
            return None
        names = self.qualified_names(node)
        if len(names) != 1:
            return None
        found = next(iter(names))
        if found.source is not QualifiedNameSource.IMPORT or not (found.name + ".").startswith("stripe."):
            return None
        return found.name

    def visit_Module(self, node: cst.Module) -> bool:
        super().visit_Module(node)
        if "api_key" in node.code:
            self.conversion = self._plan(node)
        return True

    # --- deciding: all of the module's Stripe uses convert, or none ---------------------------------
    def _plan(self, module: cst.Module) -> Conversion | None:
        if not any(self.stripe_name(n) == "stripe.api_key" for n in _attributes(module)):
            return None  # no need to survey a file that never names the key
        api = table_for(self.config.root)
        self.api = None if isinstance(api, str) else api
        survey = _Survey(self)
        module.visit(survey)
        assignments = [k for k in survey.keys if k[1] is not None]
        if not assignments:
            return None  # the key is set elsewhere (or only read here): not this module's to move
        target, assign, top, statement = assignments[0]

        def refuse(node: cst.CSTNode, why: str) -> None:
            self.diagnose(node, f"stripe.api_key not converted to a StripeClient: {why}")

        if self._suppressed(assign) or self._suppressed(target):
            return None
        if isinstance(api, str):
            refuse(target, api)
            return None
        if len(survey.keys) > 1:
            where = ", ".join(f"line {self.position(k[0])[0]}" for k in survey.keys)
            refuse(target, f"the key is set or read in {len(survey.keys)} places ({where}); move them to one client by hand")
            return None
        if not top:
            refuse(target, "the key is set inside a function or a class, under an `if`/`try`, annotated, augmented "
                           "or chained with other names; a client must exist wherever the calls run, so this is left "
                           "to do by hand")
            return None
        for node, why in survey.other:
            refuse(node, why)
        if survey.other:
            return None
        extra = self.session.plan.extra.get(RULE.name) or {}
        users = extra.get("global_key_users") if isinstance(extra, dict) else None
        if users:
            refuse(target, "other modules make Stripe calls that rely on this global key "
                           f"({', '.join(map(str, users[:3]))}); convert them together by hand")
            return None
        assert isinstance(target, cst.Attribute)
        conversion = Conversion(assign=assign, stripe_ref=target.value, client=_free_name(survey.names))
        problems = 0
        for call, name, at, later in survey.calls:
            shown = name.partition(".")[2]
            owner = name.split(".")[1] if name.count(".") >= 2 else ""
            if owner in HARMLESS_OWNERS or name == "stripe.StripeClient" or api.is_exception(name):
                continue
            if self._suppressed(call):
                refuse(call, f"`{shown}()` is marked to be ignored; converting the other calls would leave it without "
                             "the key")
                problems += 1
                continue
            found = api.target(name)
            if isinstance(found, str):
                refuse(call, found)
                problems += 1
                continue
            why = self._arguments_problem(call, found, api)
            if why:
                refuse(call, f"`{shown}(...)`: {why}")
                problems += 1
                continue
            if not later and at <= statement:
                refuse(call, f"`{shown}()` runs at import time before the key is set")
                problems += 1
                continue
            conversion.calls[call] = (found, shown)
            func = call.func
            while isinstance(func, cst.Attribute):
                func = func.value
            if isinstance(func, cst.Name) and self.stripe_name(func) != "stripe":
                imported = self.stripe_name(func) or ""
                conversion.from_imports.add((imported.partition(".")[2], func.value))
        return None if problems else conversion

    @staticmethod
    def _arguments_problem(call: cst.Call, target: Target, api: Table) -> str | None:
        positional = [a for a in call.args if a.keyword is None]
        if any(a.star for a in call.args):
            return "`*args`/`**kwargs` cannot be split into the client's params and options"
        named = {a.keyword.value for a in call.args if a.keyword is not None}
        given = len(positional) + len(named & set(target.by_keyword))
        if given != len(target.positional) or len(positional) > len(target.positional):
            return f"expected {len(target.positional)} positional argument(s) ({', '.join(target.positional) or 'none'})"
        # The converted call evaluates the ids first, then params={...}, then options={...}: a value
        # moved ahead of another one is fine unless both may have side effects.
        rank = {"id": 0, "param": 1, "option": 2}

        def kind(arg: cst.Arg) -> int:
            name = arg.keyword.value if arg.keyword is not None else None
            if name is None or name in target.by_keyword:
                return rank["id"]
            return rank["option"] if name in api.options else rank["param"]

        for i, first in enumerate(call.args):
            for later in call.args[i + 1:]:
                if kind(later) < kind(first) and not _plain(first.value) and not _plain(later.value):
                    return (f"`{_spelled(later)}` would be evaluated before `{_spelled(first)}`, written before it, "
                            "and both may have side effects; reorder them by hand")
        return None

    # --- rewriting ------------------------------------------------------------------------------------------
    def leave_Assign(self, original: cst.Assign, updated: cst.Assign) -> cst.BaseSmallStatement:
        conv = self.conversion
        if conv is None or original is not conv.assign:
            return updated
        stripe_ref = conv.stripe_ref
        maker = cst.Call(func=cst.Attribute(stripe_ref, cst.Name("StripeClient")), args=[cst.Arg(updated.value)])
        how = f"{len(conv.calls)} Stripe call(s) now use it" if conv.calls else "no Stripe call in this module uses it yet"
        early = ("; a missing key (None) now fails when the module is imported, not at the first Stripe call"
                 if not isinstance(updated.value, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString,
                                                   cst.Subscript)) else "")
        self.record(original, f"stripe.api_key = ... -> {conv.client} = stripe.StripeClient(...): the global key is "
                              f"shared by every concurrent request; {how}{early}")
        for module, asname in conv.from_imports:
            RemoveImportsVisitor.remove_unused_import(self.context, "stripe", module,
                                                      asname if asname != module else None)
        return updated.with_changes(targets=[cst.AssignTarget(cst.Name(conv.client))], value=maker)

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        conv = self.conversion
        if conv is None or original not in conv.calls:
            return updated
        target, shown = conv.calls[original]
        is_async = self.scope_kind == ASYNC and target.async_method is not None
        method = target.async_method if is_async else target.method
        func: cst.BaseExpression = cst.Name(conv.client)
        for part in (*target.service, method):
            func = cst.Attribute(func, cst.Name(part))
        positional = {a.keyword.value: a.value for a in updated.args if a.keyword is not None and a.keyword.value in target.by_keyword}
        plain = iter(a.value for a in updated.args if a.keyword is None)
        args = [cst.Arg(positional[p] if p in positional else next(plain)) for p in target.positional]
        params: list[tuple[cst.Arg, cst.DictElement]] = []
        options: list[tuple[cst.Arg, cst.DictElement]] = []
        for arg in updated.args:
            if arg.keyword is None or arg.keyword.value in target.by_keyword:
                continue
            (options if arg.keyword.value in self.api.options else params).append(
                (arg, cst.DictElement(cst.SimpleString(f'"{arg.keyword.value}"'), arg.value)))
        layout = _Layout.of(updated)
        for key, elements in (("params", params), ("options", options)):
            if elements or (key == "params" and target.params_required):
                args.append(cst.Arg(layout.dict(elements), keyword=cst.Name(key),
                                    equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace(""))))
        spelled = ".".join((conv.client, *target.service, method))
        self.record(original, f"{shown}() -> {'await ' if is_async else ''}{spelled}(): the call uses the module's "
                              "StripeClient instead of the global key", dependent=True)
        new = cst.Call(func=func, args=layout.arguments(args), whitespace_before_args=layout.first)
        return awaited(new) if is_async else new


@dataclass
class _Layout:
    """A call written one argument a line keeps that shape: `params={` and `options={` then hold one
    entry a line, one level deeper, with the comments that followed the original arguments."""

    first: cst.BaseParenthesizableWhitespace = field(default_factory=lambda: cst.SimpleWhitespace(""))
    close: cst.BaseParenthesizableWhitespace | None = None  # before `)`, when on a line of its own

    @classmethod
    def of(cls, call: cst.Call) -> "_Layout":
        ws = call.whitespace_before_args
        if not isinstance(ws, cst.ParenthesizedWhitespace) or not call.args:
            return cls()
        last = call.args[-1]
        end = last.comma.whitespace_after if isinstance(last.comma, cst.Comma) else last.whitespace_after_arg
        return cls(first=ws, close=end if isinstance(end, cst.ParenthesizedWhitespace) else None)

    @property
    def multiline(self) -> bool:
        return isinstance(self.first, cst.ParenthesizedWhitespace)

    def _deeper(self, ws: cst.BaseParenthesizableWhitespace | None = None) -> cst.ParenthesizedWhitespace:
        assert isinstance(self.first, cst.ParenthesizedWhitespace)
        base = ws if isinstance(ws, cst.ParenthesizedWhitespace) else self.first.with_changes(
            first_line=cst.TrailingWhitespace(), empty_lines=[])
        return base.with_changes(last_line=cst.SimpleWhitespace(self.first.last_line.value + "    "))

    def dict(self, entries: list[tuple[cst.Arg, cst.DictElement]]) -> cst.Dict:
        if not self.multiline or not entries:
            return cst.Dict([e.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
                             if i < len(entries) - 1 else e for i, (_, e) in enumerate(entries)])
        out = []
        for i, (arg, element) in enumerate(entries):
            after = arg.comma.whitespace_after if isinstance(arg.comma, cst.Comma) else None
            if i < len(entries) - 1:
                out.append(element.with_changes(comma=cst.Comma(whitespace_after=self._deeper(after))))
            else:  # the comment after the last argument stays with it; `}` goes back to the outer level
                last = self._deeper(after).with_changes(last_line=self.first.last_line)  # type: ignore[union-attr]
                out.append(element.with_changes(comma=cst.Comma(whitespace_after=last)))
        return cst.Dict(out, lbrace=cst.LeftCurlyBrace(whitespace_after=self._deeper()))

    def arguments(self, args: list[cst.Arg]) -> list[cst.Arg]:
        if not self.multiline:
            return [a.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))) if i < len(args) - 1
                    else a for i, a in enumerate(args)]
        out = [a.with_changes(comma=cst.Comma(whitespace_after=self.first)) for a in args[:-1]]
        if args:
            out.append(args[-1].with_changes(comma=cst.Comma(whitespace_after=self.close)) if self.close is not None
                       else args[-1])
        return out


def _attributes(module: cst.Module) -> list[cst.Attribute]:
    found: list[cst.Attribute] = []

    class Collect(cst.CSTVisitor):
        def visit_Attribute(self, node: cst.Attribute) -> bool:
            if node.attr.value == "api_key":
                found.append(node)
            return True

    module.visit(Collect())
    return found


def _free_name(taken: set[str]) -> str:
    name, n = CLIENT_NAME, 1
    while name in taken:
        n += 1
        name = f"{CLIENT_NAME}_{n}"
    return name


def _plain(expr: cst.BaseExpression) -> bool:
    """No side effect (a name, a literal, a display of those): evaluating it earlier or later changes nothing."""
    if isinstance(expr, (cst.Name, cst.SimpleString, cst.ConcatenatedString, cst.Integer, cst.Float)):
        return True
    if isinstance(expr, (cst.List, cst.Tuple, cst.Set)):
        return all(isinstance(e, cst.Element) and _plain(e.value) for e in expr.elements)
    if isinstance(expr, cst.Dict):
        return all(isinstance(e, cst.DictElement) and _plain(e.key) and _plain(e.value) for e in expr.elements)
    return False


def _spelled(arg: cst.Arg) -> str:
    return f"{arg.keyword.value}=" if arg.keyword is not None else "the id"


def _dotted(expr: cst.BaseExpression) -> bool:
    while isinstance(expr, cst.Attribute):
        expr = expr.value
    return isinstance(expr, cst.Name)

