"""What the requests-httpx rule looks for: requests' module-level calls, and the methods of a
`requests.Session` a local holds."""

from __future__ import annotations

from awaitify.detector import Detector
from awaitify.requests_plan import VERBS as HTTP_VERBS
from awaitify.summary import ModuleSummary

# what makes a requests.Session
SESSION_FACTORIES = ("requests.Session", "requests.session", "requests.sessions.Session")

DETECTOR = Detector(
    "AW201",
    calls={**{f"requests.{v}": f"requests.{v}()" for v in HTTP_VERBS},
           **{f"requests.api.{v}": f"requests.{v}()" for v in HTTP_VERBS}},
    methods={"session": HTTP_VERBS},
    makers={"requests.Session": "session", "requests.session": "session"},
    tokens=("requests",),
)


def wants(summary: ModuleSummary, text: str) -> bool:
    """A requests call in async code, or a requests.Session() made anywhere in a module with async
    functions (a session kept on `self` or a global is converted where async code uses it)."""
    if summary.sites_calling(under=("requests",), in_async=True):
        return True
    return summary.has_async_function() and bool(summary.sites_calling(SESSION_FACTORIES))
