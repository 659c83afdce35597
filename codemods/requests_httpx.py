"""Rewrites `requests` calls inside `async def` to `httpx.AsyncClient`, keeping requests' behaviour.

`requests.get/post/put/patch/delete/head/options/request(...)` (any import form) becomes
`await client.<verb>(...)` with the statement that holds it wrapped in
`async with httpx.AsyncClient(...) as client:`; adjacent statements share one client, and the
client's name never collides with a name of the function. Behaviour kept on purpose:
`follow_redirects=True` for every verb but `head` (or what `allow_redirects=` said); `timeout=None`
where requests had none (httpx would give up after 5 s; `httpx-default-timeout = true` opts out);
a `(connect, read)` timeout tuple becomes `httpx.Timeout(None, connect=c, read=r)`; a str/bytes
literal body moves from `data=` to `content=`; `verify=`, `cert=`, `cookies=` and a one-proxy
`proxies=` move to the client. Responses bound from converted calls get `.ok` -> `not .is_error`,
`.reason` -> `.reason_phrase`, `.next` -> `.next_request`. `except` clauses of a `try` guarding
converted calls get the httpx exception that catches the same errors (`requests.HTTPError` ->
`httpx.HTTPStatusError`, not the wider `httpx.HTTPError`). `requests` is dropped from the imports
only when nothing uses it any more.

Refused, with a finding: `stream=True`, `**kwargs`, arguments httpx has no place for, a `proxies=`
with several proxies, a `data=` whose type cannot be seen, calls in a lambda or generator
expression, and calls in a one-line compound statement.
"""

from __future__ import annotations

import libcst as cst
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor

from awaitify.codemod_base import ASYNC, GENEXP, LAMBDA, AwaitifyCodemod, awaited, with_commas
from awaitify.rules import Rule
from awaitify.summary import ModuleSummary

VERBS = ("get", "post", "put", "patch", "delete", "head", "options", "request")
PER_REQUEST = {"params", "headers", "json", "files", "auth", "data", "timeout", "allow_redirects"}
TO_CLIENT = {"verify", "cert", "cookies", "proxies"}
EXCEPTIONS = {
    "RequestException": "HTTPError", "HTTPError": "HTTPStatusError", "ConnectionError": "TransportError",
    "Timeout": "TimeoutException", "ConnectTimeout": "ConnectTimeout", "ReadTimeout": "ReadTimeout",
    "TooManyRedirects": "TooManyRedirects", "JSONDecodeError": None,  # None: json.JSONDecodeError
}
RESPONSE_ATTRS = {"reason": "reason_phrase", "next": "next_request"}
SESSION_FACTORIES = ("requests.Session", "requests.session", "requests.sessions.Session")
SESSION_ATTRS = ("headers", "auth", "params")  # the same meaning on an httpx.AsyncClient

RULE = Rule(
    code="AW201",
    name="requests-httpx",
    summary="requests calls in async code -> await httpx.AsyncClient calls, with requests' behaviour kept",
    triggers=("requests",),
    order=40,
    async_fixes=tuple(f"requests.{v}" for v in VERBS),
)


def wants(summary: ModuleSummary) -> bool:
    return any(site.ref.kind == "import" and site.ref.target.startswith("requests.") and site.in_async for site in summary.calls)


def _names_in(node: cst.CSTNode) -> set[str]:
    found: set[str] = set()

    class Names(cst.CSTVisitor):
        def visit_Name(self, name: cst.Name) -> None:
            found.add(name.value)

    node.visit(Names())
    return found


def _is_text_literal(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString))


def _kw(name: str, value: cst.BaseExpression) -> cst.Arg:
    return cst.Arg(value=value, keyword=cst.Name(name), equal=cst.AssignEqual(
        whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")))


class _Function:
    """Per async function: the client's name, the responses bound from converted calls."""

    def __init__(self, node: cst.FunctionDef) -> None:
        taken = _names_in(node)
        self.client = next(n for n in ("client", "http_client", *(f"client_{i}" for i in range(1, 99))) if n not in taken)
        self.responses: set[str] = set()


class RequestsToHttpx(AwaitifyCodemod):
    RULE = RULE
    DESCRIPTION = __doc__

    def __init__(self, context: cst.codemod.CodemodContext) -> None:
        super().__init__(context)
        self.client_module = self.config.http_client
        self._functions: list[_Function | None] = []
        # per statement being visited: the client it needs, as (settings as code, client arguments)
        self._statements: list[list[tuple[str, list[cst.Arg]]]] = []
        # id(updated statement) -> (client name, (settings, arguments), the statement, kept alive for its id)
        self._clients: dict[int, tuple[str, tuple[str, list[cst.Arg]], cst.BaseStatement]] = {}
        self._converted = 0
        self._try_marks: list[int] = []
        self._negations: set[int] = set()  # the `(not r.is_error)` nodes written for `r.ok`
        self._sessions: list[str] = []  # names of `with requests.Session() as s:` blocks being converted

    # --- scopes ---------------------------------------------------------------------------------
    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self._functions.append(_Function(node) if node.asynchronous else None)
        return super().visit_FunctionDef(node)

    def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef) -> cst.BaseStatement:
        self._functions.pop()
        return self._statement_left(super().leave_FunctionDef(original, updated))

    @property
    def function(self) -> _Function | None:
        return self._functions[-1] if self._functions else None

    # --- statements: which need a client -----------------------------------------------------
    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            self._statements.append([])
        return super().on_visit(node)

    def on_leave(self, original: cst.CSTNode, updated: cst.CSTNode):  # type: ignore[override]
        result = super().on_leave(original, updated)
        if isinstance(original, (cst.SimpleStatementLine, cst.BaseCompoundStatement)) and not isinstance(original, cst.FunctionDef):
            result = self._statement_left(result)
        return result

    def _statement_left(self, node):
        needs = self._statements.pop() if self._statements else []
        if needs and isinstance(node, cst.BaseStatement) and self.function is not None:
            self._clients[id(node)] = (self.function.client, needs[0], node)
        return node

    def leave_IndentedBlock(self, original: cst.IndentedBlock, updated: cst.IndentedBlock) -> cst.IndentedBlock:
        """Adjacent statements that need a client with the same settings share one `async with`."""
        body: list[cst.BaseStatement] = []
        group: list[cst.BaseStatement] = []
        group_key: tuple[str, str] | None = None
        group_args: list[cst.Arg] = []
        for stmt in updated.body:
            entry = self._clients.pop(id(stmt), None)
            key = None if entry is None else (entry[0], entry[1][0])
            if group and key != group_key:
                body.append(self._wrap(group, group_key[0], group_args))  # type: ignore[index]
                group = []
            if entry is None:
                body.append(stmt)
            else:
                group.append(stmt)
                group_key, group_args = key, entry[1][1]
        if group:
            body.append(self._wrap(group, group_key[0], group_args))  # type: ignore[index]
        return updated.with_changes(body=body)

    def _wrap(self, statements: list[cst.BaseStatement], name: str, args: list[cst.Arg]) -> cst.With:
        leading = getattr(statements[0], "leading_lines", [])
        inner = [statements[0].with_changes(leading_lines=[]), *statements[1:]]
        client = cst.Call(func=cst.Attribute(cst.Name(self.client_module), cst.Name("AsyncClient")), args=with_commas(list(args)))
        return cst.With(
            items=[cst.WithItem(client, asname=cst.AsName(cst.Name(name)))],
            body=cst.IndentedBlock(body=inner),
            asynchronous=cst.Asynchronous(),
            leading_lines=leading,
        )

    # --- calls ------------------------------------------------------------------------------------
    def _verb(self, call: cst.Call) -> str | None:
        name = self.qualified_name(call.func)
        if name and name.startswith("requests.") and name.count(".") == 1 and name[9:] in VERBS:
            return name[9:]
        if name and name.startswith("requests.api.") and name[13:] in VERBS:
            return name[13:]
        return None

    # --- sessions: `with requests.Session() as s:` -> `async with httpx.AsyncClient() as s:` ----------
    def _session_name(self, node: cst.With) -> str | None:
        if len(node.items) != 1 or node.asynchronous is not None:
            return None
        item = node.items[0]
        if not (isinstance(item.item, cst.Call) and not item.item.args and item.asname is not None
                and isinstance(item.asname.name, cst.Name)):
            return None
        return item.asname.name.value if self.qualified_name(item.item.func) in SESSION_FACTORIES else None

    def visit_With(self, node: cst.With) -> bool:
        name = self._session_name(node)
        if name is not None and self.scope_kind == ASYNC and self.function is not None:
            problem = self._session_problem(node, name)
            if problem:
                self.diagnose(node, f"requests.Session() in async code; not rewritten: {problem}")
            else:
                self._sessions.append(name)
        return True

    def _session_problem(self, node: cst.With, name: str) -> str | None:
        """Why the session's block cannot be converted as a whole, or None."""
        uses: list[cst.CSTNode] = []
        owner = self

        class Uses(cst.CSTVisitor):
            def visit_Attribute(self, attr: cst.Attribute) -> bool:
                if isinstance(attr.value, cst.Name) and attr.value.value == name:
                    uses.append(attr)
                    return False
                return True

            def visit_Call(self, call: cst.Call) -> bool:
                func = call.func
                if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value == name:
                    uses.append(call)
                    for arg in call.args:
                        arg.visit(self)
                    return False
                return True

            def visit_Name(self, ref: cst.Name) -> None:
                if ref.value == name:
                    uses.append(ref)

            def visit_Lambda(self, lam: cst.Lambda) -> bool:
                return True

        node.body.visit(Uses())
        for use in uses:
            if isinstance(use, cst.Call):
                verb = use.func.attr.value  # type: ignore[attr-defined]
                if verb not in VERBS:
                    return f"`{name}.{verb}()` has no httpx.AsyncClient twin"
                plan = owner._plan_arguments(use, use, verb)
                if isinstance(plan, str):
                    return plan
                if plan[1]:
                    return "per-request verify=/cert=/cookies=/proxies= must move to the client"
            elif isinstance(use, cst.Attribute):
                if use.attr.value not in SESSION_ATTRS:
                    return f"`{name}.{use.attr.value}` differs in httpx"
            else:
                return f"`{name}` is used as a value (passed on or stored)"
        return None

    def leave_With(self, original: cst.With, updated: cst.With) -> cst.BaseStatement:
        name = self._session_name(original)
        if name is None or not self._sessions or self._sessions[-1] != name:
            return updated
        self._sessions.pop()
        self._converted += 1
        self._schedule_import_removal(original.items[0].item.func)  # type: ignore[attr-defined]
        AddImportsVisitor.add_needed_import(self.context, self.client_module)
        self.record(original, f"requests.Session() -> {self.client_module}.AsyncClient(): its requests are awaited")
        client = cst.Call(func=cst.Attribute(cst.Name(self.client_module), cst.Name("AsyncClient")))
        item = updated.items[0].with_changes(item=client)
        return updated.with_changes(items=[item], asynchronous=cst.Asynchronous())

    def _on_session(self, call: cst.Call) -> bool:
        func = call.func
        return bool(self._sessions and isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name)
                    and func.value.value in self._sessions and func.attr.value in VERBS)

    def _session_call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression | None:
        if not self._on_session(original):
            return None
        func = original.func
        assert isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name)
        verb = func.attr.value
        request_args, _ = self._plan_arguments(original, updated, verb)  # type: ignore[misc]
        self.record(original, f"{func.value.value}.{verb}() -> await {func.value.value}.{verb}() on the AsyncClient",
                    dependent=True)
        return awaited(updated.with_changes(args=with_commas(request_args)))

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        session_call = self._session_call(original, updated)
        if session_call is not None:
            return session_call
        verb = self._verb(original)
        if verb is None:
            return updated
        if self.scope_kind in (LAMBDA, GENEXP) and self.inside_async_function():
            self.diagnose(original, f"requests.{verb}() blocks the event loop, but it stands in a lambda or generator "
                          "expression inside async code; rewrite it by hand")
            return updated
        if self.scope_kind != ASYNC or self.function is None or not self._statements:
            return updated
        plan = self._plan_arguments(original, updated, verb)
        if isinstance(plan, str):
            self.diagnose(original, f"requests.{verb}() blocks the event loop; not rewritten: {plan}")
            return updated
        request_args, client_args = plan
        key = cst.Module([]).code_for_node(cst.Call(cst.Name("c"), args=with_commas(client_args)))
        needs = self._statements[-1]
        if needs and needs[0][0] != key:
            self.diagnose(original, f"requests.{verb}() needs other client settings than a call beside it; rewrite it by hand")
            return updated
        if not needs:
            needs.append((key, client_args))
        self._converted += 1
        self._schedule_import_removal(original.func)
        AddImportsVisitor.add_needed_import(self.context, self.client_module)
        self.record(original, f"requests.{verb}() -> await {self.function.client}.{verb}() on an {self.client_module}.AsyncClient: "
                    "requests blocks the event loop")
        func = cst.Attribute(cst.Name(self.function.client), cst.Name(verb))
        return awaited(cst.Call(func=func, args=with_commas(request_args)))

    def _plan_arguments(self, original: cst.Call, updated: cst.Call, verb: str):
        """(request arguments, client arguments), or why the call cannot be converted."""
        request_args: list[cst.Arg] = []
        client_args: list[cst.Arg] = []
        follow: cst.BaseExpression = cst.Name("False" if verb == "head" else "True")
        timeout_seen = False
        for arg in updated.args:
            if arg.star:
                return "*args/**kwargs may carry arguments httpx takes elsewhere"
            if arg.keyword is None:
                request_args.append(arg)
                continue
            key = arg.keyword.value
            if key == "stream":
                return "stream=True needs `async with client.stream(...)`; convert the body reading by hand"
            if key not in PER_REQUEST | TO_CLIENT:
                return f"httpx has no `{key}=` argument"
            if key == "allow_redirects":
                follow = arg.value
            elif key == "timeout":
                timeout_seen = True
                request_args.append(arg.with_changes(value=self._timeout(arg.value)))
            elif key == "data" and _is_text_literal(arg.value):
                request_args.append(arg.with_changes(keyword=cst.Name("content")))
            elif key == "data" and not isinstance(arg.value, (cst.Dict, cst.DictComp)):
                return "data= of a type awaitify cannot see: httpx sends str/bytes with content= and forms with data="
            elif key == "proxies":
                proxy = self._single_proxy(arg.value)
                if proxy is None:
                    return "proxies= with several proxies needs httpx `mounts=`"
                client_args.append(_kw("proxy", proxy))
            elif key in TO_CLIENT:
                client_args.append(_kw(key, arg.value))
            else:
                request_args.append(arg)
        if len(original.args) and any(a.keyword is None for a in original.args[2 if verb == "request" else 1:]):
            return "positional arguments after the URL: pass them by keyword first"
        request_args.append(_kw("follow_redirects", follow))
        if not timeout_seen and not self.config.httpx_default_timeout:
            request_args.append(_kw("timeout", cst.Name("None")))
        return request_args, client_args

    def _timeout(self, value: cst.BaseExpression) -> cst.BaseExpression:
        if isinstance(value, cst.Tuple) and len(value.elements) == 2:
            connect, read = (e.value for e in value.elements)
            return cst.Call(func=cst.Attribute(cst.Name(self.client_module), cst.Name("Timeout")),
                            args=with_commas([cst.Arg(cst.Name("None")), _kw("connect", connect), _kw("read", read)]))
        return value

    @staticmethod
    def _single_proxy(value: cst.BaseExpression) -> cst.BaseExpression | None:
        if not isinstance(value, cst.Dict):
            return None
        values = [e.value for e in value.elements if isinstance(e, cst.DictElement)]
        texts = {cst.Module([]).code_for_node(v) for v in values}
        return values[0] if values and len(texts) == 1 and len(values) == len(value.elements) else None

    def _schedule_import_removal(self, func: cst.BaseExpression) -> None:
        if isinstance(func, cst.Name):
            RemoveImportsVisitor.remove_unused_import(self.context, "requests", func.value)
        elif isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
            RemoveImportsVisitor.remove_unused_import(self.context, "requests", asname=func.value.value if func.value.value != "requests" else None)

    # --- responses ---------------------------------------------------------------------------------
    def leave_Assign(self, original: cst.Assign, updated: cst.Assign) -> cst.Assign:
        if (self.function is not None and len(updated.targets) == 1 and isinstance(updated.targets[0].target, cst.Name)
                and isinstance(updated.value, cst.Await) and isinstance(original.value, cst.Call)
                and (self._verb(original.value) or self._on_session(original.value))):
            self.function.responses.add(updated.targets[0].target.value)
        return updated

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.BaseExpression:
        function = self.function
        if function is None or not (isinstance(updated.value, cst.Name) and updated.value.value in function.responses):
            return updated
        attr = updated.attr.value
        if attr == "ok":
            self.record(original, "response.ok -> not response.is_error (requests' ok is status < 400)", dependent=True)
            negated = cst.UnaryOperation(cst.Not(), updated.with_changes(attr=cst.Name("is_error")),
                                         lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
            self._negations.add(id(negated))
            return negated
        if attr in RESPONSE_ATTRS:
            self.record(original, f"response.{attr} -> response.{RESPONSE_ATTRS[attr]}", dependent=True)
            return updated.with_changes(attr=cst.Name(RESPONSE_ATTRS[attr]))
        return updated

    def leave_UnaryOperation(self, original: cst.UnaryOperation, updated: cst.UnaryOperation) -> cst.BaseExpression:
        inner = updated.expression
        if isinstance(updated.operator, cst.Not) and id(inner) in self._negations:  # `not r.ok` -> `r.is_error`
            return inner.expression.with_changes(lpar=updated.lpar, rpar=updated.rpar)  # type: ignore[attr-defined]
        return updated

    # --- exceptions ----------------------------------------------------------------------------
    def visit_Try(self, node: cst.Try) -> bool:
        self._try_marks.append(self._converted)
        return True

    def leave_Try(self, original: cst.Try, updated: cst.Try) -> cst.BaseStatement:
        start = self._try_marks.pop()
        if self._converted == start:
            return updated
        handlers = [h.with_changes(type=self._exception(o.type)) if o.type is not None else h
                    for o, h in zip(original.handlers, updated.handlers)]
        return updated.with_changes(handlers=handlers)

    def _exception(self, expr: cst.BaseExpression) -> cst.BaseExpression:
        if isinstance(expr, cst.Tuple):
            return expr.with_changes(elements=[e.with_changes(value=self._exception(e.value)) for e in expr.elements])
        name = self.qualified_name(expr) or ""
        short = name.rpartition(".")[2]
        if not (name.startswith("requests.") and short in EXCEPTIONS):
            return expr
        target = EXCEPTIONS[short]
        if isinstance(expr, cst.Name):
            RemoveImportsVisitor.remove_unused_import(self.context, name.rpartition(".")[0], short)
        self.record(expr, f"except {name} -> the httpx exception raised for the same errors", dependent=True)
        if target is None:
            AddImportsVisitor.add_needed_import(self.context, "json")
            return cst.Attribute(cst.Name("json"), cst.Name("JSONDecodeError"))
        return cst.Attribute(cst.Name(self.client_module), cst.Name(target))
