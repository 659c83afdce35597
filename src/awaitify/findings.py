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
