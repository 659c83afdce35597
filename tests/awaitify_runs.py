"""The `awaitify` command line for tests, as a process with its own argv, working folder,
environment, stdin, stdout, stderr and exit code, without paying a Python start and the import of
libcst and the codemods for every run (about 0.5-1 s of CPU each, a few hundred runs).

Each run is a forked child of one long-lived interpreter per test process that has imported
awaitify and the codemods (tests/apps/_kit/cli_server.py); the child runs the real entry point
(`awaitify.cli.entry`, what `python -m awaitify` runs) and exits with its code, so no run's state
reaches the next. A test about the interpreter itself (what a cold start imports, signals, a
terminal) starts `python -m awaitify` on its own. Set AWAITIFY_TESTS_SUBPROCESS=1 to have every
run here start `python -m awaitify` instead (the same results, slower)."""

from __future__ import annotations

import atexit
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

KIT = Path(__file__).resolve().parent / "apps" / "_kit"


class ForkServer:
    """One long-lived interpreter (a _kit/ script) that forks a child per request: it pays the imports
    once. Requests and replies are JSON lines."""

    def __init__(self, script: str, env: dict[str, str], *python_flags: str) -> None:
        self.script, self.env, self.flags = script, env, python_flags
        self.server: subprocess.Popen | None = None

    def request(self, message: dict) -> dict:
        if self.server is None or self.server.poll() is not None:
            self.server = subprocess.Popen([sys.executable, *self.flags, str(KIT / self.script)], stdin=subprocess.PIPE,
                                           stdout=subprocess.PIPE, text=True, env={**os.environ, **self.env})
        self.server.stdin.write(json.dumps(message) + "\n")
        self.server.stdin.flush()
        line = self.server.stdout.readline()
        assert line, f"{self.script} died"
        return json.loads(line)

    def close(self) -> None:
        if self.server is not None:
            self.server.stdin.close()
            self.server.wait(timeout=30)
            self.server = None


_SERVER = ForkServer("cli_server.py", {})
atexit.register(_SERVER.close)


def run_awaitify(*args: str, cwd: Path | str, input: bytes | None = None,  # noqa: A002 - subprocess.run's name
                 env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    """`python -m awaitify *args` in `cwd` with `input` on stdin (else /dev/null) and `env` (else this
    process's environment, as it is now): the exit code and the exact stdout and stderr bytes."""
    env = dict(os.environ if env is None else env)
    if os.environ.get("AWAITIFY_TESTS_SUBPROCESS"):
        return subprocess.run([sys.executable, "-m", "awaitify", *args], cwd=cwd, input=input, env=env,
                              stdin=None if input is not None else subprocess.DEVNULL, capture_output=True,
                              timeout=120, check=False)
    with tempfile.NamedTemporaryFile() as stdin:
        stdin.write(input or b"")
        stdin.flush()
        reply = _SERVER.request({"cwd": str(cwd), "args": list(args), "env": env, "stdin": stdin.name})
    return subprocess.CompletedProcess(["awaitify", *args], reply["rc"],
                                       reply["stdout"].encode("utf-8", "surrogateescape"),
                                       reply["stderr_bytes"].encode("utf-8", "surrogateescape"))
