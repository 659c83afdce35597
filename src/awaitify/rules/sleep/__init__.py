"""# AW101 `sleep`: `time.sleep()` in async code

## What it does
Rewrites `time.sleep(x)` inside an `async def` to `await asyncio.sleep(x)` (with `--target anyio`:
`await anyio.sleep(x)`). Every import form is recognised: `import time`, `import time as t`,
`from time import sleep`, `from time import sleep as nap`. `import asyncio` is added where missing;
the `time` import is removed only when nothing else in the module uses it.

## Why is this bad?
`time.sleep` blocks the thread it runs on. In async code that thread runs the event loop: every
other request, task and timer waits for the whole sleep. `asyncio.sleep` suspends only the current
task. (flake8-async: ASYNC251.)

## Example
```python
import time

async def check_roles(user):
    for attempt in range(3):
        if user.roles_ready():
            return True
        time.sleep(0.3)  # wait for the replica
```
becomes
```python
import asyncio

async def check_roles(user):
    for attempt in range(3):
        if user.roles_ready():
            return True
        await asyncio.sleep(0.3)  # wait for the replica
```
The comment, the arguments and the formatting are kept. A `time.sleep` inside a *sync* helper that
async code calls is handled by [propagation](../propagation.md): the helper becomes `async def` and
this rule then rewrites the sleep.

## When it refuses
- Sync functions, nested sync `def`s and class bodies inside async functions: that code may run in a
  thread (`asyncio.to_thread(work)`), where `time.sleep` is right. Left alone.
- A lambda or a generator expression inside an async function: an `await` cannot stand in a lambda,
  and one inside a generator expression turns it into an async generator. Reported by `check` (not
  fixable) and by `fix`, not rewritten. A lambda handed to a thread where it stands
  (`loop.run_in_executor(None, lambda: time.sleep(1))`, `asyncio.to_thread(lambda: ...)`, an
  executor's `submit`, `threading.Thread(target=...)`, `to_thread.run_sync`) sleeps
  in that thread: neither reported nor changed.
- Any other `sleep`: a local helper called `sleep`, `self.sleep()`, `gevent.sleep`, or a name bound
  both by an import and by a local definition. Only a call that resolves to `time.sleep` alone is
  touched.
- A module where `asyncio` (or `anyio`) is bound to something else: reported.

## How it keeps behaviour
`asyncio.sleep(x)` takes the same seconds as `time.sleep(x)` and returns `None`; the task resumes
after at least that long, as the thread did. Comprehensions keep their shape (`[await ... for ...]`
is valid inside `async def`). The tests run rewritten handlers: five gathered handlers that each
sleep finish in about one sleep's time instead of five.

Like every fix, this one writes no `await` inside an await barrier (a held thread lock, process-wide
state, a stretch another task may change, a `try` that swallows cancellation): such a call is left as
it is, and both commands say why ([which, and why](../safety.md#behaviour-is-kept-and-proved-by-running-the-code)).

## Fix safety
Safe: `time.sleep(x)` and `await asyncio.sleep(x)` (`trio.sleep` in a trio program) wait the same time; only where the call stands in an `async def` (the codemod reads the scope) is it rewritten.
"""

from __future__ import annotations

from awaitify.rule import Example, Rule

RULE = Rule(
    code="AW101",
    name="sleep",
    summary="time.sleep() in async code -> await asyncio.sleep()",
    why="blocks the event loop for the whole sleep",
    family="Sleeping",
    flake8_async=("ASYNC251",),
    fixed_by="AW101",
    fixable=True,
    triggers=("sleep",),
    order=30,
    async_fixes=("time.sleep",),
    async_only=True,
    local_edits=True,
    async_by_trigger=True,
)

# Cases the suite runs with every rule on (tests/test_rule_examples.py; awaitify.rule.Example)
VALID = (
    Example("""\
import time


def backoff():
    time.sleep(0.3)
"""),
    Example("""\
import gevent


async def pause(self):
    gevent.sleep(1)
    await self.sleep(1)
"""),
    Example("""\
from time import sleep


async def poll():
    sleep(1)


def sleep(seconds):
    return seconds
"""),
)

INVALID = (
    Example("""\
import time


async def check_roles(user):
    for attempt in range(3):
        if user.roles_ready():
            return True
        time.sleep(0.3)  # wait for the replica
""", fixed="""\
import asyncio


async def check_roles(user):
    for attempt in range(3):
        if user.roles_ready():
            return True
        await asyncio.sleep(0.3)  # wait for the replica
"""),
    Example("""\
from time import sleep as nap


async def poll():
    nap(1)
""", fixed="""\
import asyncio


async def poll():
    await asyncio.sleep(1)
"""),
    Example("""\
import time

asyncio = "not the module"


async def nap():
    time.sleep(0.3)
"""),
)
