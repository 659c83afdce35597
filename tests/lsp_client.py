"""A small language-server client for the tests: `awaitify server` as a real subprocess over stdio,
JSON-RPC messages framed with Content-Length, read by a thread into a queue. Also an applier of
WorkspaceEdits (what an editor does with a code action's edit), counting UTF-16 code units."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

TIMEOUT = float(os.environ.get("LSP_TIMEOUT", "60"))


class Client:
    def __init__(self, root: Path, options: dict | None = None, env: dict | None = None,
                 folders: list[Path] | None = None) -> None:
        self.root = root
        self.proc = subprocess.Popen([sys.executable, "-m", "awaitify", "server"], cwd=root, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, **(env or {})})
        self.messages: queue.Queue[dict] = queue.Queue()
        self.seen: list[dict] = []  # notifications read while waiting for something else
        self.next_id = 0
        self.versions: dict[str, int] = {}
        self.last_diagnostics: dict[str, list[dict]] = {}
        self.registered: list[dict] = []  # the server's requests to the client, answered
        self.count = self.mark = 0  # messages read; the number of the last diagnostics returned
        threading.Thread(target=self._read, daemon=True).start()
        self.initialized = self.request("initialize", {
            "processId": os.getpid(), "rootUri": root.as_uri(),
            "capabilities": {"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": True}}},
            "workspaceFolders": [{"uri": f.as_uri(), "name": f.name} for f in folders or [root]],
            "initializationOptions": options or {}})
        self.notify("initialized", {})

    # --- wire ----------------------------------------------------------------------------------
    def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode("ascii").partition(":")
                if name.lower() == "content-length":
                    length = int(value.strip())
            assert length is not None
            self.count += 1
            self.messages.put({**json.loads(out.read(length)), "_seq": self.count})

    def send(self, message: dict) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def notify(self, method: str, params: dict) -> None:
        self.send({"method": method, "params": params})

    def request(self, method: str, params: dict) -> Any:
        self.next_id += 1
        ident = self.next_id
        self.send({"id": ident, "method": method, "params": params})
        reply = self.wait(lambda m: m.get("id") == ident and "method" not in m)
        assert "error" not in reply, reply
        return reply["result"]

    def wait(self, matches, timeout: float = TIMEOUT) -> dict:
        for i, message in enumerate(self.seen):
            if matches(message):
                return self.seen.pop(i)
        end = time.monotonic() + timeout
        while True:
            try:
                message = self.messages.get(timeout=max(end - time.monotonic(), 0.01))
            except queue.Empty:
                raise AssertionError(f"no such message within {timeout} s; seen: {self.seen[-5:]}") from None
            if message.get("method") in ("workspace/configuration", "client/registerCapability", "window/workDoneProgress/create"):
                self.send({"id": message["id"], "result": None})
                self.registered.append(message)
                continue
            if matches(message):
                return message
            self.seen.append(message)

    # --- documents -----------------------------------------------------------------------------
    def uri(self, path: Path) -> str:
        return path.resolve().as_uri()

    def barrier(self) -> None:
        """Every message the server sent before now is read: the diagnostics read next are newer.
        (A request is answered after the notifications sent before it are handled.)"""
        self.request("textDocument/codeAction", {
            "textDocument": {"uri": "file:///nonexistent/barrier.py"},
            "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
            "context": {"diagnostics": []}})
        self.mark = self.count

    def open(self, path: Path, text: str | None = None) -> None:
        self.barrier()
        uri = self.uri(path)
        self.versions[uri] = 1
        self.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": "python", "version": 1,
            "text": path.read_text(encoding="utf-8") if text is None else text}})

    def change(self, path: Path, text: str) -> None:
        self.barrier()
        uri = self.uri(path)
        self.versions[uri] += 1
        self.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": self.versions[uri]},
                                               "contentChanges": [{"text": text}]})

    def save(self, path: Path) -> None:
        self.notify("textDocument/didSave", {"textDocument": {"uri": self.uri(path)}})

    def diagnostics(self, path: Path) -> list[dict]:
        """The file's diagnostics published next since the last open or change (a check publishes
        every open file's in turn), for its current version."""
        uri = self.uri(path)
        version = self.versions.get(uri)

        def matches(m: dict) -> bool:
            return (m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri
                    and m["_seq"] > self.mark and m["params"].get("version") in (None, version))
        found = self.wait(matches)
        self.last_diagnostics[uri] = found["params"]["diagnostics"]
        return self.last_diagnostics[uri]

    def code_actions(self, path: Path, line: int, diagnostics: list[dict] | None = None,
                     only: list[str] | None = None) -> list[dict]:
        context: dict = {"diagnostics": diagnostics or []}
        if only:
            context["only"] = only
        found = self.request("textDocument/codeAction", {
            "textDocument": {"uri": self.uri(path)},
            "range": {"start": {"line": line, "character": 0}, "end": {"line": line, "character": 0}},
            "context": context})
        return found or []

    def close(self) -> None:
        try:
            self.request("shutdown", {})
            self.notify("exit", {})
            self.proc.wait(timeout=10)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
                if stream is not None:
                    stream.close()

    def logs(self) -> list[str]:
        return [m["params"]["message"] for m in self.seen if m.get("method") == "window/logMessage"]


# --- what an editor does with an edit ------------------------------------------------------------
def _offset(text: str, position: dict) -> int:
    """The index in `text` of an LSP position (line from 0, character in UTF-16 code units)."""
    lines = _lines(text)
    number, character = position["line"], position["character"]
    if number >= len(lines):
        return len(text)
    index = sum(len(line) for line in lines[:number])
    content = lines[number].rstrip("\r\n")
    units = 0
    for i, char in enumerate(content):
        if units >= character:
            return index + i
        units += 2 if ord(char) > 0xFFFF else 1
    return index + len(content)


def _lines(text: str) -> list[str]:
    import re

    return re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z", text)


def apply_edits(text: str, edits: list[dict]) -> str:
    """`text` with the TextEdits applied (they never overlap; applied from the last one)."""
    spans = sorted(((_offset(text, e["range"]["start"]), _offset(text, e["range"]["end"]), e["newText"]) for e in edits),
                   reverse=True)
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text


def apply_workspace_edit(edit: dict, texts: dict[str, str]) -> dict[str, str]:
    """Each changed document's new text, by uri; `texts`: what the client holds (open buffers),
    the disk for the others."""
    out = {}
    for change in edit.get("documentChanges") or []:
        uri = change["textDocument"]["uri"]
        path = Path(unquote(urlparse(uri).path))
        before = texts[uri] if uri in texts else path.read_text(encoding="utf-8")
        out[uri] = apply_edits(before, change["edits"])
    return out
