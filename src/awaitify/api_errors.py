"""The exceptions `awaitify.api` raises: where the command line prints one line and exits 2 or 3,
the API raises one of these, with the same message.

    AwaitifyError                 every error the API raises on purpose
    +-- UsageError                a bad argument, path, rule selector or git revision (CLI: exit 2)
    |   +-- ConfigError           a bad `[tool.awaitify]` table, config file or `config=` mapping
    +-- WriteError                `fix(write=True)`: some files were not written (CLI: exit 3)
    +-- VerifyError               `fix(write=True, verify_cmd=...)`: the command failed after the
    |                             rewrite and every written file was restored (CLI: exit 1)
    +-- Interrupted               `fix(write=True)`: stopped by a signal between two files (CLI: 130)

`UsageError` and `ConfigError` are also the engine's own classes (awaitify.errors), so code that
catches those keeps working. The write errors carry the `FixResult` of the run: which files were
written, which were not and why.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from awaitify import errors

if TYPE_CHECKING:
    from awaitify.api_results import FixResult


class AwaitifyError(Exception):
    """Base of every error `awaitify.api` raises on purpose."""


class UsageError(AwaitifyError, errors.UsageError):
    """A bad argument, path, rule selector or git revision."""


class ConfigError(UsageError, errors.ConfigError):
    """A bad `[tool.awaitify]` table, `config=` file or mapping; the message names the key."""


class _WithResult(AwaitifyError):
    def __init__(self, message: str, result: FixResult) -> None:
        super().__init__(message)
        self.result = result

    def __reduce__(self) -> tuple[type[_WithResult], tuple[str, FixResult]]:
        # pickled whole (a worker process, a job queue), result included
        return type(self), (str(self), self.result)


class WriteError(_WithResult):
    """Some files could not be written (read-only, outside the tree, behind a link, changed since
    read); `result.not_written` names them, `result.written` the others, which were written."""


class VerifyError(_WithResult):
    """The verify command failed after the rewrite: every written file was put back as it was
    (`result.written` names them; `result.verify_output` ends with the command's output)."""


class Interrupted(_WithResult):
    """A signal stopped the writes between two files: each file is whole, old or new
    (`result.written` names the new ones)."""


__all__ = ["AwaitifyError", "ConfigError", "Interrupted", "UsageError", "VerifyError", "WriteError"]
