"""What the blocking-open rule looks for: opening files, and a `Path`'s whole-file I/O methods."""

from __future__ import annotations

from awaitify.detector import Detector
from awaitify.rules.blocking_open import PATH_IO_METHODS
from awaitify.summary import ASYNC, ModuleSummary

# besides open(): what the fix moves to a thread as the one item of a `with` block
OPENERS = ("io.open", "codecs.open")
PATH_METHODS = ("open", *PATH_IO_METHODS)

DETECTOR = Detector(
    "AW507",
    calls={name: f"{name}()" for name in ("io.open", "io.open_code", "codecs.open")},
    builtins={"open": "open()"},
    methods={"path": PATH_METHODS},
    makers={"pathlib.Path": "path", "pathlib.PosixPath": "path", "pathlib.WindowsPath": "path"},
    # fixed only as the one item of a `with` block the fix moves to a thread whole
    manual=frozenset(("io.open", "io.open_code", "codecs.open", "open")),
    tokens=("open", "Path"),
)


def wants(summary: ModuleSummary, text: str) -> bool:
    """A Path I/O method called in async code, or an opener that is the one item of a `with` block
    that could move (`ModuleSummary.movable_withs`)."""
    if summary.sites_calling(spelled=PATH_IO_METHODS, in_async=True):
        return True
    return any(site.key in summary.movable_withs
               for site in DETECTOR.sites(summary, contexts=frozenset((ASYNC,)), calls=frozenset(OPENERS)))
