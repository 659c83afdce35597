"""What the blocking-http-call rule looks for: httpx's and urllib3's module-level requests and
`urllib.request.urlopen()`."""

from __future__ import annotations

from awaitify.detector import Detector
from awaitify.requests_plan import VERBS as HTTP_VERBS
from awaitify.rules.blocking_http_call import RULE as BLOCKING_HTTP_CALL
from awaitify.summary import ModuleSummary

URLOPEN = "urllib.request.urlopen"

DETECTOR = Detector(
    "AW501",
    calls={**{f"httpx.{v}": f"httpx.{v}()" for v in (*HTTP_VERBS, "stream")},
           "urllib3.request": "urllib3.request()", URLOPEN: f"{URLOPEN}()"},
    # httpx.stream() is not fixed; urlopen() only as the head of a `urlopen(...).read()` chain
    manual=frozenset(("httpx.stream", URLOPEN)),
    tokens=("httpx", "urllib"),
)
_FIXED = frozenset((*BLOCKING_HTTP_CALL.offload_fixes, URLOPEN))


def wants(summary: ModuleSummary, text: str) -> bool:
    """A call the fix offloads, or a urlopen() whose chain it may, in async code."""
    return bool(DETECTOR.sites(summary, in_async=True, calls=_FIXED))
