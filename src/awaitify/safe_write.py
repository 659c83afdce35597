"""Writing inside a tree that may be hostile: never through a link, never outside the tree.

A checkout under review can hold symlinks where awaitify writes (a report file, a cache folder, a
folder on the way to a fixed file). Resolving a path and then opening it by name leaves a window in
which a link can be swapped in, so every folder is opened one component at a time with
`O_NOFOLLOW` relative to the previous one (a link anywhere is refused), and the file is created as a
temporary file in its final folder (`O_EXCL | O_NOFOLLOW`) and renamed over the target with
`os.replace` relative to that folder: a rename replaces a link, it never writes through one.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


class PathRefused(Exception):
    """A path awaitify will not write: a link, a path outside the tree, a changed file. The
    message is one line, meant for the user after the path."""


class ChangedSinceRead(PathRefused):
    """The file on disk is no longer what was read: someone edited it during the run."""


def _open_child(parent_fd: int, name: str, create: bool) -> int:
    if create:
        try:
            os.mkdir(name, 0o777, dir_fd=parent_fd)
        except FileExistsError:
            pass
    try:
        return os.open(name, _DIR_FLAGS | _NOFOLLOW, dir_fd=parent_fd)
    except OSError:
        if _is_link(parent_fd, name):
            raise PathRefused(f"{name} is a symlink; awaitify does not write through links") from None
        raise


def open_folder(top: Path, parts: tuple[str, ...] = (), create: bool = False) -> int:
    """A descriptor of `top`/`parts`, each part opened without following a link (`create`: make
    missing folders). The caller closes it."""
    fd = os.open(top, _DIR_FLAGS)
    try:
        for part in parts:
            if part in ("", ".", ".."):
                raise PathRefused(f"{part!r} in a path awaitify writes")
            child = _open_child(fd, part, create)
            os.close(fd)
            fd = child
    except BaseException:
        os.close(fd)
        raise
    return fd


def inside(path: Path, root: Path) -> tuple[Path, tuple[str, ...]]:
    """(real root, parts below it) of the file `path` points at, links followed: the place a fixed
    file is written. Raises PathRefused when that place is outside `root`."""
    real_root = root.resolve()
    real = path.resolve()
    if not real.is_relative_to(real_root) or real == real_root:
        raise PathRefused(f"resolves to {real}, outside the tree {real_root}; not written")
    return real_root, real.relative_to(real_root).parts


def output_place(path: Path, root: Path) -> tuple[Path, tuple[str, ...]]:
    """Where an output file (`--output-file`, `--patch-file`) goes. A path inside the tree, as
    spelled, is walked without following any link below the root: the checkout under review owns
    those folders. A path outside the tree was named by whoever runs awaitify: only its last
    component must not be a link."""
    absolute = Path(os.path.abspath(path))
    top = Path(os.path.abspath(root))
    if absolute.is_relative_to(top) and absolute != top:
        return top, absolute.relative_to(top).parts
    return absolute.parent, (absolute.name,)


def read_in(folder_fd: int, name: str) -> bytes | None:
    """A regular file's bytes, read without following a link; None when it is missing."""
    try:
        fd = os.open(name, os.O_RDONLY | _NOFOLLOW | getattr(os, "O_CLOEXEC", 0), dir_fd=folder_fd)
    except FileNotFoundError:
        return None
    except OSError:
        if _is_link(folder_fd, name):
            raise PathRefused(f"{name} is a symlink; awaitify does not read or write through links") from None
        raise
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            raise PathRefused(f"{name} is not a regular file")
        return fh.read()


def _is_link(folder_fd: int, name: str) -> bool:
    try:
        return stat.S_ISLNK(os.stat(name, dir_fd=folder_fd, follow_symlinks=False).st_mode)
    except OSError:
        return False


def _default_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_in(folder_fd: int, name: str, data: bytes, expect: bytes | None = None, mode: int | None = None,
             refuse_read_only: bool = False) -> None:
    """Replace `name` in the folder atomically with `data`. `expect`: the bytes the file must still
    hold (compared right before the rename; else ChangedSinceRead). The file keeps its mode bits;
    a new one gets what open() would give it, or `mode`."""
    tmp = f".{name[:64]}.{secrets.token_hex(4)}.awaitify-tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | getattr(os, "O_CLOEXEC", 0), 0o600,
                 dir_fd=folder_fd)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
            try:
                current = os.stat(name, dir_fd=folder_fd, follow_symlinks=False)
            except FileNotFoundError:
                current = None
            if current is not None:
                if stat.S_ISLNK(current.st_mode):
                    raise PathRefused(f"{name} is a symlink; awaitify does not write through links")
                if not stat.S_ISREG(current.st_mode):
                    raise PathRefused(f"{name} is not a regular file")
                if refuse_read_only and not current.st_mode & stat.S_IWUSR:
                    raise PathRefused("read-only file (no write permission); left unchanged")
            if expect is not None:
                now = read_in(folder_fd, name)
                if now != expect:
                    raise ChangedSinceRead("changed on disk since awaitify read it; not overwritten (run again)")
            os.fchmod(fh.fileno(), stat.S_IMODE(current.st_mode) if current is not None else
                      (mode if mode is not None else _default_mode()))
        os.replace(tmp, name, src_dir_fd=folder_fd, dst_dir_fd=folder_fd)
    except BaseException:
        try:
            os.unlink(tmp, dir_fd=folder_fd)
        except FileNotFoundError:
            pass
        raise


def write_file(top: Path, parts: tuple[str, ...], data: bytes, expect: bytes | None = None,
               refuse_read_only: bool = False) -> None:
    """`write_in` for the file top/parts, every folder below `top` opened without following links."""
    folder = open_folder(top, parts[:-1])
    try:
        write_in(folder, parts[-1], data, expect=expect, refuse_read_only=refuse_read_only)
    finally:
        os.close(folder)


def write_output(path: Path, root: Path, data: bytes) -> None:
    """An output file (a report, a patch): see `output_place`."""
    top, parts = output_place(path, root)
    write_file(top, parts, data)
