"""Run driver scripts (a scenario.py, hooks_driver.py), each in a forked child of this interpreter.

Starting Python and importing FastAPI, Starlette's TestClient, requests and httpx takes about a second
on a busy machine; doing it once and forking per run keeps the apps' tests fast. The parent imports
third-party libraries only, never a module of an app, so every child imports the app it runs afresh:
the original and the fixed copy never share a module cache.

stdin: one job per line, JSON {"script", "tree", "env"}; stdout: one reply per line, {"output"} (what
the script wrote to stdout) or {"error"} (its traceback)."""

from __future__ import annotations

import io
import json
import os
import runpy
import signal
import sys
import traceback

import fastapi.testclient  # noqa: F401  (preloaded: see above)
import httpx  # noqa: F401
import requests  # noqa: F401


def _child(job: dict, write_fd: int) -> None:
    signal.alarm(60)  # a driver that hangs dies (SIGALRM) and is reported, instead of hanging the tests
    out = io.StringIO()
    try:
        os.chdir(job["tree"])
        sys.path.insert(0, job["tree"])
        os.environ.update(job["env"])
        sys.argv = [job["script"]]
        sys.stdout = out
        runpy.run_path(job["script"], run_name="__main__")
        payload = {"output": out.getvalue()}
    except BaseException:  # noqa: BLE001 - reported to the harness, which fails the test with it
        payload = {"error": traceback.format_exc(), "output": out.getvalue()}
    with os.fdopen(write_fd, "w", encoding="utf-8") as pipe:
        pipe.write(json.dumps(payload))


def run(job: dict) -> dict:
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        os.dup2(os.open(os.devnull, os.O_RDONLY), 0)  # a driver must not read the jobs pipe
        os.dup2(os.open(os.devnull, os.O_WRONLY), 1)  # nor write into the replies (a subprocess's output)
        sys.stdin = open(os.devnull, encoding="utf-8")  # noqa: SIM115 - lives as long as the child
        try:
            _child(job, write_fd)
        finally:
            os._exit(0)
    os.close(write_fd)
    with os.fdopen(read_fd, encoding="utf-8") as pipe:
        data = pipe.read()
    _, status = os.waitpid(pid, 0)
    return json.loads(data) if data else {"error": f"the driver died without a word (wait status {status})"}


def serve() -> None:
    control = sys.stdout
    for line in sys.stdin:
        control.flush()
        reply = run(json.loads(line))
        control.write(json.dumps(reply) + "\n")
        control.flush()


if __name__ == "__main__":
    serve()
