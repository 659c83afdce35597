"""What the stripe-global-key rule looks for: `stripe.api_key = ...` (found by `check`'s scan at
module level; its fix decides project-wide, from its planner)."""

from awaitify.detector import Detector

DETECTOR = Detector("AW513", tokens=("stripe",))
