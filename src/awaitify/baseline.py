"""`check --baseline FILE`: adopt awaitify on a large codebase without fixing everything first.
`--write-baseline FILE` records today's findings; later runs hide those and report only new ones.

A finding is known by a fingerprint of what does not move when code around it is edited: the rule,
the file (relative to the repository root), the enclosing function and the text of its line with
the whitespace collapsed; never the line number. Two identical findings in one function are
counted: a third one like them is new."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from awaitify.audit.results import CheckResult, Finding
from awaitify.errors import UsageError

FORMAT = "awaitify-baseline"
VERSION = 1


@dataclass(frozen=True)
class Entry:
    fingerprint: str
    code: str
    path: str
    function: str
    text: str


class _Lines:
    """Each file's lines, read once."""

    def __init__(self) -> None:
        self.files: dict[str, list[str]] = {}

    def line(self, path: str, number: int) -> str:
        if path not in self.files:
            try:
                self.files[path] = Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                self.files[path] = []
        lines = self.files[path]
        return lines[number - 1] if 0 < number <= len(lines) else ""


def entry(f: Finding, lines: _Lines) -> Entry:
    text = " ".join(lines.line(f.path, f.line).split())
    path = f.repo_path or Path(f.path).as_posix()
    digest = hashlib.sha256("\0".join((f.code, path, f.function, text)).encode()).hexdigest()[:20]
    return Entry(digest, f.code, path, f.function, text)


def dump(result: CheckResult) -> tuple[bytes, int]:
    """The baseline file recording every finding of `result`, and how many it holds."""
    lines = _Lines()
    entries = sorted((entry(f, lines) for f in result.findings), key=lambda e: (e.path, e.function, e.code, e.text, e.fingerprint))
    data = {"format": FORMAT, "version": VERSION,
            "findings": [{"fingerprint": e.fingerprint, "code": e.code, "path": e.path, "function": e.function, "line": e.text}
                         for e in entries]}
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode(), len(entries)


def load(source: Path) -> Counter[str]:
    """The fingerprints a baseline file holds (each with how many findings share it)."""
    try:
        data = json.loads(source.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{source}: no such baseline file (write one with --write-baseline)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{source}: cannot read the baseline: {exc}") from None
    except json.JSONDecodeError as exc:
        raise UsageError(f"{source}: not an awaitify baseline: invalid JSON at line {exc.lineno}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("findings"), list):
        raise UsageError(f"{source}: not an awaitify baseline (written by `awaitify check --write-baseline`)")
    if data.get("version") != VERSION:
        raise UsageError(f"{source}: baseline version {data.get('version')!r}; this awaitify reads version {VERSION}")
    try:
        return Counter(str(item["fingerprint"]) for item in data["findings"])
    except (TypeError, KeyError):
        raise UsageError(f"{source}: not an awaitify baseline: a finding without a fingerprint") from None


def hide_known(result: CheckResult, known: Counter[str]) -> tuple[CheckResult, int]:
    """`result` without the findings the baseline knows; and how many were hidden."""
    left = Counter(known)
    lines = _Lines()
    kept = []
    for f in result.findings:
        key = entry(f, lines).fingerprint
        if left[key] > 0:
            left[key] -= 1
        else:
            kept.append(f)
    return replace(result, findings=kept), len(result.findings) - len(kept)
