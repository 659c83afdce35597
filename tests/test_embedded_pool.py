"""The engine's worker pool inside a program whose other thread reads stdin (an editor plugin, a REPL,
a bot reading commands): the workers are forked while that thread holds stdin's lock, and each
worker closes its copy of stdin as it starts. Before the pool left that copy alone, every worker
waited forever for a lock no thread of its own would release, and so did the run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

HANDLER = "import time\n\n\nasync def handler_{i}():\n    time.sleep(1)\n"

# the host program: a thread blocked reading stdin (a pipe nobody writes to), then a pooled run
HOST = textwrap.dedent("""\
    import sys
    import threading
    import time

    from awaitify import api

    threading.Thread(target=sys.stdin.read, daemon=True).start()
    time.sleep(0.2)  # the reader holds stdin's lock now
    command, tree = sys.argv[1], sys.argv[2]
    if command == "check":
        print(len(api.check([tree], cache=False, jobs=2).findings))
    else:
        print(len(api.fix([tree], cache=False, jobs=2).files))
    """)


@pytest.mark.skipif(not hasattr(os, "killpg"), reason="POSIX: workers are forked")
@pytest.mark.parametrize("command", ["check", "fix"])
def test_a_pooled_run_beside_a_thread_reading_stdin_ends(tmp_path: Path, command: str) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "pyproject.toml").write_text("[tool.awaitify]\n", encoding="utf-8")
    for i in range(4):  # enough files for the pool
        (tree / f"m{i}.py").write_text(HANDLER.format(i=i), encoding="utf-8")
    host = tmp_path / "host.py"
    host.write_text(HOST, encoding="utf-8")
    stdin, silent = os.pipe()  # the write end stays open and unwritten: the reader never gets EOF
    try:
        with subprocess.Popen([sys.executable, str(host), command, str(tree)], stdin=stdin, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, cwd=tmp_path, start_new_session=True) as run:
            os.close(stdin)
            try:
                out, err = run.communicate(timeout=120)
            except subprocess.TimeoutExpired:
                os.killpg(run.pid, signal.SIGKILL)  # the hung workers too: they hold its output open
                run.communicate()
                pytest.fail(f"`{command}` hung in a program whose other thread reads stdin")
    finally:
        os.close(silent)
    assert run.returncode == 0, err.decode()
    assert out.decode().split() == ["4"]
