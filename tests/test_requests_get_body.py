"""AW201: requests sends a body with any verb (`requests.get(url, json=...)`, seen on a real bot's
server API); httpx's get()/head()/options()/delete() take none, so the call becomes
`client.request("GET", ...)`. The original and the rewritten module are run against one local server,
which answers with what it received."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import threading
import textwrap
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from awaitify.config import Config
from awaitify.rules import select_rules
from awaitify.runner import RunOptions, run

SOURCE = """
    import requests


    async def with_bodies(base):
        got = requests.get(base + "/a", json={"data": "startup"}).json()
        s = requests.Session()
        try:
            gone = s.delete(base + "/b", data={"id": "7"}).json()
        finally:
            s.close()
        plain = requests.get(base + "/c", params={"q": "1"}).json()
        return got, gone, plain
"""


class _Echo(BaseHTTPRequestHandler):
    def _answer(self) -> None:
        size = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(size).decode() if size else ""
        data = json.dumps({"method": self.command, "path": self.path, "body": body,
                           "type": self.headers.get("Content-Type")}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_DELETE = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def echo():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def _load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def test_a_body_on_get_or_delete_is_sent_as_requests_sent_it(tmp_path: Path, echo: str) -> None:
    path = tmp_path / "api.py"
    path.write_text(textwrap.dedent(SOURCE).lstrip())
    before = asyncio.run(_load(path, "api_before").with_bodies(echo))
    result = run([tmp_path], Config(root=tmp_path), select_rules((), ()), RunOptions(use_cache=False, jobs=1))
    (changed,) = result.changed
    path.write_bytes(changed.new)
    text = path.read_text()
    assert 'client.request("GET", base + "/a", **_requests_json(' in text and 's.request("DELETE", base + "/b", data=' in text
    assert "await client.get(base + \"/c\", params=" in text  # no body: the verb method stays
    after = asyncio.run(_load(path, "api_after").with_bodies(echo))
    # the same JSON document (httpx writes it without spaces after separators, requests with them)
    parsed = lambda answers: [{**a, "body": json.loads(a["body"]) if a["type"] == "application/json" else a["body"]}  # noqa: E731
                              for a in answers]
    assert parsed(after) == parsed(before)
    assert before[0]["method"] == "GET" and json.loads(before[0]["body"]) == {"data": "startup"}
    assert before[1]["method"] == "DELETE" and before[1]["body"] == "id=7"


def test_httpx2_rewrites_name_certifi_as_a_dependency_to_add(tmp_path: Path) -> None:
    """The shared TLS context imports certifi: httpx brings it, httpx2 does not."""
    from awaitify.change_report import missing_dependencies

    (tmp_path / "api.py").write_text(textwrap.dedent(SOURCE).lstrip())
    for client, expected in (("httpx", ["httpx"]), ("httpx2", ["httpx2", "certifi"])):
        config = Config(root=tmp_path).with_overrides(http_client=client)
        result = run([tmp_path], config, select_rules((), ()), RunOptions(use_cache=False, jobs=1))
        assert missing_dependencies(result, config) == expected
