"""What the client-per-call rule looks for: a sync HTTP client made in an async function."""

from awaitify.detector import Detector

DETECTOR = Detector(
    "AW514",
    calls={"requests.Session": "requests.Session()", "requests.session": "requests.session()",
           "httpx.Client": "httpx.Client()"},
    async_code_only=True,
    tokens=("Session", "Client", "requests"),
)
