"""Exceptions that end a run (usage/config) or a single file (input problems)."""


class UsageError(Exception):
    """A bad flag, path or config value: one line for the user, exit code 2."""


class ConfigError(UsageError):
    """A bad `[tool.awaitify]` table or `--config` file."""


class SourceError(Exception):
    """A file that cannot be read, decoded or parsed; the file is skipped, never written."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason
