"""The syntax check of the files no rule reads (`awaitify.engine.syntax`) answers exactly what
`ast.parse` would: it tries the cheaper symbol-table parse first and parses again only when that
refuses, so a case where the two differ must still come out as `ast.parse` says."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from awaitify.engine import syntax
from awaitify.summary import parse_failure


def _reference(text: str) -> str:
    try:
        compile(text, "m.py", "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        return parse_failure(exc)
    return ""


CASES = {
    "empty": "",
    "plain": "import os\n\n\ndef f(x):\n    return os.path.join(x, 'a')\n",
    "syntax error": "def f(:\n    pass\n",
    "unclosed string": "x = 'abc\n",
    "bad indent": "def f():\nreturn 1\n",
    # refused by the symbol table, accepted by the parser: the parse decides
    "nonlocal at module level": "nonlocal x\n",
    "global after use": "def f():\n    x = 1\n    global x\n",
    "duplicate argument": "def f(a, a):\n    pass\n",
    "return outside function": "return 1\n",
    "await outside async": "await x\n",
    "yield outside function": "yield 1\n",
    "star import in function": "def f():\n    from os import *\n",
    "null byte": "x = 1\0\n",
    "lone surrogate": "x = '\udc80'\n",
    "future import late": "x = 1\nfrom __future__ import annotations\n",
    "unknown future": "from __future__ import braces\n",
    "walrus in comprehension iterable": "[x for x in (y := [1])]\n",
    "match": "match x:\n    case [a, *b]:\n        pass\n",
    "deep parentheses": "x = " + "(" * 250 + "1" + ")" * 250 + "\n",
    "deep subscripts": "x = a" + "[0]" * 20000 + "\n",
    "deep sums": "x = " + "+".join(["1"] * 20000) + "\n",
    "deep ifs": "".join(" " * i + "if x:\n" for i in range(120)) + " " * 120 + "pass\n",
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_answer_is_the_parse(name: str) -> None:
    text = CASES[name]
    assert syntax._problem(("m.py", text)) == _reference(text)


def test_refusals_the_parse_overrules_are_parsed_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """The cheap parse refuses a module-level `nonlocal`, which `ast.parse` accepts: no AW000."""
    if syntax._symtable is None:
        pytest.skip("no symbol-table parse on this interpreter")
    assert not syntax._parses("nonlocal x\n", "m.py")
    assert syntax._problem(("m.py", "nonlocal x\n")) == ""


def test_own_sources_and_tests_agree() -> None:
    root = Path(__file__).resolve().parents[1]
    paths = sorted((root / "src").rglob("*.py")) + sorted((root / "tests").rglob("*.py"))
    assert paths
    for path in paths:
        text = path.read_text(encoding="utf-8")
        assert syntax._problem((str(path), text)) == _reference(text), path


@pytest.mark.slow
def test_the_standard_library_agrees() -> None:
    """Every file of the running Python's standard library, test data with broken files included."""
    lib = Path(ast.__file__).parent
    checked = broken = 0
    for path in sorted(lib.rglob("*.py")):
        if "site-packages" in path.parts:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        found = syntax._problem((str(path), text))
        assert found == _reference(text), path
        checked += 1
        broken += bool(found)
    assert checked > 1000 and broken >= 1, (checked, broken, sys.version)
