"""The offload codemods (AW505 subprocess, AW506 os.wait, AW507 Path I/O, AW510 os.path, AW511
input): rewritten code is run and gives the same results, exceptions included, while gathered
handlers overlap; sync helpers async code reaches are offloaded at their async call sites."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

MODULE = """
import os
import os.path
import subprocess
from pathlib import Path


async def run_sleep():
    proc = subprocess.run(["sleep", "0.3"], capture_output=True)
    return proc.returncode


async def run_output():
    out = subprocess.check_output(["echo", "hello"], text=True)
    code = os.system("exit 3")
    return out, os.waitstatus_to_exitcode(code)


async def run_failing():
    try:
        subprocess.run(["false"], check=True)
    except subprocess.CalledProcessError as exc:
        return ["CalledProcessError", exc.returncode]
    return ["no error"]


async def files(folder):
    target = Path(folder) / "data.txt"
    target.write_text("héllo\\nwörld\\n", encoding="utf-8")
    size = os.path.getsize(str(target))
    text = Path(str(target)).read_text(encoding="utf-8")
    raw = target.read_bytes()
    return [os.path.exists(str(target)), os.path.isdir(folder), size, text, raw.decode("utf-8"), os.path.join("a", "b")]


async def reap():
    pid = os.fork()
    if pid == 0:
        os._exit(7)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


async def ask():
    return input("name? ")


def sync_helper():
    return subprocess.run(["sleep", "0.3"]).returncode


async def second_order():
    return sync_helper()
"""

RUN = """
import asyncio, json, sys, time
sys.path.insert(0, sys.argv[1])
import mod
async def main():
    out = {}
    start = time.perf_counter()
    out["sleeps"] = await asyncio.gather(*[mod.run_sleep() for _ in range(4)])
    out["sleeps_elapsed"] = time.perf_counter() - start
    start = time.perf_counter()
    out["second"] = await asyncio.gather(*[mod.second_order() for _ in range(4)])
    out["second_elapsed"] = time.perf_counter() - start
    out["output"] = await mod.run_output()
    out["failing"] = await mod.run_failing()
    out["files"] = await mod.files(sys.argv[2])
    out["reap"] = await mod.reap()
    out["ask"] = await mod.ask()
    return out
print(chr(10) + json.dumps(asyncio.run(main())))
"""


def _run(folder: Path, data: Path) -> dict:
    proc = subprocess.run([sys.executable, "-c", RUN, str(folder), str(data)], input="Ada\n", capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.splitlines()[-1])


def test_offloaded_calls_behave_the_same_and_overlap(tmp_path: Path, cli) -> None:
    (tmp_path / "mod.py").write_text(textwrap.dedent(MODULE), encoding="utf-8")
    (tmp_path / "d1").mkdir()
    (tmp_path / "d2").mkdir()
    before = _run(tmp_path, tmp_path / "d1")
    code, _, err = cli("fix", "--write", "--allow-dirty", "--no-cache", ".")
    assert code == 0, err
    text = (tmp_path / "mod.py").read_text()
    assert 'await asyncio.to_thread(subprocess.run, ["sleep", "0.3"], capture_output=True)' in text
    assert "await asyncio.to_thread(Path(str(target)).read_text, encoding=\"utf-8\")" in text
    assert "await asyncio.to_thread(os.waitpid, pid, 0)" in text and 'await asyncio.to_thread(input, "name? ")' in text
    assert 'os.path.join("a", "b")' in text  # no I/O: left alone
    assert "return await asyncio.to_thread(sync_helper)" in text  # second order: offloaded where async calls it
    assert "def sync_helper():\n    return subprocess.run(" in text  # and the helper itself stays sync
    after = _run(tmp_path, tmp_path / "d2")
    for key in ("sleeps", "second", "output", "failing", "files", "reap", "ask"):
        assert after[key] == before[key], key
    assert before["sleeps_elapsed"] > 1.1 and before["second_elapsed"] > 1.1  # 4 x 0.3 s, one after another
    assert after["sleeps_elapsed"] < 0.8 and after["second_elapsed"] < 0.8  # overlapping: about one sleep
    code, out, _ = cli("check", ".")
    assert code == 0, out


def test_anyio_target_and_refusals(tmp_path: Path, cli) -> None:
    (tmp_path / "m.py").write_text(textwrap.dedent("""
        import subprocess


        async def h(cmd):
            subprocess.run(cmd, check=True)
            jobs = [lambda: subprocess.run(cmd)]
            return (subprocess.call(c) for c in cmd)


        def sync(cmd):
            subprocess.run(cmd)
    """))
    code, out, err = cli("fix", "--target", "anyio", "--no-cache", ".")
    patch = out.decode()
    assert "+    await anyio.to_thread.run_sync(functools.partial(subprocess.run, cmd, check=True))" in patch
    assert "+    jobs = [" not in patch  # a lambda inside async code: left alone
    assert "m.py:8:13 AW505" in err and "m.py:7:" not in err  # a generator expression: reported; a lambda: not
    assert "+    subprocess.run(cmd)\n" not in patch and "def sync" not in patch


EXEC_MODULE = """
import subprocess


async def captured():
    result = subprocess.run(["printf", "a\\\\r\\\\nb\\\\n"], capture_output=True, text=True)
    return [result.args, result.returncode, result.stdout, result.stderr]


async def raw_bytes():
    result = subprocess.run(["printf", "x"], stdout=subprocess.PIPE)
    return [result.returncode, result.stdout.decode(), result.stderr]


async def piped_input():
    result = subprocess.run(["cat"], input="héllo", capture_output=True, text=True)
    return result.stdout


async def failing():
    try:
        subprocess.run(["sh", "-c", "echo oops >&2; exit 3"], capture_output=True, check=True)
    except subprocess.CalledProcessError as exc:
        return [exc.returncode, exc.stderr.decode(), exc.cmd]
    return "no error"


async def nap():
    return subprocess.run(["sleep", "0.3"]).returncode
"""
EXEC_RUN = '''
import asyncio, json, sys, time
sys.path.insert(0, sys.argv[1])
import mod
async def main():
    start = time.perf_counter()
    naps = await asyncio.gather(*[mod.nap() for _ in range(4)])
    elapsed = time.perf_counter() - start
    return {"captured": await mod.captured(), "raw": await mod.raw_bytes(), "input": await mod.piped_input(),
            "failing": await mod.failing(), "naps": naps, "elapsed": elapsed}
print(json.dumps(asyncio.run(main())))
'''


def test_exec_mode_uses_create_subprocess_exec_with_the_same_results(tmp_path: Path, cli) -> None:
    (tmp_path / "mod.py").write_text(textwrap.dedent(EXEC_MODULE))

    def run() -> dict:
        proc = subprocess.run([sys.executable, "-c", EXEC_RUN, str(tmp_path)], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)

    before = run()
    code, _, err = cli("fix", "--write", "--allow-dirty", "--no-cache", "--subprocess", "exec", ".")
    assert code == 0, err
    text = (tmp_path / "mod.py").read_text()
    assert text.count("await _run_process(") == 5 and "asyncio.create_subprocess_exec(" in text
    assert "subprocess.run(" not in text.split("async def captured")[1]
    after = run()
    for key in ("captured", "raw", "input", "failing", "naps"):
        assert after[key] == before[key], key
    assert before["captured"][2] == "a\nb\n"  # text=True: universal newlines, kept
    assert before["elapsed"] > 1.1 and after["elapsed"] < 0.8
    code, out, _ = cli("fix", "--check", "--no-cache", "--subprocess", "exec", ".")
    assert code == 0  # a second run changes nothing


def test_bad_subprocess_mode_is_a_usage_error(tmp_path: Path, cli) -> None:
    code, _, err = cli("fix", "--subprocess", "fork", ".")
    assert code == 2 and "--subprocess must be one of thread, exec" in err
