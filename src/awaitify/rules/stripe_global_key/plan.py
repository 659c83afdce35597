"""AW513's project-wide planning: which other modules rely on a module's global `stripe.api_key`.

`stripe.api_key = ...` in one module configures every module of the process: a module that calls
`stripe.Customer.retrieve(...)` without setting a key of its own uses the one another module set.
Converting the setter to a `StripeClient` of its own would leave those calls without a key (an
`AuthenticationError` at run time), so the codemod refuses a setter while any other module of the
project still uses the global API, and names them. Read with `ast` (no libcst): a module is a
*user* when it names anything of `stripe` that makes or configures requests, which is everything but
the webhook helpers, the error classes and `StripeClient` itself.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from awaitify import shared_parses
from awaitify.rules.stripe_global_key.table import table_for

if TYPE_CHECKING:
    from awaitify.config import Config
    from awaitify.source import SourceFile

# The facts given for a file are decided from other files (which rely on its key) but never ask for
# edits there, and hold whether or not those files are fixed in the same run (AW513 never edits the
# modules that rely on the key): one buffer may be fixed alone with them (awaitify.stdin).
CONFINED = True

# names of the stripe package that make no request with the global key
KEY_FREE = frozenset({"Webhook", "WebhookSignature", "StripeClient", "error", "StripeError",
                      "SignatureVerificationError"})


@dataclass
class _Module:
    display: str
    sets_key: list[int] = field(default_factory=list)  # lines of module-level `stripe.api_key = ...`
    uses: list[int] = field(default_factory=list)  # lines naming stripe's API (the global key's users)
    settings: list[int] = field(default_factory=list)  # lines setting another global (`stripe.proxy = ...`)


def _stripe_names(tree: ast.Module) -> tuple[set[str], dict[str, str], int | None]:
    """How the module names the package (`stripe`, `s`, or `stripe` taken from a module that
    re-exports it: `from app.config import stripe`), what it took from it (`Customer` -> `Customer`),
    wherever the import stands, and the line of a `from stripe import *` (every name then may be one)."""
    package: set[str] = set()
    taken: dict[str, str] = {}
    star = None
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "stripe" or alias.name.startswith("stripe."):
                    package.add(alias.asname or "stripe")
        elif isinstance(node, ast.ImportFrom) and not node.level and (node.module or "").split(".")[0] == "stripe":
            for alias in node.names:
                if alias.name == "*":
                    star = node.lineno
                else:
                    taken[alias.asname or alias.name] = alias.name
        elif isinstance(node, ast.ImportFrom):  # a re-export: the name `stripe` from another module
            package.update(alias.asname or alias.name for alias in node.names if alias.name == "stripe")
    return package, taken, star


def _key_free(name: str, exceptions: frozenset[str]) -> bool:
    return name in KEY_FREE or name.endswith(("Error", "Exception")) or f"stripe.{name}" in exceptions


def _survey(source: SourceFile, exceptions: frozenset[str]) -> _Module | None:
    try:
        tree = shared_parses.parse(source.text)
    except (SyntaxError, ValueError):
        return None  # AW000 reports it; nothing of it is converted
    package, taken, star = _stripe_names(tree)
    if not package and not taken and star is None:
        return None
    found = _Module(source.display)
    if star is not None:  # `Customer.create(...)` may be stripe's: unsure is a use
        found.uses.append(star)
    top_assigns = {id(t) for stmt in tree.body if isinstance(stmt, ast.Assign) for t in stmt.targets}
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in package:
            if node.attr == "api_key" and isinstance(node.ctx, ast.Store) and id(node) in top_assigns:
                found.sets_key.append(node.lineno)
            elif node.attr != "api_key" and isinstance(node.ctx, ast.Store):
                found.settings.append(node.lineno)  # a client would not read it: the fix refuses the module
            elif not _key_free(node.attr, exceptions):
                found.uses.append(node.lineno)
        elif isinstance(node, ast.Name) and node.id in taken and not _key_free(taken[node.id], exceptions):
            found.uses.append(node.lineno)
    return found


def plan_project(sources: list[SourceFile], config: Config) -> dict[str, dict]:
    """Each module setting the key -> the other modules' lines that use the global API (empty when
    none: the codemod may convert it)."""
    candidates = [s for s in sources if "stripe" in s.text]
    if not candidates:
        return {}
    table = table_for(config.root)
    exceptions = frozenset() if isinstance(table, str) else table.exceptions
    modules = {str(s.path): m for s in candidates if (m := _survey(s, exceptions)) is not None}
    users = [f"{m.display}:{m.uses[0]}" for m in modules.values() if m.uses and not m.sets_key]
    return {path: {"global_key_users": users, "sites": sorted(m.sets_key), "other_settings": sorted(m.settings)}
            for path, m in modules.items() if m.sets_key}


def fixed_sites(facts_by_path: dict[str, dict]) -> dict[str, set[int]]:
    """The assignments `fix` may convert: `check` calls no other AW513 finding fixable. Not a
    module that sets another of stripe's globals (the fix refuses it: a client does not read them)."""
    return {path: set(facts["sites"]) for path, facts in facts_by_path.items()
            if not facts["global_key_users"] and not facts.get("other_settings")}
