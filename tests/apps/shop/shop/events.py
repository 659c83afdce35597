"""The startup/shutdown log the scenario reads: every hook appends its name."""

log: list[str] = []
