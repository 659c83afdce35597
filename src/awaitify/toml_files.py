"""The project's TOML files read for facts (pyproject.toml's `[project]`, lock files), not for
awaitify's own settings (`awaitify.config` reads those, and a broken one is an error there).

Several parts of a run ask the same pyproject.toml (the library check, the entry points, the pins of
stripe and httpx): each file is parsed once while it is unchanged. A file that is missing, cannot be
read or is not TOML gives an empty table and the reason, for the caller to say or not.
"""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib


def read_toml(path: Path) -> tuple[dict, str | None]:
    """The file's table ({} when missing or broken) and, when broken, why."""
    try:
        stat = os.stat(path)
    except OSError:
        return {}, None  # missing: nothing to say
    return _parsed(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=64)
def _parsed(path: str, mtime_ns: int, size: int) -> tuple[dict, str | None]:
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        return {}, str(error)
    return (data, None) if isinstance(data, dict) else ({}, "not a TOML table")
