"""What a rule looks for, declared once in its folder (`awaitify.rules.<name>.detect`) and read by
both commands: `check`'s scan (`awaitify.audit.scan`) matches every call of a file against the
tables of every rule's detector, and `fix`'s pre-check for a rule asks the same detector whether the
file's `ast` summary holds a site the rule could act on. No libcst.

The two sides legitimately differ in what they keep, not in what they look for: `check` keeps the
sites async code runs (directly or through sync helpers), `fix` asks whether any site stands where
its codemod may change it (for most rules: in async code). A detector asks the summary through
`ModuleSummary.sites_calling`, which answers as if every body was read: no rule reads lazy bodies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from awaitify.summary import CallSite, ModuleSummary


@dataclass(frozen=True)
class Detector:
    code: str  # what `check` reports the sites under
    # qualified name called (through an import) -> the pattern a finding shows ("time.sleep()")
    calls: Mapping[str, str] = field(default_factory=dict)
    # builtin called by its name (not rebound in the file) -> the pattern shown
    builtins: Mapping[str, str] = field(default_factory=dict)
    # kind of object a local holds (see `makers`) -> its methods that block
    methods: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # method called on any object -> the pattern shown (fixed only on what one of `makers` made:
    # a loop the function gets from asyncio)
    receivers: Mapping[str, str] = field(default_factory=dict)
    # name called (qualified, or a builtin) -> the kind of object it makes: `check` follows locals
    # assigned from such a call, so `f = open(p); f.read()` is a file's read
    makers: Mapping[str, str] = field(default_factory=dict)
    # spellings reported under `code` that its codemod does not fix as they stand (a call moved to a
    # thread whole, as part of a `with` block or a chain, is): `check` marks them not fixable
    manual: frozenset[str] = frozenset()
    # its fix rewrites a call with one positional argument and no keyword only (asyncio.run(main()))
    one_argument: bool = False
    # reported only in async code itself: a site in a sync helper async code reaches is the helper's
    # business (a client made there is made once, not per call)
    async_code_only: bool = False
    # fixed only where it stands in async code itself, not in a sync helper async code reaches
    fixed_in_async_only: bool = False
    # words one of which a file holding a site spells (a call's module or its own name): `check`'s
    # text pre-check, which no file spelling none of any detector's words passes
    tokens: tuple[str, ...] = ()

    def sites(self, summary: ModuleSummary, contexts: frozenset[str] | None = None, in_async: bool = False,
              calls: "frozenset[str] | None" = None) -> list[CallSite]:
        """The summary's calls of this detector's names and builtins (or of `calls` only, a part
        of its names), standing in `contexts` (any when None), with `in_async` only inside async
        functions. As if every body was read."""
        return summary.sites_calling(self.calls if calls is None else calls, self.builtins, (), contexts, in_async)

    def in_async_code(self, summary: ModuleSummary, text: str = "") -> bool:
        """Is any of its calls in async code? The pre-check (`wants(summary, text)`) of a rule that
        changes only those; the summary alone says."""
        return bool(self.sites(summary, in_async=True))
