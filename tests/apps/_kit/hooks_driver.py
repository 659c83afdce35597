"""Start and stop `app.app` under TestClient and print the hooks that ran (`recorder.events`), split
at the end of startup, and the exception that aborted startup, if any. ALSO_IMPORT (comma-separated
module names) imports more modules after the app, as pytest imports a conftest.py."""

import importlib
import json
import os
import sys

from app import app
from fastapi.testclient import TestClient
from recorder import events

for module in filter(None, os.environ.get("ALSO_IMPORT", "").split(",")):
    importlib.import_module(module)

started, error = None, None
try:
    with TestClient(app):
        started = list(events)
except Exception as exc:  # noqa: BLE001 - a startup hook that raises aborts startup: compared too
    error = type(exc).__name__
if started is None:
    started, stopped = list(events), []
else:
    stopped = events[len(started):]
sys.stdout.write(json.dumps({"started": started, "stopped": stopped, "error": error}) + "\n")
