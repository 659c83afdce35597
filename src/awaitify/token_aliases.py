"""The names a module's imports bind for what a rule's tokens spell: `from time import sleep as nap`
makes `nap` as good as `sleep`. A rule's tokens say where its fix may have work; code that spells
none of them, nor such an alias, gives it nothing (engine.hollow hides it, a codemod's walk skips it)."""

from __future__ import annotations

import ast

from awaitify.ast_statements import statements


def imports(tree: ast.Module, lines: list[str]) -> list[tuple[str, list[str]]]:
    """Each import statement of the module, at any depth: its text and the names it binds."""
    return [("\n".join(lines[node.lineno - 1 : node.end_lineno]), [(a.asname or a.name).split(".")[0] for a in node.names])
            for node in statements(tree) if isinstance(node, (ast.Import, ast.ImportFrom))]


def with_aliases(found: list[tuple[str, list[str]]], tokens: tuple[str, ...]) -> tuple[str, ...]:
    """`tokens` and the names an import of something spelling one binds (`found`: `imports()`)."""
    more: set[str] = set()
    for text, names in found:
        if any(t in text for t in tokens):
            more.update(names)
    return tokens + tuple(sorted(more - set(tokens)))
