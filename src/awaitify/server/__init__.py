"""`awaitify server`: a language server over stdio (pygls, lsprotocol; `pip install awaitify[server]`).

A thin front on the engine, as the command line and the Python API are: diagnostics are `check`'s
(the whole workspace indexed, the open documents' unsaved text in place of the disk's), code actions
are `fix`'s edits, which the client applies; the server never writes a file. See docs/editors.md.

Only this package imports pygls and lsprotocol, and only once the server starts: the rest of
awaitify runs without them.
"""

from __future__ import annotations

from awaitify.errors import UsageError

MISSING = "the language server needs pygls and lsprotocol: pip install 'awaitify[server]'"


def serve() -> None:
    """Serve over stdin/stdout until the client says exit; UsageError when pygls is not installed."""
    try:
        from awaitify.server.protocol import serve as start
    except ImportError as exc:
        if exc.name and exc.name.split(".")[0] in ("pygls", "lsprotocol", "cattrs"):
            raise UsageError(MISSING) from None
        raise
    start()
