"""AW507 file I/O: `with open(...)` blocks and Path reads/writes in async code move to a thread.
The rewritten code is run: the same files are written and read back, encodings and newlines kept."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

MODULE = '''
import codecs
import io
import json
from pathlib import Path


async def save(path, data):
    # the report, as JSON
    with open(path, "w", encoding="utf-8", newline="\\r\\n") as fh:
        json.dump(data, fh, ensure_ascii=False, indent=1)


async def load(path):
    with io.open(path, encoding="utf-8", newline="") as fh:
        raw = fh.read()
        lines = raw.splitlines()
    return raw, lines


async def latin(path):
    with codecs.open(path, "w", encoding="latin-1") as fh:
        fh.write("café")
    return Path(path).read_bytes()


async def count(path):
    total = 0
    with open(path) as fh:
        for line in fh:
            total += len(line)
    return total


async def first_line(path):
    with open(path) as fh:
        return fh.readline()


async def main(folder):
    target = Path(folder) / "report.json"
    await save(str(target), {"name": "Zoë", "items": [1, 2]})
    raw, lines = await load(str(target))
    return [raw, lines, (await latin(str(Path(folder) / "l.txt"))).decode("latin-1"), await count(str(target)),
            await first_line(str(target)), target.read_bytes().count(b"\\r\\n")]
'''
RUN = "import asyncio, json, sys\nsys.path.insert(0, sys.argv[1])\nimport mod\nprint(json.dumps(asyncio.run(mod.main(sys.argv[2]))))\n"


def _run(root: Path, folder: Path) -> list:
    folder.mkdir()
    proc = subprocess.run([sys.executable, "-c", RUN, str(root), str(folder)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_with_open_blocks_move_to_a_thread_and_behave_the_same(tmp_path: Path, cli) -> None:
    (tmp_path / "mod.py").write_text(MODULE)
    before = _run(tmp_path, tmp_path / "before")
    code, _, err = cli("fix", "--write", "--allow-dirty", "--no-cache", ".")
    assert code == 0, err
    text = (tmp_path / "mod.py").read_text()
    assert textwrap.dedent("""
        async def save(path, data):
            # the report, as JSON
            def _file_io():
                with open(path, "w", encoding="utf-8", newline="\\r\\n") as fh:
                    json.dump(data, fh, ensure_ascii=False, indent=1)
            await asyncio.to_thread(_file_io)
    """) in text
    assert "        return raw, lines\n    raw, lines = await asyncio.to_thread(_file_io)\n" in text
    assert "return await asyncio.to_thread(Path(path).read_bytes)" in text
    assert "    with open(path) as fh:\n        for line in fh:\n            total += len(line)" in text  # in-place update: left
    assert "    with open(path) as fh:\n        return fh.readline()" in text  # return inside: left
    after = _run(tmp_path, tmp_path / "after")
    assert after == before
    assert (tmp_path / "before" / "report.json").read_bytes() == (tmp_path / "after" / "report.json").read_bytes()
    code, out, _ = cli("check", "--select", "AW507,AW509", ".")
    assert [line.split()[0].rsplit(":", 2)[1] for line in out.decode().splitlines()] == ["37", "44", "45"]  # what stays is manual
    assert b"[*]" not in out


BLOCKS = {  # the body of `with open(p) as f:` in an async function -> does the codemod move it?
    "data = f.read()": True,
    "data = [line for line in f]": True,
    "data = f.read()\n        print(len(data))": True,
    "g = lambda: (yield)": True,  # a lambda has its own scope
    "data = await f.read()": False,
    "return f.read()": False,
    "for line in f:\n            break": False,
    "import json": False,
    "def helper():\n            pass": False,
    "global G": False,
    "async with lock:\n            pass": False,
    "data = [line async for line in f]": False,
}


def test_the_summary_asks_libcst_only_for_with_open_blocks_it_can_move(tmp_path: Path) -> None:
    """The pre-check's `wants` must say yes to every block the codemod moves (or the file would never
    reach it) and may say no to the ones it keeps: then the file is not parsed with libcst at all."""
    from awaitify.rules.blocking_open import RULE as BLOCKING_OPEN
    from awaitify.rules.blocking_open.fix import wants
    from awaitify.config import Config
    from awaitify.plan import FilePlan
    from awaitify.source import read_source
    from awaitify.summary import summarize
    from awaitify.transform import transform

    for body, moves in BLOCKS.items():
        text = f"async def main(p):\n    with open(p) as f:\n        {body}\n    return 1\n"
        path = tmp_path / "mod.py"
        path.write_text(text)
        changed = transform(read_source(path, "mod.py"), (BLOCKING_OPEN,), Config(root=tmp_path), FilePlan()).new != text.encode()
        assert changed == moves, body
        assert wants(summarize("mod.py", text), text) == moves, body
    bare = "async def main(p):\n    f = open(p)\n    return f\n"  # not a with item: the codemod leaves it
    assert not wants(summarize("mod.py", bare), bare)


LOOPS = '''
async def last_line(path):
    with open(path) as fh:
        for line in fh:
            last = line
    return last


async def kinds(path):
    with open(path) as fh:
        text = fh.read()
        if text:
            kind = "full"
        elif text is None:
            raise ValueError(path)
        else:
            kind = "empty"
        for line in text.splitlines():
            words = line.split()
    return text, kind


async def probe(path):
    with open(path) as fh:
        if fh.read():
            found = True
    return found


async def main(folder):
    out = []
    for name, body in (("empty.txt", ""), ("two.txt", "a b\\nc d\\n")):
        path = f"{folder}/{name}"
        with open(path, "w") as fh:
            fh.write(body)
        for function in (last_line, kinds, probe):
            try:
                out.append([function.__name__, name, await function(path)])
            except Exception as error:
                out.append([function.__name__, name, type(error).__name__])
    return out
'''


def test_a_helper_never_returns_a_name_the_block_may_leave_unbound(tmp_path: Path, cli) -> None:
    """`_file_io()` returned `line, last` after `for line in fh: last = line`: on an empty file both are
    unbound and the helper raised UnboundLocalError before the code after the block could. Now only
    the names read after the block come back, and a block that may leave one unbound is refused."""
    (tmp_path / "mod.py").write_text(LOOPS)
    before = _run(tmp_path, tmp_path / "before")
    code, _, err = cli("fix", "--write", "--allow-dirty", "--no-cache", ".")
    assert code == 0, err
    text = (tmp_path / "mod.py").read_text()
    assert "        return text, kind\n    text, kind = await asyncio.to_thread(_file_io)\n" in text  # no `line`, `words`
    assert "    with open(path) as fh:\n        for line in fh:\n            last = line\n    return last" in text
    assert "    with open(path) as fh:\n        if fh.read():\n            found = True\n    return found" in text
    assert err.count("may leave") == 2 and "`last` unbound" in err and "`found` unbound" in err
    after = _run(tmp_path, tmp_path / "after")
    assert after == before
    assert ["last_line", "empty.txt", "UnboundLocalError"] in before and ["kinds", "empty.txt", ["", "empty"]] in before


def test_blocks_that_reuse_the_file_name_each_move(tmp_path: Path, cli) -> None:
    """`with open(p, "w") as f:` then `with open(p) as f:` in one function (a common write-then-read):
    the later block's `f` is a new file object, so neither block is held back by the other's name
    (before, both stayed on the loop with no diagnostic while `check` called them fixable). A file
    object read after its own block still keeps that block in place."""
    (tmp_path / "mod.py").write_text(textwrap.dedent("""\
        import asyncio


        async def roundtrip(path, content):
            with open(path, "w") as f:
                f.write(content)
            with open(path) as f:
                data = f.read()
            return data


        async def closed_after(path):
            with open(path) as f:
                first = f.read()
            return first, f.closed


        def main(folder):
            import os
            path = os.path.join(folder, "a.txt")
            return [asyncio.run(roundtrip(path, "hello")), list(asyncio.run(closed_after(path)))]
        """))
    show = "import json, sys, mod; print(json.dumps(mod.main(sys.argv[1])))"
    before = subprocess.run([sys.executable, "-c", show, str(tmp_path)], cwd=tmp_path, capture_output=True, text=True)
    code, _, err = cli("fix", "--write", "--allow-dirty", "--no-cache", ".")
    assert code == 0, err
    text = (tmp_path / "mod.py").read_text()
    assert text.count("await asyncio.to_thread(_file_io") == 2, text
    assert "    data = await asyncio.to_thread(_file_io_1)\n" in text
    assert "    with open(path) as f:\n        first = f.read()\n    return first, f.closed" in text
    after = subprocess.run([sys.executable, "-c", show, str(tmp_path)], cwd=tmp_path, capture_output=True, text=True)
    assert before.returncode == after.returncode == 0, after.stderr
    assert json.loads(after.stdout) == json.loads(before.stdout) == ["hello", ["hello", True]]
    code, out, _ = cli("fix", "--check", "--no-cache", ".")
    assert code == 0, out  # a second run changes nothing
