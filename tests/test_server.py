"""`awaitify server` over stdio, a real subprocess (tests/lsp_client.py): diagnostics are `check`'s,
code actions' edits applied as an editor applies them give what `fix --write` writes. All rules on."""

from __future__ import annotations

import json
import shutil
import sys
import textwrap
from pathlib import Path

import pytest
from inprocess_cli import cli_here  # noqa: F401  (a fixture)
from lsp_client import Client, apply_workspace_edit

ROOT = Path(__file__).resolve().parents[1]
STORY = ROOT / "examples" / "story221_backend"


def _fixed_copy(cli_here, src: Path, dest: Path, *flags: str) -> Path:
    """A copy of `src` as `awaitify fix --write` leaves it (run in this process: no interpreter to start)."""
    shutil.copytree(src, dest)
    code, _, err = cli_here("fix", "--write", "--no-cache", *flags, ".", cwd=dest)
    assert code == 0, err
    return dest


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


@pytest.fixture
def client_for():
    clients: list[Client] = []

    def start(root: Path, options: dict | None = None, folders: list[Path] | None = None) -> Client:
        clients.append(Client(root, options, folders=folders))
        return clients[-1]
    yield start
    for client in clients:
        client.close()


def _apply(client: Client, action: dict, root: Path) -> set[Path]:
    """What an editor does with the action: each document edited (an open one through its buffer),
    then saved; returns the files changed."""
    texts = {client.uri(p): p.read_text(encoding="utf-8") for p in root.rglob("*.py")}
    changed = set()
    for uri, text in apply_workspace_edit(action["edit"], texts).items():
        path = next(p for p in root.rglob("*.py") if client.uri(p) == uri)
        path.write_text(text, encoding="utf-8")
        if uri in client.versions:
            client.change(path, text)
            client.save(path)
        changed.add(path)
    return changed


def _same_files(left: Path, right: Path, only: set[Path] | None = None) -> None:
    for path in sorted(left.rglob("*.py")):
        if only is None or path in only:
            rel = path.relative_to(left)
            assert path.read_text(encoding="utf-8") == (right / rel).read_text(encoding="utf-8"), rel


def test_diagnostics_and_actions_give_what_fix_writes(tmp_path: Path, client_for, cli_here) -> None:
    """initialize -> didOpen -> publishDiagnostics (the chain through a helper in another file as
    related information, the same findings as `check`) -> codeAction -> the WorkspaceEdit applied:
    the propagation unit changes the three files `fix` changes for it, as `fix --write` does."""
    work = shutil.copytree(STORY, tmp_path / "work")
    expected = _fixed_copy(cli_here, STORY, tmp_path / "expected")
    report = json.loads(cli_here("check", "--no-cache", "--format", "json", ".", cwd=work)[1])
    by_path: dict[str, list[dict]] = {}
    for finding in report["findings"]:
        by_path.setdefault(finding["path"], []).append(finding)
    client = client_for(work)
    for name in sorted(by_path):
        client.open(work / name)
    for name, findings in sorted(by_path.items()):
        published = client.diagnostics(work / name)
        assert [(d["code"], d["range"]["start"]["line"] + 1, d["range"]["start"]["character"] + 1, d["message"])
                for d in published] == [(f["code"], f["line"], f["column"], f["message"]) for f in findings]
        assert {d["source"] for d in published} == {"awaitify"}
    helper = work / "backend" / "authorization.py"
    [diagnostic] = [d for d in client.last_diagnostics[client.uri(helper)] if d["code"] == "AW101"]
    related = [(r["location"]["uri"].rsplit("/", 2)[-2:], r["location"]["range"]["start"]["line"] + 1)
               for r in diagnostic["relatedInformation"]]
    assert related == [(["backend", "deps.py"], 11), (["backend", "authorization.py"], 29)]

    assert client.code_actions(helper, 0) == []  # no finding there: nothing (the fix-all is asked for by kind)
    actions = client.code_actions(helper, diagnostic["range"]["start"]["line"], [diagnostic])
    [propagation] = [a for a in actions if a["kind"] == "quickfix" and "async" in a["title"]]
    assert propagation["title"] == ("awaitify: make `_check_user_roles` async and update its callers "
                                    "(4 call sites in 3 files)")
    versions = {c["textDocument"]["uri"].rsplit("/", 1)[-1]: c["textDocument"]["version"]
                for c in propagation["edit"]["documentChanges"]}
    assert versions == {"authorization.py": 1, "cli.py": None, "deps.py": None}  # deps.py, cli.py: not open
    changed = _apply(client, propagation, work)
    assert {p.name for p in changed} == {"authorization.py", "deps.py", "cli.py"}
    _same_files(work, expected, changed)
    assert not [d for d in client.diagnostics(helper) if d["code"] == "AW101"]  # the buffer's, after the edit


def test_each_files_fix_all_gives_what_fix_writes(tmp_path: Path, client_for, cli_here) -> None:
    """Fix all in each file (the kind asked for, as fix-on-save asks), applied in turn: the tree
    equals `fix --write`'s, and no diagnostic is left but the one refusal (the STORY-221 ping's
    asyncio.run() at import time, which neither command rewrites)."""
    work = shutil.copytree(STORY, tmp_path / "work")
    expected = _fixed_copy(cli_here, STORY, tmp_path / "expected")
    names = sorted({f["path"] for f in json.loads(cli_here("check", "--no-cache", "--format", "json", ".", cwd=work)[1])["findings"]})
    client = client_for(work)
    for name in names:
        client.open(work / name)
    for name in names:
        path = work / name
        [fix_all] = client.code_actions(path, 0, only=["source.fixAll"])
        assert fix_all["kind"] == "source.fixAll.awaitify"
        _apply(client, fix_all, work)
        refused = [("AW102", 18, 18)] if name.endswith("redis_client.py") else []
        assert [(d["code"], d["range"]["start"]["line"], d["range"]["start"]["character"])
                for d in client.diagnostics(path)] == refused
    _same_files(work, expected)


HELPER = {
    "app/__init__.py": "",
    "app/helpers.py": '''
        import time


        def pause():
            time.sleep(0.1)
            return 1
    ''',
    "app/routes.py": '''
        async def handler():
            return 1
    ''',
}


def test_diagnostics_follow_the_buffer_not_the_disk(tmp_path: Path, client_for) -> None:
    """didChange with unsaved text: the findings are the buffer's, the disk is untouched; a helper's
    finding in another open file appears once the buffer calls it from async code, and goes again."""
    root = _tree(tmp_path, HELPER)
    routes, helpers = root / "app" / "routes.py", root / "app" / "helpers.py"
    on_disk = routes.read_bytes()
    client = client_for(root)
    client.open(helpers)
    client.open(routes)
    assert client.diagnostics(helpers) == [] and client.diagnostics(routes) == []
    client.change(routes, "import time\n\nfrom app.helpers import pause\n\n\nasync def handler():\n"
                          "    time.sleep(1)\n    return pause()\n")
    [direct] = client.diagnostics(routes)
    assert (direct["code"], direct["range"]["start"]) == ("AW101", {"line": 6, "character": 4})
    [through] = client.diagnostics(helpers)  # republished: its finding comes from the other buffer
    assert through["code"] == "AW101" and "reached from async `app.routes.handler`" in through["message"]
    assert through["relatedInformation"][0]["location"]["uri"] == client.uri(routes)
    assert routes.read_bytes() == on_disk
    client.change(routes, "async def handler():\n    return 2\n")
    assert client.diagnostics(routes) == [] and client.diagnostics(helpers) == []


def test_suppressed_and_broken_files(tmp_path: Path, client_for, cli_here) -> None:
    """A suppressed line gets no diagnostic; a file that does not parse gets AW000 (an error), as
    `check` reports it, and the server keeps serving it once it parses again."""
    root = _tree(tmp_path, {
        "quiet.py": '''
            import time


            async def handler():
                time.sleep(1)  # awaitify: ignore[AW101]
                time.sleep(2)  # noqa: ASYNC251
        ''',
        "broken.py": "import time\n\n\nasync def handler(:\n    time.sleep(1)\n",
    })
    client = client_for(root)
    client.open(root / "quiet.py")
    client.open(root / "broken.py")
    assert client.diagnostics(root / "quiet.py") == []
    [broken] = client.diagnostics(root / "broken.py")
    expected = cli_here("check", "--no-cache", "broken.py", cwd=root)[1].decode().splitlines()[0]
    assert (broken["code"], broken["severity"]) == ("AW000", 1)
    assert expected.startswith(f"broken.py:{broken['range']['start']['line'] + 1}:1 AW000 {broken['message']}")
    assert client.code_actions(root / "broken.py", 0) == []
    client.change(root / "broken.py", "import time\n\n\nasync def handler():\n    time.sleep(1)\n")
    assert [d["code"] for d in client.diagnostics(root / "broken.py")] == ["AW101"]


UNSAFE = {
    "app/__init__.py": "",
    "app/db.py": '''
        import contextvars
        import os

        request_id = contextvars.ContextVar("request_id", default="none")


        def tag(value):
            os.path.isdir(value)
            request_id.set(value)
            return value
    ''',
    "app/routes.py": '''
        from app.db import tag


        async def handler(value):
            return tag(value)
    ''',
}


def test_an_unsafe_fix_only_when_the_settings_allow_it(tmp_path: Path, client_for, cli_here) -> None:
    """Offloading a helper that sets a ContextVar is unsafe: by default no action, and the diagnostic
    says why (as `check` does); with `unsafe-fixes` in initializationOptions the action is offered
    and gives what `fix --unsafe-fixes --write` writes."""
    root = _tree(tmp_path / "work", UNSAFE)
    expected = _fixed_copy(cli_here, root, tmp_path / "expected", "--unsafe-fixes")
    db = root / "app" / "db.py"
    for options, offered in (({}, False), ({"unsafe-fixes": True}, True)):
        client = client_for(root, options)
        client.open(db)
        [diagnostic] = client.diagnostics(db)
        assert ("not fixed: offloading `app.db.tag` is an unsafe fix" in diagnostic["message"]) is not offered
        actions = client.code_actions(db, diagnostic["range"]["start"]["line"], [diagnostic])
        assert bool(actions) is offered
    [offload] = [a for a in actions if a["kind"] == "quickfix" and "offload" in a["title"]]
    changed = _apply(client, offload, root)
    assert {p.name for p in changed} == {"routes.py"}
    _same_files(root, expected)


def test_positions_count_utf16_code_units(tmp_path: Path, client_for, cli_here) -> None:
    """An emoji (two UTF-16 code units) before the call on its line: the range starts after it as
    the protocol counts; the fix's edit applied by UTF-16 positions gives `fix --write`'s file."""
    root = _tree(tmp_path / "work", {"emoji.py": '''
        import time


        async def handler():
            x = "\U0001F600é"; time.sleep(1)
            return x  # \U0001F600'''})
    expected = _fixed_copy(cli_here, root, tmp_path / "expected")
    client = client_for(root)
    client.open(root / "emoji.py")
    [diagnostic] = client.diagnostics(root / "emoji.py")
    assert diagnostic["range"] == {"start": {"line": 4, "character": 15}, "end": {"line": 4, "character": 28}}
    [fix, *_] = client.code_actions(root / "emoji.py", 4, [diagnostic])
    _apply(client, fix, root)
    _same_files(root, expected)


def test_requests_it_cannot_serve_are_logged_not_fatal(tmp_path: Path, client_for) -> None:
    """A bad [tool.awaitify], a file outside the workspace, a closed file: logged (window/logMessage)
    or answered with nothing, and the server keeps serving."""
    root = _tree(tmp_path / "work", {**HELPER, "pyproject.toml": "[tool.awaitify]\npropagate = 'sometimes'\n"})
    outside = _tree(tmp_path / "elsewhere", {"x.py": "import time\n\n\nasync def f():\n    time.sleep(1)\n"})
    client = client_for(root)
    client.open(outside / "x.py")
    client.open(root / "app" / "helpers.py")
    message = client.wait(lambda m: m.get("method") == "window/logMessage" and "failed: ConfigError" in m["params"]["message"])
    assert "propagate" in message["params"]["message"]
    assert client.code_actions(outside / "x.py", 4) == []
    assert client.code_actions(root / "app" / "routes.py", 0) == []  # not open
    (root / "pyproject.toml").write_text("[tool.awaitify]\n", encoding="utf-8")
    client.notify("workspace/didChangeWatchedFiles", {"changes": [{"uri": client.uri(root / "pyproject.toml"), "type": 2}]})
    assert client.diagnostics(root / "app" / "helpers.py") == []
    assert any("outside the workspace" in line for line in client.logs())
    [watch] = [m for m in client.registered if m["method"] == "client/registerCapability"]
    assert [w["globPattern"] for w in watch["params"]["registrations"][0]["registerOptions"]["watchers"]] == [
        "**/*.py", "**/pyproject.toml", "**/.gitignore"]


def test_a_file_too_large_is_named_not_audited(tmp_path: Path, client_for) -> None:
    """Past `max-file-size`, the file is not read (as `check` skips it): one error diagnostic says so."""
    root = _tree(tmp_path, {"pyproject.toml": "[tool.awaitify]\nmax-file-size = 200\n",
                            "big.py": "import time\n\n\nasync def f():\n    time.sleep(1)\n" + "# padding\n" * 40})
    client = client_for(root)
    client.open(root / "big.py")
    [diagnostic] = client.diagnostics(root / "big.py")
    assert diagnostic["severity"] == 1 and diagnostic["message"].startswith("not audited: too large to transform")
    assert client.code_actions(root / "big.py", 4) == []


def test_without_pygls_the_command_says_what_to_install(monkeypatch, capsys) -> None:
    from awaitify import cli

    for name in [n for n in sys.modules if n == "pygls" or n.startswith(("pygls.", "awaitify.server.protocol"))]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "pygls", None)
    with pytest.raises(SystemExit) as exit_:
        cli.main(["server"])
    assert exit_.value.code == 2
    assert capsys.readouterr().err == "awaitify: error: the language server needs pygls and lsprotocol: pip install 'awaitify[server]'\n"


def test_only_the_server_package_imports_pygls() -> None:
    """The rest of awaitify runs without the `server` extra."""
    import ast

    package = ROOT / "src" / "awaitify"
    for path in package.rglob("*.py"):
        if path.is_relative_to(package / "server"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            assert not [n for n in names if n.split(".")[0] in ("pygls", "lsprotocol")], path


def test_a_findings_quickfix_changes_that_finding_only(tmp_path: Path, client_for, cli_here) -> None:
    """Two blocking calls in one file: each quickfix is its own change with what it needs (the
    import), the other call left as it is; the two applied in turn give `fix --write`'s file."""
    root = _tree(tmp_path / "work", {"two.py": '''
        import time


        async def first():
            time.sleep(1)


        async def second():
            time.sleep(2)
    '''})
    expected = _fixed_copy(cli_here, root, tmp_path / "expected")
    path = root / "two.py"
    client = client_for(root)
    client.open(path)
    first, second = client.diagnostics(path)
    [fix, fix_all, _] = client.code_actions(path, first["range"]["start"]["line"], [first])
    assert (fix["title"], fix_all["title"]) == ("awaitify: fix time.sleep() (AW101)", "awaitify: fix all in this file")
    _apply(client, fix, root)
    text = path.read_text(encoding="utf-8")
    assert "await asyncio.sleep(1)" in text and "    time.sleep(2)" in text and "import asyncio" in text
    [left] = client.diagnostics(path)
    assert left["message"] == second["message"]
    assert left["range"]["start"]["line"] == second["range"]["start"]["line"] + 1  # below `import asyncio`
    [fix, *_] = client.code_actions(path, left["range"]["start"]["line"], [left])
    _apply(client, fix, root)
    _same_files(root, expected)


def test_each_workspace_folder_is_checked_with_its_own_settings(tmp_path: Path, client_for) -> None:
    """Two folders (VS Code's multi-root workspace, or one added later): each file is checked in its
    own folder, under that folder's [tool.awaitify]; a code action edits within it."""
    sleeper = "import time\n\n\nasync def handler():\n    time.sleep(1)\n"
    one = _tree(tmp_path / "one", {"a.py": sleeper})
    two = _tree(tmp_path / "two", {"b.py": sleeper, "pyproject.toml": "[tool.awaitify]\nignore = [\"AW101\"]\n"})
    three = _tree(tmp_path / "three", {"c.py": sleeper})
    client = client_for(one, folders=[one, two])
    client.open(one / "a.py")
    client.open(two / "b.py")
    assert [d["code"] for d in client.diagnostics(one / "a.py")] == ["AW101"]
    assert client.diagnostics(two / "b.py") == []  # its folder's settings ignore AW101
    client.notify("workspace/didChangeWorkspaceFolders", {"event": {
        "added": [{"uri": three.as_uri(), "name": "three"}], "removed": []}})
    client.open(three / "c.py")
    [finding] = client.diagnostics(three / "c.py")
    [fix, *_] = client.code_actions(three / "c.py", 4, [finding])
    assert {c["textDocument"]["uri"] for c in fix["edit"]["documentChanges"]} == {client.uri(three / "c.py")}
