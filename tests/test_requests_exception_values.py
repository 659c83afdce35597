"""AW201 keeps requests in a module that names one of its exception classes other than as what an
`except` clause or `pytest.raises` catches (`exception_values`), and in a module whose requests calls'
exceptions reach such a module: that code would meet httpx's exceptions after a conversion."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from awaitify import api
from awaitify.rules.requests_httpx.exception_values import named_as_value
from both_commands import before_and_after, refusal_sets

CLOSED = "http://127.0.0.1:9/"  # nothing listens: requests raises ConnectionError, httpx ConnectError

FLAGGED = {
    "a tuple of classes": "RETRYABLE = (requests.ConnectionError, requests.Timeout)",
    "an isinstance test": "def f(e):\n    return isinstance(e, requests.Timeout)",
    "a type comparison": "def f(e):\n    return type(e) is requests.exceptions.ConnectionError",
    "a raise": "def f(r):\n    raise requests.HTTPError(response=r)",
    "a base class": "class ApiError(requests.RequestException):\n    pass",
    "a retry policy": "policy = retry_if_exception_type(requests.ConnectionError)",
    "an imported class": "from requests.exceptions import Timeout as T\nx = T",
    "the exceptions module": "from requests import exceptions\nx = exceptions.ReadTimeout",
}
ALLOWED = {
    "except clauses": ("try:\n    pass\nexcept requests.Timeout:\n    pass\n"
                       "except (requests.ConnectionError, requests.exceptions.HTTPError) as e:\n    print(e)"),
    "pytest.raises": "import pytest\nwith pytest.raises((requests.Timeout, requests.ConnectionError)):\n    pass",
    "other names of requests": "x = requests.codes.ok\ns = requests.Session",
    "a local class of that name": "class Timeout(Exception):\n    pass\nx = Timeout",
}


@pytest.mark.parametrize("case", FLAGGED)
def test_a_use_other_than_a_caught_type_is_found(case: str) -> None:
    found = named_as_value(ast.parse("import requests\n" + FLAGGED[case]))
    assert found is not None and found[2].rpartition(".")[2] in FLAGGED[case]


@pytest.mark.parametrize("case", ALLOWED)
def test_caught_types_and_other_names_are_not(case: str) -> None:
    assert named_as_value(ast.parse("import requests\n" + ALLOWED[case])) is None


PROGRAM = f"""\
import asyncio

import requests

RETRYABLE = (requests.ConnectionError, requests.Timeout)


async def handler(url):
    try:
        return requests.get(url, timeout=2).status_code
    except RETRYABLE:
        return "retry"


async def checked(url):
    try:
        return requests.get(url, timeout=2).status_code
    except Exception as exc:
        if isinstance(exc, requests.ConnectionError):
            return "down"
        raise


async def main():
    print(await handler("{CLOSED}"), await checked("{CLOSED}"))


asyncio.run(main())
"""


def test_a_tuple_and_an_isinstance_test_keep_catching(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Converted, both requests calls raised httpx.ConnectError past the code meant to catch it."""
    before, after, report, result = before_and_after(tmp_path, monkeypatch, PROGRAM)
    assert before == after == "retry down\n"
    said, diagnosed = refusal_sets(report, result, "AW201")  # (fix says "...; not rewritten: <reason>")
    assert len(said) == 2 and said == {(line, col, why.partition("; not rewritten: ")[2]) for line, col, why in diagnosed}
    assert all("names requests.ConnectionError at line 5" in why for _, _, why in said)


def _run(folder: Path) -> str:
    return subprocess.run([sys.executable, "-m", "pkg.app"], cwd=folder, capture_output=True, text=True,
                          check=True, timeout=30).stdout


def _package_before_and_after(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                              files: dict[str, str]) -> tuple[str, str, api.Report, api.FixResult]:
    """`files` written, `python -m pkg.app` run, `check`, `fix --write` with every rule on, and the
    program run again: (output before, output after, check's report, fix's result)."""
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    before = _run(tmp_path)
    monkeypatch.chdir(tmp_path)
    report = api.check([tmp_path], cache=False, jobs=1)
    result = api.fix([tmp_path], cache=False, jobs=1, write=True)
    return before, _run(tmp_path), report, result


def test_exceptions_reaching_another_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`pkg.net.fetch` raises requests' exceptions through `pkg.mid.load` into `pkg.app`, which tests
    for one with isinstance: pkg.net keeps requests, and nothing is made async for it."""
    files = {
        "pkg/__init__.py": "",
        "pkg/net.py": "import requests\n\n\ndef fetch(url):\n    return requests.get(url, timeout=2).status_code\n",
        "pkg/mid.py": "from pkg.net import fetch\n\n\ndef load(url):\n    return fetch(url)\n",
        "pkg/app.py": ("import asyncio\n\nimport requests\n\nfrom pkg.mid import load\n\n\nasync def handler(url):\n"
                       "    try:\n        return load(url)\n    except Exception as exc:\n"
                       "        if isinstance(exc, requests.ConnectionError):\n            return 'down'\n        raise\n\n\n"
                       f"print(asyncio.run(handler('{CLOSED}')))\n"),
    }
    before, after, report, result = _package_before_and_after(tmp_path, monkeypatch, files)
    assert before == after == "down\n"
    assert result.patch == b""
    [finding] = [f for f in report.findings if f.code == "AW201"]
    assert not finding.fixable and "reach pkg.app, which names requests.ConnectionError" in finding.message
    assert any("reach pkg.app" in r.message for r in result.needs_review)


def test_a_tuple_imported_from_another_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`RETRYABLE` is defined in pkg.errors and caught in pkg.app, which holds the call."""
    files = {
        "pkg/__init__.py": "",
        "pkg/errors.py": "import requests\n\nRETRYABLE = (requests.ConnectionError, requests.Timeout)\n",
        "pkg/app.py": ("import asyncio\n\nimport requests\n\nfrom pkg.errors import RETRYABLE\n\n\nasync def handler(url):\n"
                       "    try:\n        return requests.get(url, timeout=2).status_code\n    except RETRYABLE:\n"
                       f"        return 'retry'\n\n\nprint(asyncio.run(handler('{CLOSED}')))\n"),
    }
    before, after, report, result = _package_before_and_after(tmp_path, monkeypatch, files)
    assert before == after == "retry\n"
    assert result.patch == b""
    [finding] = [f for f in report.findings if f.code == "AW201"]
    [diagnostic] = [d for d in result.diagnostics if d.code == "AW201"]
    assert not finding.fixable and "imports from pkg.errors, which names requests.ConnectionError" in finding.message
    assert finding.message.partition("; not fixed: ")[2] == diagnostic.message.partition("; not rewritten: ")[2]
