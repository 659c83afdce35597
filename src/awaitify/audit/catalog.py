"""Every check rule: a stable code, what it flags, its flake8-async equivalent, and which codemod
fixes it. Codes shared with a codemod (AW101 `sleep`, ...) name the same problem in `check` and
`fix`: what `fix` clears under a code is what `check` reports under it."""

from __future__ import annotations

from dataclasses import dataclass

from awaitify.codemod_rules import CODEMOD_RULES
from awaitify.rule import Rule


@dataclass(frozen=True)
class Check:
    code: str
    name: str
    summary: str  # one line, for `awaitify rules`
    why: str  # the message's reason: "blocks the event loop for the whole sleep"
    family: str  # a heading of the markdown report
    flake8_async: tuple[str, ...] = ()
    fixed_by: str | None = None  # codemod code, when `fix` rewrites it
    context_free: bool = False  # a finding wherever it stands, not only in async-reachable code

    def as_rule(self) -> Rule:
        return Rule(code=self.code, name=self.name, summary=self.summary, triggers=(), order=0, fixable=False)


CHECKS: tuple[Check, ...] = (
    Check("AW000", "syntax-error", "a file that does not parse", "cannot be read by Python's parser, so nothing in "
          "it is checked or fixed", "Syntax", context_free=True),
    Check("AW001", "unused-suppression", "an `# awaitify: ignore` comment that suppresses nothing",
          "suppresses nothing on its line", "Suppressions", context_free=True),
    Check("AW101", "sleep", "time.sleep() in async code", "blocks the event loop for the whole sleep",
          "Sleeping", ("ASYNC251",), fixed_by="AW101"),
    Check("AW102", "asyncio-run", "asyncio.run()/run_until_complete() inside a running loop",
          "raises RuntimeError inside a running event loop (or blocks it)", "Event loop", fixed_by="AW102"),
    Check("AW103", "custom-blocking-call", "a call listed in `blocking-calls` config, in async code",
          "is configured as blocking", "Configured", ("ASYNC200",), fixed_by="AW103"),
    Check("AW201", "requests-httpx", "requests calls in async code", "blocks the event loop for a whole network round trip",
          "HTTP", ("ASYNC210",), fixed_by="AW201"),
    Check("AW301", "lifespan", "@app.on_event / add_event_handler / on_startup= hooks",
          "is deprecated, and FastAPI ignores such hooks once the app passes lifespan=", "Framework",
          fixed_by="AW301", context_free=True),
    Check("AW501", "blocking-http-call", "httpx/urllib3 module-level requests and urllib.request.urlopen in async code",
          "blocks the event loop for a whole network round trip", "HTTP", ("ASYNC210",), fixed_by="AW501"),
    Check("AW502", "urllib3-pool-request", "requests on a urllib3 pool in async code",
          "blocks the event loop for a whole network round trip", "HTTP", ("ASYNC211",)),
    Check("AW503", "sync-httpx-client", "methods of a sync httpx.Client in async code",
          "blocks the event loop for a whole network round trip", "HTTP", ("ASYNC212",)),
    Check("AW504", "subprocess-spawn", "subprocess.Popen, os.popen, os.spawn* without P_WAIT in async code",
          "starts a process with a blocking call", "Subprocess", ("ASYNC220",)),
    Check("AW505", "subprocess-run", "subprocess.run/call/check_*, os.system, os.posix_spawn* in async code",
          "blocks the event loop until the process exits", "Subprocess", ("ASYNC221",), fixed_by="AW505"),
    Check("AW506", "os-wait", "os.wait/waitpid and friends in async code", "blocks the event loop until a child exits",
          "Subprocess", ("ASYNC222",), fixed_by="AW506"),
    Check("AW507", "blocking-open", "open(), io.open(), Path.open()/read_text()/write_bytes()... in async code",
          "does blocking file I/O on the event loop", "File I/O", ("ASYNC230",), fixed_by="AW507"),
    Check("AW508", "os-fdopen", "os.fdopen() in async code", "does blocking file I/O on the event loop",
          "File I/O", ("ASYNC231",)),
    Check("AW509", "file-object-io", "read/write methods of a file object in async code",
          "does blocking file I/O on the event loop", "File I/O", ("ASYNC232",), fixed_by="AW507"),
    Check("AW510", "os-path", "os.path functions that touch the file system, in async code",
          "makes a blocking file-system call on the event loop", "File I/O", ("ASYNC240",), fixed_by="AW510"),
    Check("AW511", "input", "input() in async code", "blocks the event loop until a line is typed", "Console", ("ASYNC250",), fixed_by="AW511"),
    Check("AW512", "sync-db-client", "sync redis/psycopg2/sqlite3/pymysql clients created in async code",
          "is a sync client: every command blocks the event loop", "Databases and caches", fixed_by="AW512"),
    Check("AW513", "stripe-global-key", "a process-global `stripe.api_key = ...` assignment",
          "is process-global state shared by every concurrent request", "Global state", fixed_by="AW513", context_free=True),
    Check("AW515", "shutil-io", "shutil copies, moves, rmtree and archives in async code",
          "does blocking file-system work on the event loop", "File I/O", fixed_by="AW515"),
    Check("AW514", "client-per-call", "a sync requests.Session/httpx.Client created on every call of an async function",
          "opens a new sync connection pool on every call, and its requests block the event loop", "HTTP", fixed_by="AW201"),
)

BY_CODE = {c.code: c for c in CHECKS}


def check_only_rules() -> tuple[Rule, ...]:
    """Check rules no codemod declares: listed, selectable and explainable like the others."""
    codemod_codes = {r.code for r in CODEMOD_RULES}
    return tuple(c.as_rule() for c in CHECKS if c.code not in codemod_codes)
