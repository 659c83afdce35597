"""The per-user key that authenticates cache files (awaitify.engine.cache).

It lives outside any checkout, in the user's cache folder ($XDG_CACHE_HOME/awaitify/key, else
~/.cache/awaitify/key), made once with `secrets` and readable by its owner only. A checkout can plant
any file in `.awaitify_cache/`, but cannot sign one: without the key a planted file is a miss.
A key file that is a link, is not the user's own, or is readable by others is not used, and the
run goes on without a cache.
"""

from __future__ import annotations

import functools
import os
import secrets
import stat
from pathlib import Path

KEY_BYTES = 32


def key_path() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "awaitify" / "key"


@functools.cache
def user_key() -> bytes | None:
    """This user's key, made on first use; None when there is no safe one to be had."""
    path = key_path()
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        return _read(path) if os.path.lexists(path) else _create(path)
    except OSError:
        return None


def _read(path: Path) -> bytes | None:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        if not stat.S_ISREG(st.st_mode) or st.st_mode & 0o077 or (hasattr(os, "getuid") and st.st_uid != os.getuid()):
            return None
        key = fh.read(KEY_BYTES + 1)
    return key if len(key) == KEY_BYTES else None


def _create(path: Path) -> bytes | None:
    """Written whole to a private temp file, then linked into place: two runs starting at once
    both end up with the one key that won, never with half a key."""
    tmp = path.with_name(f".key-{secrets.token_hex(6)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(secrets.token_bytes(KEY_BYTES))
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
    finally:
        tmp.unlink(missing_ok=True)
    return _read(path)
