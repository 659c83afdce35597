"""The imports the codemods asked for, added and removed once, after every codemod of a file ran.

libcst's AddImportsVisitor and RemoveImportsVisitor walk the whole tree with matchers, and the
second copies it and resolves its scopes first: on a 300-line test module that was half the time of
the whole transform, and about 50 ms even on a 40-line module. So:
- an import asked for is added here, once: a module or name already imported by any module-level
  statement (not only in the leading block, where the visitor looks: it added a second `import
  asyncio` below a `try:` import) is not imported again. The new line goes where isort and ruff's
  `I` rules would put it in the leading import block: in the section (a group of import lines
  between blank lines) of its kind (`__future__`, standard library, third party, first party: a
  package found beside the project's files), in sorted order among the `import` lines or among the
  `from` lines (among all of them under `force-sort-within-sections`), or in a new section of its
  own, placed in that order, when the file has none. A name from a module the file already imports
  names from, and any relative import, go to the visitor (which merges it into that line);
- a name asked to go that is still spelled keeps its import without asking the visitor (`time` is
  usually still used after its `sleep` calls were rewritten). This errs one way only: the visitor
  could have found every use to be a shadowing local, and removed the import;
- a name spelled nowhere else (but in comments and docstrings, which the visitor does not read
  either) and bound by one module-level statement of its own (`import time`) loses that statement
  here, as the visitor would drop it; any other removal goes to the visitor.
The tests compare both shortcuts with libcst's visitors on 38 layouts.
"""

from __future__ import annotations

import ast
import bisect
import functools
import re
import sys
from collections import Counter
from collections.abc import Iterator
from itertools import accumulate
from pathlib import Path

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor, ImportItem, RemoveImportsVisitor
from libcst.helpers import get_full_name_for_node

from awaitify.ast_statements import walk
from awaitify.node_walk import walk as walk_nodes
from awaitify.summary import UNPARSABLE


# the module as parsed, before any codemod (AwaitifyCodemod.visit_Module puts it in the scratch)
ORIGINAL_MODULE = "awaitify.original_module"


_LAST_CODE: list = [None, "", None]  # [tree, its code, its pieces or None]: see module_code
# the last tree's module style (indentation, newline) and, by id, its top-level statements and their code
_PIECES: list = [None, {}]


def module_code(tree: cst.Module) -> str:
    """`tree.code`, generated once for the last tree asked about: the fix-ups read the code of the
    same tree two or three times (their removals, the unused imports, then the file's new bytes),
    and each generation walks every node. A tree made from the last one by adding, removing or
    replacing top-level statements (what the fix-ups do) gets the code of the statements it kept
    from it: a module's code is the code of its header lines, statements and footer lines in turn."""
    if _LAST_CODE[0] is not tree:
        _LAST_CODE[:] = [tree, *_generated(tree)]
    return _LAST_CODE[1]


def _pieces(tree: cst.Module) -> list[tuple[cst.CSTNode, str]]:
    """The header lines, statements and footer lines of `tree` with their code, in order: `tree.code`
    is their code joined (less the last newline, in a module that has none)."""
    module_code(tree)
    if _LAST_CODE[2] is None:
        _LAST_CODE[2] = [(node, tree.code_for_node(node)) for node in (*tree.header, *tree.body, *tree.footer)]
    return _LAST_CODE[2]


def _generated(tree: cst.Module) -> tuple[str, list[tuple[cst.CSTNode, str]] | None]:
    if not tree.has_trailing_newline or not (tree.header or tree.body or tree.footer):
        return tree.code, None  # libcst drops the last newline, or writes one for an empty module
    style = (tree.default_indent, tree.default_newline)  # what a statement's code depends on
    known: dict[int, tuple[cst.CSTNode, str]] = _PIECES[1] if _PIECES[0] == style else {}
    statements = {}
    for statement in tree.body:
        piece = known.get(id(statement))
        statements[id(statement)] = piece if piece is not None and piece[0] is statement else (statement, tree.code_for_node(statement))
    _PIECES[:] = [style, statements]
    pieces = [*((line, tree.code_for_node(line)) for line in tree.header), *(statements[id(s)] for s in tree.body),
              *((line, tree.code_for_node(line)) for line in tree.footer)]
    return "".join(text for _, text in pieces), pieces


def fix_imports(tree: cst.Module, context: CodemodContext) -> cst.Module:
    adds: list[ImportItem] = context.scratch.get(AddImportsVisitor.CONTEXT_KEY) or []
    removes: list[tuple[str, str | None, str | None]] = context.scratch.get(RemoveImportsVisitor.CONTEXT_KEY) or []
    kept = {id(statement) for statement in tree.body}  # to tell the import lines added here
    if adds:
        tree, others = _add_imports(tree, adds, context.filename)
        if others:
            visitor_context = CodemodContext(filename=context.filename, full_module_name=context.full_module_name)
            tree = AddImportsVisitor(visitor_context, others).transform_module(tree)
    spelled: set[str] | None = None  # the names the module spells: removing import lines changes none
    if removes:
        code = module_code(tree)
        try:
            module = ast.parse(code)
        except UNPARSABLE:  # syntax this Python's ast does not read: let the visitor decide
            return _keep_section_breaks(tree, RemoveImportsVisitor(context).transform_module(tree))
        spelled, bindings = _spelling(module)
        going = [request for request in removes if _bound_name(*request) not in spelled]
        if going:
            removed = _remove_lone_imports(tree, going, bindings)
            removed = removed if removed is not None else _keep_section_breaks(tree, RemoveImportsVisitor(context).transform_module(tree))
            if removed.body and id(removed.body[0]) not in kept and _is_import_line(removed.body[0]):
                removed = _trim_top(tree, removed)  # `import trio`, added as a section below `import time`, now leads
            tree = removed
    original = context.scratch.get(ORIGINAL_MODULE)
    if original is not None and original is not tree:
        tree = _drop_imports_made_unused(tree, original, spelled)
    return tree


def _drop_imports_made_unused(tree: cst.Module, original: cst.Module, spelled: set[str] | None = None) -> cst.Module:
    """A module-level import the original code used and the rewritten code no longer spells at all (the
    asyncio-run rewrite leaves `import asyncio` so): removed, as a codemod's own request would remove
    it. An import the original did not use either is left as it was. `spelled`: the names the tree
    spells, when the caller read them (then the tree is generated and parsed only if an import may go)."""
    if spelled is None:
        try:
            spelled, _ = _spelling(ast.parse(module_code(tree)))
        except UNPARSABLE:
            return tree
    candidates = [request for statement in tree.body if (request := _lone_import(statement)) is not None
                  and request[0] != "__future__" and _bound_name(*request) not in spelled]
    if not candidates:
        return tree
    code = module_code(tree)
    try:
        _, bindings = _spelling(ast.parse(code))
    except UNPARSABLE:
        return tree
    try:
        used_before, _ = _spelling(ast.parse(original.code))
    except UNPARSABLE:
        return tree
    going = [request for request in candidates if _bound_name(*request) in used_before]
    if not going:
        return tree
    removed = _remove_lone_imports(tree, going, bindings)
    if removed is None:
        context = CodemodContext()  # spelled in a comment or a string too: the visitor reads the scopes
        for request in going:
            RemoveImportsVisitor.remove_unused_import(context, *request)
        removed = _keep_section_breaks(tree, RemoveImportsVisitor(context).transform_module(tree))
    return _trim_top(tree, removed)


def _lone_import(statement: cst.CSTNode) -> tuple[str, str | None, str | None] | None:
    """(module, name, alias) of a line that imports one name: `import a.b [as c]`, `from a import b [as c]`."""
    if not _is_import_line(statement):
        return None
    node = statement.body[0]  # type: ignore[attr-defined]
    if isinstance(node, cst.Import) and len(node.names) == 1:
        return node.names[0].evaluated_name, None, node.names[0].evaluated_alias
    if (isinstance(node, cst.ImportFrom) and not node.relative and node.module is not None
            and not isinstance(node.names, cst.ImportStar) and len(node.names) == 1):
        return get_full_name_for_node(node.module) or "", node.names[0].evaluated_name, node.names[0].evaluated_alias
    return None


def _keep_section_breaks(before: cst.Module, after: cst.Module) -> cst.Module:
    """The visitor drops a removed import line with its leading lines: when that line opened an
    import section (an empty line above it), the next line that stays gets the empty line, so the
    sections stay apart (isort's layout)."""
    def text(statement: cst.BaseStatement) -> str:
        return before.code_for_node(statement.with_changes(leading_lines=[]))

    kept = {text(statement): i for i, statement in enumerate(after.body)}
    body = list(after.body)
    separated = False
    for statement in before.body:
        at = kept.get(text(statement))
        if at is None:
            separated = separated or bool(statement.leading_lines and statement.leading_lines[0].comment is None)
            continue
        if separated and at > 0:
            body[at] = _with_blank_line_before(body[at])
        separated = False
    return after.with_changes(body=body)


def _remove_lone_imports(tree: cst.Module, going: list[tuple[str, str | None, str | None]],
                         bindings: Counter[str]) -> cst.Module | None:
    """What RemoveImportsVisitor does in the usual case, without copying the tree and resolving its
    scopes: each name asked to go is bound by one module-level statement of its own (`import time`,
    `from time import sleep`) and spelled nowhere else but in comments and docstrings (which the
    visitor does not read either; any other string may be an annotation it does read); that statement
    goes. None when any request is not that simple: the visitor decides then."""
    statements = []
    for request in going:
        name = _bound_name(*request)
        if _mentions(tree, name) != 1 or bindings[name] != 1:
            return None
        found = [s for s in tree.body if _imports_exactly(s, *request)]
        if len(found) != 1:
            return None
        statements.append(found[0])
    body: list[cst.BaseStatement] = []
    separated = False  # a removed line opened an import section: the next line keeps the blank line
    for statement in tree.body:
        if any(statement is gone for gone in statements):
            separated = separated or bool(statement.leading_lines and statement.leading_lines[0].comment is None)
            continue
        if separated and body:
            statement = _with_blank_line_before(statement)
        separated = False
        body.append(statement)
    return tree.with_changes(body=body)


def _trim_top(before: cst.Module, after: cst.Module) -> cst.Module:
    """The statement that comes first once the imports above it went keeps its comments, not the empty
    lines that set it apart from them."""
    if not after.body or not before.body or after.body[0] is before.body[0] or before.body[0].leading_lines:
        return after
    first = after.body[0]
    lines = list(first.leading_lines)
    while lines and lines[0].comment is None:
        lines.pop(0)
    return after.with_changes(body=[first.with_changes(leading_lines=lines), *after.body[1:]])


def _imports_exactly(statement: cst.CSTNode, module: str, obj: str | None, asname: str | None) -> bool:
    if not (isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1):
        return False
    node = statement.body[0]
    if isinstance(node, cst.Import) and obj is None:
        names = node.names
        return len(names) == 1 and names[0].evaluated_name == module and names[0].evaluated_alias == asname
    if isinstance(node, cst.ImportFrom) and obj is not None and not node.relative and node.module is not None:
        names = node.names
        return (not isinstance(names, cst.ImportStar) and len(names) == 1 and get_full_name_for_node(node.module) == module
                and names[0].evaluated_name == obj and names[0].evaluated_alias == asname)
    return False


def _add_imports(tree: cst.Module, adds: list[ImportItem], filename: str | None) -> tuple[cst.Module, list[ImportItem]]:
    """Each import asked for that no module-level statement makes yet, placed as isort would (see
    the module's doc), with one empty line before the code that follows; and the requests left to
    libcst's visitor."""
    present = _Present(tree)
    new: list[tuple[cst.SimpleStatementLine, str, int]] = []  # the line, its sort key, its kind
    others: list[ImportItem] = []
    for item in dict.fromkeys(adds):
        if item.relative or (item.obj_name is not None and item.module_name in present.from_modules
                             and (item.module_name, item.obj_name, item.alias) not in present.names):
            others.append(item)
        elif not present.has(item):
            line = f"import {item.module_name}" if item.obj_name is None else f"from {item.module_name} import {item.obj_name}"
            statement = cst.parse_statement(line + (f" as {item.alias}" if item.alias else ""), config=tree.config_for_parsing)
            new.append((statement, item.module_name, _kind(item.module_name, filename)))  # type: ignore[arg-type]
    if not new:
        return tree, others
    start = end = 1 if _docstring_first(tree) else 0
    for statement in tree.body[start:]:
        if not _is_import_line(statement):
            break
        end += 1
    body = list(tree.body)
    if end < len(body):
        body[end] = _with_blank_line_before(body[end])
    for statement, module, kind in sorted(new, key=lambda n: (n[2], isinstance(n[0].body[0], cst.ImportFrom), n[1].lower())):
        end = _insert_import(body, start, end, statement, module, kind, filename)
    return tree.with_changes(body=body), others


class _Present:
    """What the module-level import statements of a module bind and load."""

    def __init__(self, tree: cst.Module) -> None:
        self.loaded: set[str] = set()  # `import a.b` loads a and a.b and binds a
        self.aliases: set[tuple[str, str]] = set()  # `import a.b as c`
        self.names: set[tuple[str, str, str | None]] = set()  # `from a import b [as c]`
        self.from_modules: set[str] = set()
        for statement in tree.body:
            if isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    if isinstance(small, cst.Import):
                        self._import(small)
                    elif isinstance(small, cst.ImportFrom) and not small.relative and small.module is not None:
                        self._import_from(small)

    def _import(self, node: cst.Import) -> None:
        for alias in node.names:
            if alias.asname is None:
                parts = alias.evaluated_name.split(".")
                self.loaded.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
            else:
                self.aliases.add((alias.evaluated_name, alias.evaluated_alias or ""))

    def _import_from(self, node: cst.ImportFrom) -> None:
        module = get_full_name_for_node(node.module) or ""
        self.from_modules.add(module)
        if not isinstance(node.names, cst.ImportStar):
            self.names.update((module, alias.evaluated_name, alias.evaluated_alias) for alias in node.names)

    def has(self, item: ImportItem) -> bool:
        if item.obj_name is not None:
            return (item.module_name, item.obj_name, item.alias) in self.names
        if item.alias is not None:
            return (item.module_name, item.alias) in self.aliases
        return item.module_name in self.loaded


def _is_import_line(statement: cst.CSTNode) -> bool:
    return (isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1
            and isinstance(statement.body[0], (cst.Import, cst.ImportFrom)))


# the kinds of import, in the order of their sections
FUTURE, STDLIB, THIRD_PARTY, FIRST_PARTY, LOCAL = range(5)


def _insert_import(body: list[cst.BaseStatement], start: int, end: int, new: cst.SimpleStatementLine, module: str,
                   kind: int, filename: str | None) -> int:
    """Put `new` into the leading import block `body[start:end]`; returns the block's new end."""
    sections = [(section, _kind(_module_of(body[section[0]]), filename)) for section in _sections(body, start, end)]
    same = [section for section, section_kind in sections if section_kind == kind]
    if not same:
        before = [section for section, section_kind in sections if section_kind < kind]
        at = before[-1][-1] + 1 if before else start
        if at < end:  # sections after it: the new one ends with a blank line
            lines = list(body[at].leading_lines)
            own = next((n for n, line in enumerate(lines) if line.comment is not None), len(lines))
            body[at] = body[at].with_changes(leading_lines=[cst.EmptyLine(), *lines[own:]])
            lines = lines[:own]
        else:
            lines = []
        if before and not lines:
            lines = [cst.EmptyLine()]
        body.insert(at, new.with_changes(leading_lines=lines))
        return end + 1
    section = same[0]
    is_from = isinstance(new.body[0], cst.ImportFrom)
    froms = [i for i in section if isinstance(body[i].body[0], cst.ImportFrom)]  # type: ignore[attr-defined]
    plain = [i for i in section if i not in froms]
    mixed_order = any(j > i for i in froms for j in plain)  # isort's force-sort-within-sections
    candidates = section if mixed_order else froms if is_from else plain
    key = module.lower()
    later = [i for i in candidates if _module_of(body[i]).lower() > key]
    if later:
        at = later[0]
    elif candidates:
        at = candidates[-1] + 1
    else:  # the first `import` line goes before the `from` lines, the first `from` line after the `import` lines
        at = section[0] if not is_from else section[-1] + 1
    if at == section[0]:  # the new first line of the section goes under its blank lines and header comment
        new = new.with_changes(leading_lines=body[at].leading_lines)
        body[at] = body[at].with_changes(leading_lines=[])
    body.insert(at, new)
    return end + 1


def _sections(body: list[cst.BaseStatement], start: int, end: int) -> list[list[int]]:
    """The groups of import lines in body[start:end], split where an empty line stands."""
    sections: list[list[int]] = []
    for i in range(start, end):
        if not sections or any(line.comment is None for line in body[i].leading_lines):
            sections.append([])
        sections[-1].append(i)
    return sections


def _with_blank_line_before(statement: cst.BaseStatement) -> cst.BaseStatement:
    if statement.leading_lines and statement.leading_lines[0].comment is None:
        return statement
    return statement.with_changes(leading_lines=(cst.EmptyLine(), *statement.leading_lines))


def _module_of(statement: cst.BaseStatement) -> str:
    """The module an import line imports first ("." for a relative import)."""
    node = statement.body[0]  # type: ignore[attr-defined]
    if isinstance(node, cst.Import):
        return node.names[0].evaluated_name
    if node.relative:
        return "."
    return get_full_name_for_node(node.module) or "." if node.module is not None else "."


def _kind(module: str, filename: str | None) -> int:
    top = module.partition(".")[0]
    if module == "__future__":
        return FUTURE
    if not top:
        return LOCAL
    if top in _STDLIB:
        return STDLIB
    return FIRST_PARTY if _first_party(top, str(Path(filename).resolve().parent) if filename else None) else THIRD_PARTY


@functools.lru_cache(maxsize=4096)
def _first_party(top: str, folder: str | None) -> bool:
    """A package or module `top` stands in the file's folder or a folder above it, up to the
    project's root (the first holding pyproject.toml, setup.py, setup.cfg or .git), or in its src/:
    ruff's first-party test (its `src` setting defaults to the project root)."""
    if folder is None:
        return False
    for directory in (Path(folder), *Path(folder).parents):
        for base in (directory, directory / "src"):
            if (base / top).is_dir() or (base / f"{top}.py").is_file():
                return True
        if any((directory / marker).exists() for marker in ("pyproject.toml", "setup.py", "setup.cfg", ".git")):
            return False
    return False


_STDLIB = frozenset(sys.stdlib_module_names) - {"__future__"}


def _docstring_first(tree: cst.Module) -> bool:
    """A docstring (or a `__strict__` flag) heads the module: imports never go above it."""
    if not tree.body or not isinstance(tree.body[0], cst.SimpleStatementLine) or len(tree.body[0].body) != 1:
        return False
    first = tree.body[0].body[0]
    if isinstance(first, cst.Expr):
        return isinstance(first.value, cst.SimpleString)
    return (isinstance(first, cst.Assign) and len(first.targets) == 1 and isinstance(first.targets[0].target, cst.Name)
            and first.targets[0].target.value == "__strict__")


def _bound_name(module: str, obj: str | None, asname: str | None) -> str:
    return asname or obj or module.split(".")[0]


def _mentions(tree: cst.Module, name: str) -> int:
    """How often `name` is spelled in the tree's code outside comments and docstrings (a string standing
    as a statement of its own, as one token: what `tokenize` reads as a STRING token opening and closing
    a logical line): the rewrite's own helpers explain themselves in docstrings, and a docstring saying
    `requests` must not send the removal of `import requests` to libcst's slow visitor. The comments and
    docstrings are read from the tree, in the top-level statements whose code spells the name only."""
    pattern = re.compile(rf"(?<![\w.]){re.escape(name)}\b")
    found = [m.start() for m in pattern.finditer(module_code(tree))]
    if len(found) <= 1:
        return len(found)
    pieces = _pieces(tree)
    ends = list(accumulate(len(text) for _, text in pieces))
    # A prose token lies whole in one piece, and the pattern finds in its text alone what it finds there
    # in the module's code (a comment starts with `#` and ends at a line end, a docstring at a line start).
    spelling = {bisect.bisect_right(ends, at) for at in found}
    return len(found) - sum(len(pattern.findall(text)) for i in spelling for text in _prose(tree, pieces[i][0]))


# the strings `tokenize` reads as one STRING token (an f-string is three kinds of token from Python 3.12)
_STRING_TOKENS = (cst.SimpleString,) if sys.version_info >= (3, 12) else (cst.SimpleString, cst.FormattedString)


def _prose(tree: cst.Module, node: cst.CSTNode) -> Iterator[str]:
    """The code of each comment in `node`, and of each string standing as a statement of its own there."""
    for current in walk_nodes(node):
        kind = type(current)
        if kind is cst.Comment:
            yield current.value  # type: ignore[attr-defined]
        elif kind is cst.SimpleStatementLine and len(current.body) == 1:  # type: ignore[attr-defined]
            statement = current.body[0]  # type: ignore[attr-defined]
            value = getattr(statement, "value", None)
            if (type(statement) is cst.Expr and type(value) in _STRING_TOKENS and not value.lpar
                    and not isinstance(statement.semicolon, cst.Semicolon)):
                yield value.value if type(value) is cst.SimpleString else tree.code_for_node(value)


def _spelling(module: ast.Module) -> tuple[set[str], Counter[str]]:
    """In one walk: every name the module spells (a use, or a shadowing binding: both keep an
    import), and how many import aliases anywhere bind each name."""
    names: set[str] = set()
    bindings: Counter[str] = Counter()
    for node in walk(module):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bindings.update((alias.asname or alias.name.split(".")[0]) for alias in node.names)
    return names, bindings
