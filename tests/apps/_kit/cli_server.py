"""Run `awaitify` command lines, each in a forked child of one interpreter that has loaded awaitify,
libcst and the codemods once.

A cold `awaitify fix` spends about 0.7 s of its second starting Python and importing libcst; the apps'
tests run about a hundred command lines. Each child runs the real entry point (`awaitify.cli.entry`,
what `python -m awaitify` runs) with its own argv, working directory, stdout and stderr, and exits
with its exit code; no run's state reaches the next (the parent only imported).

Like `python -m awaitify`, a child finds modules in its working folder first (sys.path[0]).

stdin: one JSON request per line {"cwd", "args"}, optionally "env" (the child's whole environment) and
"stdin" (a file to read as its stdin; else /dev/null); stdout: one JSON reply per line {"rc", "stdout",
"stderr", "stderr_bytes"} (stdout and stderr_bytes: the bytes, decoded with surrogateescape; stderr
with replacement characters). tests/awaitify_runs.py and tests/test_apps.py drive it; set
AWAITIFY_TESTS_SUBPROCESS=1 (AWAITIFY_APPS_SUBPROCESS=1 for the apps) to start `python -m awaitify` instead."""

from __future__ import annotations

import json
import os
import signal
import sys
import tempfile

import awaitify.cli
import awaitify.runner

awaitify.runner._load_codemods()  # libcst and every codemod, as a fix loads them first


def _child(request: dict, out: int, err: int) -> None:
    stdin = os.open(request.get("stdin") or os.devnull, os.O_RDONLY)
    os.dup2(stdin, 0)  # the CLI must not read the requests pipe
    os.dup2(out, 1)
    os.dup2(err, 2)
    signal.alarm(120)  # a run that hangs dies (SIGALRM, exit code -14) instead of hanging the tests
    if "env" in request:
        os.environ.clear()
        os.environ.update(request["env"])
    os.chdir(request["cwd"])
    sys.path[0] = os.getcwd()  # what `python -m` puts first
    sys.argv = ["awaitify", *request["args"]]
    code = 2
    try:
        awaitify.cli.entry()  # ends in os._exit(code)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    finally:
        os._exit(code)


def serve() -> None:
    control = sys.stdout
    for line in sys.stdin:
        request = json.loads(line)
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            control.flush()
            pid = os.fork()
            if pid == 0:
                _child(request, out.fileno(), err.fileno())
            _, status = os.waitpid(pid, 0)
            out.seek(0)
            err.seek(0)
            errors = err.read()
            reply = {"rc": os.waitstatus_to_exitcode(status),
                     # surrogateescape: the harness gets the patch's exact bytes back, whatever a file's encoding
                     "stdout": out.read().decode("utf-8", "surrogateescape"),
                     "stderr": errors.decode("utf-8", "replace"),
                     "stderr_bytes": errors.decode("utf-8", "surrogateescape")}
        control.write(json.dumps(reply) + "\n")
        control.flush()


if __name__ == "__main__":
    serve()
