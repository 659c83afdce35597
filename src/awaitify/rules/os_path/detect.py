"""What the os-path rule looks for: the os.path functions that touch the file system; its fix offloads one in async code."""

from awaitify.detector import Detector
from awaitify.rules.os_path import RULE as OS_PATH

DETECTOR = Detector(OS_PATH.code, calls={name: f"{name}()" for name in OS_PATH.offload_fixes}, tokens=('os',))

wants = DETECTOR.in_async_code
