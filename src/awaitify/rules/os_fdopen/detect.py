"""What the os-fdopen rule looks for: `os.fdopen()`."""

from awaitify.detector import Detector

DETECTOR = Detector("AW508", calls={"os.fdopen": "os.fdopen()"}, tokens=("os",))
