"""The imports the codemods asked for, added and removed once, after every codemod of a file ran.

libcst's AddImportsVisitor and RemoveImportsVisitor each copy the tree and resolve its scopes before
they decide anything: on a 300-line test module that was half the time of the whole transform. Most
requests decide nothing (`import asyncio` is already there; `time` is still used after its `sleep`
calls were rewritten), and the stdlib `ast` tells that for a fraction of the cost. So each visitor
runs only when it may change something; when it runs, it decides exactly as before. The shortcut
errs one way only: a name still spelled anywhere keeps its import (the visitor could have found that
every use was a shadowing local, and removed it).
"""

from __future__ import annotations

import ast

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor, ImportItem, RemoveImportsVisitor

from awaitify.summary import UNPARSABLE


def fix_imports(tree: cst.Module, context: CodemodContext) -> cst.Module:
    adds: list[ImportItem] = context.scratch.get(AddImportsVisitor.CONTEXT_KEY) or []
    removes: list[tuple[str, str | None, str | None]] = context.scratch.get(RemoveImportsVisitor.CONTEXT_KEY) or []
    if not adds and not removes:
        return tree
    try:
        module = ast.parse(tree.code)
    except UNPARSABLE:  # syntax this Python's ast does not read: let the visitors decide everything
        module = None
    if adds and (module is None or not all(_imported_at_top(module, item) for item in adds)):
        tree = AddImportsVisitor(context).transform_module(tree)
    if removes and (module is None or not _names(module) >= {_bound_name(*request) for request in removes}):
        tree = RemoveImportsVisitor(context).transform_module(tree)
    return tree


def _imported_at_top(module: ast.Module, item: ImportItem) -> bool:
    """Does a module-level statement import exactly this? (then AddImportsVisitor adds nothing)"""
    if item.relative:
        return False
    for statement in module.body:
        if isinstance(statement, ast.Import) and item.obj_name is None:
            if any(a.name == item.module_name and a.asname == item.alias for a in statement.names):
                return True
        elif isinstance(statement, ast.ImportFrom) and item.obj_name is not None:
            if statement.level == 0 and statement.module == item.module_name and any(
                    a.name == item.obj_name and a.asname == item.alias for a in statement.names):
                return True
    return False


def _bound_name(module: str, obj: str | None, asname: str | None) -> str:
    return asname or obj or module.split(".")[0]


def _names(module: ast.Module) -> set[str]:
    """Every name the module spells (a use, or a shadowing binding: both keep an import)."""
    return {node.id for node in ast.walk(module) if isinstance(node, ast.Name)}
