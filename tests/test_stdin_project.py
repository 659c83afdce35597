"""`fix -` (an editor's buffer) plans with the whole project, read from disk with the buffer in place
of its file, but writes only the buffer: every decision that needs another file's edits is left to
`fix` on the project, and the buffer's fixed code still works with the other files as they are."""

from __future__ import annotations

import asyncio
import sys
import textwrap
from pathlib import Path

import pytest

from awaitify_runs import run_awaitify


def _files(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(textwrap.dedent(text))


def _fix_buffer(root: Path, name: str) -> tuple[str, str]:
    """What an editor gets for the file as it is on disk: the new buffer, and stderr."""
    proc = run_awaitify("fix", "--no-cache", "--stdin-filename", name, "-", input=(root / name).read_bytes(), cwd=root)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.decode(), proc.stderr.decode()


def _run(root: Path, code: str) -> object:
    """Import the project's modules fresh from `root` and evaluate `code` there."""
    for name in [m for m in sys.modules if m in {"a", "b", "c", "x", "y", "main", "hooks", "settings", "billing"}]:
        del sys.modules[name]
    sys.path.insert(0, str(root))
    try:
        scope: dict[str, object] = {"asyncio": asyncio}
        exec(compile(textwrap.dedent(code), "<test>", "exec"), scope)
        return scope["result"]
    finally:
        sys.path.remove(str(root))


HELPER = """\
    import time


    def fetch():
        time.sleep(0.01)
        return 1


    async def handler():
        return fetch()
    """


def test_a_helper_other_modules_call_synchronously_stays_sync(tmp_path: Path) -> None:
    """b.py calls `fetch()` without await: the buffer offloads it (as `fix .` does) instead of making
    it async, so b.job() still gets 2, not a coroutine plus one."""
    _files(tmp_path, {"a.py": HELPER, "b.py": "from a import fetch\n\n\ndef job():\n    return fetch() + 1\n"})
    new, _ = _fix_buffer(tmp_path, "a.py")
    assert "def fetch():" in new and "async def fetch" not in new and "asyncio.to_thread(fetch)" in new
    (tmp_path / "a.py").write_text(new)
    assert _run(tmp_path, "import a, b\nresult = (b.job(), asyncio.run(a.handler()))") == (2, 1)


def test_a_closure_that_crosses_files_is_offloaded_with_a_note(tmp_path: Path) -> None:
    """`fix .` makes y.slow async and awaits it in x.py; the buffer x.py alone cannot change y.py,
    so it offloads the call, says why, and runs against the y.py on disk."""
    _files(tmp_path, {"y.py": "import time\n\ndef slow():\n    time.sleep(0.01)\n    return 2\n",
                      "x.py": "from y import slow\n\nasync def h():\n    return slow()\n"})
    whole = run_awaitify("fix", "--no-cache", ".", cwd=tmp_path).stdout.decode()
    assert "+async def slow():" in whole  # the project's fix does propagate
    new, err = _fix_buffer(tmp_path, "x.py")
    assert "return await asyncio.to_thread(slow)" in new
    assert "making `y.slow` async needs edits in other files (y.py): this buffer's blocking calls are offloaded" in err
    (tmp_path / "x.py").write_text(new)
    assert _run(tmp_path, "import x\nresult = asyncio.run(x.h())") == 2


@pytest.mark.parametrize("name", ["pkg/../a.py", "link/a.py"])
def test_a_buffer_named_through_a_link_or_dots_replaces_its_file(tmp_path: Path, name: str) -> None:
    """The buffer stands in for the file it names however the name reaches it: the project never holds
    both the buffer and the stale file on disk (two `fetch`s, one of them sync-called)."""
    _files(tmp_path, {"a.py": HELPER, "b.py": "from a import fetch\n\n\ndef job():\n    return fetch() + 1\n",
                      "pkg/__init__.py": ""})
    (tmp_path / "link").symlink_to(tmp_path, target_is_directory=True)
    from awaitify.config import Config
    from awaitify.stdin import _project_with
    from awaitify.source import SourceFile

    buffer = SourceFile(path=(tmp_path / name).absolute(), display=name, raw=b"x = 1\n", text="x = 1\n", encoding="utf-8")
    project, placed = _project_with(buffer, Config(root=tmp_path))
    paths = [s.path.resolve() for s in project]
    assert paths.count((tmp_path / "a.py").resolve()) == 1 and placed in project and placed.text == "x = 1\n"


def test_a_project_of_one_file_still_propagates(tmp_path: Path) -> None:
    _files(tmp_path, {"c.py": HELPER})
    new, err = _fix_buffer(tmp_path, "c.py")
    assert "async def fetch():" in new and "return await fetch()" in new and err == ""


APP = textwrap.dedent("""\
    from fastapi import FastAPI

    app = FastAPI()
    events = []


    @app.on_event("startup")
    async def open_pool():
        events.append("open")
    """)
LIFESPAN_APP = {
    "main.py": APP + "\n\nimport hooks  # noqa: E402  (registers more hooks on app)\n",
    "hooks.py": """\
        from main import app, events


        @app.on_event("shutdown")
        async def close_pool():
            events.append("close")
        """,
}


def test_a_lifespan_that_takes_hooks_from_other_modules_is_left_to_the_project(tmp_path: Path) -> None:
    """Giving main.py a lifespan alone would drop hooks.py's shutdown hook (Starlette runs on_event
    hooks only without a lifespan): the buffer is left as it is, and stderr says why."""
    _files(tmp_path, LIFESPAN_APP)
    whole = run_awaitify("fix", "--no-cache", ".", cwd=tmp_path).stdout.decode()
    assert "lifespan" in whole and "hooks.py" in whole  # the project's fix moves both hooks
    new, err = _fix_buffer(tmp_path, "main.py")
    assert new == (tmp_path / "main.py").read_text()
    assert "AW301 not applied to this buffer alone: its plan also edits hooks.py" in err


def test_a_lifespan_wholly_in_the_buffer_is_made(tmp_path: Path) -> None:
    _files(tmp_path, {"main.py": APP})
    new, err = _fix_buffer(tmp_path, "main.py")
    assert "lifespan" in new and "on_event" not in new and "AW301" not in err


def test_a_global_stripe_key_other_modules_rely_on_is_refused_in_the_buffer(tmp_path: Path) -> None:
    """AW513's project facts hold for the buffer alone: billing.py relies on the key, so settings.py
    is refused, naming it, exactly as `fix .` refuses it."""
    _files(tmp_path, {"pyproject.toml": '[project]\nname = "shop"\nversion = "0"\ndependencies = ["stripe==16.1.0"]\n',
                      "settings.py": "import stripe\n\nstripe.api_key = 'sk_test_x'\n",
                      "billing.py": "import stripe\n\n\ndef charge():\n    return stripe.Customer.create()\n"})
    new, err = _fix_buffer(tmp_path, "settings.py")
    assert new == (tmp_path / "settings.py").read_text()
    assert "rely on this global key (billing.py:5)" in err


@pytest.mark.parametrize("caller", ["except requests.HTTPError", "except requests.ConnectionError"])
def test_requests_handlers_in_other_modules_keep_the_buffer_on_requests(tmp_path: Path, caller: str) -> None:
    """The helper's converted call would raise httpx's exceptions into b.py's handler, which the
    buffer cannot rewrite: AW201 leaves the buffer alone and says so."""
    _files(tmp_path, {
        "a.py": "import requests\n\n\ndef get(u):\n    r = requests.get(u, timeout=5)\n    r.raise_for_status()\n    return r.json()\n",
        "b.py": f"import requests\nfrom a import get\n\n\nasync def route(u):\n    try:\n        return get(u)\n    {caller}:\n        return None\n",
    })
    whole = run_awaitify("fix", "--no-cache", ".", cwd=tmp_path).stdout.decode()
    assert "httpx" in whole and "b.py" in whole
    new, err = _fix_buffer(tmp_path, "a.py")
    assert "httpx" not in new and "requests.get(u, timeout=5)" in new
    assert "AW201 not applied to this buffer alone" in err


def test_the_buffer_takes_the_runs_settings(tmp_path: Path) -> None:
    """`--target` (and the other fix options) apply to an editor's buffer as to a run over files."""
    _files(tmp_path, {"a.py": "import time\n\n\nasync def h():\n    time.sleep(1)\n"})
    proc = run_awaitify("fix", "--no-cache", "--target", "anyio", "--stdin-filename", "a.py", "-",
                        input=(tmp_path / "a.py").read_bytes(), cwd=tmp_path)
    assert proc.returncode == 0 and b"await anyio.sleep(1)" in proc.stdout, proc.stderr
