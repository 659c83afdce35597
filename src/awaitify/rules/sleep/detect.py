"""What the sleep rule looks for: `time.sleep()`; its fix changes one in async code."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from awaitify.detector import Detector
from awaitify.module_bindings import only_imported
from awaitify.runtime import config_for_module

if TYPE_CHECKING:
    from awaitify.config import Config

DETECTOR = Detector("AW101", calls={"time.sleep": "time.sleep()"}, tokens=("sleep",))

wants = DETECTOR.in_async_code

def refused(text: str, config: Config) -> str | None:
    """Why the fix leaves every sleep of this module as it is: the runtime's name (`asyncio`, or the
    module's own runtime) is bound to something else there."""
    runtime = config_for_module(config, text).target
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None  # AW000 says why
    return None if only_imported(tree, runtime) else f"`{runtime}` is bound to something else in this module"
