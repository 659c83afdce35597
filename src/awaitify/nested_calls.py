"""A blocking call in a lambda or a generator expression inside async code: which fixes leave one
there and why, and which lambdas run in a thread. One table both commands read: each codemod that
leaves such a call says why with these reasons, and `check`'s scan (`awaitify.audit.scan`) reports
the same calls not fixable, with the same reason. No libcst.

An `await` cannot go in a lambda, and one in a generator expression makes it an async generator
(another program): the fixes that rewrite a call to an awaited twin (sleep, requests, configured
calls) leave one in either. The offload fixes leave one in a generator expression only: a lambda
inside async code is mostly handed to a thread already, and stays quiet. A lambda handed to a thread
(`asyncio.to_thread(lambda: ...)`) blocks that thread, not the loop: no fix reports a call in it.
"""

from __future__ import annotations

LAMBDA, GENEXP = "lambda", "genexp"  # the scope kinds, as awaitify.summary and awaitify.codemod_base name them

# The last name of a call that runs a function it is handed in another thread: a lambda handed to one
# (`loop.run_in_executor(None, lambda: time.sleep(1))`) blocks that thread, not the loop.
THREAD_HANDOFFS = frozenset({"to_thread", "run_in_executor", "run_sync", "submit", "Thread", "start_new_thread"})

# why a fix leaves the call (`check`: "<finding>; not fixed: <reason>")
AWAIT_CANNOT_GO = ("it stands in a lambda or a generator expression inside async code, where an `await` cannot go; "
                   "rewrite it by hand")
REWRITE_BY_HAND = "it stands in a lambda or generator expression inside async code; rewrite it by hand"
OFFLOAD_BY_HAND = "it stands in a generator expression inside async code; move it to a thread by hand"

# why a fix leaves a call the code already awaits (`await time.sleep(1)`): its rewrite would write
# `await await` (asyncio-run's fix folds the two itself)
ALREADY_AWAITED = ("this call is already awaited, so the rewrite would write `await await`; not rewritten: what it "
                   "returns is awaited as it stands (a TypeError unless it is an awaitable), fix it by hand")

_BOTH = (LAMBDA, GENEXP)
# rule code -> the scopes its fix leaves a call it would fix in, and why
_REFUSED: dict[str, tuple[tuple[str, ...], str]] = {
    "AW101": (_BOTH, AWAIT_CANNOT_GO),  # sleep
    "AW103": (_BOTH, REWRITE_BY_HAND),  # configured blocking calls
    "AW201": (_BOTH, REWRITE_BY_HAND),  # requests' module-level calls
    **{code: ((GENEXP,), OFFLOAD_BY_HAND) for code in (  # the offload fixes (awaitify.codemod_base.OffloadCodemod)
        "AW501", "AW505", "AW506", "AW507", "AW510", "AW511", "AW515")},
}


def handoff_name(func_name: str) -> bool:
    """Is a call of this (last) name one that runs what it is handed in another thread?"""
    return func_name in THREAD_HANDOFFS


def refusal(code: str, scope: str, handed: bool = False) -> str | None:
    """Why the fix for `code` leaves a call it would fix elsewhere in async code, standing in the
    innermost `scope` (LAMBDA, GENEXP) with async code around it; None when it does not refuse there
    (other scopes; a lambda `handed` to a thread)."""
    scopes, reason = _REFUSED.get(code, ((), ""))
    if scope not in scopes or (scope == LAMBDA and handed):
        return None
    return reason
