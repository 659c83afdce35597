"""What the sleep rule looks for: `time.sleep()`; its fix changes one in async code."""

from awaitify.detector import Detector

DETECTOR = Detector("AW101", calls={"time.sleep": "time.sleep()"}, tokens=("sleep",))

wants = DETECTOR.in_async_code
