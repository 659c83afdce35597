"""Editor integration: one buffer read from stdin, fixed or checked, written to stdout.

The buffer is treated as the file it names (`--stdin-filename`): per-file settings apply, and the
plan covers that one buffer only (propagation stays inside it; run `fix` on the tree for more).
Whatever happens, stdout gets a complete source: the fixed one, or the original when it cannot be
fixed (the reason goes to stderr), so an editor never loses the buffer.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

from awaitify.config import Config, ignored_here
from awaitify.diff import unified_diff
from awaitify.errors import SourceError
from awaitify.planner import build_plan
from awaitify.rules import Rule
from awaitify.runner import fix_file
from awaitify.source import SourceFile, decode_source
from awaitify.summary import UNPARSABLE, parse_failure


def read_stdin(name: str) -> SourceFile:
    raw = sys.stdin.buffer.read()
    try:
        text, encoding = decode_source(raw, name)
    except SourceError as exc:
        print(f"{name}: {exc.reason}", file=sys.stderr)
        text, encoding = "", "utf-8"
    return SourceFile(path=Path(name).absolute(), display=name, raw=raw, text=text, encoding=encoding)


def fix_stdin(name: str, config: Config, rules: tuple[Rule, ...], check: bool, diff: bool) -> int:
    """Exit code: 0, or 1 with --check when the buffer would change."""
    source = read_stdin(name)
    if not source.text and source.raw:
        sys.stdout.buffer.write(source.raw)
        return 0
    try:  # one buffer: a broken one is named even when no rule would read it (as black and ruff do)
        ast.parse(source.text, filename=name)
    except UNPARSABLE as exc:
        print(f"{name}: {parse_failure(exc)}", file=sys.stderr)
        sys.stdout.buffer.write(b"" if diff or check else source.raw)
        return 0
    rules = tuple(r for r in rules if not ignored_here(name, r, config, source.path))
    plan = build_plan([source], rules, config, [])
    result = fix_file(source, rules, config, plan.for_file(str(source.path)))
    if result.error:
        print(f"{name}: {result.error}", file=sys.stderr)
    for diagnostic in result.diagnostics:
        print(diagnostic.render(), file=sys.stderr)
    if diff or check:
        sys.stdout.buffer.write(unified_diff(result.old, result.new, name) if diff else b"")
    else:
        sys.stdout.buffer.write(result.new)
    sys.stdout.buffer.flush()
    return 1 if check and result.changed else 0
