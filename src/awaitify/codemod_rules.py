"""Names the pre-checks (awaitify.prechecks) and check's scanner (awaitify.audit.scan) still import
from here. Each rule declares itself in its folder (`awaitify.rules.<name>.RULE`) and the registry
(`awaitify.rules`) lists them; this module is only a view, to be deleted once those two read the
rules' folders (the detectors, issue 24 item 1). Importing it imports no libcst."""

from __future__ import annotations

from awaitify.rule import Rule
from awaitify.rules.asyncio_run import RULE as ASYNCIO_RUN
from awaitify.rules.blocking_http_call import RULE as BLOCKING_HTTP_CALL
from awaitify.rules.blocking_open import PATH_IO_METHODS
from awaitify.rules.blocking_open import RULE as BLOCKING_OPEN
from awaitify.rules.input import RULE as INPUT
from awaitify.rules.lifespan import LIFESPAN_HOOKS
from awaitify.rules.os_path import RULE as OS_PATH
from awaitify.rules.os_wait import RULE as OS_WAIT
from awaitify.rules.requests_httpx import RULE as REQUESTS_HTTPX
from awaitify.rules.shutil_io import RULE as SHUTIL_IO
from awaitify.rules.sleep import RULE as SLEEP
from awaitify.rules.subprocess_run import RULE as SUBPROCESS_RUN
from awaitify.rules.sync_db_client import RULE as SYNC_DB_CLIENT

__all__ = ["ASYNCIO_RUN", "BLOCKING_HTTP_CALL", "BLOCKING_OPEN", "INPUT", "LIFESPAN_HOOKS", "OS_PATH", "OS_WAIT",
           "PATH_IO_METHODS", "REQUESTS_HTTPX", "Rule", "SHUTIL_IO", "SLEEP", "SUBPROCESS_RUN", "SYNC_DB_CLIENT"]
