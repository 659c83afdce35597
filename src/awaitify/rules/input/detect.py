"""What the input rule looks for: the builtin `input()`; its fix offloads one in async code."""

from awaitify.detector import Detector

DETECTOR = Detector("AW511", builtins={"input": "input()"}, tokens=("input",))

wants = DETECTOR.in_async_code
