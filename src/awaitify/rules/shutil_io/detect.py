"""What the shutil-io rule looks for: shutil's copies, moves, rmtree and archives; its fix offloads one in async code."""

from awaitify.detector import Detector
from awaitify.rules.shutil_io import RULE as SHUTIL_IO

DETECTOR = Detector(SHUTIL_IO.code, calls={name: f"{name}()" for name in SHUTIL_IO.offload_fixes}, tokens=('shutil',))

wants = DETECTOR.in_async_code
