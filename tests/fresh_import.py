"""A test project migrated beside its original (every rule on, the result written), and importing
its modules fresh each time: the original and the rewritten trees hold modules of the same names
(`svc.*`), so neither may stay in `sys.modules`."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

from awaitify.config import Config
from awaitify.rules import all_rules
from awaitify.runner import RunOptions, RunResult, run


def import_fresh(root: Path, name: str, package: str = "svc") -> ModuleType:
    """`name` imported from `root`; `package` and its modules are forgotten afterwards."""
    sys.path.insert(0, str(root))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(root))
        for key in [k for k in sys.modules if k == package or k.startswith(f"{package}.")]:
            del sys.modules[key]


def migrate(tree: Path, client: str) -> RunResult:
    """`fix --write` of `tree` in place with every rule and the given HTTP client; no file may fail."""
    result = run([tree], Config(root=tree, http_client=client), all_rules(), RunOptions(jobs=1, use_cache=False))
    for file in result.results:
        assert file.error is None, file.error
        if file.new is not None:
            Path(file.path).write_bytes(file.new)
    return result
