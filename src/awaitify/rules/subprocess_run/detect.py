"""What the subprocess-run rule looks for: subprocess.run/call/check_*, os.system, os.posix_spawn*; its fix offloads one in async code."""

from awaitify.detector import Detector
from awaitify.rules.subprocess_run import RULE as SUBPROCESS_RUN

DETECTOR = Detector(SUBPROCESS_RUN.code, calls={name: f"{name}()" for name in SUBPROCESS_RUN.offload_fixes}, tokens=('subprocess', 'os'))

wants = DETECTOR.in_async_code
