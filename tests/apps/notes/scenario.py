"""Drive the notes API and the CLI over the same folder."""

import os

from appkit import concurrently, emit, outcome, response
from fastapi.testclient import TestClient

from notes import cli
from notes.api import app, log

same = {}
with TestClient(app, raise_server_exceptions=False) as client:
    same["started"] = list(log)
    same["create"] = response(client.post("/notes/groceries", json={"text": "milk, eggs"}))
    same["again"] = response(client.post("/notes/groceries", json={"text": "bread"}))
    same["bad_body"] = response(client.post("/notes/todo", json={"txt": "oops"}))
    same["cli_add"] = outcome(cli.main, ["add", "todo", "call the plumber about the milk"])
    same["cli_dup"] = outcome(cli.main, ["add", "todo", "again"])
    same["show"] = response(client.get("/notes/todo"))
    same["missing"] = response(client.get("/notes/nope"))
    same["list"] = response(client.get("/notes"))
    same["search"] = response(client.get("/search", params={"word": "milk"}))
    same["cli_show"] = outcome(cli.main, ["show", "groceries"])
    same["cli_missing"] = outcome(cli.main, ["show", "nope"])
    same["cli_archive"] = outcome(cli.main, ["archive", os.path.join(os.environ["APP_DATA"] + "-cli", "a")])
    timing = concurrently(lambda i: response(client.post(f"/archive/{i}")), 4)
emit(same, timing)
