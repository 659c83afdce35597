"""AW201 (issue 21): a response returned by a helper is followed into every caller, in any module.

A small project (helpers in svc/client.py, async callers in svc/handlers.py, a sync test module) is
migrated with every rule, once per client (httpx, httpx2). Where every caller's use of the returned
response is one AW201 keeps, the helper's call is converted and the callers' uses are rewritten in their
own modules; each original and rewritten function then runs against a local server on 127.0.0.1 with the
same values and the same handled or unhandled exceptions. Where a caller cannot be followed, the helper
keeps requests (not made async) and the finding names that caller."""

from __future__ import annotations

import asyncio
import json
import shutil
import warnings
from pathlib import Path
from urllib.parse import urlparse

import pytest
from fresh_import import import_fresh, migrate
from local_http import ReplyingHandler, serving

from awaitify.config import Config
from awaitify.rules import all_rules
from awaitify.runner import RunOptions, run


class Handler(ReplyingHandler):
    def do_GET(self) -> None:
        path = urlparse(self.path).path
        if path.startswith("/status/"):
            return self._reply(int(path.rsplit("/", 1)[1]), b"status page")
        if path == "/text":
            return self._reply(200, b"not json", {"Content-Type": "text/plain; charset=utf-8"})
        if path == "/lines":
            return self._reply(200, b"a\nb\n", {"Content-Type": "text/plain; charset=utf-8"})
        self._reply(200, json.dumps({"path": path}).encode(), {"Content-Type": "application/json"})


@pytest.fixture(scope="module")
def base():
    with serving(Handler) as url:
        yield url


PROJECT = {
    "svc/__init__.py": "",
    "svc/client.py": '''
import requests


def fetch(url):
    return requests.get(url, timeout=5)


def fetch_named(url):
    r = requests.get(url, timeout=5)
    return r


def fetch_again(url):
    return fetch(url)  # passes the response on: followed into its callers too


async def fetch_async(url):
    return requests.get(url)


def stored(url):
    return requests.get(url)


def lines_helper(url):
    return requests.get(url)


def maybe(url):
    if url.endswith("skip"):
        return None
    return requests.get(url)


def as_value(url):
    return requests.get(url)


def logged(func):
    def wrapper(url):
        response = func(url)
        print(response.ok)  # (what wraps the helper sees the response first)
        return response
    return wrapper


@logged
def decorated(url):
    return requests.get(url)


def in_lambda(url):
    return requests.get(url)


CALLBACKS = [as_value]
''',
    "svc/handlers.py": '''
import requests

from svc import client
from svc.client import fetch, fetch_named, fetch_again, fetch_async, stored, lines_helper, maybe, decorated, in_lambda


class _Reply:
    ok = "its own"


class _Other:
    async def fetch_async(self, url):
        return _Reply()


OTHER = _Other()


async def same_name_twice(url):
    r = await client.fetch_async(url); s = await OTHER.fetch_async(url)  # noqa: E702 - only the first is converted
    return r.ok, s.ok


async def org(url):
    r = fetch(url)
    if not r:
        return "falsy", r.status_code
    return r.json() if r.ok else r.status_code


async def strict(url):
    try:
        r = fetch_named(url)
        r.raise_for_status()
    except requests.HTTPError as exc:
        return "http", exc.response.status_code, exc.response.reason
    return r.reason, r.url.endswith(url[-5:])


async def bad_json(url):
    r = client.fetch(url)  # (through the module)
    try:
        return r.json()
    except requests.exceptions.JSONDecodeError:
        return "bad json"


async def chained(url):
    r = fetch_again(url)
    return bool(r), r.reason, r.cookies.get_dict()


async def direct(url):
    return fetch(url).ok, (await fetch_async(url)).reason


async def unhandled(url):
    fetch(url).raise_for_status()  # (a 404 escapes in both)
    return "fine"


class Keeper:
    async def keep(self, url):
        self.last = stored(url)  # stored: not followed
        return self.last.status_code


async def lines(url):
    return [line.decode() for line in lines_helper(url).iter_lines()]


async def maybe_caller(url):
    r = maybe(url)
    return "none" if r is None else r.status_code


async def via_decorated(url):
    return decorated(url).status_code


async def via_lambda(urls):
    return sorted(urls, key=lambda u: in_lambda(u).status_code)


async def via_value(url):
    return client.as_value(url).status_code  # (as_value is also used as a value in svc/client.py)
''',
    "svc/service.py": '''
from svc.client import fetch


def org_json(url):
    r = fetch(url)
    r.raise_for_status()
    return r.json()
''',
    "svc/outer.py": '''
import requests

from svc.service import org_json


async def outer(url):
    try:
        return org_json(url)
    except requests.HTTPError as exc:  # two modules away from the call
        return "http", exc.response.status_code, exc.response.text
    except requests.exceptions.JSONDecodeError:
        return "bad json"
''',
    "svc/test_client.py": '''
from svc.client import fetch


def test_fetch(url):
    r = fetch(url)
    assert r.ok, r.reason
    return r.status_code
''',
}
REFUSED = {  # helper -> what its finding must say
    "stored": "is stored",
    "lines_helper": "iter_lines",
    "maybe": "something else on others",
    "as_value": "is used as a value",
    "decorated": "is decorated",
}


class Migrated:
    def __init__(self, root: Path, client: str) -> None:
        self.before, self.after = root / "before", root / "after"
        for name, text in PROJECT.items():
            (self.before / name).parent.mkdir(parents=True, exist_ok=True)
            (self.before / name).write_text(text.lstrip("\n"))
        shutil.copytree(self.before, self.after)
        self.result = migrate(self.after, client)
        self.diagnostics = [d for f in self.result.results for d in f.diagnostics]

    def text(self, name: str) -> str:
        return (self.after / name).read_text()


_load = import_fresh


@pytest.fixture(scope="module", params=["httpx", "httpx2"])
def project(request, tmp_path_factory) -> Migrated:
    if request.param == "httpx2":
        pytest.importorskip("httpx2", reason="httpx2 needs Python 3.11+")
    return Migrated(tmp_path_factory.mktemp(request.param), request.param)


MAPPED = {"HTTPStatusError": "HTTPError", "ConnectError": "ConnectionError", "JSONDecodeError": "JSONDecodeError"}


def outcome(func, *args):
    """("value", v) or ("raised", the exception's class name, httpx's given requests' name for the same
    failure as the rewrite maps them): what a caller sees, handled or not."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value = func(*args)
            if asyncio.iscoroutine(value):
                value = asyncio.run(value)
        return "value", value
    except (Exception, pytest.fail.Exception) as exc:  # noqa: BLE001 - the point is to compare what escapes
        return "raised", MAPPED.get(type(exc).__name__, type(exc).__name__)


def same(project: Migrated, name: str, *args, module: str = "svc.handlers"):
    before = outcome(getattr(_load(project.before, module), name), *args)
    after = outcome(getattr(_load(project.after, module), name), *args)
    assert before == after, (name, args, before, after)
    return before


@pytest.mark.parametrize("path", ["/echo", "/status/404", "/status/503"])
def test_callers_in_another_module_see_the_same_response(project, base, path) -> None:
    url = base + path
    ok = path == "/echo"
    assert same(project, "org", url) == ("value", {"path": "/echo"} if ok else ("falsy", int(path[-3:])))
    assert same(project, "strict", url)[1][0] == ("OK" if ok else "http")
    assert same(project, "chained", url)[1][0] is ok
    assert same(project, "direct", url)[1][0] is ok
    assert same(project, "unhandled", url) == (("value", "fine") if ok else ("raised", "HTTPError"))
    assert same(project, "test_fetch", url, module="svc.test_client") == (("value", 200) if ok else ("raised", "AssertionError"))


def test_bad_json_from_another_modules_response_is_still_handled(project, base) -> None:
    assert same(project, "bad_json", base + "/text") == ("value", "bad json")
    assert same(project, "bad_json", base + "/echo") == ("value", {"path": "/echo"})


def test_followed_helpers_are_converted_and_their_callers_rewritten(project) -> None:
    client, handlers = project.text("svc/client.py"), project.text("svc/handlers.py")
    for name in ("fetch", "fetch_named", "fetch_again"):
        assert f"async def {name}(url):" in client, name
    assert "return await client.get(url" in client
    assert "if r.is_error:" in handlers and "r.reason_phrase" in handlers and "dict(r.cookies)" in handlers
    assert "(not (await fetch(url)).is_error)" in handlers
    assert "requests.get" not in client.split("def stored")[0]


def test_a_caller_that_cannot_be_followed_keeps_the_helper_on_requests(project, base) -> None:
    client = project.text("svc/client.py")
    for helper, reason in REFUSED.items():
        assert f"\ndef {helper}(url):" in client, helper  # not made async: it would still block
        source = PROJECT["svc/client.py"].split(f"def {helper}(url):")[1].split("\n\n\n")[0]
        assert f"def {helper}(url):{source}" in client, helper  # byte for byte
        assert any(f"`{helper}` is not made async" in why and reason in why
                   for *_, why in project.result.plan.needs_review), (helper, project.result.plan.needs_review)
    assert "self.last = stored(url)" in project.text("svc/handlers.py")
    assert same(project, "maybe_caller", base + "/echo") == ("value", 200)
    assert same(project, "lines", base + "/lines") == ("value", ["a", "b"])
    assert same(project, "via_value", base + "/echo") == ("value", 200)
    assert same(project, "via_decorated", base + "/status/404") == ("value", 404)
    # a caller in a lambda (it could not await the helper): the helper keeps requests, the lambda works as before
    assert "\ndef in_lambda(url):\n    return requests.get(url)\n" in client
    assert same(project, "via_lambda", [base + "/status/404", base + "/echo"]) == ("value", [base + "/echo", base + "/status/404"])


def test_check_marks_fixable_what_fix_converts(tmp_path) -> None:
    from awaitify.audit.engine import run_check
    from awaitify.rules import select_rules

    for name, text in PROJECT.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text.lstrip("\n"))
    config = Config(root=tmp_path)
    found = run_check([tmp_path], config, select_rules(config.select, config.ignore, checks=True)).findings
    fixable = {(Path(f.path).name, f.line) for f in found if f.code == "AW201" and f.fixable}
    client = PROJECT["svc/client.py"].lstrip("\n").splitlines()
    # the requests calls of fetch, fetch_named and fetch_async: the ones fix converts; the refused ones are not fixable
    assert [client[line - 1].strip()[:24] for line in (5, 9, 18)] == ["return requests.get(url,", "r = requests.get(url, ti",
                                                                   "return requests.get(url)"]
    assert fixable == {("client.py", 5), ("client.py", 9), ("client.py", 18)}


def test_a_caller_in_a_file_that_does_not_parse_keeps_the_helper_on_requests(tmp_path) -> None:
    files = {"svc/__init__.py": "", "svc/client.py": PROJECT["svc/client.py"],
             "svc/handlers.py": "from svc.client import fetch\n\n\nasync def org(url):\n    return fetch(url).ok\n",
             "svc/broken.py": "from svc.client import fetch\n\ndef broken(:\n    return fetch(1).ok\n"}
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text.lstrip("\n"))
    result = run([tmp_path], Config(root=tmp_path), all_rules(), RunOptions(jobs=1, use_cache=False))
    assert any("`fetch` is named in broken.py, which does not parse" in why for *_, why in result.plan.needs_review)
    client = next(f for f in result.results if str(f.path).endswith("client.py"))
    assert client.new is None or b"\ndef fetch(url):\n    return requests.get(url, timeout=5)" in client.new


@pytest.mark.parametrize("path, expected", [("/echo", {"path": "/echo"}), ("/status/404", ("http", 404, "status page")),
                                            ("/text", "bad json")])
def test_an_except_two_modules_away_still_catches(project, base, path, expected) -> None:
    assert same(project, "outer", base + path, module="svc.outer") == ("value", expected)


def test_two_calls_of_one_name_on_a_line_told_apart(project, base) -> None:
    assert same(project, "same_name_twice", base + "/echo") == ("value", (True, "its own"))
    assert "return (not r.is_error), s.ok" in project.text("svc/handlers.py")
