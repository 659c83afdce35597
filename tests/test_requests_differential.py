"""AW201 differential tests (issue 21): a small service project is migrated once per client (httpx and
httpx2) with every rule, and each pattern's original (requests) and rewritten code run against real
servers on 127.0.0.1 - HTTP, and HTTPS with a private CA made here with trustme - giving the same values
and the same handled or unhandled exceptions. Patterns: exceptions raised later in the function, in a
caller of another module, under pytest.raises in a test; the response API (ok, truth, reason, url,
iter_content, cookies.get_dict, a walrus); requests' trust (REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE, verify=
path or False); the other spellings; and the refusals (code left as it was, a finding saying why)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import shutil
import socket
import ssl
import threading
import time
import warnings
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import trustme

from fresh_import import import_fresh, migrate
from local_http import ReplyingHandler


class Handler(ReplyingHandler):
    def _handle(self) -> None:
        url = urlparse(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if url.path.startswith("/status/"):
            return self._reply(int(url.path.rsplit("/", 1)[1]), b"status page")
        if url.path == "/redirect":
            return self._reply(302, b"", {"Location": "/echo?from=redirect"})
        if url.path == "/text":
            return self._reply(200, b"not json", {"Content-Type": "text/plain; charset=utf-8"})
        if url.path == "/bytes":
            return self._reply(200, bytes(range(10)), {"Content-Type": "application/octet-stream"})
        if url.path == "/cookies":
            return self._reply(200, b"{}", {"Set-Cookie": "session=abc; Path=/", "Content-Type": "application/json"})
        if url.path == "/delay":
            time.sleep(float(parse_qs(url.query)["s"][0]))
        echo = {"method": self.command, "path": url.path, "query": parse_qs(url.query), "body": body.decode("latin-1"),
                "content_type": self.headers.get("Content-Type"), "x_test": self.headers.get("X-Test"),
                "authorization": self.headers.get("Authorization")}
        self._reply(200, json.dumps(echo).encode(), {"Content-Type": "application/json"})

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle


def _serve(httpd: ThreadingHTTPServer) -> threading.Thread:
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    return thread


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    """(http base, https base, the private CA's PEM file): one pair of servers for the module."""
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    ca_file = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    plain = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    secure = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    secure.socket = context.wrap_socket(secure.socket, server_side=True)
    threads = [_serve(plain), _serve(secure)]
    yield f"http://127.0.0.1:{plain.server_address[1]}", f"https://127.0.0.1:{secure.server_address[1]}", str(ca_file)
    plain.shutdown()
    secure.shutdown()
    for thread in threads:
        thread.join(5)


class Proxy(BaseHTTPRequestHandler):
    """An HTTP proxy that answers itself: what a client sends it shows that the client went through it."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        body = json.dumps({"via": "proxy", "target": self.path}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def proxy():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    thread = _serve(httpd)
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    thread.join(5)


def _closed() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/"


PROJECT = {
    "svc/__init__.py": "",
    "svc/api.py": '''
import requests


def fetch_json(url):
    r = requests.get(url, timeout=5)
    r.raise_for_status()
    return r.json()


def raw(url):
    return requests.get(url, hooks={"response": []})  # (refused: httpx has no hooks=)
''',
    "svc/handlers.py": '''
import hashlib

import requests
from requests import get

from svc.api import fetch_json, raw
from svc.api import fetch_json as load_json

SHARED = requests.Session()


async def later_raise(url):
    r = requests.get(url)
    try:
        r.raise_for_status()
    except requests.HTTPError as exc:
        return "handled", exc.response.status_code, exc.response.reason
    return "ok", r.status_code


async def not_followed(url):
    r = requests.get(url, allow_redirects=False)
    r.raise_for_status()
    return r.status_code, r.headers["location"]


async def mixed_try(url, legacy_url):
    try:
        r = requests.get(url)
        raw(legacy_url)  # another module's helper AW201 refuses: sync still, it raises requests' errors
    except requests.ConnectionError:
        return "down"
    return r.status_code


async def caller_catches(url):
    try:
        return fetch_json(url)
    except requests.HTTPError as exc:
        return "http", exc.response.status_code, exc.response.reason, exc.response.ok
    except requests.ConnectionError:
        return "down"
    except requests.exceptions.JSONDecodeError:
        return "bad json"


async def caller_value_error(url):
    try:
        return fetch_json(url)
    except ValueError:
        return "bad json"


async def caller_request_exception(url):
    try:
        return load_json(url)  # (imported under another name)
    except requests.RequestException:
        return "request exception"


async def os_error(url):
    try:
        return requests.get(url).status_code
    except OSError:
        return "os error"


async def request_exception_json(url):
    try:
        return requests.get(url).json()
    except requests.RequestException:
        return "request exception"


async def response_api(url):
    r = requests.get(url)
    return (r.ok, bool(r), not r, "yes" if r else "no", r.reason, r.url, r.status_code,
            list(r.iter_content(4)), list(r.iter_content()), r.cookies.get_dict())


async def walrus(url):
    if (r := requests.get(url)).ok:
        return "ok", r.status_code
    return "not ok", r.status_code


async def truth_of_two(first, second):
    a = requests.get(first)
    b = requests.get(second)
    return [r.status_code for r in (a, b) if r]


async def codes_of_two(first, second):
    a = requests.get(first)
    b = requests.get(second)
    return [r.status_code for r in (a, b)]


async def session_response(url):
    s = requests.Session()
    r = s.get(url)
    s.close()
    return r.url, r.ok, bool(r), r.reason


async def session_lines(url):
    s = requests.Session()
    r = s.get(url)
    return [line.decode() for line in r.iter_lines()]


async def spellings(base):
    one = requests.request("GET", base + "/echo").json()
    two = get(base + "/echo", params=[("a", "1"), ("a", "2")]).json()
    three = requests.post(base + "/echo", json={"k": [1, 2]}, headers={"X-Test": "yes"}).json()
    four = requests.post(base + "/echo", files={"f": ("a.txt", b"hello")}, auth=("u", "p")).json()
    return (one["method"], two["query"], (json_value(three["body"]), three["x_test"], three["content_type"]),
            (four["content_type"].split(";")[0], "hello" in four["body"], 'name="f"' in four["body"], four["authorization"]))


def json_value(text):
    import json
    return json.loads(text)


async def download(url):
    r = requests.get(url, stream=True)
    r.raise_for_status()
    data = b""
    for chunk in r.iter_content(3):
        data += chunk
    return len(data), hashlib.sha256(data).hexdigest()


async def trusted(url):
    try:
        return requests.get(url).json()["path"]
    except requests.ConnectionError:
        return "untrusted"


async def plain_json(url):
    return requests.get(url).json()


async def verify_path(url, ca):
    return requests.get(url, verify=ca).json()["path"]


async def verify_off(url):
    return requests.get(url, verify=False).json()["path"]


async def verify_flag(url, flag):
    try:
        return requests.get(url, verify=flag).json()["path"]
    except requests.ConnectionError:
        return "untrusted"


async def session_verify(url, flag):
    s = requests.Session()
    s.verify = flag
    try:
        return s.get(url).json()["path"]
    except requests.ConnectionError:
        return "untrusted"
    finally:
        s.close()


async def slow(url):
    return requests.get(url).json()["path"]


# refused: each stays as it was, with a finding
async def shared_session(url):
    return SHARED.get(url).status_code


async def with_hooks(url):
    seen = []
    r = requests.get(url, hooks={"response": [lambda resp, *a, **k: seen.append(resp.status_code)]})
    return seen, r.status_code


async def returns_response(url):
    return requests.get(url)


async def apparent(url):
    r = requests.get(url)
    return r.apparent_encoding


async def lines(url):
    r = requests.get(url)
    return [line.decode() for line in r.iter_lines()]


async def in_a_list(first, second):
    responses = [requests.get(first), requests.get(second)]
    return len(list(filter(None, responses)))


async def as_value(url):
    fetch = requests.get
    return fetch(url).status_code


async def raw_caller(url):
    return raw(url).status_code
''',
    "svc/test_api.py": '''
import pytest
import requests

from svc.api import fetch_json


def test_down(url):
    with pytest.raises(requests.exceptions.ConnectionError):
        fetch_json(url)


def test_not_found(url):
    with pytest.raises(requests.HTTPError):
        fetch_json(url)
''',
}
REFUSED = {"session_lines": "a response of `s.get()`: `.iter_lines`", "truth_of_two": "truth of a loop variable", "shared_session": "kept on a module global", "with_hooks": "`hooks=`", "returns_response": "is returned",
           "apparent": "apparent_encoding", "lines": "iter_lines", "in_a_list": "put in a container",
           "as_value": "used as a value"}


class Migrated:
    def __init__(self, root: Path, client: str) -> None:
        self.before, self.after, self.client = root / "before", root / "after", client
        for name, text in PROJECT.items():
            (self.before / name).parent.mkdir(parents=True, exist_ok=True)
            (self.before / name).write_text(text.lstrip("\n"))
        shutil.copytree(self.before, self.after)
        self.result = migrate(self.after, client)
        self.diagnostics = [d for f in self.result.results for d in f.diagnostics]

    def text(self, name: str) -> str:
        return (self.after / name).read_text()

    def modules(self, name: str, env: dict[str, str] | None = None, monkeypatch=None):
        """(original, rewritten) module `name`, each imported from its own tree (the rewritten one
        reads its trust settings at import: `env` is set first)."""
        if env and monkeypatch:
            for key, value in env.items():
                monkeypatch.setenv(key, value)
        return _load(self.before, name), _load(self.after, name)


_load = import_fresh


@pytest.fixture(scope="module", params=["httpx", "httpx2"])
def project(request, tmp_path_factory) -> Migrated:
    if request.param == "httpx2":
        pytest.importorskip("httpx2", reason="httpx2 needs Python 3.11+")
    return Migrated(tmp_path_factory.mktemp(request.param), request.param)


def outcome(func, *args):
    """("value", v) or ("raised", is-a-requests/httpx-error): what a caller sees, handled or not."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # InsecureRequestWarning for verify=False, deprecations
            value = func(*args)
            if asyncio.iscoroutine(value):
                value = asyncio.run(value)
        return "value", value
    except (Exception, pytest.fail.Exception) as exc:  # noqa: BLE001 - the point is to compare what escapes
        return "raised", type(exc).__module__.split(".")[0] in ("requests", "httpx", "httpx2", "json", "_pytest")


def same(project: Migrated, name: str, *args, module: str = "svc.handlers"):
    original, rewritten = project.modules(module)
    before, after = outcome(getattr(original, name), *args), outcome(getattr(rewritten, name), *args)
    assert before == after, (name, args, before, after)
    return before


# --- exceptions ----------------------------------------------------------------------------------------
def test_raise_for_status_lines_after_the_call_is_still_handled(project, servers) -> None:
    base = servers[0]
    assert same(project, "later_raise", base + "/status/404") == ("value", ("handled", 404, "Not Found"))
    assert same(project, "later_raise", base + "/echo") == ("value", ("ok", 200))
    assert "except httpx" in project.text("svc/handlers.py").replace("httpx2", "httpx")


def test_raise_for_status_on_a_redirect_not_followed(project, servers) -> None:
    assert same(project, "not_followed", servers[0] + "/redirect") == ("value", (302, "/echo?from=redirect"))
    assert same(project, "not_followed", servers[0] + "/status/418")[0] == "raised"
    assert "    r.is_error and r.raise_for_status()\n    return r.status_code" in project.text("svc/handlers.py")


@pytest.mark.parametrize("case, expected", [
    ("/status/404", ("http", 404, "Not Found", False)), ("/status/503", ("http", 503, "Service Unavailable", False)),
    ("/text", "bad json"), ("closed", "down"),
    ("/echo", None)])
def test_a_caller_in_another_module_catches_what_the_helper_raises(project, servers, case, expected) -> None:
    url = _closed() if case == "closed" else servers[0] + case
    kind, value = same(project, "caller_catches", url)
    assert kind == "value" and (value == expected if expected else value["path"] == "/echo")
    kind, value = same(project, "caller_value_error", url)  # only bad JSON is a ValueError
    assert (kind, value) == ("value", "bad json") if case == "/text" else kind == ("value" if expected is None else "raised")
    kind, value = same(project, "caller_request_exception", url)  # every failure, bad JSON included
    assert kind == "value" and (value == "request exception") is (expected is not None)
    handlers = project.text("svc/handlers.py")
    assert "await fetch_json(url)" in handlers
    assert f"except (requests.HTTPError, {project.client}.HTTPStatusError) as exc:" in handlers
    assert 'exc.response.reason_phrase if hasattr(exc.response, "reason_phrase") else exc.response.reason' in handlers


def test_a_try_guarding_a_converted_call_and_a_sync_requests_helper_catches_both(project, servers) -> None:
    echo = servers[0] + "/echo"
    assert same(project, "mixed_try", echo, _closed()) == ("value", "down")  # requests' error, from the helper
    assert same(project, "mixed_try", _closed(), echo) == ("value", "down")  # httpx's, from the converted call
    assert same(project, "mixed_try", echo, echo) == ("value", 200)
    assert f"except (requests.ConnectionError, {project.client}.NetworkError, {project.client}.ConnectTimeout, {project.client}.WriteTimeout, {project.client}.ProxyError, {project.client}.RemoteProtocolError):" in project.text("svc/handlers.py")


def test_oserror_and_request_exception_still_catch(project, servers) -> None:
    assert same(project, "os_error", _closed()) == ("value", "os error")
    assert same(project, "request_exception_json", servers[0] + "/text") == ("value", "request exception")
    assert same(project, "request_exception_json", _closed()) == ("value", "request exception")


def test_pytest_raises_in_a_test_of_the_helper(project, servers) -> None:
    assert same(project, "test_down", _closed(), module="svc.test_api") == ("value", None)
    assert same(project, "test_not_found", servers[0] + "/status/404", module="svc.test_api") == ("value", None)
    assert same(project, "test_down", servers[0] + "/echo", module="svc.test_api")[0] == "raised"  # DID NOT RAISE
    text = project.text("svc/test_api.py")
    assert "asyncio.run(fetch_json(url))" in text
    assert f"pytest.raises((requests.exceptions.ConnectionError, {project.client}.NetworkError, {project.client}.ConnectTimeout, {project.client}.WriteTimeout, {project.client}.ProxyError, {project.client}.RemoteProtocolError))" in text


# --- the response API -----------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/echo", "/status/404", "/status/500", "/bytes", "/cookies", "/redirect"])
def test_response_api(project, servers, path) -> None:
    assert same(project, "session_response", servers[0] + path)[0] == "value"
    kind, value = same(project, "response_api", servers[0] + path)
    assert kind == "value" and value[2] is (not value[0])
    assert same(project, "walrus", servers[0] + path)[0] == "value"


def test_truth_of_responses(project, servers) -> None:
    base = servers[0]
    assert same(project, "truth_of_two", base + "/echo", base + "/status/404") == ("value", [200])
    assert same(project, "codes_of_two", base + "/echo", base + "/status/404") == ("value", [200, 404])
    assert "async def truth_of_two(first, second):\n    a = requests.get(first)" in project.text("svc/handlers.py")  # refused
    assert "async def codes_of_two(first, second):\n    async with" in project.text("svc/handlers.py")


def test_other_spellings(project, servers) -> None:
    _, (method, query, as_json, upload) = same(project, "spellings", servers[0])
    assert (method, query) == ("GET", {"a": ["1", "2"]})
    assert as_json == ({"k": [1, 2]}, "yes", "application/json")
    assert upload == ("multipart/form-data", True, True, "Basic dTpw")


def test_streamed_download(project, servers) -> None:
    assert same(project, "download", servers[0] + "/bytes") == ("value", (10, hashlib.sha256(bytes(range(10))).hexdigest()))
    assert same(project, "download", servers[0] + "/status/404") == ("raised", True)


# --- trust ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"])
def test_a_private_ca_from_the_environment_is_trusted(project, servers, monkeypatch, variable) -> None:
    _, https, ca = servers
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    monkeypatch.setenv(variable, ca)
    original, rewritten = project.modules("svc.handlers")
    assert outcome(original.trusted, https + "/echo") == outcome(rewritten.trusted, https + "/echo") == ("value", "/echo")


def test_the_ca_variables_are_read_when_a_client_is_made(project, servers, monkeypatch) -> None:
    """requests reads REQUESTS_CA_BUNDLE at each request: set or cleared after the module was imported."""
    _, https, ca = servers
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    original, rewritten = project.modules("svc.handlers")  # imported without the private CA
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", ca)
    for _ in range(2):  # (the second client reuses the context made for that bundle)
        assert outcome(original.trusted, https + "/echo") == outcome(rewritten.trusted, https + "/echo") == ("value", "/echo")
    monkeypatch.delenv("REQUESTS_CA_BUNDLE")
    assert outcome(original.trusted, https + "/echo") == outcome(rewritten.trusted, https + "/echo") == ("value", "untrusted")


def test_without_the_private_ca_both_refuse_the_server(project, servers, monkeypatch) -> None:
    _, https, ca = servers
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    monkeypatch.setenv("SSL_CERT_FILE", ca)  # requests ignores it; so must the rewrite
    original, rewritten = project.modules("svc.handlers")
    assert outcome(original.trusted, https + "/echo") == outcome(rewritten.trusted, https + "/echo") == ("value", "untrusted")


@pytest.mark.parametrize("no_proxy", [None, "127.0.0.1"])
def test_proxies_from_the_environment(project, servers, proxy, monkeypatch, no_proxy) -> None:
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", proxy)
    if no_proxy:
        monkeypatch.setenv("NO_PROXY", no_proxy)
    url = servers[0] + "/echo"
    _, value = same(project, "plain_json", url)
    if no_proxy is None:
        assert value == {"via": "proxy", "target": url}  # both went through the proxy
    else:
        assert value["path"] == "/echo"  # both went straight to the server


def test_verify_path_and_verify_false(project, servers) -> None:
    _, https, ca = servers
    assert same(project, "verify_path", https + "/echo", ca) == ("value", "/echo")
    assert same(project, "verify_off", https + "/echo") == ("value", "/echo")


@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", None])
def test_the_ca_variables_override_verify_as_in_requests(project, servers, monkeypatch, variable) -> None:
    """requests' merge_environment_settings: a request's verify=True/None, and a session's verify (even False),
    give way to REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE; a request's verify=False or path does not."""
    import certifi

    _, https, ca = servers
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    if variable:
        monkeypatch.setenv(variable, ca)
    for flag in (True, None, False, ca):
        assert same(project, "verify_flag", https + "/echo", flag) == ("value", "untrusted" if flag in (True, None) and not variable
                                                                        else "/echo")
        assert same(project, "session_verify", https + "/echo", flag) == ("value", "untrusted" if flag is True and not variable
                                                                           else "/echo")
    if variable:  # the session's verify=False gives way to a bundle that does not hold the private CA
        monkeypatch.setenv(variable, certifi.where())
        assert same(project, "session_verify", https + "/echo", False) == ("value", "untrusted")
        assert same(project, "verify_flag", https + "/echo", False) == ("value", "/echo")
    assert "verify=await _requests_trust(flag)" in project.text("svc/handlers.py")


# --- refusals ---------------------------------------------------------------------------------------------
def test_refusals_are_reported_and_left_as_they_were(project, servers) -> None:
    base = servers[0]
    handlers = project.text("svc/handlers.py")
    for name, reason in REFUSED.items():
        source = PROJECT["svc/handlers.py"].split(f"async def {name}(")[1].split("\n\n\n")[0]
        assert f"async def {name}({source}" in handlers, name  # byte for byte
        assert any(reason in d.message for d in project.diagnostics), (name, reason)
    assert same(project, "in_a_list", base + "/echo", base + "/status/404") == ("value", 1)
    assert same(project, "with_hooks", base + "/echo") == ("value", ([200], 200))
    # the sync helper returning a response is not made async (it would still block), and the plan says so
    assert "def raw(url):\n    return requests.get(url, hooks=" in project.text("svc/api.py")
    assert "async def raw(" not in project.text("svc/api.py")
    assert any("`raw` is not made async" in why for *_, why in project.result.plan.needs_review)


def test_rewritten_calls_overlap(project, servers) -> None:
    _, rewritten = project.modules("svc.handlers")
    url = servers[0] + "/delay?s=0.4"

    async def gather():
        start = time.perf_counter()
        results = await asyncio.gather(*[rewritten.slow(url) for _ in range(4)])
        return results, time.perf_counter() - start

    results, elapsed = asyncio.run(gather())
    assert results == ["/delay"] * 4 and elapsed < 1.2  # one after another: 1.6 s
