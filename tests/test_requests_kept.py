"""AW201 (issue 21): the differences between requests and httpx that used to pass silently, each kept
now, proven by running the original and the migrated code (all rules, httpx and httpx2) against a local
server on 127.0.0.1 that answers with the raw request it got:

- `json=`: the same body bytes (requests' separators, non-ASCII escaped) and Content-Type rule, no body
  for None; on a session whose headers say nothing of Content-Type;
- `params=`: None values left out, True written "True", as requests does;
- `except requests.ConnectionError` does not catch a read timeout (requests.ReadTimeout is none);
- `requests.get(u).raise_for_status()` on the call itself does not raise on a final 300;
- a chain of 25 redirects is followed (requests' limit is 30, httpx's own 20), 35 is too many in both.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import sys
import threading
import time
import warnings
from http.server import ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from fresh_import import import_fresh, migrate
from local_http import ReplyingHandler, serving



class Handler(ReplyingHandler):
    def _handle(self) -> None:
        url = urlparse(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if url.path.startswith("/status/"):
            return self._reply(int(url.path.rsplit("/", 1)[1]), b"status page")
        if url.path == "/hop":
            left = int(parse_qs(url.query)["n"][0])
            if left:
                return self._reply(302, b"", {"Location": f"/hop?n={left - 1}"})
        if url.path == "/typed":  # a body in the charset the query names, declared as the query says
            q = parse_qs(url.query, keep_blank_values=True)
            body = "Zoë's café: ÿ".encode(q["charset"][0])
            status = int(q.get("status", ["200"])[0])
            return self._reply(status, body, {"Content-Type": q["type"][0]} if q["type"][0] else {})
        if url.path == "/delay":
            time.sleep(float(parse_qs(url.query)["s"][0]))
        raw = {"query": url.query, "body": body.hex(), "content_type": self.headers.get_all("Content-Type"),
               "x_test": self.headers.get("X-Test"), "authorization": self.headers.get("Authorization")}
        self._reply(200, json.dumps(raw).encode(), {"Content-Type": "application/json"})

    do_GET = do_POST = do_DELETE = _handle


class _Quiet(ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        pass  # a client that gave up on /delay (the read timeout test) closed its end first


@pytest.fixture(scope="module")
def base():
    with serving(Handler, _Quiet) as url:
        yield url


SOURCE = '''
import requests


async def post_json(url, payload, headers=None):
    return requests.post(url, json=payload, headers=headers).json()


async def post_json_literal(url):
    return requests.post(url, json={"name": "Zoë", "n": [1, 2.5]}, headers={"X-Test": "1"}).json()


async def post_json_caught(url, payload):
    try:
        return requests.post(url, json=payload).json()
    except ValueError:
        return "value error"
    except requests.RequestException:
        return "request exception"


async def get_json(url, payload):
    return requests.get(url, json=payload).json()


async def session_json(url, token):
    s = requests.Session()
    s.headers.update({"Authorization": token})
    r = s.post(url, json={"k": "v"})
    s.close()
    return r.json()


async def session_json_typed(url):
    s = requests.Session()
    s.headers["Content-Type"] = "application/vnd.api+json"
    r = s.post(url, json={"k": "v"})
    s.close()
    return r.json()


async def get_params(url, q, flag):
    return requests.get(url, params={"q": q, "flag": flag, "skip": None, "many": [1, None, "x y"]}).json()["query"]


async def get_params_pairs(url, pairs):
    return requests.get(url, params=pairs).json()["query"]


async def connection_error(url):
    try:
        return requests.get(url, timeout=(3, 0.3)).status_code
    except requests.ConnectionError:
        return "down"


async def raise_on_call(url):
    requests.get(url).raise_for_status()
    return "ok"


async def text_of(url):
    r = requests.get(url)
    return r.text, requests.get(url).text


async def who(url, auth=None):
    if auth:
        return requests.get(url, auth=auth).json()["authorization"]
    return requests.get(url).json()["authorization"]


async def error_text(url):
    try:
        requests.get(url).raise_for_status()
    except requests.HTTPError as exc:
        return exc.response.status_code, exc.response.text
    return "fine"


async def encoding_set(url):
    r = requests.get(url)
    r.encoding = "utf-8"
    return r.text


async def hops(url):
    r = requests.get(url)
    return r.status_code, len(r.history)


async def json_with_files(url):
    return requests.post(url, json={"k": 1}, files={"f": ("f.txt", b"hi")}).json()["content_type"][0].split(";")[0]


async def json_files_none(url):
    return requests.post(url, json={"k": 1}, files=None).json()["body"]


async def json_headers_order(url):
    seen = []

    def part(name, value):
        seen.append(name)
        return value

    r = requests.post(url, headers=part("headers", {"X-Test": "s"}), json=part("json", {"k": 1}))
    return seen, r.json()["x_test"]


async def get_params_bytes(url):
    return requests.get(url, params={"a": b"x", b"k": "v", "n": 1}).json()["query"]


async def session_params(url, extra):
    s = requests.Session()
    s.params = {"a": "1", "b": "2"}
    r = s.get(url, params=extra)
    s.close()
    return r.json()["query"]


async def session_params_literal(url):
    s = requests.Session()
    s.params = {"a": "1", "n": 2}
    r = s.get(url, params={"b": 2.5, "a": "x"})
    s.close()
    return r.json()["query"]


async def session_params_value(url, value):
    s = requests.Session()
    s.params = {"a": value, "b": "2"}
    r = s.get(url)
    s.close()
    return r.json()["query"]


async def session_auth_none(url):
    s = requests.Session()
    s.auth = None
    r = s.get(url)
    s.close()
    return r.json()["authorization"]


async def who_none(url, auth=None):
    return requests.get(url, auth=auth).json()["authorization"], requests.get(url, auth=None).json()["authorization"]
'''


class Migrated:
    def __init__(self, root: Path, client: str, source: str = SOURCE) -> None:
        self.before, self.after = root / "before", root / "after"
        (self.before / "svc").mkdir(parents=True)
        (self.before / "svc" / "__init__.py").write_text("")
        (self.before / "svc" / "kept.py").write_text(source.lstrip("\n"))
        shutil.copytree(self.before, self.after)
        self.result = migrate(self.after, client)
        self.diagnostics = [d for f in self.result.results for d in f.diagnostics]
        self.text = (self.after / "svc" / "kept.py").read_text()


def _load(root: Path):
    return import_fresh(root, "svc.kept")


@pytest.fixture(scope="module", params=["httpx", "httpx2"])
def project(request, tmp_path_factory) -> Migrated:
    if request.param == "httpx2":
        pytest.importorskip("httpx2", reason="httpx2 needs Python 3.11+")
    return Migrated(tmp_path_factory.mktemp(request.param), request.param)


def outcome(func, *args):
    """("value", v) or ("raised", the exception's class name)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return "value", asyncio.run(func(*args))
    except Exception as exc:  # noqa: BLE001 - the point is to compare what escapes
        return "raised", type(exc).__name__


def same(project: Migrated, name: str, *args):
    before, after = outcome(getattr(_load(project.before), name), *args), outcome(getattr(_load(project.after), name), *args)
    if before[0] == "raised" and after[0] == "raised":  # requests' and httpx's classes: the same failure
        before = ("raised", {"InvalidJSONError": "HTTPError"}.get(before[1], before[1]))
        after = ("raised", {"HTTPStatusError": "HTTPError"}.get(after[1], after[1]))
    assert before == after, (name, args, before, after)
    return before


@pytest.mark.parametrize("payload", [{"b": 1, "a": ["é", None, True]}, [1.5, "x"], "text", 0, None])
def test_json_bodies_are_the_bytes_requests_sent(project, base, payload) -> None:
    kind, sent = same(project, "post_json", base + "/echo", payload)
    assert kind == "value"
    if payload is None:
        assert sent["body"] == "" and sent["content_type"] is None
    else:
        assert bytes.fromhex(sent["body"]) == json.dumps(payload).encode() and sent["content_type"] == ["application/json"]
    _, sent = same(project, "post_json", base + "/echo", payload, {"content-type": "application/x-mine", "X-Test": "y"})
    assert sent["content_type"] == ["application/x-mine"]  # the headers' own, with a body or without (None)
    assert same(project, "get_json", base + "/echo", payload)[0] == "value"


def test_json_literal_and_on_a_session(project, base) -> None:
    _, sent = same(project, "post_json_literal", base + "/echo")
    assert b"\\u00eb" in bytes.fromhex(sent["body"]) and sent["x_test"] == "1"
    assert same(project, "session_json", base + "/echo", "t")[1]["body"] == b'{"k": "v"}'.hex()
    assert "await s.post(url, **_requests_json(" in project.text
    assert same(project, "post_json", base + "/echo", {"x": float("nan")}) == ("raised", "HTTPError")  # allow_nan=False
    assert same(project, "post_json_caught", base + "/echo", {"x": float("nan")}) == ("value", "request exception")


def test_a_session_setting_content_type_keeps_requests(project) -> None:
    source = SOURCE.split("async def session_json_typed(url):")[1].split("\n\n\n")[0]
    assert f"async def session_json_typed(url):{source}" in project.text  # byte for byte
    assert any("requests keeps a Content-Type" in d.message for d in project.diagnostics)


@pytest.mark.parametrize("q, flag", [("a b", True), (None, False), ("é", 0)])
def test_params_none_dropped_and_values_written_as_requests(project, base, q, flag) -> None:
    kind, query = same(project, "get_params", base + "/echo", q, flag)
    assert kind == "value" and "skip" not in query and f"flag={flag}" in query
    assert same(project, "get_params_pairs", base + "/echo", [("a", None), ("b", True), ("c", b"\xc3\xa9")])[1] == "b=True&c=%C3%A9"


def _closed() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/"


def test_connection_error_does_not_catch_a_read_timeout(project, base) -> None:
    assert same(project, "connection_error", base + "/delay?s=1") == ("raised", "ReadTimeout")
    assert same(project, "connection_error", _closed()) == ("value", "down")
    assert same(project, "connection_error", base + "/echo") == ("value", 200)


def test_raise_for_status_on_the_call(project, base) -> None:
    assert same(project, "raise_on_call", base + "/status/300") == ("value", "ok")
    assert same(project, "raise_on_call", base + "/status/404") == ("raised", "HTTPError")
    assert "(response := await client.get(url" in project.text


TEXT = "Zoë's café: ÿ"


@pytest.mark.parametrize("content_type, charset, decoded", [
    ("text/plain", "latin-1", TEXT), ("text/html", "utf-8", TEXT.encode().decode("latin-1")),  # undeclared text/*: ISO-8859-1
    ("text/plain; charset=utf-8", "utf-8", TEXT), ("application/json", "utf-8", TEXT),
    ("application/octet-stream", "utf-8", None), ("application/xml", "latin-1", None), ("", "utf-8", None)])  # (guessed)
def test_text_decoded_as_requests_decodes_it(project, base, content_type, charset, decoded) -> None:
    url = f"{base}/typed?charset={charset}&type={content_type.replace(' ', '%20').replace(';', '%3B').replace('=', '%3D')}"
    kind, (first, second) = same(project, "text_of", url)  # requests' r.text against the rewrite's, for each read
    assert kind == "value" and first == second and first == (decoded or first)
    assert "_requests_text(r)" in project.text


def test_redirects_up_to_thirty(project, base) -> None:
    assert same(project, "hops", base + "/hop?n=25") == ("value", (200, 25))
    assert same(project, "hops", base + "/hop?n=35") == ("raised", "TooManyRedirects")


@pytest.mark.parametrize("netrc", ["machine 127.0.0.1 login u password p\n", "machine other login u password p\n",
                                   "default login d password q\n", "not a netrc file (", None])
def test_netrc_credentials_as_requests_sends_them(project, base, tmp_path, monkeypatch, netrc) -> None:
    if netrc is None:
        monkeypatch.setenv("NETRC", str(tmp_path / "missing"))
    else:
        (tmp_path / "netrc").write_text(netrc)
        monkeypatch.setenv("NETRC", str(tmp_path / "netrc"))
    sent = same(project, "who", base + "/echo")[1]
    assert (sent is not None) is (netrc is not None and "other" not in netrc and "(" not in netrc)
    assert same(project, "who", base + "/echo", ("x", "y"))[1] == "Basic eDp5"  # a request's own auth= wins
    with_userinfo = base.replace("http://", "http://a:b@") + "/echo"
    assert same(project, "who", with_userinfo)[1] == (sent or "Basic YTpi")  # .netrc over the URL's, as requests


def test_encoding_set_or_read_keeps_requests(project, base) -> None:
    source = SOURCE.split("async def encoding_set(url):")[1].split("\n\n\n")[0]
    assert f"async def encoding_set(url):{source}" in project.text  # byte for byte: r.text follows r.encoding
    assert any("`.encoding`" in d.message for d in project.diagnostics)


def test_the_text_of_an_error_response_decoded_as_requests_decodes_it(project, base) -> None:
    kind, (status, text) = same(project, "error_text", f"{base}/typed?charset=utf-8&type=text/html&status=502")
    assert (kind, status) == ("value", 502) and text == "Zoë's café: ÿ".encode().decode("latin-1")
    assert "return exc.response.status_code, _requests_text(exc.response)" in project.text


def test_json_with_files_refused_as_requests_sends_the_files(project, base) -> None:
    kind, content_type = same(project, "json_with_files", base + "/echo")
    assert (kind, content_type) == ("value", "multipart/form-data")
    assert 'requests.post(url, json={"k": 1}, files=' in project.text
    assert any("json= with files=" in d.message for d in project.diagnostics)
    assert same(project, "json_files_none", base + "/echo") == ("value", b'{"k": 1}'.hex())  # files=None: no files
    assert "**_requests_json({\"k\": 1}), files=None" in project.text


def test_json_and_headers_evaluated_in_their_order(project, base) -> None:
    assert same(project, "json_headers_order", base + "/echo") == ("value", (["headers", "json"], "s"))
    assert "_requests_json(headers=part(" in project.text


def test_auth_none_keeps_netrc(project, base, tmp_path, monkeypatch) -> None:
    (tmp_path / "netrc").write_text("machine 127.0.0.1 login u password p\n")
    monkeypatch.setenv("NETRC", str(tmp_path / "netrc"))
    assert same(project, "who_none", base + "/echo") == ("value", ("Basic dTpw", "Basic dTpw"))
    assert same(project, "who_none", base + "/echo", ("x", "y")) == ("value", ("Basic eDp5", "Basic dTpw"))
    assert "auth=auth if auth is not None else" in project.text


@pytest.mark.parametrize("extra, sent", [({"a": None}, "b=2"), ({"b": None, "c": True}, "a=1&c=True"),
                                         ([("c", "3")], "c=3"), ("c=3", "c=3"), (None, "a=1&b=2")])
def test_session_params_merged_as_requests_merges_them(project, base, extra, sent) -> None:
    assert same(project, "session_params", base + "/echo", extra) == ("value", sent)  # only a dict merges in requests
    assert same(project, "session_params_literal", base + "/echo") == ("value", "a=x&n=2&b=2.5")
    assert "r = await s.get(url, params={\"b\": 2.5, \"a\": \"x\"}" in project.text  # a dict of plain values merges alike
    assert any("whose params are set" in d.message for d in project.diagnostics)


@pytest.mark.parametrize("value", [None, True, b"x", 1])
def test_session_params_of_any_value_as_requests_sends_them(project, base, value) -> None:
    kind, query = same(project, "session_params_value", base + "/echo", value)
    assert kind == "value" and query.endswith("b=2")
    assert any("`s.params = ...` with values that may be None" in d.message for d in project.diagnostics)


def test_session_auth_none_keeps_netrc(project, base, tmp_path, monkeypatch) -> None:
    (tmp_path / "netrc").write_text("machine 127.0.0.1 login u password p\n")
    monkeypatch.setenv("NETRC", str(tmp_path / "netrc"))
    assert same(project, "session_auth_none", base + "/echo") == ("value", "Basic dTpw")
    assert any("`s.auth = ...` that may be None" in d.message for d in project.diagnostics)


def test_bytes_in_a_params_literal_written_as_requests(project, base) -> None:
    assert same(project, "get_params_bytes", base + "/echo") == ("value", "a=x&k=v&n=1")


TRIO_SOURCE = '''
import trio

import requests


async def who(url):
    return requests.get(url).json()["authorization"]
'''


def test_netrc_and_trust_read_in_the_runtimes_thread(base, tmp_path, monkeypatch) -> None:
    """Under trio, the helpers offload with trio's threads (asyncio.to_thread would fail there), and the
    .netrc file is read off the event loop's thread."""
    import netrc

    import certifi
    import trio

    project = Migrated(tmp_path, "httpx", TRIO_SOURCE)
    assert "await trio.to_thread.run_sync(" in project.text and "asyncio" not in project.text
    (tmp_path / "netrc").write_text("machine 127.0.0.1 login u password p\n")
    monkeypatch.setenv("NETRC", str(tmp_path / "netrc"))
    threads, real = [], netrc.netrc
    monkeypatch.setattr(netrc, "netrc", lambda *a: threads.append(threading.current_thread()) or real(*a))
    results = []
    for root in (project.before, project.after):
        who = _load(root).who
        shutil.copy(certifi.where(), tmp_path / "bundle.pem")  # named after the import: loaded by _requests_trust
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "bundle.pem"))
        results.append(trio.run(who, base + "/echo"))
        monkeypatch.delenv("REQUESTS_CA_BUNDLE")
    assert results == ["Basic dTpw", "Basic dTpw"]
    assert threads[0] is threading.main_thread() and threads[-1] is not threading.main_thread()  # requests', then ours


def test_text_without_a_charset_detector_as_requests(project, base, monkeypatch) -> None:
    """Neither chardet nor charset_normalizer importable: requests decodes an undeclared body as UTF-8."""
    import requests.compat
    import requests.models

    for library in ("chardet", "charset_normalizer"):
        monkeypatch.setitem(sys.modules, library, None)  # an import of it raises ImportError
    monkeypatch.setattr(requests.models, "chardet", requests.compat._resolve_char_detection())
    kind, (first, second) = same(project, "text_of", f"{base}/typed?charset=latin-1&type=application/octet-stream")
    assert kind == "value" and first == second == "Zo\ufffd's caf\ufffd: \ufffd"


@pytest.fixture(scope="module")
def cut():
    """A server on 127.0.0.1 that promises 100 bytes, sends 10, then closes (/short) or stalls 1 s first."""
    listener = socket.create_server(("127.0.0.1", 0))

    def answer(conn: socket.socket) -> None:
        with conn:
            path = conn.recv(65536).split()[1]
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\n0123456789")
            if path != b"/short":
                time.sleep(1)

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=answer, args=(conn,), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    listener.close()


def outcomes(project: Migrated, name: str, *args):
    return tuple(outcome(getattr(_load(root), name), *args) for root in (project.before, project.after))


def test_connection_error_while_reading_the_body_differs_as_documented(project, cut) -> None:
    """docs/rules/requests-httpx.md, differences that remain: the phase of the failure. requests wraps a
    failure while reading the body in its own classes, httpx raises the same class in every phase."""
    assert outcomes(project, "connection_error", cut + "/short") == (("raised", "ChunkedEncodingError"), ("value", "down"))
    assert outcomes(project, "connection_error", cut + "/stall") == (("value", "down"), ("raised", "ReadTimeout"))
