"""AW201 requests -> httpx.AsyncClient, proved against a real HTTP server on 127.0.0.1: every case runs
the original function (requests) and the rewritten one (httpx) and compares what they return."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import socket
import textwrap
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from awaitify.config import Config
from awaitify.plan import FilePlan
from awaitify.rules import all_rules
from awaitify.runner import fix_file
from awaitify.source import read_source
from local_http import ReplyingHandler


class Handler(ReplyingHandler):
    def _handle(self) -> None:
        url = urlparse(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if url.path == "/redirect":
            return self._reply(302, b"", {"Location": "/echo?from=redirect"})
        if url.path.startswith("/status/"):
            return self._reply(int(url.path.rsplit("/", 1)[1]), b"status page")
        if url.path == "/delay":
            time.sleep(float(parse_qs(url.query)["s"][0]))
            return self._reply(200, b"late")
        if url.path == "/text":
            return self._reply(200, b"not json", {"Content-Type": "text/plain"})
        if url.path == "/stream":
            return self._chunked(int(parse_qs(url.query)["size"][0]))
        if url.path == "/lines":
            return self._reply(200, b"one\r\ntwo\n\nthree\rfour\x85five\n", {"Content-Type": "text/plain"})
        if url.path == "/setcookie":
            cookies = [f"{k}={v[0]}; Path=/" for k, v in parse_qs(url.query).items()]
            return self._reply(200, b"set", {"Set-Cookie": cookies[0]})
        echo = {
            "method": self.command, "path": url.path, "query": parse_qs(url.query),
            "body": body.decode("latin-1"), "content_type": self.headers.get("Content-Type"),
            "x_test": self.headers.get("X-Test"), "cookie": self.headers.get("Cookie"),
            "authorization": self.headers.get("Authorization"),
        }
        self._reply(200, json.dumps(echo).encode(), {"Content-Type": "application/json"})

    def _chunked(self, size: int) -> None:
        """`size` bytes of a repeating pattern, sent chunked in uneven pieces as they are made."""
        body = bytes(i * 7 % 251 for i in range(size))
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        start, step = 0, 1
        while start < size:
            piece = body[start:start + step]
            self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            start, step = start + len(piece), step * 3 % 20011 + 1
        self.wfile.write(b"0\r\n\r\n")

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


ORIGINAL = '''
import hashlib
import io
import json
import requests
import requests as rq
from requests import get, post
from requests.exceptions import HTTPError


async def follows_redirects(base):
    r = requests.get(base + "/redirect")
    return r.status_code, r.json()["query"], len(r.history)


async def head_does_not_follow(base):
    r = requests.head(base + "/redirect")
    return r.status_code, r.headers["location"]


async def redirects_off(base):
    r = requests.get(base + "/redirect", allow_redirects=False)
    return r.status_code


async def status_error(base):
    try:
        r = requests.get(base + "/status/404")
        r.raise_for_status()
    except HTTPError as exc:
        return "http-error", exc.response.status_code
    return "no error"


async def connection_error(url):
    try:
        requests.get(url)
    except (requests.ConnectionError, requests.Timeout):
        return "connection-error"
    return "no error"


async def server_error_is_not_a_connection_error(base):
    try:
        r = requests.get(base + "/status/500")
        r.raise_for_status()
    except requests.ConnectionError:
        return "connection-error"
    except requests.RequestException:
        return "request-exception"
    return "no error"


async def bodies(base):
    form = post(base + "/echo", data={"a": "1", "b": "two words"})
    raw = post(base + "/echo", data="raw text")
    as_json = requests.put(base + "/echo", json={"k": [1, 2]})
    sent = [(r.json()["body"], (r.json()["content_type"] or "").split(";")[0]) for r in (form, raw)]
    return sent + [json.loads(as_json.json()["body"])]  # httpx writes JSON without spaces: same value


async def params_headers_cookies(base):
    r = requests.get(base + "/echo", params={"q": "x y"}, headers={"X-Test": "1"}, cookies={"c": "v"})
    data = r.json()
    return data["query"], data["x_test"], data["cookie"]


async def ok_and_reason(base):
    r = requests.get(base + "/status/404")
    good = requests.get(base + "/echo")
    return r.ok, r.reason, good.ok, not r.ok


async def tuple_timeout(base):
    r = requests.request("DELETE", base + "/echo", timeout=(2, 10))
    return r.json()["method"]


async def bad_json(base):
    try:
        return requests.get(base + "/text").json()
    except requests.JSONDecodeError:
        return "bad json"


async def slow(base):
    r = requests.get(base + "/delay?s=6")
    return r.text


async def delay(base):
    return requests.get(base + "/delay?s=0.5").text


async def alias_and_from_import(base):
    a = rq.get(base + "/redirect", params={"x": "1"})
    b = get(base + "/status/500")
    return a.json()["query"], b.status_code, b.reason, b.ok


async def truthiness(base):
    bad = requests.get(base + "/status/404")
    good = requests.get(base + "/echo")
    seen = []
    if bad:
        seen.append("bad is true")
    if not bad:
        seen.append("bad is false")
    if good and not bad:
        seen.append("good")
    return seen, bool(good), bool(bad), "yes" if good else "no", [n for n in (1, 2) if good]


async def next_request(base):
    r = requests.get(base + "/redirect", allow_redirects=False)
    return r.status_code, str(r.next.url).endswith("/echo?from=redirect"), r.is_redirect


async def server_error_raise_for_status(base):
    try:
        r = requests.post(base + "/status/500", data={"a": "1"})
        r.raise_for_status()
    except requests.exceptions.ConnectionError:
        return "connection-error"
    except requests.HTTPError as exc:
        return "http-error", exc.response.status_code
    return "no error"


async def _profile(url):
    return requests.get(url).json()


async def indirect_connection_error(url):
    try:
        return await _profile(url)
    except requests.ConnectionError:
        return "connection-error"


async def session(base):
    with requests.Session() as s:
        s.headers.update({"X-Test": "from-session"})
        first = s.get(base + "/redirect")
        second = s.post(base + "/echo", data={"a": "b"})
        head = s.head(base + "/redirect")
    return first.json()["x_test"], first.json()["query"], second.json()["body"], head.status_code, first.ok


async def stream_to_file(base):
    out = io.BytesIO()
    r = requests.get(base + "/stream?size=300000", stream=True, timeout=30)
    r.raise_for_status()
    for chunk in r.iter_content(chunk_size=8192):
        out.write(chunk)
    return r.status_code, r.headers["content-type"], r.ok, r.reason, len(out.getvalue()), hashlib.sha256(out.getvalue()).hexdigest()


async def stream_default_chunk_size(base):
    parts = []
    with requests.get(base + "/stream?size=5000", stream=True) as r:  # requests: one byte at a time
        for chunk in r.iter_content():
            parts.append(chunk)
    return b"".join(parts)


async def stream_chunk_sizes(base):
    # pieces of at most 4096 bytes; where they are cut differs (requests: at the server's chunks too)
    pieces = []
    r = requests.get(base + "/stream?size=70000", stream=True)
    for chunk in r.iter_content(4096):
        pieces.append(chunk)
    return max(map(len, pieces)), b"".join(pieces)


async def stream_redirect_and_error(base):
    seen = []
    for path in ("/redirect", "/status/404"):
        try:
            r = requests.request("GET", base + path, stream=True)
            r.raise_for_status()
            for chunk in r.iter_content(None):
                seen.append(chunk)
        except requests.HTTPError as exc:
            seen.append(exc.response.status_code)
    return seen[0].startswith(b"{"), seen[1:]


async def local_session(base):
    s = requests.Session()
    s.headers.update({"X-Test": "from-session"})
    s.auth = ("user", "secret")
    first = s.get(base + "/redirect")
    second = s.post(base + "/echo", data={"a": "b"})
    return first.json()["x_test"], first.json()["authorization"], first.json()["query"], second.json()["body"], first.ok


async def session_cookies(base):
    s = requests.Session()
    s.headers["X-Test"] = "2"
    s.get(base + "/setcookie?token=abc")
    seen = s.get(base + "/echo").json()
    s.cookies.set("extra", "1")
    both = s.get(base + "/echo").json()["cookie"]
    s.close()
    return seen["cookie"], seen["x_test"], sorted(both.split("; "))


async def session_verify_and_finally(base):
    s = requests.Session()
    s.verify = False
    s.params = {"page": "2"}
    try:
        return s.get(base + "/echo").json()["query"]
    finally:
        s.close()


async def session_connection_error(url):
    s = requests.Session()
    try:
        s.get(url)
    except requests.ConnectionError:
        return "connection-error"
    return "no error"
'''


@pytest.fixture(scope="module")
def modules(tmp_path_factory):
    folder = tmp_path_factory.mktemp("requests_httpx")
    original = folder / "original_mod.py"
    original.write_text(textwrap.dedent(ORIGINAL), encoding="utf-8")
    result = fix_file(read_source(original, original.name), all_rules(), Config(root=folder), FilePlan())
    assert result.error is None and not result.diagnostics
    rewritten = folder / "rewritten_mod.py"
    rewritten.write_bytes(result.new)
    loaded = []
    for path in (original, rewritten):
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        loaded.append(module)
    return loaded[0], loaded[1], result.new.decode()


CASES = ["follows_redirects", "head_does_not_follow", "redirects_off", "status_error", "server_error_is_not_a_connection_error",
         "bodies", "params_headers_cookies", "ok_and_reason", "tuple_timeout", "bad_json", "session", "alias_and_from_import",
         "truthiness", "next_request", "server_error_raise_for_status", "stream_to_file", "stream_default_chunk_size",
         "stream_chunk_sizes", "stream_redirect_and_error", "local_session", "session_cookies", "session_verify_and_finally"]


@pytest.mark.parametrize("case", CASES)
def test_same_result_as_requests(server: str, modules, case: str) -> None:
    original, rewritten, _ = modules
    before = asyncio.run(getattr(original, case)(server))
    after = asyncio.run(getattr(rewritten, case)(server))
    assert after == before


@pytest.mark.parametrize("case", ["connection_error", "indirect_connection_error", "session_connection_error"])
def test_connection_error_caught_by_the_mapped_except(modules, case: str) -> None:
    original, rewritten, _ = modules
    url = f"http://127.0.0.1:{_closed_port()}/"
    before = asyncio.run(getattr(original, case)(url))
    after = asyncio.run(getattr(rewritten, case)(url))
    assert before == after == "connection-error"


SESSIONS_AND_STREAMS = ["local_session", "session_cookies", "session_verify_and_finally", "stream_to_file",
                        "stream_default_chunk_size", "stream_redirect_and_error"]


def test_rewritten_functions_close_every_client(server: str, modules, monkeypatch) -> None:
    _, rewritten, _ = modules
    made = []
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)

    class Tracked(rewritten.httpx.AsyncClient):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            made.append((self, kwargs))

    monkeypatch.setattr(rewritten.httpx, "AsyncClient", Tracked)
    for case in SESSIONS_AND_STREAMS:
        asyncio.run(getattr(rewritten, case)(server))
    assert asyncio.run(rewritten.session_connection_error(f"http://127.0.0.1:{_closed_port()}/")) == "connection-error"
    assert len(made) == len(SESSIONS_AND_STREAMS) + 2  # stream_redirect_and_error opens one per loop turn
    assert all(client.is_closed for client, _ in made)
    # `s.verify = False` moved, through requests' trust (the CA variables, when set, override it in requests)
    assert {k: v for k, v in made[2][1].items() if k != "auth"} == {"verify": False, "max_redirects": 30}
    assert all(type(kwargs["auth"]).__name__ == "_RequestsNetrc" for _, kwargs in made)  # requests' .netrc


def test_rewritten_clients_share_one_tls_context(server: str, modules, monkeypatch) -> None:
    """Building a TLS context loads the CA bundle (tens of ms, more on a slow machine) and blocks the
    event loop: the rewritten module makes one at import, like requests, never one per client."""
    import ssl

    _, rewritten, _ = modules
    import certifi

    import requests

    bundle = requests.Session().merge_environment_settings(server, {}, None, None, None)["verify"]
    default = ssl.create_default_context(cafile=bundle if bundle is not True else certifi.where())  # requests' CA
    shared = rewritten._HTTPX_SSL_CONTEXT
    assert (shared.verify_mode, shared.check_hostname) == (ssl.CERT_REQUIRED, True)
    assert shared.cert_store_stats() == default.cert_store_stats()  # the same CA bundle as requests' own (env included)
    built = []
    real = ssl.create_default_context
    monkeypatch.setattr(ssl, "create_default_context", lambda *a, **k: built.append(a) or real(*a, **k))
    for case in ["follows_redirects", "bodies", "session", "local_session", "stream_to_file"]:
        asyncio.run(getattr(rewritten, case)(server))
    assert built == []
    asyncio.run(_one_default_client(rewritten.httpx, server))
    assert len(built) == 1  # what each client would cost without the shared context


async def _one_default_client(httpx, server: str) -> None:
    async with httpx.AsyncClient() as client:
        await client.get(server + "/redirect")


TLS_LAYOUTS = {
    # httpx imported lower down too: the context is made after that import
    "imported_lower": (("import os\nX = 1\ntry:\n    import httpx\nexcept ImportError:\n    raise\nimport requests\n\n\n"
                        "async def f(u):\n    return requests.get(u).json()\n"), "_HTTPX_SSL_CONTEXT", "    raise\n\n_HTTPX_CA_BUNDLE ="),
    "name_taken": ("import requests\n\n_HTTPX_SSL_CONTEXT = 1\n\n\nasync def f(u):\n    return requests.get(u).json()\n",
                   "_HTTPX_SSL_CONTEXT_1", "\"cafile\": _HTTPX_CA_BUNDLE_1})\n\n\nclass _RequestsNetrc(httpx.Auth):"),
    # a client with its own verify= or cert= keeps it: httpx would load a cert= into the shared context
    "own_settings": ("import requests\n\n\nasync def f(u, c, v):\n    return requests.get(u, verify=False).json(), requests.get(u, verify='ca.pem', cert=c).json()\n",
                     None, "httpx.AsyncClient(verify=False, max_redirects=30, auth=_RequestsNetrc()) as client, httpx.AsyncClient(verify='ca.pem', cert=c, max_redirects=30, auth=_RequestsNetrc()) as http_client:"),
}


@pytest.mark.parametrize("layout", TLS_LAYOUTS)
def test_where_the_tls_context_goes(tmp_path: Path, layout: str) -> None:
    source, name, expected = TLS_LAYOUTS[layout]
    path = tmp_path / "m.py"
    path.write_text(source)
    result = fix_file(read_source(path, "m.py"), all_rules(), Config(root=tmp_path), FilePlan())
    text = result.new.decode()
    assert expected in text
    assert text.count("ssl.create_default_context(") == 2 * (name is not None)  # the context, and _requests_trust's
    path.write_text(text)
    module = _load(path)  # runs at import: the context is made after httpx is bound
    if name is not None:
        assert "verify=await _requests_trust(), max_redirects=30, auth=_RequestsNetrc())" in text and asyncio.run(module._requests_trust()) is getattr(module, name) and getattr(module, name).verify_mode.name == "CERT_REQUIRED"
        assert any(name in c.message for c in result.changes if c.dependent)


def test_a_file_migrated_in_steps_keeps_one_tls_context(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text("import requests\n\n\nasync def f(u):\n    return requests.get(u).json()\n")
    config = Config(root=tmp_path)
    first = fix_file(read_source(path, "m.py"), all_rules(), config, FilePlan()).new.decode()
    path.write_text("import requests\n" + first + "\n\nasync def g(u):\n    return requests.post(u).json()\n")
    result = fix_file(read_source(path, "m.py"), all_rules(), config, FilePlan())
    second = result.new.decode()
    assert second.count("create_default_context(") == 2 and second.count("AsyncClient(verify=await _requests_trust(), max_redirects=30, auth=_RequestsNetrc())") == 2
    assert not any("_HTTPX_SSL_CONTEXT:" in c.message for c in result.changes)  # nothing new written for it


@pytest.mark.slow  # still run by .ci/run (`pytest -m slow`): kept out of the quick suite for time
def test_slow_endpoint_is_still_answered_as_requests_would(server: str, modules) -> None:
    original, rewritten, _ = modules
    async def both():  # longer than httpx's 5 s default timeout: `timeout=None` keeps requests' patience
        return await asyncio.gather(asyncio.to_thread(asyncio.run, original.slow(server)), rewritten.slow(server))
    assert asyncio.run(both()) == ["late", "late"]


def test_gathered_handlers_overlap(server: str, modules) -> None:
    original, rewritten, _ = modules
    async def gather(module):
        start = time.perf_counter()
        results = await asyncio.gather(*[module.delay(server) for _ in range(5)])
        return results, time.perf_counter() - start
    before, before_time = asyncio.run(gather(original))
    after, after_time = asyncio.run(gather(rewritten))
    assert before == after == ["late"] * 5
    assert before_time > 2.4 and after_time < 1.5  # five 0.5 s requests: in sequence before, together after


def test_rewritten_text(modules) -> None:
    _, _, text = modules
    # libcst leaves `import requests as rq` when `import requests` sits beside it (both unused): harmless
    assert "import requests\n" not in text and "from requests" not in text and "import httpx" in text
    assert "requests." not in text and "rq." not in text
    assert "    async with httpx.AsyncClient(verify=await _requests_trust(), max_redirects=30, auth=_RequestsNetrc()) as client:\n        r = await client.get(base + \"/redirect\", follow_redirects=True, timeout=None)\n" in text
    assert "await client.head(base + \"/redirect\", follow_redirects=False, timeout=None)" in text
    assert "except httpx.HTTPStatusError as exc:" in text and "except (httpx.NetworkError, httpx.ConnectTimeout, httpx.WriteTimeout, httpx.ProxyError, httpx.RemoteProtocolError, httpx.TimeoutException):" in text
    assert "except json.JSONDecodeError:" in text and "return (not r.is_error), r.reason_phrase, (not good.is_error), r.is_error" in text
    assert "timeout=httpx.Timeout(None, connect=2, read=10)" in text
    assert 'content="raw text"' in text
    assert "    async with httpx.AsyncClient(verify=await _requests_trust(), max_redirects=30, auth=_RequestsNetrc()) as s:\n" in text and "first = await s.get(base + \"/redirect\", follow_redirects=True, timeout=None)" in text
    assert ("    async with httpx.AsyncClient(verify=await _requests_trust(), max_redirects=30, auth=_RequestsNetrc()) as client:\n        async with client.stream(\"GET\", base + \"/stream?size=300000\", "
            "timeout=30, follow_redirects=True) as r:\n            r.is_error and r.raise_for_status()\n"
            "            async for chunk in r.aiter_bytes(chunk_size=8192):\n") in text
    assert "    s = httpx.AsyncClient(verify=await _requests_trust(False), max_redirects=30, auth=_RequestsNetrc())\n    try:\n        s.params = {\"page\": \"2\"}\n" in text
    assert "        s.cookies.set(\"extra\", \"1\")\n" in text and "    finally:\n        await s.aclose()\n    return seen" in text


REFUSED = '''
import requests


async def streamed(url):
    return requests.get(url, stream=True)


async def unknown_body(url, payload):
    return requests.post(url, data=payload)


async def passthrough(url, **kwargs):
    return requests.get(url, **kwargs)


async def positional(url, params):
    return requests.get(url, params)


async def in_lambda(url):
    return list(map(lambda u: requests.get(u), [url]))


async def stream_escapes(url):
    r = requests.get(url, stream=True)
    r.raise_for_status()
    return r


async def stream_lines(url):
    r = requests.get(url, stream=True)
    return [line for line in r.iter_lines()]


async def stream_decoded(url):
    r = requests.get(url, stream=True)
    for text in r.iter_content(decode_unicode=True):
        print(text)


async def stream_body_read(url):
    r = requests.get(url, stream=True)
    return r.status_code, r.content


async def stream_used_after_rebinding(url, other):
    r = requests.get(url, stream=True)
    for chunk in r.iter_content(64):
        print(chunk)
    r = other
    return r


async def session_returned(url):
    s = requests.Session()
    s.get(url)
    return s


async def session_passed_on(url, register):
    s = requests.Session()
    register(s)
    return s.get(url).text


async def session_in_a_closure(url):
    s = requests.Session()
    fetch = lambda: s.get(url)
    return fetch().text


async def session_params_changed(url):
    s = requests.Session()
    s.params["page"] = "2"
    return s.get(url).text


async def session_verify_late(url):
    s = requests.Session()
    s.get(url)
    s.verify = False
    return s.get(url).text


async def session_closed_early(url):
    s = requests.Session()
    s.close()
    return s.get(url).text


class Api:
    async def open(self, url):
        s = requests.Session()
        self.session = s
        return s.get(url).text


def sync_code(url):
    return requests.get(url).text
'''


def test_refusals_leave_code_and_report(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text(textwrap.dedent(REFUSED))
    result = fix_file(read_source(path, "m.py"), all_rules(), Config(root=tmp_path), FilePlan())
    assert result.new == result.old
    reasons = ["stream=True", "data= of a type", "*args/**kwargs", "positional arguments", "lambda",
               "`r` is used as a value", "iter_lines() yields bytes lines", "decode_unicode", "`r.content` reads the body",
               "`r` is bound again", "`s` is used as a value", "`s` is used as a value", "nested function, lambda",
               "`s.params` is only assigned", "`s.verify = ...` after its first request", "`s.close()` before the end",
               "`s` is used as a value"]
    assert [d.line for d in result.diagnostics] == [6, 10, 14, 18, 22, 26, 32, 37, 43, 48, 56, 62, 68, 74, 80, 87, 94]
    for diagnostic, reason in zip(result.diagnostics, reasons, strict=True):
        assert reason in diagnostic.message, diagnostic.message


def test_why_iter_lines_and_decoded_chunks_are_refused(server: str) -> None:
    import httpx
    import requests

    with requests.get(server + "/lines", stream=True) as r:
        lines = list(r.iter_lines())
    with requests.get(server + "/lines", stream=True) as r:
        decoded_lines = list(r.iter_lines(decode_unicode=True))
    with requests.get(server + "/stream?size=300", stream=True) as r:  # no charset: requests does not decode
        decoded = list(r.iter_content(100, decode_unicode=True))

    async def with_httpx():
        async with httpx.AsyncClient() as client:
            async with client.stream("GET", server + "/lines") as r:
                found = [line async for line in r.aiter_lines()]
            async with client.stream("GET", server + "/stream?size=300") as r:
                return found, [text async for text in r.aiter_text(100)]

    httpx_lines, texts = asyncio.run(with_httpx())
    assert lines == [b"one", b"two", b"", b"three", b"four\x85five"]  # bytes
    assert decoded_lines == ["one", "two", "", "three", "four", "five"]  # latin-1 for text/plain: \x85 breaks a line
    assert httpx_lines == ["one", "two", "", "three", "four\ufffdfive"]  # utf-8 by default
    assert {type(x) for x in decoded} == {bytes} and {type(x) for x in texts} == {str}


def test_httpx2_and_default_timeout_settings(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text("import requests\n\n\nasync def f(u):\n    return requests.get(u).json()\n")
    config = Config(root=tmp_path, http_client="httpx2", httpx_default_timeout=True)
    text = fix_file(read_source(path, "m.py"), all_rules(), config, FilePlan()).new.decode()
    assert "import httpx2\n\n_HTTPX2_CA_BUNDLE = " in text and "\n_HTTPX2_SSL_CONTEXT = ssl.create_default_context(" in text
    assert "    async with httpx2.AsyncClient(verify=await _requests_trust(), max_redirects=30, auth=_RequestsNetrc()) as client:\n        return (await client.get(u, follow_redirects=True)).json()\n" in text


MIXED = '''
import requests


async def mixed(url, body):
    caught = []
    for which in ("converted", "kept"):
        try:
            if which == "converted":
                requests.get(url)
            else:
                requests.post(url, data=body)  # data= of an unseen type: left as it is
        except requests.ConnectionError:
            caught.append(which)
    return caught
'''


def test_a_try_that_keeps_a_requests_call_catches_both(tmp_path: Path) -> None:
    path = tmp_path / "mixed_mod.py"
    path.write_text(textwrap.dedent(MIXED))
    result = fix_file(read_source(path, path.name), all_rules(), Config(root=tmp_path), FilePlan())
    assert [d.line for d in result.diagnostics] == [12]
    text = result.new.decode()
    assert "except (requests.ConnectionError, httpx.NetworkError, httpx.ConnectTimeout, httpx.WriteTimeout, httpx.ProxyError, httpx.RemoteProtocolError):" in text and "import requests\n" in text
    rewritten = tmp_path / "mixed_new.py"
    rewritten.write_bytes(result.new)
    url = f"http://127.0.0.1:{_closed_port()}/"
    before, after = (asyncio.run(_load(p).mixed(url, "x")) for p in (path, rewritten))
    assert before == after == ["converted", "kept"]


def _load(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "jwks_middleware"

RUN_TENANT_APP = """
import asyncio, json, sys, time
import httpx
from tenantapp import middleware, settings, tokens
from tenantapp.app import app

closed = sys.argv[1]


def token(claims, secret=b"s3cret"):
    return tokens.sign({**claims, "exp": time.time() + 600}, "k1", secret)


async def main():
    out = {}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://app") as c:
        async def me(tok):
            r = await c.get("/me", headers={"Authorization": f"Bearer {tok}"} if tok else {})
            return r.status_code, r.json()
        out["health"] = (await c.get("/health")).json()
        out["no_token"] = await me(None)
        async with httpx.AsyncClient() as warm:  # httpx imports its network stack on first use: not timed
            await warm.get(f"{settings.CLERK_API_URL}/warm-up")
        start = time.perf_counter()
        out["lookups"] = await asyncio.gather(*[me(token({"sub": f"u{i}"})) for i in range(4)])
        out["elapsed"] = time.perf_counter() - start
        out["bad_signature"] = await me(token({"sub": "u1"}, b"wrong"))
        out["org_in_token"] = await me(token({"sub": "u9", "org_id": "org_direct"}))
        out["unknown_user"] = await me(token({"sub": "ghost"}))
        out["no_org"] = await me(token({"sub": "loner"}))
        api = settings.CLERK_API_URL
        settings.CLERK_API_URL = f"http://127.0.0.1:{closed}/v1"
        out["org_service_down"] = await me(token({"sub": "u1"}))
        settings.CLERK_API_URL = api
        middleware._jwks["keys"] = None
        settings.CLERK_JWKS_URL = f"http://127.0.0.1:{closed}/jwks"
        out["jwks_down"] = await me(token({"sub": "u1"}))
    return out


print(json.dumps(asyncio.run(main())))
"""


class FakeAuthProvider(BaseHTTPRequestHandler):
    """A Clerk-like provider: a JWKS URL that redirects, slow key and membership endpoints."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:
        pass

    def _send(self, status: int, payload: object = None, headers: dict[str, str] | None = None) -> None:
        body = json.dumps(payload).encode() if payload is not None else b""
        self.send_response(status)
        for key, value in {"Content-Length": str(len(body)), "Content-Type": "application/json", **(headers or {})}.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        import base64
        if self.path == "/.well-known/jwks.json":
            return self._send(302, headers={"Location": "/keys/v1.json"})
        if self.path == "/keys/v1.json":
            time.sleep(0.2)
            key = base64.urlsafe_b64encode(b"s3cret").rstrip(b"=").decode()
            return self._send(200, {"keys": [{"kty": "oct", "kid": "k1", "alg": "HS256", "k": key}]})
        parts = self.path.strip("/").split("/")  # v1/users/<id>/organization_memberships
        if len(parts) == 4 and parts[:2] == ["v1", "users"] and parts[3] == "organization_memberships":
            if self.headers.get("Authorization") != "Bearer sk_test_example":
                return self._send(401, {"error": "bad secret"})
            time.sleep(0.4)
            user = parts[2]
            if user == "ghost":
                return self._send(404, {"error": "no such user"})
            data = [] if user == "loner" else [{"organization": {"id": f"org_{user}"}}]
            return self._send(200, {"data": data})
        self._send(404, {"error": "not found"})


def test_jwks_middleware_example_migrated_and_run(tmp_path: Path, cli) -> None:
    import os
    import shutil
    import subprocess
    import sys

    provider = ThreadingHTTPServer(("127.0.0.1", 0), FakeAuthProvider)
    threading.Thread(target=provider.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{provider.server_address[1]}"
    tree = tmp_path / "jwks_middleware"
    shutil.copytree(EXAMPLE, tree)
    env = {**os.environ, "CLERK_JWKS_URL": f"{base}/.well-known/jwks.json", "CLERK_API_URL": f"{base}/v1"}
    closed = str(_closed_port())

    def run() -> dict:
        proc = subprocess.run([sys.executable, "-c", RUN_TENANT_APP, closed], cwd=tree, capture_output=True, text=True, env=env)
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)

    try:
        before = run()
        code, _, err = cli("fix", "--write", "--allow-dirty", "--no-cache", ".", cwd=tree)
        assert code == 0, err
        after = run()
    finally:
        provider.shutdown()
    text = (tree / "tenantapp" / "middleware.py").read_text()
    assert "import requests" not in text and "async def get_jwks():" in text and "await get_jwks()" in text
    assert "except httpx.HTTPStatusError:" in text and text.count("except (httpx.HTTPError, json.JSONDecodeError):") == 2  # requests' bad JSON is a RequestException
    assert text.count("async with httpx.AsyncClient(verify=await _requests_trust(), max_redirects=30, auth=_RequestsNetrc()) as client:") == 2
    assert text.count("_HTTPX_SSL_CONTEXT = ssl.create_default_context(") == 1
    assert "add it to your dependencies" in err
    elapsed = before.pop("elapsed"), after.pop("elapsed")
    assert after == before, (before, after)
    assert before["lookups"] == [[200, {"user": f"u{i}", "org": f"org_u{i}"}] for i in range(4)]
    assert before["unknown_user"][0] == 403 and before["org_service_down"][0] == 503 and before["jwks_down"][0] == 503
    assert before["no_org"][0] == 403 and before["bad_signature"][0] == 401 and before["org_in_token"][1]["org"] == "org_direct"
    # four requests needing a key fetch (0.2 s, once) and a membership lookup (0.4 s): in turn before (1.8 s),
    # together after (about 0.6 s)
    assert elapsed[0] > 1.7 and elapsed[1] < 1.2, elapsed


def test_a_handler_migrated_in_steps_names_each_exception_once(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text("import httpx\nimport requests\n\n\nasync def step(u, v):\n    try:\n"
                    "        async with httpx.AsyncClient() as client:\n            await client.get(u)\n"
                    "        requests.get(v).raise_for_status()\n"
                    "    except (requests.ConnectionError, httpx.TransportError):\n        return 'down'\n")
    text = fix_file(read_source(path, "m.py"), all_rules(), Config(root=tmp_path), FilePlan()).new.decode()
    assert "    except httpx.TransportError:\n" in text


@pytest.mark.parametrize("call", ["requests.post(u, json=body())", "requests.get(u, verify=True)",
                                  "requests.get(u, params=p)"])
def test_a_call_refused_after_its_arguments_were_planned_leaves_the_file_alone(tmp_path: Path, call: str) -> None:
    """Its helper (and TLS context) was named while planning the arguments; nothing uses it: none is written."""
    source = f"import requests\n\n\nasync def f(u, body, p):\n    r = {call}\n    return [r]\n"
    path = tmp_path / "m.py"
    path.write_text(source)
    result = fix_file(read_source(path, "m.py"), all_rules(), Config(root=tmp_path), FilePlan())
    assert result.error is None and result.new in (None, source.encode())
    assert any("put in a container" in d.message for d in result.diagnostics)
