"""The pygls wiring: which messages the server answers, and how.

Diagnostics are `check`'s, published for every open document after it is opened, changed (once
typing pauses: edits coalesce) or saved, and after any other document's change, since a finding in
one file may come from another (a chain through a helper). Code actions are `fix`'s
(awaitify.server.actions). Whatever the engine raises is logged (window/logMessage) and the server
keeps serving.
"""

from __future__ import annotations

import asyncio
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from awaitify import __version__
from awaitify.server.actions import FIX_ALL, code_actions
from awaitify.server.diagnostics import by_file, diagnostics
from awaitify.server.workspace import Workspace

# seconds without an edit before the workspace is checked again (typing must not queue checks)
SETTLE = 0.3


class AwaitifyServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("awaitify", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.states: dict[Path, Workspace] = {}  # by workspace folder
        self.options: dict[str, Any] = {}  # the client's initializationOptions
        self.published: set[str] = set()  # uris whose last diagnostics were not empty
        self.pending: asyncio.TimerHandle | None = None

    # --- helpers -------------------------------------------------------------------------------
    def log(self, message: str, kind: types.MessageType = types.MessageType.Info) -> None:
        self.window_log_message(types.LogMessageParams(type=kind, message=message))

    def guarded(self, what: str, work: Callable[[], Any], default: Any = None) -> Any:
        """`work()`, or `default` when it raises: the error is logged, never fatal."""
        try:
            return work()
        except Exception as exc:  # noqa: BLE001 - an engine error costs a request, not the server
            self.log(f"awaitify: {what} failed: {type(exc).__name__}: {exc}\n{traceback.format_exc()}",
                     types.MessageType.Error)
            return default

    def path_of(self, uri: str) -> Path | None:
        fs = to_fs_path(uri) if uri.startswith("file:") else None
        return Path(os.path.realpath(fs)) if fs else None

    def encoding(self) -> str:
        return str(self.workspace.position_encoding or "utf-16")

    def add_folder(self, root: Path) -> None:
        self.states.setdefault(root, Workspace(root, self.options))

    def state_for(self, path: Path) -> Workspace | None:
        """The workspace folder holding the file (the innermost, when folders nest), or None."""
        if not self.states:  # a client that sent no folder: the one the server runs in
            self.add_folder(Path.cwd().resolve())
        holding = [state for state in self.states.values() if state.contains(path)]
        return max(holding, key=lambda state: len(state.root.parts)) if holding else None

    # --- diagnostics ---------------------------------------------------------------------------
    def refresh_later(self, delay: float = SETTLE) -> None:
        if self.pending is not None:
            self.pending.cancel()
        self.pending = asyncio.get_running_loop().call_later(delay, self.refresh)

    def refresh_now(self) -> None:
        """Checked before the next message is handled (an open, a save: no typing to wait for)."""
        if self.pending is not None:
            self.pending.cancel()
        self.refresh()

    def refresh(self) -> None:
        """Each folder with open documents checked (an unchanged one answers from its warm cache),
        and every open document's diagnostics published; those of closed ones cleared."""
        self.pending = None
        uris: set[str] = set()
        for state in self.states.values():
            if state.documents:
                uris |= self.publish(state)
        for uri in self.published - uris - {d.uri for state in self.states.values() for d in state.documents.values()}:
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
        self.published = uris

    def publish(self, state: Workspace) -> set[str]:
        """The folder checked, its open documents' diagnostics published; the uris given some."""
        result = self.guarded(f"check of {state.root}", state.check)
        if result is None:
            return {uri for uri in self.published if any(d.uri == uri for d in state.documents.values())}
        files = by_file(result)
        uris = set()
        for path, doc in state.documents.items():
            findings, errors = files.get(path, ([], []))
            found = self.guarded(f"diagnostics for {doc.uri}",
                                 lambda f=findings, e=errors, t=doc.text: diagnostics(f, e, t, self.encoding()), [])
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=doc.uri, diagnostics=found,
                                                                                  version=doc.version))
            if found:
                uris.add(doc.uri)
        return uris


server = AwaitifyServer()


@server.feature(types.INITIALIZE)
def initialize(ls: AwaitifyServer, params: types.InitializeParams) -> None:
    uris = [folder.uri for folder in params.workspace_folders or []] or ([params.root_uri] if params.root_uri else [])
    roots = [root for root in map(ls.path_of, uris) if root is not None]
    if not roots and params.root_path:
        roots = [Path(params.root_path).resolve()]
    roots = roots or [Path.cwd().resolve()]
    os.chdir(roots[0])  # paths in messages read as `awaitify check` run there shows them
    ls.options = params.initialization_options if isinstance(params.initialization_options, dict) else {}
    for root in roots:
        ls.add_folder(root)


@server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
def folders_changed(ls: AwaitifyServer, params: types.DidChangeWorkspaceFoldersParams) -> None:
    for folder in params.event.removed:
        root = ls.path_of(folder.uri)
        if root is not None:
            ls.states.pop(root, None)
    for folder in params.event.added:
        root = ls.path_of(folder.uri)
        if root is not None:
            ls.add_folder(root)
    ls.refresh_later()


@server.feature(types.INITIALIZED)
def initialized(ls: AwaitifyServer, params: types.InitializedParams) -> None:
    """Ask to hear of Python files and settings changed on disk (a checkout, a formatter), where the
    client can watch them: the open files' diagnostics may depend on them."""
    watched = ls.client_capabilities.workspace and ls.client_capabilities.workspace.did_change_watched_files
    if not (watched and watched.dynamic_registration):
        return
    watchers = [types.FileSystemWatcher(glob_pattern=glob) for glob in ("**/*.py", "**/pyproject.toml", "**/.gitignore")]
    ls.client_register_capability(types.RegistrationParams(registrations=[types.Registration(
        id="awaitify-watched-files", method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
        register_options=types.DidChangeWatchedFilesRegistrationOptions(watchers=watchers))]))


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: AwaitifyServer, params: types.DidOpenTextDocumentParams) -> None:
    _track(ls, params.text_document.uri)
    ls.refresh_now()


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: AwaitifyServer, params: types.DidChangeTextDocumentParams) -> None:
    _track(ls, params.text_document.uri)
    ls.refresh_later()


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
def did_save(ls: AwaitifyServer, params: types.DidSaveTextDocumentParams) -> None:
    _disk_changed(ls)
    ls.refresh_now()


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: AwaitifyServer, params: types.DidCloseTextDocumentParams) -> None:
    path = ls.path_of(params.text_document.uri)
    state = ls.state_for(path) if path is not None else None
    if path is not None and state is not None:
        state.close(path)
    ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[]))
    ls.refresh_later()


@server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
def did_change_watched(ls: AwaitifyServer, params: types.DidChangeWatchedFilesParams) -> None:
    _disk_changed(ls)
    ls.refresh_later()


def _disk_changed(ls: AwaitifyServer) -> None:
    """Files on disk changed (saved, or by another program): every folder reads them again."""
    for state in ls.states.values():
        state.saved()


def _track(ls: AwaitifyServer, uri: str) -> None:
    """The document's text as pygls holds it (incremental changes applied) into the workspace."""
    path = ls.path_of(uri)
    state = ls.state_for(path) if path is not None else None
    if path is None or state is None:
        ls.log(f"awaitify: {uri} is outside the workspace folders; not checked")
        return
    doc = ls.workspace.get_text_document(uri)
    if path in state.documents:
        state.change(path, doc.version, doc.source)
    else:
        state.open(path, uri, doc.version, doc.source)


@server.feature(types.TEXT_DOCUMENT_CODE_ACTION,
                types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL], resolve_provider=False))
def code_action(ls: AwaitifyServer, params: types.CodeActionParams) -> list[types.CodeAction] | None:
    path = ls.path_of(params.text_document.uri)
    state = ls.state_for(path) if path is not None else None
    if path is None or state is None or path not in state.documents:
        return None  # a closed file, or one outside the workspace

    def actions() -> list[types.CodeAction]:
        if ls.pending is not None:  # an edit not checked yet: check now, the findings must be the buffer's
            ls.refresh_now()
        result = state.last_check if state.last_check is not None else state.check()
        findings = by_file(result).get(path, ([], []))[0]
        return code_actions(state, path, findings, params.range, params.context.diagnostics,
                            params.context.only, ls.encoding())

    return ls.guarded(f"code actions for {params.text_document.uri}", actions, None) or None


def serve() -> None:
    """The protocol over the process's stdin and stdout, on copies of their descriptors: the worker
    processes the engine forks then find /dev/null as their stdin (multiprocessing closes it in
    each child, which would wait for the lock the reading thread holds) and stderr as their stdout
    (a stray print must not corrupt the protocol's stream)."""
    reader = os.fdopen(os.dup(0), "rb")
    writer = os.fdopen(os.dup(1), "wb", buffering=0)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.dup2(2, 1)
    sys.stdin = open(os.devnull, encoding="utf-8")  # noqa: SIM115 - the process's own, for its whole life
    sys.stdout = sys.stderr
    server.start_io(reader, writer)
