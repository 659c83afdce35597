"""Code actions: what `awaitify fix` makes, offered as edits the client applies (the server never
writes a file).

Each action comes from one engine run (Workspace.fix: `fix` run from the file, its problems fixed
and the edits the plan makes for them in other files), cut into units as `fix --interactive` cuts
it (awaitify.interactive): a finding's own change is a unit; the propagation plan (functions made
async and every caller updated, in every file) and a lifespan migration are each one unit, never
offered in halves. A unit is made by transforming again with the other units declined, exactly as
an interactive review leaves them out; so every edit offered is one the engine made and verified.

- per fixable finding: a quickfix; for a finding reached through a sync helper, the propagation
  unit ("make `f` async and update its callers"), one WorkspaceEdit across files;
- "fix all in this file": the whole run (a quickfix, and the `source.fixAll.awaitify` kind for
  fix-on-save).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lsprotocol import types

from awaitify.audit.results import Finding
from awaitify.interactive import GLOBAL_CODES, plan_without
from awaitify.runner import FileResult, RunResult, fix_file
from awaitify.server.edits import UTF16, text_edits
from awaitify.server.workspace import Workspace
from awaitify.source import decode_source, given_source

FIX_ALL = "source.fixAll.awaitify"
PROPAGATION, LIFESPAN = "AW401", "AW301"


def fix_code(finding: Finding) -> str:
    """The code of the fix that clears the finding (its rule's, or the one it names)."""
    return finding.check.fixed_by or finding.code


def _covers(finding: Finding, line: int, code: str) -> bool:
    return code == fix_code(finding) and finding.line <= line <= max(finding.end_line, finding.line)


def unit(run: RunResult, path: Path, finding: Finding, others: list[Finding], rules: tuple) -> dict[Path, tuple[bytes, bytes]]:
    """The files the finding's unit changes: path -> (old bytes, new bytes). Its own change, what
    it needs (imports, dependent edits), and the global unit it belongs to; the file's other
    findings' changes and the other global units declined."""
    keep = {PROPAGATION} if finding.chain else set()
    if fix_code(finding) == LIFESPAN:
        keep.add(LIFESPAN)
    drop = set(GLOBAL_CODES) - keep
    out = {}
    for result in run.changed:
        declined: frozenset[tuple[int, str]] = frozenset()
        if result.path == path:
            declined = frozenset((c.line, c.code) for c in result.changes
                                 if c.code not in GLOBAL_CODES and not c.dependent and not _covers(finding, c.line, c.code)
                                 and any(_covers(other, c.line, c.code) for other in others))
        plan = run.plan.for_file(str(result.path))
        narrowed = plan_without(plan, drop)
        if not declined and narrowed == plan:
            again = result
        else:
            again = _again(result, rules, run, narrowed, declined)
        if again.changed:
            out[again.path] = (again.old, again.new)
    return out


def _again(result: FileResult, rules: tuple, run: RunResult, plan, declined: frozenset[tuple[int, str]]) -> FileResult:
    source = given_source(result.path, result.display, result.old, max_size=None)
    assert run.config is not None
    return fix_file(source, rules, run.config, plan, declined)


def whole(run: RunResult) -> dict[Path, tuple[bytes, bytes]]:
    return {r.path: (r.old, r.new) for r in run.changed}


def workspace_edit(ws: Workspace, files: dict[Path, tuple[bytes, bytes]], encoding: str = UTF16) -> types.WorkspaceEdit:
    """One TextDocumentEdit per file, in the order of their paths: the open documents' versions, null
    for files the client has not opened (their text is the disk's)."""
    changes = []
    for path, (old, new) in sorted(files.items()):
        doc = ws.documents.get(path)
        before = doc.text if doc is not None else _text(old, str(path))
        edits = text_edits(before, _text(new, str(path)), encoding)
        if not edits:
            continue
        changes.append(types.TextDocumentEdit(
            text_document=types.OptionalVersionedTextDocumentIdentifier(uri=doc.uri if doc else path.as_uri(),
                                                                         version=doc.version if doc else None),
            edits=edits))
    return types.WorkspaceEdit(document_changes=changes)


def _text(raw: bytes, display: str) -> str:
    return decode_source(raw, display)[0]


def _title(finding: Finding, files: dict[Path, tuple[bytes, bytes]], run: RunResult) -> str:
    if finding.chain:
        name = finding.function.rpartition(".")[2] or finding.function
        changes = [c for r in run.changed if r.path in files for c in r.changes if c.code == PROPAGATION]
        made = [c for c in changes if c.message.startswith("made `")]
        sites = len(changes) - len(made)
        if made:
            return (f"awaitify: make `{name}` async and update its callers "
                    f"({sites} call site{'s' if sites != 1 else ''} in {len(files)} file{'s' if len(files) != 1 else ''})")
        return f"awaitify: offload `{name}` to a thread where async code calls it ({sites} call site{'s' if sites != 1 else ''})"
    if fix_code(finding) == LIFESPAN:
        return "awaitify: move the on_event hooks into a lifespan"
    return f"awaitify: fix {finding.pattern or finding.code} ({finding.code})"


def code_actions(ws: Workspace, path: Path, findings: list[Finding], wanted: types.Range,
                 diagnostics: list[types.Diagnostic], only: list[str] | None, encoding: str = UTF16) -> list[types.CodeAction]:
    """The actions for `wanted` in the file: a quickfix per fixable finding it touches, and the file's
    fix-all (where a finding is, or when `only` asks for it: fix on save). `only`: the kinds the
    client asked for (None: all)."""
    fixable = [f for f in findings if f.fixable]
    touching = [f for f in fixable if _touches(f, wanted)]
    # clients ask at every cursor move: `fix` runs only on a fixable finding, or for an explicit fix-all
    if not fixable or not ((touching and _wants(only, types.CodeActionKind.QuickFix)) or _asks_fix_all(only)):
        return []
    run, _, rules = ws.fix(path)
    if not run.changed:
        return []
    actions: list[types.CodeAction] = []
    if _wants(only, types.CodeActionKind.QuickFix):
        seen: set[Any] = set()
        for finding in touching:
            others = [f for f in fixable if f is not finding]
            files = ws.remembered(("unit", str(path), finding.line, finding.column, finding.code),
                                  lambda f=finding, o=others: unit(run, path, f, o, rules))
            if not files:
                continue
            key = tuple(sorted((p, new) for p, (_, new) in files.items()))
            if key in seen:  # a unit several findings share (one lifespan for three hooks)
                continue
            seen.add(key)
            actions.append(types.CodeAction(title=_title(finding, files, run), kind=types.CodeActionKind.QuickFix,
                                            diagnostics=_matching(diagnostics, finding) or None,
                                            is_preferred=True, edit=workspace_edit(ws, files, encoding)))
    everything = whole(run)
    others = len([p for p in everything if p != path])
    title = "awaitify: fix all in this file" + (f" (and the {others} other file{'s' if others != 1 else ''} its fixes need)"
                                                 if others else "")
    for kind in (types.CodeActionKind.QuickFix, FIX_ALL):
        if _wants(only, kind) and (touching or _asks_fix_all(only)):
            actions.append(types.CodeAction(title=title, kind=kind, edit=workspace_edit(ws, everything, encoding)))
    return actions


def _asks_fix_all(only: list[str] | None) -> bool:
    return only is not None and _wants(only, FIX_ALL)


def _wants(only: list[str] | None, kind: str) -> bool:
    """A kind is asked for when `only` names it or a kind it is under (`source.fixAll`, `source`)."""
    return only is None or any(kind == k or kind.startswith(f"{k}.") for k in only)


def _touches(finding: Finding, wanted: types.Range) -> bool:
    first, last = finding.line - 1, max(finding.end_line, finding.line) - 1
    return first <= wanted.end.line and wanted.start.line <= last


def _matching(diagnostics: list[types.Diagnostic], finding: Finding) -> list[types.Diagnostic]:
    return [d for d in diagnostics if d.code == finding.code and d.range.start.line == finding.line - 1]
