"""Which async runtime the project runs on, so a rewrite writes that runtime's API.

`asyncio.sleep` in a trio program raises at run time ("asyncio.sleep() ... no running event loop"
under trio, or worse, mixes two loops), so when the project is a trio program the codemods write
`trio.sleep`, `trio.to_thread.run_sync`, `trio.run`, and refuse what has no trio twin (redis.asyncio,
asyncio subprocesses). A trio program is one whose files import trio, run `anyio.run(...,
backend="trio")`, or whose test settings use pytest-trio (`trio_mode`). A program whose files import
anyio (and none trio) gets anyio's API (`anyio.sleep`, `anyio.to_thread.run_sync`), which runs on
either backend. The `target` setting and `--target` override the detection.

The project's runtime is decided once (a project that mixes runtimes module by module is treated as
trio when any module uses trio); then a module whose own imports name the other runtime gets its own
API (`config_for_module`), and a helper called from modules on two runtimes stays sync and is
offloaded in each (the planner). A module importing both trio and asyncio is ambiguous: it gets the
project's API and is listed in needs-review (`differing_modules`), never rewritten silently.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from awaitify.config import Config
from awaitify.ast_statements import statements

_TRIO = re.compile(r"^[ \t]*(?:import[ \t]+trio\b|from[ \t]+trio\b)|\banyio\.run\([^)]*backend\s*=\s*['\"]trio['\"]", re.M)
_ANYIO = re.compile(r"^[ \t]*(?:import[ \t]+anyio\b|from[ \t]+anyio\b)", re.M)
# Text every `import asyncio` / `import x, asyncio` / `from asyncio... import` holds (a superset: it may
# also match prose, or a relative import): between the keyword and the module an import statement has
# only names, dots, commas, blanks and line continuations. A module without it is not parsed.
_ASYNCIO = re.compile(r"\b(?:import|from)\b[\w\s.,\\]*?\basyncio\b")
_TRIO_TESTS = re.compile(r"\btrio_mode\s*=\s*(?:true|1)\b|\bpytest-trio\b|\bpytest_trio\b", re.I)


def _imports(text: str, module: str) -> bool:
    """The code (not a string or a comment that looks like it) imports `module`, or for trio runs
    `anyio.run(..., backend="trio")`. Parsed only when the text matched the quick pattern."""
    return module in _imported(text)


@functools.lru_cache(maxsize=1024)
def _imported(text: str) -> frozenset[str]:
    """The top-level modules the code imports, with "trio" when it runs `anyio.run(...,
    backend="trio")`; the text parsed once, however many runtimes are asked about (and, in a
    long-running process such as the language server, however many runs ask)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return frozenset()
    found = set()
    for node in statements(tree):  # imports are statements: the expressions are walked only for `anyio.run`
        if isinstance(node, ast.Import):
            found.update(alias.name.partition(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level:
            found.add((node.module or "").partition(".")[0])
    if "trio" in text and _TRIO.search(text):  # "trio" is asked about only where `_TRIO` matches
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "run"
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "anyio"
                    and any(k.arg == "backend" and isinstance(k.value, ast.Constant) and k.value.value == "trio"
                            for k in node.keywords)):
                found.add("trio")
    return frozenset(found)


def uses_trio(texts: Iterable[str], root: Path | None = None) -> bool:
    if any("trio" in text and _TRIO.search(text) and _imports(text, "trio") for text in texts):
        return True
    if root is None:
        return False
    for name in ("pyproject.toml", "pytest.ini", "setup.cfg", "tox.ini"):
        try:
            text = (root / name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if _TRIO_TESTS.search(text):
            return True
    return False


def uses_anyio(texts: Iterable[str]) -> bool:
    return any("anyio" in text and _ANYIO.search(text) and _imports(text, "anyio") for text in texts)


AMBIGUOUS = "ambiguous"


def module_runtime(text: str) -> str | None:
    """The runtime a module's own imports name: "trio" (it imports trio, or runs anyio with the trio
    backend), "asyncio", "anyio" (anyio with asyncio: its API runs on either backend), AMBIGUOUS
    (trio and asyncio both, without anyio to bridge them), or None (it names no runtime)."""
    found = set()
    if "trio" in text and _TRIO.search(text) and _imports(text, "trio"):
        found.add("trio")
    if "asyncio" in text and _ASYNCIO.search(text) and _imports(text, "asyncio"):
        found.add("asyncio")
    if "anyio" in text and _ANYIO.search(text) and _imports(text, "anyio"):
        found.add("anyio")
    if {"trio", "asyncio"} <= found:
        return AMBIGUOUS
    if "trio" in found:
        return "trio"
    return "anyio" if "anyio" in found else "asyncio" if found else None


def differing_modules(config: Config, texts: dict[str, str]) -> dict[str, str]:
    """Modules whose own runtime differs from the one the whole run writes (`config.target`), path ->
    that runtime (or AMBIGUOUS). A module that names none runs on the project's. anyio code runs
    on either backend, so anyio modules never differ, nor do asyncio modules of an anyio project.
    Only the modules that may differ (`_may_differ`) are parsed."""
    project = config.target
    found = {}
    for path, text in texts.items():
        if not _may_differ(text, project):
            continue
        runtime = module_runtime(text)
        if runtime is None or runtime == project or runtime == "anyio" or (runtime == "asyncio" and project == "anyio"):
            continue
        found[path] = runtime
    return found


def _may_differ(text: str, project: str) -> bool:
    """Whether `module_runtime(text)` may be one that differs from `project`, without parsing: on an
    asyncio or anyio project only a module naming trio (alone, or AMBIGUOUS) differs, on a trio
    project only one naming asyncio; their patterns are what `module_runtime` requires first."""
    if project in ("asyncio", "anyio"):
        return "trio" in text and _TRIO.search(text) is not None
    if project == "trio":
        return "asyncio" in text and _ASYNCIO.search(text) is not None
    return True


def config_for_module(config: Config, text: str) -> Config:
    """The settings a transform of one module should use: the run's, with `target` set to the
    module's own runtime when its imports name another one (asyncio or trio) and no setting chose
    the target. The transform gives each module's codemods these settings; the planner offloads a
    closure that spans modules on different runtimes, and names ambiguous modules.

    A module whose text cannot name the one runtime that would change the target (`_may_differ`)
    is not parsed: most modules of an asyncio project import asyncio, and their runtime (asyncio,
    anyio or none) leaves the run's target as it is."""
    if config.target_set or not _may_differ(text, config.target):
        return config
    runtime = module_runtime(text)
    if runtime in ("asyncio", "trio") and runtime != config.target and not (runtime == "asyncio" and config.target == "anyio"):
        return replace(config, target=runtime)
    return config


def why_unnamed(project: str) -> str:
    """The needs-review line for an async module naming no runtime in a project that mixes them."""
    return (f"this module names no async runtime in a project that mixes trio and asyncio: the rewrite writes "
            f"{project}'s API here; check which loop runs it, or set `target` for a run over its package alone")


def why_ambiguous(project: str) -> str:
    """The needs-review line for a module importing both trio and asyncio."""
    return (f"this module imports both trio and asyncio: its runtime is ambiguous, and the rewrite writes "
            f"{project}'s API here; check it, or set `target` for a run over this module alone")


def with_detected_runtime(config: Config, texts: Iterable[str]) -> Config:
    """`config` with `target = "trio"` for a trio program, `"anyio"` for an anyio one (its API runs on
    either backend), unless the settings chose a target."""
    if config.target_set or config.target != "asyncio":
        return config
    texts = list(texts)
    if uses_trio(texts, config.root):
        return replace(config, target="trio")
    return replace(config, target="anyio") if uses_anyio(texts) else config

