"""# AW001 `unused-suppression`: an `# awaitify: ignore` comment that suppresses nothing

## What it does
Reports an `# awaitify: ignore[...]` comment that names a rule with no finding on its line, names a
rule that does not exist (`AW999`), or, without codes, stands on a line where no rule finds anything.
A finding counts whether or not async code reaches it today, so a comment kept on a sync helper for
the day it is reached is not reported; a code of a rule not selected in this run is not reported
either. `# noqa` comments are left alone: other tools read them.

## Why is this bad?
A suppression outlives the code it was written for: after a refactor it silences nothing, or it
carries a typo (`AW1O1`) and never silenced anything. Either way it reads as if a blocking call
were accepted there on purpose. ruff reports the same for its own `# noqa` comments (RUF100).

## Example
```python
async def handler():
    total = compute()  # awaitify: ignore[AW101]
```
is reported as `AW001 # awaitify: ignore[AW101] suppresses nothing on its line: no AW101 finding
stands there`.

## When it refuses
There is no fix: delete the comment, or correct its code.

## Fix safety
No fix.
"""

from __future__ import annotations

from awaitify.rule import Example, Rule

RULE = Rule(
    code="AW001",
    name="unused-suppression",
    summary="an `# awaitify: ignore` comment that suppresses nothing",
    why="suppresses nothing on its line",
    family="Suppressions",
    context_free=True,
)

# Cases the suite runs with every rule on (tests/test_rule_examples.py; awaitify.rule.Example)
VALID = (
    Example("""\
import time


async def h():
    time.sleep(1)  # awaitify: ignore[AW101]
"""),
)

INVALID = (
    Example("""\
async def h():
    return 1  # awaitify: ignore[AW101]
"""),
)
