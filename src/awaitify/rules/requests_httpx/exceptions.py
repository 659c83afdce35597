"""Which exceptions a converted requests call raises instead, and what an `except` around one reads.

requests raises `RequestException` subclasses, which are also `OSError`s (and its `JSONDecodeError`,
from `r.json()`, is a `RequestException` as well as a `json.JSONDecodeError`); httpx raises
`httpx.HTTPError` subclasses, none an `OSError`, and `json.JSONDecodeError` from `r.json()`. So each
handler type that caught a requests failure is given the httpx class the same failure raises now:
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from .visit_order import read

# requests exception -> httpx exception(s) raised for the same failures (None: json.JSONDecodeError).
# requests.ConnectionError: refused or reset connections, SSL failures, proxies, a connect timeout, a server
# closing early; not a read timeout (requests.ReadTimeout is no ConnectionError, httpx.ReadTimeout is a
# TransportError), nor httpx's PoolTimeout (requests waits for no pool) or UnsupportedProtocol (InvalidSchema)
CONNECTION_ERRORS = ("NetworkError", "ConnectTimeout", "WriteTimeout", "ProxyError", "RemoteProtocolError")
EXCEPTIONS: dict[str, str | tuple[str, ...] | None] = {
    "RequestException": "HTTPError", "HTTPError": "HTTPStatusError", "ConnectionError": CONNECTION_ERRORS,
    "Timeout": "TimeoutException", "ConnectTimeout": "ConnectTimeout", "ReadTimeout": "ReadTimeout",
    "TooManyRedirects": "TooManyRedirects", "JSONDecodeError": None,
}
# handler types that catch every requests failure: the builtin bases of RequestException
OS_ERRORS = {"builtins.OSError", "builtins.IOError", "builtins.EnvironmentError"}
# requests types that also catch a failed `r.json()` (requests.JSONDecodeError derives from them)
CATCH_JSON = {"RequestException", "InvalidJSONError"}


@dataclass
class Guard:
    """What the body of a `try` (or a `with pytest.raises(...)` block) holds, read before it is rewritten."""

    marks: tuple[int, int]  # converted and unconverted requests calls counted when the body starts
    awaited: set[str] = field(default_factory=set)  # functions of this module its body awaits
    names: set[str] = field(default_factory=set)  # names it reads (responses among them raise later)
    json_on: set[str] = field(default_factory=set)  # names `.json()` is called on
    json_on_call: bool = False  # `.json()` on a call's result (`requests.get(u).json()`)
    foreign: bool = False  # awaits a helper of another module that raises converted calls' exceptions
    foreign_json: bool = False  # ... one that reads `r.json()`
    sync_calls: set[str] = field(default_factory=set)  # functions it calls without awaiting them (still sync)
    sync_foreign: bool = False  # calls another module's helper holding requests calls without awaiting it
    counts: tuple[int, int] = (0, 0)  # converted and unconverted calls in the body, once it is left


def awaited_name(node: cst.Await) -> str | None:
    call = node.expression
    if not isinstance(call, cst.Call):
        return None
    func = call.func
    if isinstance(func, cst.Name):
        return func.value
    if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value in ("self", "cls"):
        return func.attr.value
    return None


class GuardScan(cst.CSTVisitor):
    """Fills a `Guard` from its body. `foreign(call)`: is this call one the project plan lists (a
    helper of another module holding requests calls) -> (listed, reads json)."""

    def __init__(self, guard: Guard, foreign, is_run) -> None:
        self.guard = guard
        self.foreign = foreign
        self.is_run = is_run  # call -> is it asyncio.run(...)
        self._run: set[int] = set()  # calls awaited or run with asyncio.run

    def _outer(self, call: cst.BaseExpression) -> None:
        if isinstance(call, cst.Call):
            self._run.add(id(call))
            listed, json = self.foreign(call)
            self.guard.foreign |= listed
            self.guard.foreign_json |= listed and json

    def visit_Await(self, node: cst.Await) -> None:
        name = awaited_name(node)
        if name:
            self.guard.awaited.add(name)
        self._outer(node.expression)

    def visit_Call(self, node: cst.Call) -> None:
        if self.is_run(node) and node.args:
            self._outer(node.args[0].value)
        elif id(node) not in self._run:  # a sync call: what it calls raises requests' exceptions still
            if isinstance(node.func, cst.Name):
                self.guard.sync_calls.add(node.func.value)
            self.guard.sync_foreign |= self.foreign(node)[0]
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "json":
            if isinstance(func.value, cst.Name):
                self.guard.json_on.add(func.value.value)
            elif isinstance(func.value, (cst.Call, cst.Await)):
                self.guard.json_on_call = True

    def visit_Name(self, node: cst.Name) -> None:
        self.guard.names.add(node.value)


# `exc.response.<attr>` in a handler whose `exc` now holds an httpx exception: what the attribute becomes
RESPONSE_OF_EXCEPTION = {"reason": "reason_phrase", "next": "next_request"}


def response_reads(handler: cst.ExceptHandler) -> list[cst.Attribute]:
    """`exc.response.<attr>` reads in the handler's body that httpx spells differently (`ok`, `reason`,
    `next`, `url`), for `except ... as exc:`."""
    if handler.name is None or not isinstance(handler.name.name, cst.Name):
        return []
    name = handler.name.name.value
    found: list[cst.Attribute] = []

    class Reads(cst.CSTVisitor):
        def visit_Attribute(self, node: cst.Attribute) -> None:
            inner = node.value
            if (isinstance(inner, cst.Attribute) and inner.attr.value == "response" and isinstance(inner.value, cst.Name)
                    and inner.value.value == name and node.attr.value in ("ok", "url", "text", *RESPONSE_OF_EXCEPTION)):
                found.append(node)

    read(Reads(), handler.body)
    return found


class ExceptionResponse(cst.CSTTransformer):
    """Rewrites the reads `response_reads` found (by the ids of the updated nodes) for an httpx response;
    `either`: the handler catches requests' exceptions too, so the read works on both kinds of response
    (`(R.reason_phrase if hasattr(R, "reason_phrase") else R.reason)`)."""

    def __init__(self, reads: set[int], either: bool = False, text=None) -> None:
        super().__init__()
        self.reads = reads
        self.either = either
        self.text = text  # () -> the module's `_requests_text` helper (requests' decoding of `.text`)

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.BaseExpression:
        if id(original) not in self.reads:
            return updated
        attr = original.attr.value
        if attr == "url":  # a str on requests' response already
            return cst.Call(cst.Name("str"), [cst.Arg(updated)])
        if attr == "text" and self.text is None:
            return updated
        if attr == "text":  # requests' decoding (`_requests_helpers`)
            response = cst.Module([]).code_for_node(updated.value)
            code = f"{self.text()}(R)" if not self.either else f'({self.text()}(R) if hasattr(R, "reason_phrase") else R.text)'
            return cst.parse_expression(code.replace("R", response))
        httpx_form = "not R.is_error" if attr == "ok" else f"R.{RESPONSE_OF_EXCEPTION[attr]}"
        response = cst.Module([]).code_for_node(updated.value)
        if self.either:
            marker = "is_error" if attr == "ok" else RESPONSE_OF_EXCEPTION[attr]
            code = f'({httpx_form} if hasattr(R, "{marker}") else R.{attr})'
        else:
            code = f"({httpx_form})" if attr == "ok" else httpx_form
        return cst.parse_expression(code.replace("R", response))
