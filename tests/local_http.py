"""What the tests' local HTTP servers (127.0.0.1 only) share: a quiet handler that answers with a
body, a status and headers, and leaves the body out for HEAD."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler


class ReplyingHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def _reply(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for key, value in {"Content-Length": str(len(body)), **(headers or {})}.items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
