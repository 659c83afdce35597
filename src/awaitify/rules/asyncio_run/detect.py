"""What the asyncio-run rule looks for: `asyncio.run()` and `loop.run_until_complete()`."""

from __future__ import annotations

import ast

from awaitify.detector import Detector
from awaitify.summary import ASYNC, MODULE, ModuleSummary

# where a loop whose run_until_complete() may be rewritten comes from
LOOP_GETTERS = ("asyncio.get_event_loop", "asyncio.get_running_loop", "asyncio.new_event_loop")

DETECTOR = Detector("AW102", calls={"asyncio.run": "asyncio.run()"},
                    receivers={"run_until_complete": "loop.run_until_complete()"},
                    makers={name: "loop" for name in LOOP_GETTERS}, one_argument=True, tokens=("run",))


# Why the fix leaves a run_until_complete() in async code (check gives the same reason)
EXTRA_ARGUMENTS = "it is not handed one coroutine alone; rewrite it to `await` by hand"
UNKNOWN_LOOP = ("loop.run_until_complete() on a loop awaitify cannot tell is the running one (a parameter, an "
                "attribute, or a variable bound to something else too); rewrite it by hand")  # the fix's very words


# Why the fix leaves an asyncio.run() at module import time, outside a main guard (check gives the
# same reason): under `if __name__ == "__main__":` it is the right bridge, and neither says anything
AT_IMPORT_TIME = ("it runs at module import time, where it fails when the module is imported from running async "
                  "code; move it into an async startup hook")


def is_main_guard(node: ast.If) -> bool:
    """`if __name__ == "<a string>":`, as the fix's matcher reads a main guard (its `else` too)."""
    test = node.test
    return (isinstance(test, ast.Compare) and isinstance(test.left, ast.Name) and test.left.id == "__name__"
            and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)
            and isinstance(test.comparators[0], ast.Constant) and isinstance(test.comparators[0].value, (str, bytes)))


def wants(summary: ModuleSummary, text: str) -> bool:
    """An asyncio.run() in async code or at import time, or a run_until_complete() in an async
    function: the fix rewrites one on a loop it sees come from `get_event_loop()` and the like, in
    that same function, and says why it leaves any other (check reports them all)."""
    if DETECTOR.sites(summary, contexts=frozenset((ASYNC, MODULE))):
        return True
    return bool(summary.sites_calling(methods=DETECTOR.receivers, contexts=frozenset((ASYNC,))))


def loop_call_refused(call: ast.Call, on_running_loop: bool) -> str:
    """Why the fix leaves this run_until_complete() of async code as it is ('' when it rewrites
    it): it awaits a single coroutine argument, on a loop it knows is the running one."""
    if len(call.args) != 1 or call.keywords or isinstance(call.args[0], ast.Starred):
        return EXTRA_ARGUMENTS
    return "" if on_running_loop else UNKNOWN_LOOP
