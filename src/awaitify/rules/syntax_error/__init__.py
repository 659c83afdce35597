"""# AW000 `syntax-error`: a file that does not parse

## What it does
Reports a Python file that Python's own parser rejects, at the line the parser names:
`app.py:3:1 AW000 cannot parse: invalid syntax (line 3)`. `awaitify check` and `awaitify fix
--check` exit 1 on it; `awaitify fix` leaves the file byte for byte as it is and says why.

## Why is this bad?
Nothing in such a file is checked or fixed: a blocking call in it, or a function whose callers
would need `await`, stays unseen. A run that reports it only on stderr and exits 0 would let a CI
check pass on a tree it did not read (ruff reports syntax errors the same way). Every file awaitify
discovers is named, also one no rule would read (no trigger word, no async code): such a file is
parsed once for this alone, and the answer is cached by its content.

## Example
```python
async def handler(:
    time.sleep(1)
```
is reported as `AW000 cannot parse: invalid syntax (line 1)`; fix the syntax, then run awaitify again.

## When it refuses
Always: there is no fix. A file Python reads but libcst cannot (a syntax newer than the installed
libcst) is skipped by `fix` with libcst's message instead, and is not an AW000 finding.

## Fix safety
No fix.
"""

from __future__ import annotations

from awaitify.rule import Example, Rule

RULE = Rule(
    code="AW000",
    name="syntax-error",
    summary="a file that does not parse",
    why="cannot be read by Python's parser, so nothing in it is checked or fixed",
    family="Syntax",
    context_free=True,
)

# Cases the suite runs with every rule on (tests/test_rule_examples.py; awaitify.rule.Example)
VALID = (
    Example("""\
async def h():
    pass
"""),
)

INVALID = (
    Example("""\
import time


async def handler(:
    time.sleep(1)
"""),
)
