"""What the sync-httpx-client rule looks for: the methods of a sync `httpx.Client` a local holds."""

from awaitify.detector import Detector
from awaitify.requests_plan import VERBS as HTTP_VERBS

DETECTOR = Detector("AW503", methods={"httpx": (*HTTP_VERBS, "stream", "send")}, makers={"httpx.Client": "httpx"},
                    tokens=("httpx",))
