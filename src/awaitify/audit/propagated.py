"""`check`'s findings in the sync helpers propagation makes async, as `fix` words them.

`fix` runs its rules on each file as propagation leaves it (awaitify.propagated_text): a helper the
plan makes async is an `async def` to them, so a `with open(...)` block there may be refused for
being async code (AW507), and a module's redis client that the helper uses becomes one that async
code uses (AW512). `check` scans the files as written; this scans, once more, the files whose
helpers the plan makes async, as propagated, and takes what that scan refuses, and the clients it
finds, into the findings.

The plan costs as much as `fix`'s (every rule's project-wide facts: a quarter of `check` on the
stdlib): it is built only when making async every sync function on the chains of the calls
propagation awaits (the helpers it could make async) changes the scan somewhere. That upper bound is
cheap: a file is scanned again only when one of those functions holds a site the scan refuses only
in async code, or it spells `redis`. Where it changes nothing, the plan (which makes some of those
functions async, or none) changes nothing either. (A helper made async only through a caller off
`check`'s chains, which name one caller each, is not seen: `check` then says what it said before.)"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path

from awaitify.audit.reach import Link
from awaitify.audit.results import Finding
from awaitify.audit.scan import FILE_OBJECT_CODE, RECEIVERS, FileScan, Site, scan
from awaitify.config import Config
from awaitify.discovery import repo_relative
from awaitify.plan import Plan
from awaitify.propagated_text import as_propagated
from awaitify.rules import check_by_code, reported
from awaitify.rules.blocking_open import RULE as BLOCKING_OPEN
from awaitify.summary import UNPARSABLE
from awaitify.suppress import is_suppressed

_SHARED_CLIENT = "AW512"  # a client async code uses, found where it is made (owner "")
_NOT_FIXED = "; not fixed: "
Key = tuple[int, int, str]  # (line, column, code) of a site
# the codes of the sites the scan refuses only in async code (awaitify.audit.scan): a `with open()`
# block and what only its move fixes, requests calls and sessions, a loop's run_until_complete();
# a redis client's refusals too, whose file spells `redis`
_REFUSED_IN_ASYNC = frozenset({BLOCKING_OPEN.code, FILE_OBJECT_CODE, "AW201", "AW514", *(code for code, _ in RECEIVERS.values())})


def _changes(before: FileScan, after: FileScan, made_async: set[str]) -> tuple[dict[Key, str], list[Site]]:
    """What the scan of the propagated text (`after`) refuses differently from the scan as written,
    in the functions made async and among the shared clients: (key -> its reason), and the shared
    clients only `after` finds."""
    was = {(s.line, s.col, s.code): s for s in before.sites}
    reasons: dict[Key, str] = {}
    new: list[Site] = []
    for site in after.sites:
        key = (site.line, site.col, site.code)
        shared = site.code == _SHARED_CLIENT and not site.owner
        if key not in was:
            if shared:
                new.append(site)
        elif (site.owner in made_async or shared) and site.refused and site.refused != was[key].refused:
            reasons[key] = site.refused
    return reasons, new


def _rescan(path: str, text: str, before: FileScan, made_async: set[str],
            custom: dict[str, str]) -> tuple[dict[Key, str], list[Site]] | None:
    """`_changes` for one file; None when its propagated text cannot be spelled or read (a body the
    summary left unread): then nothing is known to change."""
    propagated = as_propagated(text, before.summary, made_async)
    if propagated is None:
        return None
    try:
        after = scan(path, propagated, custom)
    except UNPARSABLE:
        return None
    return _changes(before, after, made_async)


def chain_functions(path: str, owner: str, chain: Iterable[Link]) -> Iterable[tuple[str, str]]:
    """The sync functions of a finding's chain, its own function included: those propagation may
    make async for it."""
    yield path, owner
    for link in chain:
        if not link.is_async and link.fid is not None:
            yield link.fid


def as_fix_sees(findings: list[Finding], scans: dict[str, FileScan], texts: dict[str, str], displays: dict[str, str],
                chained: set[tuple[str, str]], config: Config, selected: set[str],
                plan_of: Callable[[], Plan]) -> list[Finding]:
    """`findings` with the reasons and shared clients of the files as propagation leaves them.
    `chained`: the sync functions on the findings' chains (`chain_functions`); `plan_of` builds the
    plan (asked only when the upper bound changes something)."""
    if not chained or not _may_change(scans, texts, chained, config):
        return findings
    made = {path: set(fp.make_async) for path, fp in plan_of().files.items() if fp.make_async and path in scans}
    for path, made_async in sorted(made.items()):
        changed = _rescan(path, texts[path], scans[path], made_async, config.blocking_calls)
        if changed is not None:
            findings = _with_changes(findings, path, displays[path], scans[path], *changed, config, selected)
    return findings


def _may_change(scans: dict[str, FileScan], texts: dict[str, str], chained: set[tuple[str, str]], config: Config) -> bool:
    """Would the scan change anywhere if every function of `chained` were made async? Asked by
    scanning again only a file where it may: one of those functions holds a site the scan refuses
    only in async code, or the file spells `redis` (a client the functions may use)."""
    by_path: dict[str, set[str]] = {}
    for path, owner in chained:
        if path in scans and owner:
            by_path.setdefault(path, set()).add(owner)
    for path, owners in sorted(by_path.items()):
        if "redis" not in texts[path] and not any(s.owner in owners and s.code in _REFUSED_IN_ASYNC for s in scans[path].sites):
            continue
        changed = _rescan(path, texts[path], scans[path], owners, config.blocking_calls)
        if changed is not None and (changed[0] or changed[1]):
            return True
    return False


def _with_changes(findings: list[Finding], path: str, display: str, before: FileScan, reasons: dict[Key, str],
                  new: list[Site], config: Config, selected: set[str]) -> list[Finding]:
    """The file's findings at a changed key not fixable, with the new reason; a new shared client
    reported as the scan as written reports one (when selected and not suppressed)."""
    out = []
    for f in findings:
        reason = reasons.get((f.line, f.column, f.code)) if f.path == display else None
        out.append(replace(f, fixable=False, message=f"{f.message.partition(_NOT_FIXED)[0]}{_NOT_FIXED}{reason}")
                   if reason else f)
    for site in new:
        check = check_by_code()[site.code]
        if not reported(site.code, display, config, Path(path), selected) or \
                is_suppressed(before.suppressions, {site.line, site.end_line}, check.code):
            continue
        out.append(Finding(display, site.line, site.col, site.code, f"{site.pattern} {check.why}{_NOT_FIXED}{site.refused}",
                           False, (), "", site.pattern, repo_relative(Path(path)), site.end_line, site.end_col))
    return out
