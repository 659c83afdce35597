"""Hiding the bodies of functions no codemod needs to see, so that libcst parses, analyses and walks
a much smaller file.

libcst's metadata (scopes, qualified names, positions) and every codemod pass visit the whole tree:
in a 5,000-line test module with one async test, nearly all of that work is for code no codemod
touches. Before the transform, the body of each sync function (or class with no async method) that spells none of
the rules' `sync_tokens` (nor an alias imported for one) and holds nothing the plan names is
replaced by blank lines and one marker statement; after it, the original bytes are put back. Line numbers are
kept (the plan names call sites by position: the marker's string literal spans the hidden lines), and the marker calls every module-level name the body
spells, so scope analysis still sees the module names it uses (an import is not removed as unused
because its only user was hidden). Only rules that declare `local_edits` run on a hollowed file; when a marker
does not come back exactly as written, the caller transforms the whole file instead.
"""

from __future__ import annotations

import ast
import io
import keyword
import re
import tokenize
from dataclasses import dataclass, field

from awaitify.ast_statements import statements
from awaitify.plan import FilePlan
from awaitify.summary import BLOCKS, UNPARSABLE
from awaitify.token_aliases import imports as _imports, with_aliases as _tokens_with_aliases

MARKER = "__awaitify_hidden_{}__"
_OPEN, _CLOSE = '"""', b'""")'
MIN_LINES = 3  # smaller bodies are not worth a marker
_F_STRING = re.compile(r"^[rRbBuU]?[fF]|^[fF][rR]")
_IDENTIFIER = re.compile(r"[^\W\d]\w*")


@dataclass
class Hollowed:
    raw: bytes
    bodies: dict[str, list[bytes]] = field(default_factory=dict)  # marker -> the original lines

    def restore(self, new: bytes) -> bytes | None:
        """`new` with the hidden bodies back; None when a marker is missing, repeated or moved."""
        lines = new.splitlines(keepends=True)
        found: dict[str, int] = {}
        for i, line in enumerate(lines):
            stripped = line.lstrip()
            if stripped.startswith(b"__awaitify_hidden_"):
                name = stripped.split(b"(", 1)[0].decode("ascii", "replace")
                if name in found or name not in self.bodies:
                    return None
                found[name] = i
        if found.keys() != self.bodies.keys():
            return None
        for name, at in sorted(found.items(), key=lambda item: -item[1]):
            original = self.bodies[name]
            end = at + len(original)
            if end > len(lines) or _indent(lines[at]) != _indent(original[0]):
                return None
            if any(line.strip() for line in lines[at + 1 : end - 1]) or lines[end - 1].strip() != _CLOSE:
                return None
            lines[at:end] = original
        return b"".join(lines)


def _indent(line: bytes) -> bytes:
    return line[: len(line) - len(line.lstrip(b" \t\f"))]


def _module_names(tree: ast.Module) -> set[str]:
    """Every name the module scope may bind: imports, definitions, assignment targets at module
    level, and names declared `global` anywhere."""
    names: set[str] = set()
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.Name):
            names.add(node.id)
        stack.extend(ast.iter_child_nodes(node))
    names.update(n for node in statements(tree) if isinstance(node, ast.Global) for n in node.names)
    return names


def _names(text: str) -> list[str] | None:
    """Every name the body spells (f-string contents included), as scope analysis would see them."""
    names: set[str] = set()
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.NAME and not keyword.iskeyword(token.string):
                names.add(token.string)
            elif token.type == tokenize.STRING and _F_STRING.match(token.string):
                names.update(w for w in _IDENTIFIER.findall(token.string) if not keyword.iskeyword(w))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return None
    return sorted(names)


def _first_line(node: ast.stmt) -> int:
    decorators = getattr(node, "decorator_list", ())
    return min([node.lineno, *(d.lineno for d in decorators)])


def _planned_lines(plan: FilePlan) -> set[int]:
    return {line for table in (plan.await_calls, plan.offload_calls, plan.run_calls) for line, _ in table}


def hollow(raw: bytes, text: str, encoding: str, tokens: tuple[str, ...], plan: FilePlan,
           async_tokens: tuple[str, ...] | None = None) -> Hollowed | None:
    """The file with what no `local_edits` codemod needs hidden; None when nothing is worth hiding
    (or the file is one this cannot handle safely: then the whole file is transformed).
    `tokens`: a sync function spelling one is kept. `async_tokens`: an async function spelling none
    is hidden too (None: every async function is kept)."""
    try:
        tree = ast.parse(text)
    except UNPARSABLE:
        return None
    text_lines = text.splitlines()
    lines = raw.splitlines(keepends=True)
    if len(lines) != len(text_lines):
        return None  # a line break str and bytes disagree on (form feed, U+2028...): do not risk it
    imports = _imports(tree, text_lines)
    tokens = _tokens_with_aliases(imports, tokens)
    if async_tokens is not None:
        async_tokens = _tokens_with_aliases(imports, async_tokens)
    planned = _planned_lines(plan)
    hidden: list[tuple[int, int]] = []

    def keep(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef, qualname: str) -> bool:
        start, end = _first_line(node), node.end_lineno or node.lineno
        if any(start <= line <= end for line in planned):
            return True
        if any(q == qualname or q.startswith(qualname + ".") for q in plan.make_async):
            return True
        span = "\n".join(text_lines[start - 1 : end])
        if any(t in span for t in tokens):
            return True
        if isinstance(node, ast.AsyncFunctionDef) or (
                "async" in span and any(isinstance(n, ast.AsyncFunctionDef) for n in statements(node))):
            # async code (or a class or function holding some) that a codemod may read
            return async_tokens is None or any(t in span for t in async_tokens)
        return False

    def walk(body: list[ast.stmt], prefix: str) -> None:
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                qualname = prefix + node.name
                if not keep(node, qualname):
                    first, last = _first_line(node.body[0]), node.end_lineno or node.lineno
                    if first > node.lineno and last - first + 1 >= MIN_LINES:
                        hidden.append((first, last))
                elif isinstance(node, ast.ClassDef):
                    walk(node.body, f"{qualname}.")
            else:
                for name in BLOCKS:
                    children = getattr(node, name, ())
                    for child in children:
                        walk(child.body if isinstance(child, (ast.ExceptHandler, ast.match_case)) else [child], prefix)

    walk(tree.body, "")
    if not hidden:
        return None
    module_names = _module_names(tree)
    result = Hollowed(raw=b"")
    out = list(lines)
    for number, (first, last) in enumerate(sorted(hidden, reverse=True)):
        names = _names("\n".join(text_lines[first - 1 : last]) + "\n")
        if names is None:
            return None
        # only names the module scope binds matter to the codemods (an import whose only user is
        # hidden is still used); the rest would only make the marker, and libcst's work, longer
        names = [n for n in names if n in module_names]
        ending = lines[last - 1][len(lines[last - 1].rstrip(b"\r\n")) :] or b"\n"
        marker = MARKER.format(number)
        try:
            opening = _indent(lines[first - 1]) + f"{marker}({''.join(n + ', ' for n in names)}{_OPEN}".encode(encoding) + ending
        except (UnicodeEncodeError, LookupError):
            return None
        result.bodies[marker] = lines[first - 1 : last]
        # the lines are kept by a string literal spanning them: one node, where blank lines would be
        # one node each for every libcst visitor to walk
        out[first - 1 : last] = [opening, *[ending] * (last - first - 1), _CLOSE + ending]
    result.raw = b"".join(out)
    return result
