"""An offload whose function changes process-wide state for a while (`with redirect_stdout(...)`,
`chdir`, `mock.patch`, `os.chdir()`) is an unsafe fix (awaitify.thread_bound): blocking, nothing
else ran under that state; in a thread, the loop's other tasks run meanwhile and see it (their
prints go into the captured buffer). Every rule on."""

from __future__ import annotations

from pathlib import Path

import pytest
from both_commands import before_and_after, run_program

from awaitify import api

PROGRAM = '''\
import asyncio
import contextlib
import io
import subprocess

buf = io.StringIO()


def report():
    with contextlib.redirect_stdout(buf):
        print("inside")
        subprocess.call(["sleep", "0.2"])
    return buf.getvalue()


async def chatty():
    await asyncio.sleep(0.05)
    print("chatty")


async def quiet():
    return report()


async def main():
    captured, _ = await asyncio.gather(quiet(), chatty())
    print(repr(captured))


if __name__ == "__main__":
    asyncio.run(main())
'''


def test_an_offload_under_redirected_stdout_is_left_and_both_commands_say_why(tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    before, after, report, result = before_and_after(tmp_path, monkeypatch, PROGRAM)
    assert after == before == "chatty\n'inside\\n'\n"  # the build before offloaded it: 'inside\\nchatty\\n' was captured
    (note,) = result.unsafe_not_applied
    assert note.line == 22 and "changes process-wide state in `with contextlib.redirect_stdout(buf)`" in note.message
    (finding,) = report.findings
    assert not finding.fixable and "process-wide state" in finding.message


def test_with_unsafe_fixes_the_other_task_prints_into_the_buffer(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.awaitify]\n", encoding="utf-8")
    (tmp_path / "m.py").write_text(PROGRAM, encoding="utf-8")
    result = api.fix([tmp_path], config=str(tmp_path / "pyproject.toml"), cache=False, jobs=1, unsafe_fixes=True)
    (tmp_path / "m.py").write_bytes(result.files[0].new)
    assert run_program(tmp_path) == "'inside\\nchatty\\n'\n"


@pytest.mark.parametrize(("body", "said"), [
    ("os.chdir('/')", "calls `os.chdir()`"),
    ("with mock.patch('m.f'):\n        pass", "`with mock.patch('m.f')`"),
    ("print('plain')", None),
])
def test_which_changes_of_process_state_count(tmp_path: Path, body: str, said: str | None) -> None:
    text = ("import os\nimport subprocess\nfrom unittest import mock\n\n\ndef job():\n"
            f"    subprocess.call(['true'])\n    {body}\n\n\nasync def main():\n    job()\n")
    (tmp_path / "pyproject.toml").write_text("[tool.awaitify]\n", encoding="utf-8")
    (tmp_path / "m.py").write_text(text, encoding="utf-8")
    result = api.fix([tmp_path], config=str(tmp_path / "pyproject.toml"), cache=False, jobs=1)
    notes = [n.message for n in result.unsafe_not_applied]
    assert (notes == []) if said is None else (len(notes) == 1 and said in notes[0])
