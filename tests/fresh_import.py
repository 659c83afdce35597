"""Importing a module of a migrated copy of a test project, fresh each time: the original and the
rewritten trees hold modules of the same names (`svc.*`), so neither may stay in `sys.modules`."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType


def import_fresh(root: Path, name: str, package: str = "svc") -> ModuleType:
    """`name` imported from `root`; `package` and its modules are forgotten afterwards."""
    sys.path.insert(0, str(root))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(root))
        for key in [k for k in sys.modules if k == package or k.startswith(f"{package}.")]:
            del sys.modules[key]
