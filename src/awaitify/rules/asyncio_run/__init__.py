"""# AW102 `asyncio-run`: `asyncio.run()` / `run_until_complete()` inside a running loop

## What it does
Inside an `async def`:

| before | after |
|---|---|
| `asyncio.run(coro)` | `await coro` |
| `await asyncio.run(coro)` | `await coro` |
| `asyncio.get_event_loop().run_until_complete(coro)` | `await coro` |
| `loop = asyncio.get_event_loop()` + `loop.run_until_complete(coro)` | `await coro` (the `loop = ...` line goes when nothing else uses `loop`) |

`loop` may come from `asyncio.get_event_loop()`, `get_running_loop()` or `new_event_loop()`; every
assignment of it in the function must be one of those. `from asyncio import run` / `import asyncio
as aio` are recognised; an import left unused is removed.

## Why is this bad?
Under a running event loop `asyncio.run()` raises `RuntimeError: asyncio.run() cannot be called from
a running event loop`, and `run_until_complete()` raises `This event loop is already running`.
Code that "works" only passes because it runs at import time or in a thread. (Not covered by
flake8-async or ruff.)

## Example
```python
async def submit(request):
    job = asyncio.run(service.submit_job(request.id))
    return {"job": job}
```
becomes
```python
async def submit(request):
    job = await service.submit_job(request.id)
    return {"job": job}
```

## When it refuses
- Sync code keeps its `asyncio.run`: it is the right bridge in entry points, `if __name__ ==
  "__main__":` blocks, Celery tasks and CLIs.
- `asyncio.run(coro, debug=True)` and other extra arguments: reported, not rewritten.
- `asyncio.run()` at module level outside a main guard runs at import time (STORY-221's Redis ping):
  reported, by `fix` (`AW102 asyncio.run() at module level; not rewritten: it runs at module import
  time ...`) and by `check` (not fixable, with the same reason), to be moved into a startup hook.
  Under `if __name__ == "__main__":` (its `else` too) neither says anything.
- A `loop` variable assigned from anything else, or a `run_until_complete` on an unknown object (a
  parameter, an attribute): reported (`AW102 loop.run_until_complete() on a loop awaitify cannot
  tell is the running one ...`), and `check` does not call that finding fixable and gives the same
  reason. So is a `run_until_complete` not handed one coroutine alone (`*args`, a second argument).

## How it keeps behaviour
`await coro` runs the same coroutine on the loop that is already running and evaluates to the same
value (or raises the same exception). The tests call the rewritten functions under a running loop
and compare their values with the originals called from sync code; the originals raise
`RuntimeError` under the loop.

Like every fix, this one writes no `await` inside an await barrier (a held thread lock, process-wide
state, a stretch another task may change, a `try` that swallows cancellation): such a call is left as
it is, and both commands say why ([which, and why](../safety.md#behaviour-is-kept-and-proved-by-running-the-code)).

## Fix safety
Safe: `asyncio.run(coro)` inside a running loop always raises; `await coro` runs the same coroutine to the same result.
"""

from __future__ import annotations

from awaitify.rule import Example, Rule

RULE = Rule(
    code="AW102",
    name="asyncio-run",
    summary="asyncio.run()/run_until_complete() inside async code -> await",
    why="raises RuntimeError inside a running event loop (or blocks it)",
    family="Event loop",
    fixed_by="AW102",
    fixable=True,
    triggers=("asyncio",),
    order=20,
    async_fixes=("asyncio.run",),
    local_edits=True,
    async_by_trigger=True,
)

# Cases the suite runs with every rule on (tests/test_rule_examples.py; awaitify.rule.Example)
VALID = (
    Example("""\
import asyncio


async def main():
    return 1


if __name__ == "__main__":
    asyncio.run(main())
"""),
)

INVALID = (
    Example("""\
import asyncio


async def submit(service, request):
    job = asyncio.run(service.submit_job(request.id))
    return {"job": job}
""", fixed="""\
async def submit(service, request):
    job = await service.submit_job(request.id)
    return {"job": job}
"""),
    Example("""\
import asyncio


async def submit(service, request):
    return asyncio.run(service.submit_job(request.id), debug=True)
"""),
)
