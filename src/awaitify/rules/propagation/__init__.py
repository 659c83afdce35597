"""# AW401 `propagation`: async callers for functions that must become async

The rule that applies the global propagation plan: `def` -> `async def` for sync functions that
block and are reached from async code, `await` at their call sites up the call graph, `asyncio.run`
at sync entry points, and `asyncio.to_thread` where a boundary stops the change.

See [docs/propagation.md](../propagation.md) for the algorithm, the boundaries, the policies
(`--propagate auto|offload|off`) and the guarantees.

## Example
```python
def _check_user_roles(user):      # calls time.sleep
    ...
def is_admin(user):
    return _check_user_roles(user)
async def require_admin(user):
    if not is_admin(user): ...
```
becomes `async def _check_user_roles`, `async def is_admin` with `return await
_check_user_roles(user)`, and `if not await is_admin(user)`.

## When it refuses
Functions behind a boundary (decorators it cannot see through, dunders, generators, callbacks,
unresolved callers, calls from lambdas or import time, dispatch by a computed name such as
`getattr(self, f"cmd_{name}")` or `globals()[name]`, methods called on objects of unknown class,
installed entry points reached from async code, a library's public API) stay sync; their async callers
offload them: `await asyncio.to_thread(f, *args, **kwargs)` (`trio.to_thread.run_sync` in a trio
program). A generator or `@contextmanager` function is offloaded only where a builtin consumes it
whole (`await asyncio.to_thread(list, rows(n))`); elsewhere it is left, with a diagnostic. So is a
function that returns a lazy iterator (`csv.reader(open(p))`, a generator expression over a file,
`iter(r.readline, "")`, a project generator's call): `list(read(p))` becomes `await
asyncio.to_thread(lambda *args: list(read(*args)), p)`, so the body and the iteration both run in the
thread; anywhere else it is left, with a diagnostic. `check` calls the blocking call behind such a
refused offload not fixable, and says why (`not fixed: ...`). An offload that would lose thread-bound
state is left out too (see Fix safety). A call the
code already awaits is never awaited twice. After planning, a closure that would leave any call
site it knows without `await` is refused (offloaded, "internal check" in needs-review).

Like every fix, this one writes no `await` inside an await barrier (a held thread lock, process-wide
state, a stretch another task may change, a `try` that swallows cancellation): such a call is left as
it is, and both commands say why ([which, and why](../safety.md#behaviour-is-kept-and-proved-by-running-the-code)).

## Fix safety
Offloading a function that touches state bound to the loop's thread is **unsafe**: a sqlite3
connection made outside the call (sqlite3 raises `ProgrammingError` in another thread), a
`threading.local()`, a `ContextVar` it sets (the thread works in a copy of the context; reading one is
fine), or an object the `thread-bound = [...]` setting lists (see
[Offloads that would lose thread-bound state](../propagation.md#offloads-that-would-lose-thread-bound-state)).
`fix` leaves such a call as it was and lists it (`unsafe fix not applied`, with the reason); `check`
calls the blocking call not fixable; `--unsafe-fixes` makes the offload, marked `[unsafe]`.

Safe otherwise, except one kind of change: making a public function of a library (a project with `[project]` metadata; no leading underscore in its module path or name) `async def` is **unsafe**, because callers outside the project would get a coroutine. `fix` does not make it: it offloads at the project's async call sites and lists each such signature on stderr and in the JSON report (`unsafe_not_applied`); `--unsafe-fixes` (or `propagate = "auto"` set explicitly) makes it, marked `[unsafe]` in `--explain` and `"safety": "unsafe"` in JSON.
"""

from __future__ import annotations

from awaitify.rule import Example, Rule

RULE = Rule(
    code="AW401",
    name="propagation",
    summary="make callers of newly async functions async, or offload them to a thread",
    fixable=True,
    triggers=(),  # runs only where the plan has work for the file
    order=10,
    local_edits=True,
    async_by_trigger=True,
)

# Cases the suite runs with every rule on (tests/test_rule_examples.py; awaitify.rule.Example)
VALID = (
    Example("""\
def is_admin(user):
    return user.admin


async def require_admin(user):
    if not is_admin(user):
        raise PermissionError(user)
"""),
)

INVALID = (
    Example("""\
import time


def _check_user_roles(user):
    time.sleep(0.3)
    return user.admin


def is_admin(user):
    return _check_user_roles(user)


async def require_admin(user):
    if not is_admin(user):
        raise PermissionError(user)
""", fixed="""\
import asyncio


async def _check_user_roles(user):
    await asyncio.sleep(0.3)
    return user.admin


async def is_admin(user):
    return await _check_user_roles(user)


async def require_admin(user):
    if not await is_admin(user):
        raise PermissionError(user)
"""),
    Example("""\
import time


def rows(n):
    for i in range(n):
        time.sleep(0.1)
        yield i


async def first(n):
    for row in rows(n):
        return row
"""),
)
