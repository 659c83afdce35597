"""`fix --interactive`: review a migration change by change, then write what was accepted.

A unit is what can be accepted on its own and still leave valid code:
- the whole propagation plan (functions made async and every `await` they need, in every file) is
  one unit, and so is every lifespan migration: half of either would break the program;
- every other change is a unit (a `time.sleep`, a `requests` call with its `except` clauses...).
Declined units are then left out by running the codemods again with them suppressed, so imports
and dependent edits stay consistent; the result is verified like any other before it is written.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from rich.console import Console
from rich.text import Text

from awaitify.config import Config
from awaitify.plan import FilePlan
from awaitify.rules import Rule
from awaitify.runner import FileResult, RunResult, fix_file
from awaitify.source import read_source

GLOBAL_CODES = {"AW401": "propagation", "AW301": "lifespan"}
Ask = Callable[[str], str]


@dataclass
class Decisions:
    declined_global: set[str] = field(default_factory=set)  # codes of global units said no to
    declined: dict[str, set[tuple[int, str]]] = field(default_factory=dict)  # display -> (line, code)
    quit: bool = False


def _hunks(result: FileResult, context: int = 2) -> list[tuple[int, int, list[str]]]:
    """(first old line, last old line, the hunk's lines) for the file's diff."""
    old = result.old.decode("utf-8", "replace").splitlines()
    new = result.new.decode("utf-8", "replace").splitlines()
    hunks = []
    for group in difflib.SequenceMatcher(None, old, new, autojunk=False).get_grouped_opcodes(context):
        lines = []
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines += [f" {line}" for line in old[i1:i2]]
            else:
                lines += [f"-{line}" for line in old[i1:i2]] + [f"+{line}" for line in new[j1:j2]]
        hunks.append((group[0][1] + 1, max(group[-1][2], group[0][1] + 1), lines))
    return hunks


def _show(console: Console, title: str, lines: list[str], messages: list[str]) -> None:
    console.print(Text(title, style="bold"))
    for line in lines:
        style = "green" if line.startswith("+") else "red" if line.startswith("-") else ""
        console.print(Text(line, style=style))
    for message in messages:
        console.print(Text(f"  why: {message}", style="cyan"))


def _answer(ask: Ask, prompt: str, choices: str) -> str:
    while True:
        try:
            reply = ask(prompt).strip().lower()[:1]
        except EOFError:  # input closed: stop asking, as with `q`
            return "q"
        if reply in choices:
            return reply


def review(result: RunResult, console: Console, ask: Ask) -> Decisions:
    decisions = Decisions()
    for code, name in GLOBAL_CODES.items():
        files = [r for r in result.changed if any(c.code == code for c in r.changes)]
        if not files:
            continue
        for r in files:
            lines = [line for start, end, hunk in _hunks(r) for line in hunk
                     if any(start <= c.line <= end for c in r.changes if c.code == code)]
            _show(console, f"--- {name} ({code}) in {r.display}", lines, [c.message for c in r.changes if c.code == code][:8])
        reply = _answer(ask, f"Apply the whole {name} plan ({len(files)} file(s), one unit)? [y,n,q] ", "ynq")
        if reply == "q":  # nothing more is applied: every unit not yet accepted is declined below
            decisions.quit = True
            decisions.declined_global.update(GLOBAL_CODES)
            break
        if reply == "n":
            decisions.declined_global.add(code)
    for r in result.changed:
        units = [c for c in r.changes if c.code not in GLOBAL_CODES and not c.dependent]
        hunks = _hunks(r, context=1)
        accept_rest = False
        for unit in units:
            if decisions.quit:
                decisions.declined.setdefault(r.display, set()).add((unit.line, unit.code))
                continue
            if accept_rest:
                continue
            lines = next((h for start, end, h in hunks if start <= unit.line <= end), [])
            _show(console, f"--- {r.display}:{unit.line} {unit.code}", lines, [unit.message])
            reply = _answer(ask, "Apply this change? [y,n,a (rest of this file),q] ", "ynaq")
            if reply == "a":
                accept_rest = True
            elif reply == "n":
                decisions.declined.setdefault(r.display, set()).add((unit.line, unit.code))
            elif reply == "q":
                decisions.quit = True
                decisions.declined.setdefault(r.display, set()).add((unit.line, unit.code))
    return decisions


def plan_without(plan: FilePlan, codes: set[str]) -> FilePlan:
    """The file's plan without the global units named by their codes (GLOBAL_CODES)."""
    if "AW401" in codes:
        plan = replace(plan, make_async={}, await_calls={}, offload_calls={}, run_calls={})
    if "AW301" in codes:
        plan = replace(plan, extra={k: v for k, v in plan.extra.items() if k != "lifespan"})
    return plan


def accepted_results(result: RunResult, decisions: Decisions, rules: tuple[Rule, ...], config: Config) -> list[FileResult]:
    """The files as the reviewer accepted them: unchanged results where everything was accepted,
    a fresh transform (declined edits suppressed) where something was not."""
    out = []
    for r in result.changed:
        declined = frozenset(decisions.declined.get(r.display, set()))
        if not declined and not decisions.declined_global:
            out.append(r)
            continue
        source = read_source(Path(r.path), r.display)
        plan = plan_without(result.plan.for_file(str(r.path)), decisions.declined_global)
        chosen = tuple(rule for rule in rules if rule.code not in decisions.declined_global)
        again = fix_file(source, chosen, config, plan, declined)
        if again.changed:
            out.append(again)
    return out
