"""Only what a pull request adds: the lines a diff touched, and the findings that stand on them or
whose chain passes through them (`check --changed-since REF`), or that stand in, or pass through,
the files given (`check --whole-project FILE...`, the pre-commit hook's staged files).

A finding in an untouched line of a touched file is old: it is not the pull request's. A finding in
an untouched file whose chain runs through a touched line is new: the pull request made an async
function call the blocking helper."""

from __future__ import annotations

import ast
import codecs
import re
from dataclasses import replace
from pathlib import Path

from awaitify.audit.results import CheckResult, Finding
from awaitify.scope import _git

WHOLE = None  # a file every line of which counts as touched (new, untracked)
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")


def _unquote(name: str) -> str:
    """git quotes a path with unusual characters C-style: "b/caf\\303\\251.py"."""
    if name.startswith('"') and name.endswith('"'):
        return codecs.escape_decode(name[1:-1].encode())[0].decode("utf-8", "surrogateescape")
    return name


def parse_diff(diff: str) -> dict[str, set[int] | None]:
    """Repository-relative path -> the new file's lines an `-U0` diff adds or changes. A pure
    deletion touches the lines on either side of it (what was removed may have made them new)."""
    touched: dict[str, set[int] | None] = {}
    current: set[int] | None = None
    for line in diff.splitlines():
        if line.startswith("+++ "):
            name = _unquote(line[4:].rstrip("\t"))
            if name == "/dev/null":
                current = None
                continue
            current = touched.setdefault(name[2:] if name.startswith("b/") else name, set())
        elif current is not None and (found := _HUNK.match(line)):
            start, count = int(found.group(1)), int(found.group(2) if found.group(2) is not None else 1)
            current.update(range(start, start + count) if count else (start, start + 1))
    return touched


def touched_lines(ref: str, cwd: Path) -> dict[str, set[int] | None]:
    """Absolute path -> touched lines (None: the whole file) since `ref`, in the working tree,
    committed or not, untracked files whole."""
    root = Path(_git(["rev-parse", "--show-toplevel"], cwd).strip())
    _git(["rev-parse", "--verify", f"{ref}^{{commit}}"], cwd)
    # a user's diff settings (external tools, no prefixes, colour) must not change what is parsed;
    # a moved file's old lines stay old (-M)
    diff = _git(["-c", "core.quotePath=true", "diff", "-U0", "--no-ext-diff", "--no-color", "-M", "--src-prefix=a/",
                 "--dst-prefix=b/", "--diff-filter=ACMR", ref, "--"], cwd)
    found: dict[str, set[int] | None] = {str((root / name).resolve()): lines for name, lines in parse_diff(diff).items()}
    for name in _git(["ls-files", "--others", "--exclude-standard"], cwd).splitlines():
        found[str((root / name).resolve())] = WHOLE
    return found


def _resolved(path: str) -> str:
    return str(Path(path).resolve())


def called_on(path: str, lines: set[int] | None) -> set[str]:
    """The names of what the touched lines call (`f()`, `obj.f()`; an imported alias by the name it
    imports). A new call of a helper makes a new chain to its findings, whichever chain the check
    happened to record; names, not resolved functions: a same-named function elsewhere shows too
    (more findings, never fewer)."""
    try:
        tree = ast.parse(Path(path).read_bytes())
    except (OSError, SyntaxError, ValueError):
        return set()
    aliases = {a.asname: a.name.rpartition(".")[2] for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))
               for a in node.names if a.asname}
    names = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        if lines is not WHOLE and not any(n in lines for n in range(node.lineno, (node.end_lineno or node.lineno) + 1)):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else node.func.attr if isinstance(node.func, ast.Attribute) else None
        if name:
            names.add(aliases.get(name, name))
    return names


def keep_touched(result: CheckResult, touched: dict[str, set[int] | None]) -> CheckResult:
    """The findings on touched lines, or whose chain passes through one; a file that does not parse
    (AW000) or cannot be read counts when the file was touched at all."""

    def touches(path: str, first: int, last: int) -> bool:
        key = _resolved(path)
        if key not in touched:
            return False
        lines = touched[key]
        return lines is WHOLE or any(n in lines for n in range(first, max(first, last) + 1))

    called: set[str] = set()
    for path, lines in touched.items():
        if path.endswith((".py", ".pyi")):
            called |= called_on(path, lines)

    def kept(f: Finding) -> bool:
        if f.code == "AW000":
            return _resolved(f.path) in touched
        if touches(f.path, f.line, f.end_line or f.line) or any(touches(link.path, link.line, link.line) for link in f.chain):
            return True
        # a touched line calls the helper holding it, or one on its way up: a chain the check did not record
        helpers = [f.function] + [link.function for link in f.chain if not link.is_async] if f.chain else []
        return any(name.rpartition(".")[2] in called for name in helpers)

    return replace(result, findings=[f for f in result.findings if kept(f)],
                   errors=[(p, why) for p, why in result.errors if _resolved(p) in touched])


def keep_in_files(result: CheckResult, files: list[Path]) -> CheckResult:
    """The findings in these files, or whose chain passes through one of them."""
    return keep_touched(result, {str(p.resolve()): WHOLE for p in files})
