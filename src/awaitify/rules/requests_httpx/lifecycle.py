"""The requests-httpx codemod's sessions and streamed responses, as libcst nodes: the plans of
`awaitify.requests_plan` (read with `ast`, shared with `check`) matched by their positions to the
nodes of the tree being rewritten."""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, field

import libcst as cst

from awaitify import requests_plan
from awaitify.ast_statements import statements
from awaitify.node_walk import is_statement
from awaitify.summary import UNPARSABLE, char_column

from .visit_order import preorder

# every plan starts at a `requests.Session()` / `requests.session()` or a `stream=` keyword; refusals at any requests call
_WORDS = ("Session", "session", "stream", "requests")  # "requests": where its responses go (requests_responses)
Span = tuple[int, int, int, int]  # start and end (line, column in characters), as libcst's PositionProvider gives them


@dataclass
class Life:
    """One planned session or streamed response, by the ids of its nodes in the original tree."""

    kind: str  # "session" or "stream"
    name: str
    call: int  # id of the stream call / the requests.Session() call
    verb: str = ""  # stream: the requests verb
    last: int | None = None  # the last statement of its region (assignment form; None: a `with` block)
    close: str = ""  # session: "drop" (its last statement is `s.close()`) or "await" (in the `finally:` ending it)
    wrap: bool = True  # session: write `try: ... finally: await s.aclose()` around its use
    settings: list[tuple[str, cst.BaseExpression]] = field(default_factory=list)  # constructor keywords, once seen


@dataclass
class Lifecycles:
    calls: dict[int, Life] = field(default_factory=dict)  # the stream call / session factory
    starts: dict[int, Life] = field(default_factory=dict)  # the assignment or `with` statement
    loops: dict[int, Life] = field(default_factory=dict)  # `for x in r.iter_content()`
    session_calls: set[int] = field(default_factory=set)  # `s.get(...)` on a planned session
    settings: dict[int, tuple[Life, str]] = field(default_factory=dict)  # `s.verify = x` lines -> (session, keyword)
    closes: dict[int, Life] = field(default_factory=dict)  # `s.close()` calls in a `finally:`: `await s.aclose()`
    refused: dict[int, str] = field(default_factory=dict)  # call -> why it is left as it is


class _Index:
    """Calls and statements of the tree by position (the first in libcst's visit order where two share one)."""

    def __init__(self, positions, module: cst.Module) -> None:
        self.calls: dict[Span, cst.Call] = {}
        self.statements: dict[Span, cst.CSTNode] = {}
        for node in preorder(module):
            if type(node) is cst.Call:  # (isinstance() against libcst's abstract classes is slow; Call has no subclass)
                table: dict = self.calls
            elif is_statement(node):
                table = self.statements
            else:
                continue
            found = positions.get(node)
            if found is not None:
                table.setdefault((found.start.line, found.start.column, found.end.line, found.end.column), node)


def lifecycles(module: cst.Module, positions, kind: Callable[[cst.Call], str | None],
               suppressed: Callable[[cst.CSTNode], bool],
               returned: Callable[[cst.Call], bool] = lambda call: False,
               code: str | None = None, parsed: Callable[[], ast.Module | None] | None = None) -> Lifecycles:
    """`kind(call)`: the requests verb, requests_plan.SESSION, or None. A plan any of whose nodes
    cannot be matched, or one of whose calls says `# awaitify: ignore`, is left out (so left as it is).
    `returned(call)`: the project plan followed the response of that call into every caller.
    `code`, `parsed`: the module's text and its `ast` tree (None: unreadable), when the caller has
    them (the codemod's session keeps both for each version of the tree)."""
    out = Lifecycles()
    code = module.code if code is None else code
    if not any(word in code for word in _WORDS):
        return out  # no session and no stream: spare a second parse and a walk of the whole tree
    if parsed is not None:
        found = parsed()
        if found is None:
            return out
        tree = found
    else:
        try:
            tree = ast.parse(code)
        except UNPARSABLE:
            return out
    index = _Index(positions, module)
    lines = code.splitlines()

    def find(node: ast.AST) -> cst.CSTNode | None:
        end = node.end_lineno or node.lineno  # type: ignore[attr-defined]
        key = (node.lineno, char_column(lines, node.lineno, node.col_offset),  # type: ignore[attr-defined]
               end, char_column(lines, end, node.end_col_offset or 0))  # type: ignore[attr-defined]
        return (index.calls if isinstance(node, ast.Call) else index.statements).get(key)

    def ast_kind(call: ast.Call) -> str | None:
        found = find(call)
        return kind(found) if isinstance(found, cst.Call) else None

    for func in statements(tree):  # (a def is a statement: `ast.walk`'s order)
        # async functions only (those propagation makes async already are, in this tree): sync code keeps requests
        if isinstance(func, ast.AsyncFunctionDef):
            plans = requests_plan.plan(func, ast_kind, lambda call: isinstance(found := find(call), cst.Call) and returned(found))
            for stream in plans.streams:
                _add_stream(out, stream, find, suppressed)
            for session in plans.sessions:
                _add_session(out, session, find, suppressed)
            for call, why in plans.refused.values():
                node = find(call)
                if node is not None:
                    out.refused[id(node)] = why
    return out


def _found(find, nodes: list[ast.AST], suppressed, calls: int) -> list[cst.CSTNode] | None:
    """The libcst nodes of `nodes`, or None when one is missing or one of the first `calls` is suppressed."""
    found = [find(node) for node in nodes]
    if any(n is None for n in found) or any(suppressed(n) for n in found[:calls]):
        return None
    return found  # type: ignore[return-value]


def _add_stream(out: Lifecycles, stream: requests_plan.Stream, find, suppressed) -> None:
    nodes = _found(find, [stream.call, stream.statement, *([stream.last] if stream.last else []), *stream.loops], suppressed, 1)
    if nodes is None:
        return
    call, start, *rest = nodes
    life = Life("stream", stream.name, id(call), stream.verb)
    if stream.last is not None:
        life.last = id(rest.pop(0))
    out.calls[id(call)] = out.starts[id(start)] = life
    out.loops.update((id(loop), life) for loop in rest)


def _add_session(out: Lifecycles, session: requests_plan.Session, find, suppressed) -> None:
    calls = [session.factory, *session.calls]
    nodes = _found(find, [*calls, session.statement, *([session.last] if session.last else []), *session.settings,
                          *([session.close.value] if session.close else [])], suppressed, len(calls))
    if nodes is None:  # a call left sync by a suppression comment would be wrong on an AsyncClient
        factory = find(session.factory)
        if factory is not None:
            out.refused[id(factory)] = requests_plan.SUPPRESSED_SESSION
        return
    factory, *rest = nodes
    close = "" if session.close is None else "drop" if session.close is session.last else "await"
    life = Life("session", session.name, id(factory), close=close, wrap=session.wrap)
    out.calls[id(factory)] = life
    out.session_calls.update(id(rest.pop(0)) for _ in session.calls)
    out.starts[id(rest.pop(0))] = life
    if session.last is not None:
        life.last = id(rest.pop(0))
    for stmt in session.settings:
        out.settings[id(rest.pop(0))] = (life, stmt.targets[0].attr)  # type: ignore[attr-defined]
    if life.close == "await":
        out.closes[id(rest.pop(0))] = life
