"""What the os-wait rule looks for: os.wait/waitpid and friends; its fix offloads one in async code."""

from awaitify.detector import Detector
from awaitify.rules.os_wait import RULE as OS_WAIT

DETECTOR = Detector(OS_WAIT.code, calls={name: f"{name}()" for name in OS_WAIT.offload_fixes}, tokens=('wait', 'os'))

wants = DETECTOR.in_async_code
