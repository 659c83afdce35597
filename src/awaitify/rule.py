"""What a rule is: its code, name, what `check` says of it and the facts the engine reads to decide
where `fix` can act; and the examples a rule carries for the test suite.

A leaf module: each rule's folder (`awaitify.rules.<name>/__init__.py`) declares its `RULE` with it,
and the registry in `awaitify.rules` collects them; it imports neither."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

from awaitify.summary import has_async_def

if TYPE_CHECKING:
    from awaitify.config import Config
    from awaitify.plan import FilePlan


@dataclass(frozen=True)
class Rule:
    code: str  # stable: a prefix plus digits (AW101)
    name: str  # the folder's name with `-` for `_` (sleep, asyncio-run)
    summary: str  # one line, for `awaitify rules` and SARIF's short description

    # --- what `awaitify check` reports under the code (a rule without `why` is not a check: AW401)
    why: str = ""  # the message's reason: "blocks the event loop for the whole sleep"
    family: str = ""  # its heading in the markdown report
    flake8_async: tuple[str, ...] = ()  # the flake8-async codes naming the same problem
    fixed_by: str | None = None  # the code of the rule whose fix clears the finding, when one does
    context_free: bool = False  # a finding wherever it stands, not only in async-reachable code

    # --- what `awaitify fix` reads (a rule with `fixable` has a fix.py in its folder)
    fixable: bool = False
    # Substrings of which at least one must occur in a file for the rule to apply at all: the cheap
    # pre-check that keeps files without them from ever being parsed.
    triggers: tuple[str, ...] = ()
    order: int = 0  # codemods run in this order on a file (propagation first: its positions are the original's)
    # Qualified names of sync calls this rule turns into awaited async calls wherever they stand in
    # async code. The planner starts async propagation from them: a sync function holding one, and
    # reached from async code, is made async (or offloaded) so that the rule can then fix the call.
    async_fixes: tuple[str, ...] = ()
    # Qualified names this rule offloads (`asyncio.to_thread`) in async code. A sync function holding
    # one and reached from async code is offloaded at its async call sites by the planner.
    offload_fixes: tuple[str, ...] = ()
    # more trigger tokens that come from the settings (names in `blocking-calls`)
    config_triggers: Callable[[Config], tuple[str, ...]] | None = field(default=None, compare=False)
    # --- speed facts: promises about the fix that let the engine skip a file (`triggers`,
    # `async_only`, `plan_only`, and the rule's detector's `wants`) or hide function bodies from
    # libcst (`local_edits`, `sync_tokens`, `async_by_trigger`). A wrong one makes `fix` silently
    # miss code: tests/test_speed_equivalence.py runs `fix` with every rule on the corpus with the
    # skipping and hiding on and off, and fails on any difference.
    # The engine skips a file that does not spell `async def` (unless the plan makes a function
    # there async: see `FilePlan.has_work_for`): the rule changes only code inside async functions.
    async_only: bool = False
    # The engine may hide from the fix every function body but module-level code, async functions,
    # what the plan names and sync functions spelling one of `sync_tokens` (awaitify.engine.hollow),
    # which spares libcst most of a large file: the fix reads and changes nothing else.
    local_edits: bool = False
    sync_tokens: tuple[str, ...] = ()
    # The engine may hide an async function that spells none of the rule's triggers (nor an alias
    # imported for one) too: such a function gives the fix nothing to do.
    async_by_trigger: bool = False
    # The engine runs the fix only on files its `planner` gave facts for (FilePlan.extra): its
    # trigger tokens only say where the planner looks.
    plan_only: bool = False
    # the module (importable without libcst) holding the codemod's project-wide planning:
    # `plan_project(sources, config) -> {absolute path: facts}` and, optionally,
    # `scope_facts(facts, scope)` for `--changed-since`; its facts reach the codemod as FilePlan.extra
    planner: str = ""

    def triggers_for(self, config: Config) -> tuple[str, ...]:
        return self.triggers + (self.config_triggers(config) if self.config_triggers else ())

    def may_apply(self, text: str, config: Config, plan: FilePlan | None = None) -> bool:
        """The text pre-check: can this file give the rule anything to do? (no parse)"""
        if plan is not None and plan.has_work_for(self.name):
            return True
        if self.plan_only:
            return False
        if self.async_only and not has_async_def(text) and not (plan and plan.make_async):
            return False
        return any(t in text for t in self.triggers_for(config))

    @property
    def doc_page(self) -> str:
        return f"{self.name}.md"

    @property
    def is_check(self) -> bool:
        """`awaitify check` reports findings under this code."""
        return bool(self.why)


def offload_rule(code: str, name: str, summary: str, triggers: tuple[str, ...], offload_fixes: tuple[str, ...] = (),
                 **check: object) -> Rule:
    """The offload codemods: they change only async functions holding one of their triggers, one
    call (or `with` block) at a time, after the rewrites that make calls awaitable. `check`: the
    rule's check fields (why, family, ...)."""
    return Rule(code=code, name=name, summary=summary, fixable=True, triggers=triggers, order=45, async_only=True,
                local_edits=True, async_by_trigger=True, offload_fixes=offload_fixes, **check)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Example:
    """A short module a rule's folder gives the suite (tests/test_rule_examples.py runs it with every
    rule on), as Fixit's VALID/INVALID cases. In the folder's `VALID`: code the rule neither reports
    nor changes. In its `INVALID`: code `check` reports under the rule's code, and `fixed` the text
    `fix` makes of it; `fixed=None` means `fix` leaves the file as it is: a rule without a fix, or a
    refusal, which a rule with a fix must say (a diagnostic under its code) and `check` must not
    count as fixable."""

    code: str
    fixed: str | None = None
    config: str = ""  # the settings the example needs (TOML, tables under `[tool.awaitify]`)
    # a known disagreement between `check` and `fix` on this case, said in a line: the suite expects
    # the case to fail (xfail, strict), so that fixing the disagreement shows; never a wrong `fixed`
    gap: str = ""
