"""# AW511 `input`: `input()` in async code

## What it does
Reports the builtin `input(...)` in an `async def`, or in a sync function that async code reaches
through resolved calls (then with the chain of calls that reaches it). A file that binds the name
`input` itself (a `def input`, an import of another `input`) is not matched.

## Why is this bad?
`input()` prints the prompt and waits on the calling thread until a whole line is typed. In async
code that thread runs the event loop: background tasks, timers, heartbeats and open connections all
freeze while the program waits for a person, and a dropped connection or a missed heartbeat can be
the result. (flake8-async: ASYNC250.)

## Example
An interactive maintenance command that keeps a connection alive in the background:
```python
async def confirm(prompt: str) -> bool:
    answer = input(prompt + " [y/N] ")
    return answer.strip().lower() == "y"
```
is reported as `AW511 input() blocks the event loop until a line is typed [*]`, and `awaitify fix`
writes:
```python
import asyncio

async def confirm(prompt: str) -> bool:
    answer = await asyncio.to_thread(input, prompt + " [y/N] ")
    return answer.strip().lower() == "y"
```
The prompt is printed and the line read as before (an `EOFError` is raised at the `await`); the
loop keeps serving other tasks meanwhile. Ctrl-C still reaches the loop's thread, but the worker
thread stays in `input()` until a line or end-of-file arrives.

## When it is not reported
- Sync code that no async code reaches (a CLI's prompts before `asyncio.run(main())`).
- Code in a lambda, or in a function handed to `asyncio.to_thread`, `loop.run_in_executor` or
  `anyio.to_thread.run_sync`; module level and class bodies.
- Other console reads (`sys.stdin.readline()`, `getpass.getpass()`): not in this rule's table.

## Suppressing
`# awaitify: ignore[AW511]` (or `# awaitify: ignore`) on the first or last line of the call, or the
flake8-async comment `# noqa: ASYNC250`. `awaitify fix` honours the same comments: it leaves the call as it is.

## Fix
`awaitify fix` rewrites `input(...)` directly inside `async def` to
`await asyncio.to_thread(input, ...)` (with `--target anyio`: `await anyio.to_thread.run_sync(input,
...)`). A call inside a list comprehension is rewritten; one in a generator expression is reported,
not rewritten. An `input()` inside a sync helper is reported with its chain, but `fix` does not
offload that helper yet: offload it by hand (`await asyncio.to_thread(ask)`).

Like every fix, this one writes no `await` inside an await barrier (a held thread lock, process-wide
state, a stretch another task may change, a `try` that swallows cancellation): such a call is left as
it is, and both commands say why ([which, and why](../safety.md#behaviour-is-kept-and-proved-by-running-the-code)).

## Fix safety
Safe: the call moves to a thread unchanged.
"""

from __future__ import annotations

from awaitify.rule import Example, offload_rule

RULE = offload_rule(
    "AW511", "input",
    "input() in async code -> await asyncio.to_thread(input, ...)",
    triggers=("input",),
    why="blocks the event loop until a line is typed",
    family="Console",
    flake8_async=("ASYNC250",),
    fixed_by="AW511",
)

# Cases the suite runs with every rule on (tests/test_rule_examples.py; awaitify.rule.Example)
VALID = (
    Example("""\
def confirm(prompt):
    return input(prompt) == "y"
"""),
)

INVALID = (
    Example("""\
async def confirm(prompt):
    return input(prompt) == "y"
""", fixed="""\
import asyncio

async def confirm(prompt):
    return await asyncio.to_thread(input, prompt) == "y"
"""),
    Example("""\
async def answers(prompts):
    return list(input(p) for p in prompts)
"""),
)
