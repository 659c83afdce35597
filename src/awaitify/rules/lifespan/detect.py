"""What the lifespan rule looks for: framework startup/shutdown hooks (found by `check`'s scan
wherever they stand; its fix decides project-wide, from its planner)."""

from awaitify.detector import Detector
from awaitify.rules.lifespan import LIFESPAN_HOOKS

DETECTOR = Detector("AW301", tokens=LIFESPAN_HOOKS)
