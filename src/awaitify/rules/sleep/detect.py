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

# The last name of a call that runs a function it is handed in another thread: a lambda handed to one
# (`loop.run_in_executor(None, lambda: time.sleep(1))`) blocks that thread, not the loop.
THREAD_HANDOFFS = frozenset({"to_thread", "run_in_executor", "run_sync", "submit", "Thread", "start_new_thread"})
IN_LAMBDA = "it stands in a lambda or a generator expression inside async code, where an `await` cannot go; rewrite it by hand"


def handoff_name(func_name: str) -> bool:
    """Is a call of this (last) name one that runs what it is handed in another thread?"""
    return func_name in THREAD_HANDOFFS


def refused(text: str, config: Config) -> str | None:
    """Why the fix leaves every sleep of this module as it is: the runtime's name (`asyncio`, or the
    module's own runtime) is bound to something else there."""
    runtime = config_for_module(config, text).target
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None  # AW000 says why
    return None if only_imported(tree, runtime) else f"`{runtime}` is bound to something else in this module"
