"""What the subprocess-run rule looks for: subprocess.run/call/check_*, os.system, os.posix_spawn*; its fix offloads one in async code."""

from awaitify.codemod_rules import SUBPROCESS_RUN
from awaitify.detector import Detector

DETECTOR = Detector(SUBPROCESS_RUN.code, calls={name: f"{name}()" for name in SUBPROCESS_RUN.offload_fixes}, tokens=('subprocess', 'os'))

wants = DETECTOR.in_async_code
