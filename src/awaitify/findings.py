"""What a run produces besides new source: the changes it made (with reasons) and what it refused."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Change:
    """One edit, with the reason the tool can give for it ("made X async because ...")."""

    line: int
    column: int
    code: str
    message: str
    dependent: bool = False  # follows another change; never offered on its own (fix --interactive)
    # "safe": the tool's own analysis shows the behaviour is kept; "unsafe": that rests on what it cannot
    # see (a library's public signature changed for callers outside the project). `fix` makes unsafe
    # changes only with --unsafe-fixes (docs/safety.md)
    safety: str = "safe"


# Each rule's fix-safety class, in ruff's sense (docs/rules/<rule>.md, SARIF `fixSafety`): "safe" when
# the tool's own analysis establishes that behaviour is kept, "unsafe" when that rests on what it cannot
# see. Every rewrite is safe except where listed: then that kind of change is unsafe (made only with
# --unsafe-fixes) and the rule's other changes are safe.
UNSAFE_WHEN = {
    "AW401": "it makes a public function of a library (a project with [project] metadata) async: callers "
             "outside the project would get a coroutine; or it offloads a function that touches state bound "
             "to the loop's thread (a sqlite3 connection, a threading.local, a ContextVar it sets)",
}


def fix_safety(code: str) -> str:
    return f"safe; unsafe when {UNSAFE_WHEN[code]}" if code in UNSAFE_WHEN else "safe"


@dataclass(frozen=True, order=True)
class Diagnostic:
    """Something a codemod found but would not rewrite safely; printed `path:line:col CODE message`."""

    path: str
    line: int
    column: int
    code: str
    message: str

    def render(self) -> str:
        return f"{self.path}:{self.line}:{self.column} {self.code} {self.message}"
