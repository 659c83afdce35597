"""What the lifespan rule looks for: framework startup/shutdown hooks (found by `check`'s scan
wherever they stand; its fix decides project-wide, from its planner)."""

from awaitify.codemod_rules import LIFESPAN_HOOKS
from awaitify.detector import Detector

DETECTOR = Detector("AW301", tokens=LIFESPAN_HOOKS)
