"""Which functions of a library are its public API: what callers outside the project may call.

Making such a function `async def` is an unsafe fix (awaitify.planner). A function is public when:

- a module's `__all__` lists it, or a package's `__init__.py` re-exports it by name (`from ._impl
  import load`), from a module whose own path has no leading underscore: then even a function of a
  private module (`_impl.py`) or with a leading underscore is public;
- the project's docs call it: `name(` in a code block of README*, docs/**/*.md or *.rst (fenced
  blocks, rst literal and code blocks, `>>>` lines);
- otherwise by name: no part of its module path or qualified name has a leading underscore, and,
  when its module has an `__all__`, that list names it (or its class). Only a plain literal list or
  tuple of strings assigned once counts; an `__all__` computed (`_BASE + ["save"]`) or changed
  anywhere (`+=`, `.extend()`) is unknown, and the name rule alone applies.

Folders a distribution does not ship (examples/, scripts/, docs/, tests/...) are never API.
"""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

from awaitify.index import FuncId, ProjectIndex
from awaitify.summary import UNPARSABLE

# top-level folders of a library's repository that its distribution does not ship
UNSHIPPED_FOLDERS = frozenset({"examples", "example", "docs", "doc", "scripts", "benchmarks", "bench", "tools",
                               "tests", "test", "samples", "demo", "demos"})
_CALLED = re.compile(r"([A-Za-z_]\w*)\s*\(")
_FENCE = re.compile(r"^\s*(```|~~~)")
_MAX_DOC_BYTES = 2 * 1024 * 1024


class PublicApi:
    def __init__(self, index: ProjectIndex, root: Path) -> None:
        self.index = index
        self.root = root.resolve()

    def is_public(self, fid: FuncId) -> bool:
        path, qualname = fid
        if "<locals>" in qualname:
            return False
        parts = self._parts(path)
        if parts is None or (parts and parts[0] in UNSHIPPED_FOLDERS):
            return False  # examples, scripts and docs of a library are not what it publishes
        names = qualname.split(".")
        if (path, names[0]) in self.exported or names[-1] in self.documented:
            return not any(n.startswith("_") for n in names[1:]) or names[-1] in self.documented
        listed = self.module_all(path)
        if listed is not None and names[0] not in listed:
            return False  # the module says what it exports, and this is not it
        module_parts = [p.removesuffix(".py") for p in parts if p not in ("__init__.py", "__main__.py")]
        return not any(part.startswith("_") for part in (*module_parts, *names))

    def _parts(self, path: str) -> tuple[str, ...] | None:
        try:
            return Path(path).resolve().relative_to(self.root).parts
        except ValueError:
            return None

    def _private_module(self, path: str) -> bool:
        parts = self._parts(path) or ()
        return any(p.removesuffix(".py").startswith("_") for p in parts if p not in ("__init__.py", "__main__.py"))

    # --- __all__ and re-exports ---------------------------------------------------------------------
    def module_all(self, path: str) -> frozenset[str] | None:
        return self._facts(path)[0]

    @functools.cache  # noqa: B019 - one instance per plan
    def _facts(self, path: str) -> tuple[frozenset[str] | None, tuple[tuple[str, str], ...]]:
        """The module's `__all__` (None unless it is one plain literal list or tuple of strings,
        assigned once at module level and never changed), and its `from module import name [as alias]`
        imports as (alias, absolute dotted)."""
        text = self.index.texts.get(path, "")
        if "__all__" not in text and not path.endswith("__init__.py"):
            return None, ()
        try:
            tree = ast.parse(text)
        except UNPARSABLE:
            return None, ()
        imports: list[tuple[str, str]] = []
        for node in tree.body:
            if isinstance(node, ast.ImportFrom):
                module = self.index._absolute(path, "." * node.level + (node.module or ""))
                imports += [(a.asname or a.name, f"{module}.{a.name}") for a in node.names if a.name != "*"]
        return literal_all(tree), tuple(imports)

    @functools.cached_property
    def exported(self) -> frozenset[tuple[str, str]]:
        """(path, top-level name) of what a public module lists in `__all__`, or a public package's
        `__init__.py` imports by name, resolved to where it is defined."""
        found: set[tuple[str, str]] = set()
        for path, text in self.index.texts.items():
            if self._private_module(path) or ("__all__" not in text and not path.endswith("__init__.py")):
                continue
            listed, imports = self._facts(path)
            for alias, dotted in imports:
                if (listed is not None and alias in listed) or (listed is None and path.endswith("__init__.py")
                                                                 and not alias.startswith("_")):
                    found.update(self._defined(dotted))
            for name in listed or ():
                found.add((path, name))
        return frozenset(found)

    def _defined(self, dotted: str, depth: int = 0) -> set[tuple[str, str]]:
        module, _, name = dotted.rpartition(".")
        path = self.index.modules.get(module)
        if path is None or depth > 5:
            return set()
        for alias, target in self._facts(path)[1]:  # re-exported again further down
            if alias == name:
                return self._defined(target, depth + 1)
        return {(path, name)}

    # --- the docs -------------------------------------------------------------------------------------
    @functools.cached_property
    def documented(self) -> frozenset[str]:
        """Names called in the code blocks of the project's docs."""
        names: set[str] = set()
        for doc in self._doc_files():
            try:
                if doc.stat().st_size > _MAX_DOC_BYTES:
                    continue
                text = doc.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            for line in code_lines(text, rst=doc.suffix == ".rst"):
                names.update(_CALLED.findall(line))
        return frozenset(names)

    def _doc_files(self) -> list[Path]:
        found = [p for p in self.root.glob("README*") if p.is_file()]
        found += [p for p in self.root.glob("*.rst") if p.is_file()]
        for folder in ("docs", "doc"):
            if (self.root / folder).is_dir():
                found += sorted(p for p in (self.root / folder).rglob("*") if p.suffix in (".md", ".rst") and p.is_file())
        return sorted(set(found))[:500]


def code_lines(text: str, rst: bool = False) -> list[str]:
    """The lines of `text` that stand in code: fenced blocks (``` or ~~~), `>>>` prompts, and for
    reStructuredText the indented block after a line ending in `::` or a `.. code-block::`."""
    lines: list[str] = []
    fence: str | None = None
    literal_indent: int | None = None
    for line in text.splitlines():
        stripped = line.strip()
        found = _FENCE.match(line)
        if fence is not None:
            if found and found.group(1) == fence:
                fence = None
            else:
                lines.append(line)
            continue
        if found:
            fence = found.group(1)
            continue
        if stripped.startswith((">>>", "...")):
            lines.append(stripped[3:])
            continue
        if rst:
            indent = len(line) - len(line.lstrip())
            if literal_indent is not None:
                if not stripped or indent > literal_indent:
                    lines.append(line)
                    continue
                literal_indent = None
            if stripped.endswith("::") or stripped.startswith(".. code"):
                literal_indent = indent
    return lines


def literal_all(tree: ast.Module) -> frozenset[str] | None:
    """The names `__all__` lists, when it is known: one `__all__ = [...]` (or a tuple) of string
    literals at module level, and nothing else in the module writes it (no second assignment, `+=`,
    `.extend()`/`.append()`, item assignment). Anything else (`_BASE + ["save"]`, a list built at
    import time) is unknown: None, so the name rule applies instead of an empty list that would make
    every function look private."""
    if sum(_writes_all(node) for node in ast.walk(tree)) != 1:
        return None
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        if any(_is_all(t) for t in targets) and node.value is not None:
            value = node.value
            if isinstance(value, (ast.List, ast.Tuple)) and all(
                    isinstance(e, ast.Constant) and isinstance(e.value, str) for e in value.elts):
                return frozenset(e.value for e in value.elts)
    return None  # the one write is not a literal at module level


def _writes_all(node: ast.AST) -> bool:
    """`node` stores, deletes or changes `__all__`: any assignment (`=`, `+=`, for, with, :=, del), a
    method (`.extend()`, `.append()`...) or an item write."""
    if isinstance(node, ast.Name):
        return node.id == "__all__" and not isinstance(node.ctx, ast.Load)
    if isinstance(node, ast.Attribute):
        return _is_all(node.value)
    if isinstance(node, ast.Subscript):
        return _is_all(node.value) and not isinstance(node.ctx, ast.Load)
    return False


def _is_all(node: ast.AST) -> bool:
    return isinstance(node, ast.Name) and node.id == "__all__"
