"""awaitify.fast_positions gives exactly libcst's PositionProvider values, on every node of a corpus
(the goldens, the examples, the package's own sources, the stdlib) and of odd layouts, and the same
code as `Module.code`."""

from __future__ import annotations

import sysconfig
from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from awaitify.fast_positions import CodeVersion, positions, provide_positions

ROOT = Path(__file__).resolve().parents[1]
STDLIB = Path(sysconfig.get_paths()["stdlib"])


def _same_as_libcst(module: cst.Module) -> bool:
    """False when libcst's own provider cannot run (a tree deeper than the recursion limit)."""
    try:
        expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    except RecursionError:
        return False
    version = CodeVersion(module)
    assert version.code == module.code
    found = version.positions
    assert set(found) == set(expected) and len(found) == len(expected)
    wrong = [(type(node).__name__, expected[node], found[node]) for node in expected if found[node] != expected[node]]
    assert not wrong, wrong[:5]
    return True


def _parsed(path: Path) -> cst.Module | None:
    try:
        return cst.parse_module(path.read_bytes())
    except Exception:  # libcst cannot read it (a golden that is meant not to parse, a py2 test file)
        return None


def _check_files(paths: list[Path]) -> int:
    checked = 0
    for path in paths:
        module = _parsed(path)
        if module is not None and _same_as_libcst(module):
            checked += 1
    return checked


@pytest.mark.parametrize("folder", ["tests/golden", "examples", pytest.param("src/awaitify", marks=pytest.mark.slow), "benchmarks"])
def test_goldens_examples_and_own_sources(folder: str) -> None:
    assert _check_files(sorted((ROOT / folder).rglob("*.py"))) >= 3


def _stdlib_files() -> list[Path]:
    return sorted(p for p in STDLIB.rglob("*.py") if "site-packages" not in p.parts)


@pytest.mark.slow  # 13 s of libcst's own pass; the quick suite keeps the goldens, examples and odd layouts
def test_stdlib_sample() -> None:
    """Every 12th stdlib file under 40 kB (~100 files, test data with odd encodings and layouts among them)."""
    sample = [p for p in _stdlib_files() if p.stat().st_size < 40_000][::12]
    assert _check_files(sample) > 80


@pytest.mark.slow
@pytest.mark.parametrize("part", range(2))
def test_a_quarter_of_the_stdlib(part: int) -> None:
    """Every 4th stdlib file, whatever its size (about 450), in two parts for the test workers to
    share: libcst's own pass is what costs here (the whole stdlib took 8.5 minutes of one core)."""
    assert _check_files(_stdlib_files()[part::8]) > 100


ODD = {
    "empty": "",
    "newline only": "\n",
    "blank lines": "\n\n\n",
    "spaces only": "   \n",
    "comment, no final newline": "# just a comment",
    "no final newline": "x = 1\nif x:\n    y = 2",
    "no final newline after a block": "def f():\n    return 1\n    # trailing",
    "statement, no newline": "pass",
    "decorators and comments": "# head\n\n@a.b(1)  # why\n# between\n@c\nclass K(Base, metaclass=M):  # k\n    '''doc'''\n\n    @property\n    def p(self): return 1  # one-liner\n# tail\n",
    "continuations": "x = 1 + \\\n    2 + \\\n\t3\nif (a and\n        b):\n    pass\n",
    "semicolons": "a = 1; b = 2;\nif a: c = 3; d = 4\nimport os; import sys as s\n",
    "f-strings": "x = f'{a!r:>{w}} {b=} {{c}}'\ny = f\"\"\"\n{x}\n  {f'{z}'}\n\"\"\"\nz = r'\\x00' f'{1:{2}}'\n",
    "tabs": "if x:\n\tif y:\n\t\tz = 1\n\telse:\n\t\tpass\n",
    "crlf": "import os\r\n\r\ndef f(a,\r\n      b):\r\n    '''doc\r\n    more'''\r\n    return a  # c\r\n",
    "crlf, no final newline": "x = 1\r\ny = 2",
    "lone carriage returns": "x = 1\ry = (1,\r     2)\r",
    "mixed newlines": "a = 1\nb = 2\r\nc = '''x\ry\r\nz'''\n",
    "non-ascii": "# -*- coding: utf-8 -*-\nnom = 'héllo wörld ✓'  # ünïcode 🐍\nπ = 3.14; 变量 = π\n",
    "async and walrus": "async def f():\n    async with a as b, c:\n        async for x in y:\n            if (n := await x):\n                yield n\n",
    "match": "match p:\n    case [1, *rest] if rest:\n        pass\n    case {'k': v, **kw}:\n        pass\n    case Point(x=0) | None:\n        pass\n    case _:\n        pass\n",
    "lambdas and comprehensions": "f = lambda a, *b, c=1, **d: [x for x in b if x]\ng = {k: v for k, v in d.items()}\nh = (y async for y in z)\n",
    "try and with": "try:\n    pass\nexcept* (A, B) as e:\n    raise X from e\nelse:\n    pass\nfinally:\n    del a, b[1:2:3]\nwith (open(a) as f, open(b)):\n    global q\n",
    "types and annotations": "def f[T](x: int = 1, /, *, y: 'T') -> list[T]: ...\ntype A[T] = list[T]\nclass C[T]: x: int\n",
    "empty indented blocks": "if x:\n    pass\nelse:\n    # only a comment\n    pass\n",
}


@pytest.mark.parametrize("name", sorted(ODD))
def test_odd_layouts(name: str) -> None:
    try:
        module = cst.parse_module(ODD[name])
    except cst.ParserSyntaxError:  # syntax newer than this libcst reads
        pytest.skip("libcst cannot parse it")
    assert _same_as_libcst(module)


def test_carriage_return_and_newline_in_two_tokens() -> None:
    """libcst counts `\\r` ending one token and `\\n` starting the next as two line ends, though the
    code holds `\\r\\n`."""
    module = cst.Module(body=[
        cst.SimpleStatementLine([cst.Pass()], trailing_whitespace=cst.TrailingWhitespace(newline=cst.Newline("\r"))),
        cst.SimpleStatementLine([cst.Expr(cst.Name("x"))], leading_lines=[cst.EmptyLine(newline=cst.Newline("\n"))]),
    ])
    assert "\r\n" in module.code
    assert _same_as_libcst(module)


def test_built_trees_and_nodes_standing_twice() -> None:
    """A codemod's tree: nodes built without whitespace, and one node object standing in two places
    (libcst keeps the first whitespace-inclusive range and the last syntactic one)."""
    shared_line = cst.EmptyLine(comment=cst.Comment("# shared"))
    shared_name = cst.Name("again")
    body = [
        cst.SimpleStatementLine([cst.Expr(cst.Call(cst.Name("f"), [cst.Arg(shared_name), cst.Arg(shared_name)]))],
                                leading_lines=[shared_line, shared_line]),
        cst.FunctionDef(cst.Name("g"), cst.Parameters(), cst.IndentedBlock([]), leading_lines=[shared_line]),
        cst.If(shared_name, cst.IndentedBlock([cst.SimpleStatementLine([cst.Expr(shared_name)])])),
    ]
    assert _same_as_libcst(cst.Module(body=body))
    assert _same_as_libcst(cst.Module(body=body, has_trailing_newline=False))
    assert _same_as_libcst(cst.Module(body=[], header=[shared_line], has_trailing_newline=False))


class _Renamer(cst.CSTTransformer):
    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.Name:
        return updated.with_changes(value=updated.value * 3)

    def leave_SimpleStatementLine(self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine):
        return cst.FlattenSentinel([updated, cst.SimpleStatementLine([cst.Pass()])])


def test_a_rewritten_version() -> None:
    source = (ROOT / "src" / "awaitify" / "transform.py").read_text(encoding="utf-8")
    assert _same_as_libcst(cst.parse_module(source).visit(_Renamer()))


def test_the_wrapper_answers_with_these_positions() -> None:
    """What codemods read through `get_metadata(PositionProvider, node)` (the wrapper's cache)."""
    module = cst.parse_module("def f(a):\n    return g(a)\n")
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    version = CodeVersion(module, module.code)
    provide_positions(wrapper, version)
    provided = wrapper.resolve(PositionProvider)
    assert positions(wrapper) is provided
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    assert dict(provided.items()) == dict(expected)
    stranger = cst.Name("nowhere")
    assert provided.get(stranger) is None and stranger not in provided
    with pytest.raises(KeyError):
        provided[stranger]
    other = MetadataWrapper(cst.parse_module("x = 1\n"), unsafe_skip_copy=True)
    assert dict(positions(other)) == dict(MetadataWrapper(other.module, unsafe_skip_copy=True).resolve(PositionProvider))
    with pytest.raises(ValueError):
        provide_positions(other, version)


def test_the_pass_is_trusted_on_the_installed_libcst() -> None:
    """The probe passes here, so the suite runs the fast pass (a libcst that failed it would get
    its own provider back, below)."""
    from awaitify.fast_positions import trusted

    assert trusted()


def test_a_libcst_the_probe_fails_gets_its_own_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pass leans on libcst's codegen internals: where the once-per-process probe finds other
    values, the versions' code is `Module.code` and the wrapper resolves libcst's own provider; a
    whole transform of the six largest golden inputs gives the same files."""
    from awaitify import fast_positions
    from awaitify.config import Config
    from awaitify.plan import FilePlan
    from awaitify.rules import all_rules
    from awaitify.source import SourceFile, decode_source
    from awaitify.transform import transform

    sources = []
    for path in sorted((ROOT / "tests/golden").glob("*/*.in.py"), key=lambda p: -p.stat().st_size)[:6]:
        raw = path.read_bytes()
        text, encoding = decode_source(raw, str(path))
        sources.append(SourceFile(path, str(path), raw, text, encoding))
    fast = [transform(source, all_rules(), Config(), FilePlan()) for source in sources]
    monkeypatch.setattr(fast_positions, "trusted", lambda: False)
    module = cst.parse_module(sources[0].raw)
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    version = CodeVersion(module)
    assert version.code == module.code
    provide_positions(wrapper, version)
    assert PositionProvider not in wrapper._metadata
    assert dict(positions(wrapper)) == dict(MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider))
    slow = [transform(source, all_rules(), Config(), FilePlan()) for source in sources]
    assert any(outcome.changes for outcome in fast)
    assert [(o.new, o.changes, o.diagnostics) for o in slow] == [(o.new, o.changes, o.diagnostics) for o in fast]
