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
    an `except` clause's type or `pytest.raises`'s first argument; None when there is none. One walk:
    the imports, the caught types and the names are gathered, then judged."""
    bound: dict[str, str] = {}  # names imports bind to requests, requests.exceptions or a class -> what they name
    caught: list[ast.expr] = []
    named: list[ast.Name | ast.Attribute] = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Name, ast.Attribute)):
            named.append(node)
        elif isinstance(node, ast.ExceptHandler) and node.type is not None:
            caught.extend(node.type.elts if isinstance(node.type, ast.Tuple) else [node.type])
        elif isinstance(node, ast.Call) and node.args and _is_pytest_raises(node.func):
            first = node.args[0]
            caught.extend(first.elts if isinstance(first, ast.Tuple) else [first])
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update(_binds(node))
    if not bound:
        return None
    skip = {id(inner) for expr in caught for inner in ast.walk(expr)}
    found = [(node.lineno, node.col_offset, name) for node in named
             if id(node) not in skip and (name := _exception(node, bound)) is not None]
    return min(found) if found else None


def reason(found: tuple[int, int, str]) -> str:
    line, _, name = found
    return (f"this module names {name} at line {line} other than as what an `except` catches (a value, a check, a "
            "raise, a base class): httpx raises its own exceptions, which that code would not meet; map it by hand")


def _binds(node: ast.Import | ast.ImportFrom) -> dict[str, str]:
    """What an import binds to requests, requests.exceptions or one of the classes -> what it names."""
    if isinstance(node, ast.Import):
        return {alias.asname or "requests": alias.name if alias.asname else "requests"
                for alias in node.names if alias.name in _MODULES}
    if node.level or node.module not in _MODULES:
        return {}
    return {alias.asname or alias.name: f"{node.module}.{alias.name}"
            for alias in node.names if alias.name in NAMES or alias.name == "exceptions"}


def _exception(node: ast.expr, bound: dict[str, str]) -> str | None:
    """`requests.Timeout`, `requests.exceptions.Timeout`, `exceptions.Timeout`, `Timeout` (imported):
    the class's dotted name. The inner parts of a chain name modules, never a class."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.insert(0, node.attr)
        node = node.value
    if not isinstance(node, ast.Name) or node.id not in bound:
        return None
    dotted = ".".join([bound[node.id], *parts])
    module, _, name = dotted.rpartition(".")
    return dotted if module in _MODULES and name in NAMES else None


def _is_pytest_raises(func: ast.expr) -> bool:
    return (isinstance(func, ast.Attribute) and func.attr == "raises" and isinstance(func.value, ast.Name)
            and func.value.id == "pytest") or (isinstance(func, ast.Name) and func.id == "raises")
