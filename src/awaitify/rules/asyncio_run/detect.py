"""What the asyncio-run rule looks for: `asyncio.run()` and `loop.run_until_complete()`."""

from __future__ import annotations

from awaitify.detector import Detector
from awaitify.summary import ASYNC, MODULE, ModuleSummary

# where a loop whose run_until_complete() may be rewritten comes from
LOOP_GETTERS = ("asyncio.get_event_loop", "asyncio.get_running_loop", "asyncio.new_event_loop")

DETECTOR = Detector("AW102", calls={"asyncio.run": "asyncio.run()"},
                    receivers={"run_until_complete": "loop.run_until_complete()"},
                    makers={name: "loop" for name in LOOP_GETTERS}, one_argument=True, tokens=("run",))


def wants(summary: ModuleSummary) -> bool:
    """An asyncio.run() in async code or at import time, or a run_until_complete() in an async
    function that gets a loop from asyncio (the fix rewrites only a loop it sees come from
    `get_event_loop()` and the like, in that same function)."""
    if DETECTOR.sites(summary, contexts=frozenset((ASYNC, MODULE))):
        return True
    getting_loops = {site.owner for site in summary.sites_calling(LOOP_GETTERS, in_async=True)}
    return any(site.owner in getting_loops
               for site in summary.sites_calling(methods=DETECTOR.receivers, contexts=frozenset((ASYNC,))))
