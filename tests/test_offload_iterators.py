"""Offloading a function that returns a lazy iterator moves its iteration off the loop too, or is
refused: `await asyncio.to_thread(rows, p)` ran only `rows` in the thread when it returns
`csv.reader(open(p))`, a project generator, `iter(r.readline, "")` or `map(parse, open(p))`; the
reading ran where the result was iterated, on the loop. Run with every rule; the blocking work
records the thread it runs on."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from inprocess_cli import cli_here  # noqa: F401  (a fixture)

SERVICE = '''
import asyncio
import csv
import os
import threading
import time

STEPS = []  # the thread each step of blocking iteration ran on


def _tracked(path):
    with open(path) as fh:
        for line in fh:
            time.sleep(0.05)
            STEPS.append(threading.get_ident())
            yield line.strip()


def rows(path):
    os.path.exists(path)
    return _tracked(path)


class Reader:
    def __init__(self, path):
        with open(path) as fh:
            self.lines = fh.read().splitlines(keepends=True)

    def readline(self):
        STEPS.append(threading.get_ident())
        return self.lines.pop(0) if self.lines else ""


def via_iter(path):
    os.path.exists(path)
    return iter(Reader(path).readline, "")


def _parse(line):
    STEPS.append(threading.get_ident())
    return line.strip().upper()


def parsed(path):
    os.path.exists(path)
    return map(_parse, open(path))


def table(path):
    os.path.exists(path)
    return csv.reader(open(path))


async def whole(path):
    return list(rows(path))


async def by_iter(path):
    return sorted(via_iter(path))


async def mapped(path):
    return tuple(parsed(path))


async def cells(path):
    return list(table(path))


async def looped(path):
    out = []
    for row in rows(path):
        out.append(row)
    return out


async def main(path):
    loop = threading.get_ident()
    results = [await whole(path), await by_iter(path), await mapped(path), await cells(path)]
    on_loop = [step == loop for step in STEPS]
    STEPS.clear()
    results.append(await looped(path))
    start = time.perf_counter()
    together = await asyncio.gather(*[whole(path) for _ in range(4)])
    return {"results": results, "on_loop": on_loop, "together": together, "elapsed": time.perf_counter() - start}
'''


def _run(root: Path) -> dict:
    show = "import asyncio, json, sys, svc; print(json.dumps(asyncio.run(svc.main(sys.argv[1]))))"
    proc = subprocess.run([sys.executable, "-W", "error::RuntimeWarning", "-c", show, "data.csv"], cwd=root,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_a_lazy_iterator_consumed_whole_is_iterated_in_the_thread(tmp_path: Path, cli_here) -> None:
    (tmp_path / "svc.py").write_text(textwrap.dedent(SERVICE).lstrip())
    (tmp_path / "data.csv").write_text("a,1\nb,2\nc,3\n")
    before = _run(tmp_path)
    assert before["on_loop"] and all(before["on_loop"])  # the measuring stick: it did block the loop
    code, _, err = cli_here("fix", "--write", "--allow-dirty", "--no-cache", ".")
    assert code == 0, err
    text = (tmp_path / "svc.py").read_text()
    assert "return await asyncio.to_thread(lambda *args: list(rows(*args)), path)" in text
    assert "return await asyncio.to_thread(lambda *args: sorted(via_iter(*args)), path)" in text
    assert "return await asyncio.to_thread(lambda *args: tuple(parsed(*args)), path)" in text
    assert "return await asyncio.to_thread(lambda *args: list(table(*args)), path)" in text
    # a `for` runs its body between the steps: left as it was, and said why
    assert "    for row in rows(path):\n" in text
    assert "`rows()` returns a lazy iterator: a thread would only build it" in err
    after = _run(tmp_path)
    assert after["results"] == before["results"] and after["together"] == before["together"]
    assert after["on_loop"] and not any(after["on_loop"]), after["on_loop"]  # every step ran in a thread
    assert before["elapsed"] >= 0.55  # four reads of three 0.05 s steps, one after the other
    assert after["elapsed"] < 0.45, after["elapsed"]  # they overlap in threads (about 0.15 s)
    assert cli_here("fix", "--check", "--no-cache", ".")[0] == 0  # a second run changes nothing


MATERIAL = '''
import os


def numbers(path):
    os.path.exists(path)
    with open(path) as fh:
        data = fh.read().split()
    return map(int, data)


async def total(path):
    return sum(numbers(path))
'''


def test_an_iterator_over_data_in_memory_is_offloaded_as_a_plain_call(tmp_path: Path, cli_here) -> None:
    """`map(int, data)` over a list read in the function: iterating it does no I/O, so the ordinary
    offload (the function's body in the thread) is the whole fix: not refused."""
    (tmp_path / "svc.py").write_text(textwrap.dedent(MATERIAL).lstrip())
    (tmp_path / "n.txt").write_text("1 2 3\n")
    code, _, err = cli_here("fix", "--write", "--allow-dirty", "--no-cache", ".")
    assert code == 0, err
    assert "return sum(await asyncio.to_thread(numbers, path))" in (tmp_path / "svc.py").read_text()
    proc = subprocess.run([sys.executable, "-c", "import asyncio, svc; print(asyncio.run(svc.total('n.txt')))"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip() == "6", proc.stderr


LOOPED = '''
import csv
import os


def table(path):
    os.path.exists(path)
    return csv.reader(open(path))


def cells(path):
    os.path.isfile(path)
    return csv.reader(open(path))


async def looped(path):
    return [row for row in table(path)]


async def whole(path):
    return list(cells(path))
'''


def test_check_calls_fixable_exactly_what_fix_offloads(tmp_path: Path, cli_here) -> None:
    """`check` foresees the refusal: a lazy iterator iterated on the loop is reported as not fixable
    (with why), one a builtin consumes whole as fixable; after `fix`, nothing fixable is left."""
    (tmp_path / "svc.py").write_text(textwrap.dedent(LOOPED).lstrip())
    code, out, err = cli_here("check", "--no-cache", "--format", "json", ".")
    by_caller = {f["chain"][0]["function"]: f for f in json.loads(out)["findings"] if f["code"] == "AW510"}
    assert by_caller["svc.looped"]["fixable"] is False
    assert "not fixed: `svc.table` returns a lazy iterator: a thread would only build it" in by_caller["svc.looped"]["message"]
    assert by_caller["svc.whole"]["fixable"] is True
    assert cli_here("fix", "--write", "--allow-dirty", "--no-cache", ".")[0] == 0
    assert "await asyncio.to_thread(lambda *args: list(cells(*args)), path)" in (tmp_path / "svc.py").read_text()
    code, out, err = cli_here("check", "--no-cache", "--format", "json", ".")
    assert [f["message"] for f in json.loads(out)["findings"] if f["fixable"]] == []


@pytest.mark.parametrize("body, lazy", [
    ("return csv.reader(open(p))", True),
    ("return (line.strip() for line in open(p))", True),
    ("fh = open(p)\n    return (line for line in fh)", True),
    ("return iter(r.readline, '')", True),
    ("return map(parse, [1, 2])", True),  # parse runs per element, where the result is iterated
    ("return Path(p).glob('*.txt')", True),
    ("return rows(p)", True),  # a generator of the project
    ("return zip(open(p), open(q))", True),
    ("return (x * 2 for x in [1, 2])", False),
    ("data = fh.read().split()\n    return map(int, data)", False),
    ("return enumerate(range(3))", False),
    ("return sorted(open(p))", False),  # read whole in the function: the offload moves it
    ("return [1, 2]", False),
    ("return iter([1, 2])", False),
])
def test_which_returns_are_lazy_iterators(body: str, lazy: bool) -> None:
    import ast

    from awaitify.lazy_iterators import lazy_return
    from awaitify.summary import name_chain

    node = ast.parse(f"def f(p, q, r, fh):\n    {body}\n").body[0]

    def dotted(expr):
        chain = name_chain(expr)
        return ".".join([chain[0], *chain[1]]) if chain else None

    assert (lazy_return(node, dotted, lambda name: name == "rows") is not None) is lazy


MORE_LAZY = '''
import asyncio
import os
import threading
from pathlib import Path

STEPS = []


class Response:
    """Stands for a streamed HTTP response: each line is read when the iteration asks for it."""

    def __init__(self, path):
        self.path = path

    def iter_lines(self):
        with open(self.path) as fh:
            for line in fh:
                STEPS.append(threading.get_ident())
                yield line.strip()


def nested(path):
    os.path.exists(path)

    def gen():
        with open(path) as fh:
            for line in fh:
                STEPS.append(threading.get_ident())
                yield line.strip()

    return gen()


def opened(path):
    os.path.exists(path)
    return Path(path).open()


def streamed(path):
    os.path.exists(path)
    return Response(path).iter_lines()


async def main(path):
    loop = threading.get_ident()
    results = [list(nested(path)), [line.strip() for line in list(opened(path))], list(streamed(path))]
    looped = [line for line in nested(path)]
    return {"results": results, "looped": looped, "on_loop": [step == loop for step in STEPS]}
'''


def test_open_methods_local_generators_and_stream_methods_are_lazy(tmp_path: Path, cli_here) -> None:
    """`return gen()` of a generator defined in the function, `Path(p).open()`, `.iter_lines()`: the
    offload made before ran only the building in the thread (the reading stayed on the loop)."""
    (tmp_path / "svc.py").write_text(textwrap.dedent(MORE_LAZY).lstrip())
    (tmp_path / "data.csv").write_text("a\nb\n")
    before = _run(tmp_path)
    assert before["on_loop"] and all(before["on_loop"])
    code, _, err = cli_here("fix", "--write", "--allow-dirty", "--no-cache", ".")
    assert code == 0, err
    text = (tmp_path / "svc.py").read_text()
    for name in ("nested", "opened", "streamed"):
        assert f"await asyncio.to_thread(lambda *args: list({name}(*args)), path)" in text, name
    assert "looped = [line for line in nested(path)]" in text  # iterated on the loop: left, and said why
    assert "`nested()` returns a lazy iterator: a thread would only build it" in err
    after = _run(tmp_path)
    assert after["results"] == before["results"] == [["a", "b"]] * 3 and after["looped"] == before["looped"]
    # the consumed reads ran in threads; only the refused `for` still reads on the loop
    assert after["on_loop"] == [False] * 4 + [True] * 2, after["on_loop"]


def test_lazy_return_sees_a_local_generator_shadowing_a_module_name() -> None:
    import ast

    from awaitify.lazy_iterators import lazy_return

    source = "def f(p):\n    def gen():\n        yield p\n    return gen()\n"
    node = ast.parse(source).body[0]
    assert lazy_return(node, lambda e: "mod.gen" if isinstance(e, ast.Name) else None, lambda name: False) == "gen()"
    plain = ast.parse("def f(p):\n    def make():\n        return [p]\n    return make()\n").body[0]
    assert lazy_return(plain, lambda e: None, lambda name: False) is None
