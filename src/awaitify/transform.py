"""Transforming one file: parse once, run each selected codemod in order, fix up imports once,
verify the result parses. Nothing here writes to disk."""

from __future__ import annotations

import ast
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import libcst as cst
from libcst.metadata import MetadataWrapper

from awaitify.bounds import parse_problem
from awaitify.codemod_base import AwaitifyCodemod, FileSession, new_context, parenthesize_awaits
from awaitify.config import Config
from awaitify.errors import SourceError
from awaitify.findings import Change, Diagnostic
from awaitify.edit_watch import watch_edits
from awaitify.engine.hollow import hollow
from awaitify.fast_positions import CodeVersion, provide_positions
from awaitify import await_barriers, line_map, shared_state
from awaitify.import_fixups import fix_imports, module_code
from awaitify.plan import FilePlan
from awaitify.runtime import config_for_module
from awaitify.rules import Rule, codemod_modules, wants_hooks
from awaitify.rules.propagation import RULE as _PROPAGATION
from awaitify.source import SourceFile, decode_source
from awaitify.spelled_names import remembered
from awaitify.summary import UNPARSABLE, parse_failure, summarize
from awaitify.suppress import suppressions

PROPAGATION = _PROPAGATION.code


@dataclass
class FileOutcome:
    new: bytes
    changes: list[Change] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)


def transformer_for(rule: Rule) -> type[AwaitifyCodemod]:
    for module in codemod_modules():
        if module.RULE.code == rule.code:
            return next(
                v for v in vars(module).values()
                if isinstance(v, type) and issubclass(v, AwaitifyCodemod) and getattr(vars(v).get("RULE"), "code", None) == rule.code
            )
    raise LookupError(rule.code)


def parse(source: SourceFile, raw: bytes | None = None) -> cst.Module:
    problem = parse_problem(source.raw if raw is None else raw)  # before libcst can crash on it
    if problem:
        raise SourceError(source.display, problem)
    try:
        return cst.parse_module(source.raw if raw is None else raw)
    except cst.ParserSyntaxError as exc:
        raise SourceError(source.display, _python_says(source, raw) or
                          f"cannot parse: {exc.message} (line {exc.raw_line}, column {exc.raw_column})") from None
    except (RecursionError, MemoryError) as exc:
        raise SourceError(source.display, f"cannot parse: too deeply nested ({type(exc).__name__})") from None


def _python_says(source: SourceFile, raw: bytes | None) -> str | None:
    """Python's own account of a syntax error (what `check` reports too), when Python rejects the file;
    None when only libcst does (a syntax libcst does not read yet)."""
    try:
        ast.parse(source.raw if raw is None else raw, filename=source.display)
    except (SyntaxError, ValueError) as exc:
        return parse_failure(exc)
    except (RecursionError, MemoryError):
        return None
    return None


def transform(source: SourceFile, rules: tuple[Rule, ...], config: Config, plan: FilePlan,
              declined: frozenset[tuple[int, str]] = frozenset(), hide: bool = True) -> FileOutcome:
    """`declined`: (line, code) edits a reviewer said no to (`fix --interactive`): left as they are,
    exactly as if the line carried `# awaitify: ignore[code]`. `hide`: let libcst see only the
    functions the codemods may need (awaitify.engine.hollow) when every codemod allows it."""
    rules = tuple(sorted((r for r in rules if r.may_apply(source.text, config, plan)), key=lambda r: r.order))
    if not rules:
        return FileOutcome(new=source.raw)
    found = suppressions(source.text)
    _decline(found, declined)
    outcome = _transform_once(source, rules, config, plan, found, hide)
    return _outside_barriers(source, rules, config, plan, found, hide, outcome)


def _decline(found: dict, edits: Iterable[tuple[int, str]]) -> None:
    """Each (line, code) left as if the line said `# awaitify: ignore[code]`."""
    for line, code in edits:
        if found.get(line, set()) is not None:
            found.setdefault(line, set()).add(code)  # type: ignore[union-attr]


def _transform_once(source: SourceFile, rules: tuple[Rule, ...], config: Config, plan: FilePlan, found: dict,
                    hide: bool) -> FileOutcome:
    outcome = _transform_hidden(source, rules, config, plan, found) if hide and all(r.local_edits for r in rules) else None
    return outcome or _run_codemods(source, source.raw, rules, config, plan, found)


def _outside_barriers(source: SourceFile, rules: tuple[Rule, ...], config: Config, plan: FilePlan, found: dict,
                      hide: bool, outcome: FileOutcome) -> FileOutcome:
    """The edits made inside an await barrier (a sync `with` holding a thread lock, an `except` that
    swallows cancellation: awaitify.await_barriers) are taken back, each with a diagnostic: every one
    of them writes an `await` there. Propagation's are never made there: the plan keeps such a call."""
    if not outcome.changes:
        return outcome
    changers = shared_state.loop_changers_in(source.text)
    if not changers and not await_barriers.may_hold(source.text):
        return outcome
    try:
        tree = ast.parse(source.text)
    except UNPARSABLE:
        return outcome
    regions = await_barriers.barrier_regions(tree, changers)
    refused: dict[tuple[int, str], tuple[Change, str]] = {}
    for _ in range(3):  # an edit taken back may take others with it; they are found again
        inside = {(c.line, c.code): (c, barrier) for c in outcome.changes if c.code != PROPAGATION
                  for barrier in [await_barriers.barrier_at(regions, c.line)] if barrier is not None}
        if not inside:
            break
        refused.update(inside)
        _decline(found, inside)
        outcome = _transform_once(source, rules, config, plan, found, hide)
    else:
        return FileOutcome(new=source.raw, diagnostics=[Diagnostic(source.display, 1, 1, PROPAGATION,
                           "internal: edits inside an await barrier could not be taken back; file left unchanged")])
    calls = await_barriers.call_starts(tree, source.text, {change.line for change, _ in refused.values()})
    said = [Diagnostic(source.display, change.line, _finding_column(calls, change), change.code,
                       f"{change.message}; not made: {await_barriers.reason(barrier)}")
            for change, barrier in refused.values()]
    return replace(outcome, diagnostics=sorted(outcome.diagnostics + said))


def _transform_hidden(source: SourceFile, rules: tuple[Rule, ...], config: Config, plan: FilePlan,
                      suppressed: dict) -> FileOutcome | None:
    """The codemods run on the file with the bodies they do not need hidden; None when nothing is
    hidden or the result cannot be put back exactly (the caller then transforms the whole file)."""
    async_tokens = tuple(t for r in rules for t in r.triggers_for(config)) if all(r.async_by_trigger for r in rules) else None
    hollowed = hollow(source.raw, source.text, source.encoding, tuple(t for r in rules for t in r.sync_tokens), plan, async_tokens)
    if hollowed is None:
        return None
    try:
        outcome = _run_codemods(source, hollowed.raw, rules, config, plan, suppressed)
    except SourceError:
        return None  # what libcst cannot read may be in the hidden part: read the whole file
    if not outcome.changes:
        return FileOutcome(new=source.raw, diagnostics=outcome.diagnostics)
    new = hollowed.restore(outcome.new)
    return None if new is None else FileOutcome(new=new, changes=outcome.changes, diagnostics=outcome.diagnostics)


def _run_codemods(source: SourceFile, raw: bytes, rules: tuple[Rule, ...], config: Config, plan: FilePlan,
                  suppressed: dict) -> FileOutcome:
    tree = parse(source, raw)
    # a trio module of an asyncio project (or the reverse) gets its own runtime's API
    session = FileSession(display=source.display, config=config_for_module(config, source.text), plan=plan,
                          suppressed=suppressed)
    context = new_context(session)
    with warnings.catch_warnings(), remembered():
        warnings.simplefilter("ignore")  # libcst's own deprecation chatter is not the user's business
        wrapper: MetadataWrapper | None = None
        code = raw.decode(source.encoding)  # the text `session.line_map` maps
        version = CodeVersion(tree, code)  # its positions are computed if a codemod asks for one
        for rule in rules:
            # One metadata resolution per version of the tree: scope and qualified-name analysis
            # cost ~10x the parse, and a codemod that changed nothing leaves the same tree object.
            if wrapper is None or wrapper.module is not tree:
                if wrapper is not None:  # an earlier codemod moved lines: keep positions the original's
                    # one codegen gives this version's code and, when asked, its positions
                    version = CodeVersion(tree)
                    old, code = code, version.code
                    session.line_map = line_map.follow(session.line_map or line_map.identity(old.count("\n") + 1), old, code)
                wrapper = MetadataWrapper(tree, unsafe_skip_copy=True)
                provide_positions(wrapper, version)
                session.new_version(code)
            codemod = transformer_for(rule)(context)
            edited = watch_edits(codemod)
            recorded = len(session.changes)
            with codemod.resolve(wrapper):
                codemod.context = replace(context, wrapper=wrapper)
                tree = wrapper.module.visit(codemod)
            if tree is not wrapper.module and len(session.changes) == recorded:
                # An edit with no recorded reason would be written or dropped depending on whether
                # another rule changed the file: never silently. Left out, and said. (A new tree
                # with the same text is dropped too: it would cost the next rule a metadata pass.
                # A walk whose every `leave` kept libcst's rebuilt node has the same text.)
                if edited() and tree.code != code:
                    session.diagnostics.append(Diagnostic(source.display, 1, 1, rule.code, f"internal: {rule.name} "
                                                          "changed the file without recording why; that change is left out"))
                tree = wrapper.module
        if session.changes:
            tree = parenthesize_awaits(tree)
            tree = fix_imports(tree, context)  # once, after every codemod
    new = module_code(tree).encode(tree.encoding) if session.changes else raw  # tree.bytes, as the fix-ups read it
    return FileOutcome(new=new, changes=sorted(session.changes), diagnostics=sorted(session.diagnostics))


def _finding_column(calls: dict[int, list[int]], change: Change) -> int:
    """Where `check` reports what `change` fixes: the first call at or after it on its line (a `with
    open(...)` block's edit stands at `with`, its finding at `open`)."""
    return next((col for col in calls.get(change.line, ()) if col >= change.column), change.column)


def _compile_error(data: bytes, display: str) -> str | None:
    try:
        compile(data, display, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as exc:
        line = getattr(exc, "lineno", None)
        return f"{getattr(exc, 'msg', exc)}" + (f", line {line}" if line else "")
    return None


def _wanted_again(rules: tuple[Rule, ...], display: str, text: str, planned: frozenset[str]) -> tuple[Rule, ...]:
    """The codemods a second pass could still change something for: the cheap `ast` pre-check (a
    codemod's `wants` hook) first, as in the main run, so a big file is not parsed with libcst twice
    for nothing. Not propagation, nor a rule the project plan gave facts for this file (`planned`):
    their decisions come from other files, which the second pass, seeing this file alone, cannot
    see (AW513 refused for a key other modules rely on would convert it there)."""
    again = tuple(r for r in rules if r.name != "propagation" and r.name not in planned)
    hooks = wants_hooks()
    try:
        summary = summarize(display, text)
    except UNPARSABLE:
        return again
    return tuple(r for r in again if r.name not in hooks or hooks[r.name](summary, text))


def verify(source: SourceFile, new: bytes, rules: tuple[Rule, ...], config: Config, stability: bool = True,
           planned: frozenset[str] = frozenset()) -> str | None:
    """Why the rewritten file must not be written, or None when it is sound: it must compile (not
    only parse: `await` outside an async function is a compile-time error), and running the
    per-file codemods on it again must change nothing."""
    problem = _compile_error(new, source.display)
    if problem and _compile_error(source.raw, source.display) is None:
        return f"rewritten code does not compile ({problem})"
    if not stability:  # edits a reviewer declined would be offered again by a second pass
        return None
    try:
        text, encoding = decode_source(new, source.display)
        again = transform(SourceFile(source.path, source.display, new, text, encoding),
                          _wanted_again(rules, source.display, text, planned), config, FilePlan())
    except SourceError as exc:
        return f"rewritten code cannot be read back ({exc.reason})"
    if again.new != new:
        return "the codemods are not stable on this file (a second pass would change it again)"
    return None
