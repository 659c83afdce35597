"""A module that names one of requests' exception classes anywhere but as the type an `except`
clause or a `pytest.raises(...)` catches: AW201 converts none of its requests calls.

The rule maps those two places to the httpx classes the converted calls raise (`exceptions.py`). Any
other use is code that tests for, raises or builds on requests' classes, and after a conversion it
would meet httpx's exceptions instead, none of them requests' (nor an `OSError`):

    RETRYABLE = (requests.ConnectionError, requests.Timeout)   # `except RETRYABLE:` misses httpx's
    if isinstance(exc, requests.Timeout): ...                  # False for httpx.ReadTimeout
    raise requests.HTTPError(response=r)                       # an `except` mapped to httpx misses it
    class ApiError(requests.RequestException): ...             # the same
    @retry(retry=retry_if_exception_type(requests.ConnectionError))

Such a module keeps requests; each of its calls in async code says why (`check` and `fix` alike).
"""

from __future__ import annotations

import ast

# requests' exception classes (requests.exceptions; each is also an attribute of `requests`)
NAMES = frozenset({
    "RequestException", "HTTPError", "ConnectionError", "ProxyError", "SSLError", "Timeout", "ConnectTimeout",
    "ReadTimeout", "URLRequired", "TooManyRedirects", "MissingSchema", "InvalidSchema", "InvalidURL",
    "InvalidHeader", "InvalidProxyURL", "ChunkedEncodingError", "ContentDecodingError", "StreamConsumedError",
    "RetryError", "UnrewindableBodyError", "InvalidJSONError", "JSONDecodeError",
})
_MODULES = ("requests", "requests.exceptions")


def named_as_value(tree: ast.Module) -> tuple[int, int, str] | None:
    """(line, 0-based column, dotted name) of the first use of a requests exception class other than
    an `except` clause's type or `pytest.raises`'s first argument; None when there is none."""
    bound = _bindings(tree)
    if not bound:
        return None
    caught = _caught(tree, bound)
    found: list[tuple[int, int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Name, ast.Attribute)) and id(node) not in caught:
            name = _exception(node, bound)
            if name is not None:
                found.append((node.lineno, node.col_offset, name))
    return min(found) if found else None


def reason(found: tuple[int, int, str]) -> str:
    line, _, name = found
    return (f"this module names {name} at line {line} other than as what an `except` catches (a value, a check, a "
            "raise, a base class): httpx raises its own exceptions, which that code would not meet; map it by hand")


def _bindings(tree: ast.Module) -> dict[str, str]:
    """Names bound by imports to requests, requests.exceptions or one of the classes -> what they name."""
    bound: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in _MODULES:
                    bound[alias.asname or "requests"] = alias.name if alias.asname else "requests"
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module in _MODULES:
            for alias in node.names:
                if alias.name in NAMES or alias.name == "exceptions":
                    bound[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return bound


def _exception(node: ast.expr, bound: dict[str, str]) -> str | None:
    """`requests.Timeout`, `requests.exceptions.Timeout`, `exceptions.Timeout`, `Timeout` (imported):
    the class's dotted name. Only the outermost node of a chain is asked (its inner parts name modules)."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.insert(0, node.attr)
        node = node.value
    if not isinstance(node, ast.Name) or node.id not in bound:
        return None
    dotted = ".".join([bound[node.id], *parts])
    module, _, name = dotted.rpartition(".")
    return dotted if module in _MODULES and name in NAMES else None


def _caught(tree: ast.Module, bound: dict[str, str]) -> set[int]:
    """The nodes standing as what an `except` clause or `pytest.raises(...)` catches (with the inner
    parts of their chains)."""
    types: list[ast.expr] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ExceptHandler) and node.type is not None:
            types.extend(node.type.elts if isinstance(node.type, ast.Tuple) else [node.type])
        elif isinstance(node, ast.Call) and node.args and _is_pytest_raises(node.func, bound):
            first = node.args[0]
            types.extend(first.elts if isinstance(first, ast.Tuple) else [first])
    return {id(inner) for expr in types for inner in ast.walk(expr)}


def _is_pytest_raises(func: ast.expr, bound: dict[str, str]) -> bool:
    return (isinstance(func, ast.Attribute) and func.attr == "raises" and isinstance(func.value, ast.Name)
            and func.value.id == "pytest") or (isinstance(func, ast.Name) and func.id == "raises")
