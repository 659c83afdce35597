"""`awaitify check`: every rule positive and negative (all import forms), chains across modules,
suppressions, configuration, output formats, and agreement with `fix`."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from awaitify.audit.engine import run_check
from awaitify.config import Config
from awaitify.nearest_config import discover
from awaitify.rules import select_rules


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def _check(root: Path, files: dict[str, str] | None = None, config: Config | None = None, select=(), ignore=()):
    if files:
        _write(root, files)
    config = config or discover(root)
    return run_check([root], config, select_rules(select or config.select, (*config.ignore, *ignore), checks=True))


def _codes(root: Path, body: str, header: str = "", is_async: bool = True) -> list[str]:
    code = textwrap.dedent(header) + "\n\n" + ("async " if is_async else "") + "def handler(x, p):\n" + textwrap.indent(textwrap.dedent(body), "    ")
    (root / "mod.py").write_text(code, encoding="utf-8")
    return [f.code for f in _check(root).findings]


# (imports, statement in the handler, expected code) -- one row per rule and import form
POSITIVE = [
    ("import time", "time.sleep(1)", "AW101"),
    ("import time as t", "t.sleep(1)", "AW101"),
    ("from time import sleep as nap", "nap(1)", "AW101"),
    ("import asyncio", "asyncio.run(x())", "AW102"),
    ("import asyncio", "asyncio.get_event_loop().run_until_complete(x())", "AW102"),
    ("import requests", "requests.get(p)", "AW201"),
    ("from requests import post", "post(p, data=x)", "AW201"),
    ("import requests as rq", "rq.request('GET', p)", "AW201"),
    ("import httpx", "httpx.get(p)", "AW501"),
    ("import urllib3", "urllib3.request('GET', p)", "AW501"),
    ("from urllib.request import urlopen", "urlopen(p).read()", "AW501"),
    ("import urllib3", "pool = urllib3.PoolManager()\npool.request('GET', p)", "AW502"),
    ("import httpx", "with httpx.Client() as c:\n    c.get(p)", "AW514 AW503"),
    ("import httpx", "client = httpx.Client()", "AW514"),
    ("import subprocess", "subprocess.Popen(['ls'])", "AW504"),
    ("import os", "os.popen('ls')", "AW504"),
    ("import os", "os.spawnl(os.P_NOWAIT, '/bin/ls', 'ls')", "AW504"),
    ("import subprocess", "subprocess.run(['ls'], check=True)", "AW505"),
    ("from subprocess import check_output as co", "co(['ls'])", "AW505"),
    ("import os", "os.system('ls')", "AW505"),
    ("import os", "os.spawnl(os.P_WAIT, '/bin/ls', 'ls')", "AW505"),
    ("import os", "os.waitpid(x, 0)", "AW506"),
    ("", "open(p)", "AW507"),
    ("import io", "io.open(p)", "AW507"),
    ("from pathlib import Path", "Path(p).read_text()", "AW507"),
    ("import pathlib", "q = pathlib.Path(p)\nq.write_bytes(b'')", "AW507"),
    ("import os", "os.fdopen(x)", "AW508"),
    ("", "with open(p) as fh:\n    fh.read()", "AW507 AW509"),
    ("import os.path", "os.path.exists(p)", "AW510"),
    ("from os import path", "path.getsize(p)", "AW510"),
    ("", "input()", "AW511"),
    ("import redis", "r = redis.Redis()", "AW512"),
    ("import redis", "r = redis.Redis.from_url(x)", "AW512"),
    ("from redis import StrictRedis", "r = StrictRedis.from_url(x)", "AW512"),
    ("import sqlite3", "sqlite3.connect(p)", "AW512"),
    ("import psycopg2", "psycopg2.connect(p)", "AW512"),
    ("import requests", "s = requests.Session()", "AW514"),
]


@pytest.mark.parametrize("header, body, expected", POSITIVE, ids=[f"{e}-{b.splitlines()[0][:30]}" for _, b, e in POSITIVE])
def test_rule_positive(tmp_path: Path, header: str, body: str, expected: str) -> None:
    assert " ".join(_codes(tmp_path, body, header)) == expected


NEGATIVE = [
    ("import time", "time.sleep(1)", False),  # sync function nobody async calls
    ("import asyncio", "await asyncio.sleep(1)", True),
    ("import os", "os.path.join(p, 'x')", True),  # pure path arithmetic
    ("", "def sleep(s):\n    pass\nsleep(1)", True),  # a local helper called sleep
    ("import asyncio, time", "await asyncio.to_thread(time.sleep, 1)", True),
    ("import asyncio", "await asyncio.to_thread(lambda: open(p).read())", True),
    ("import asyncio, subprocess", "def work():\n    subprocess.run(['ls'])\nawait asyncio.to_thread(work)", True),
    ("import asyncio", "loop = asyncio.get_running_loop()\nawait loop.run_in_executor(None, lambda: input())", True),
    ("import httpx", "async with httpx.AsyncClient() as c:\n    await c.get(p)", True),
    ("", "x.read()\nx.write('s')", True),  # not known to be a file
    ("import stripe", "stripe.api_key = p", True),  # not module level
    ("from gevent import sleep", "sleep(1)", True),
]


@pytest.mark.parametrize("header, body, is_async", NEGATIVE, ids=[b.splitlines()[-1][:40] for _, b, _ in NEGATIVE])
def test_rule_negative(tmp_path: Path, header: str, body: str, is_async: bool) -> None:
    assert _codes(tmp_path, body, header, is_async) == []


def test_context_free_rules(tmp_path: Path) -> None:
    result = _check(tmp_path, {"app.py": """
        import stripe
        from fastapi import FastAPI

        stripe.api_key = "sk_test"
        app = FastAPI(on_startup=[print])


        @app.on_event("startup")
        def boot():
            pass
    """})
    assert [(f.line, f.code) for f in result.findings] == [(4, "AW513"), (5, "AW301"), (8, "AW301")]
    assert [f.fixable for f in result.findings] == [True, True, True]


CHAIN = {
    "svc/__init__.py": "",
    "svc/io_helpers.py": """
        import requests


        def fetch(url):
            return requests.get(url, timeout=5).json()


        def lookup(user):
            return fetch(f"https://org.invalid/{user}")
    """,
    "svc/handlers.py": """
        from svc.io_helpers import lookup


        async def on_request(user):
            return lookup(user)


        def sync_endpoint(user):
            return lookup(user)
    """,
}


def test_chain_across_modules(tmp_path: Path) -> None:
    (finding,) = _check(tmp_path, CHAIN).findings
    assert (finding.path.endswith("io_helpers.py"), finding.line, finding.code) == (True, 5, "AW201")
    assert [(link.function, link.line, link.is_async) for link in finding.chain] == [
        ("svc.handlers.on_request", 5, True), ("svc.io_helpers.lookup", 9, False)]
    assert finding.function == "svc.io_helpers.fetch"


def test_code_only_sync_endpoints_reach_is_not_reported(tmp_path: Path) -> None:
    files = dict(CHAIN)
    files["svc/handlers.py"] = files["svc/handlers.py"].replace("async def on_request", "def on_request")
    assert _check(tmp_path, files).findings == []


@pytest.mark.parametrize("comment, hidden", [
    ("# awaitify: ignore", True), ("# awaitify: ignore[AW101]", True), ("# awaitify: ignore[AW101, AW201]", True),
    ("# awaitify: ignore[AW201]", False), ("# noqa: ASYNC251", True), ("# noqa: ASYNC251,E501", True),
    ("# noqa: ASYNC210", False), ("# noqa", True), ("# noqa: AW101", True),
])
def test_suppressions(tmp_path: Path, comment: str, hidden: bool) -> None:
    result = _check(tmp_path, {"m.py": f"import time\n\n\nasync def h():\n    time.sleep(1)  {comment}\n"})
    # AW201 names nothing on that line: reported as an unused suppression (AW001), apart from the rest
    unused = [f.message for f in result.findings if f.code == "AW001"]
    assert ([f for f in result.findings if f.code != "AW001"] == []) is hidden and result.suppressed == int(hidden)
    assert unused == (["`# awaitify: ignore[AW201]` suppresses nothing on its line: no AW201 finding stands there"]
                      if "AW201" in comment else [])


def test_config_keys(tmp_path: Path) -> None:
    _write(tmp_path, {
        "pyproject.toml": """
            [tool.awaitify]
            ignore = ["AW510"]
            extend-exclude = ["legacy"]
            per-file-ignores = { "scripts/*" = ["AW5"] }

            [tool.awaitify.blocking-calls]
            "corp.storage.get_blob" = { replace = "corp.storage.aget_blob" }
        """,
        "app.py": """
            import os
            import subprocess
            from corp.storage import get_blob


            async def handler(p):
                os.path.exists(p)
                subprocess.run(["ls"])
                return get_blob(p)
        """,
        "legacy/old.py": "import time\n\n\nasync def h():\n    time.sleep(1)\n",
        "scripts/tool.py": "import subprocess\n\n\nasync def h():\n    subprocess.run(['ls'])\n",
    })
    result = _check(tmp_path)
    assert [(Path(f.path).name, f.code) for f in result.findings] == [("app.py", "AW505"), ("app.py", "AW103")]
    assert "await corp.storage.aget_blob()" in result.findings[1].message


@pytest.mark.parametrize("table, message", [
    ('selekt = ["AW1"]', "unknown key `selekt`"),
    ('select = "AW1"', "`select` must be a list of strings"),
    ('select = ["AW999"]', "unknown rule `AW999`"),
    ('propagate = "sometimes"', "`propagate` must be one of auto, offload, off"),
    ('target = "curio"', "`target` must be one of asyncio, anyio, trio"),
    ('subprocess = "fork"', "`subprocess` must be one of thread, exec"),
    ('per-file-ignores = ["x"]', "`per-file-ignores` must be a table"),
    ('blocking-calls = { "get_blob" = "offload" }', "use the dotted name"),
    ('blocking-calls = { "a.b" = "later" }', '`blocking-calls.a.b` must be "offload" or'),
    ("select = [", "invalid TOML"),
])
def test_bad_config_is_one_line_exit_2(tmp_path: Path, cli, table: str, message: str) -> None:
    (tmp_path / "pyproject.toml").write_text(f"[tool.awaitify]\n{table}\n")
    (tmp_path / "m.py").write_text("x = 1\n")
    code, out, err = cli("check", ".")
    assert code == 2 and out == b""
    assert err.startswith("awaitify: error:") and message in err and err.count("\n") == 1


def test_exit_codes_and_formats(tmp_path: Path, cli) -> None:
    _write(tmp_path, CHAIN)
    code, out, err = cli("check", ".")
    assert code == 1
    assert out.decode().splitlines()[:3] == [
        "svc/io_helpers.py:5:12 AW201 requests.get() blocks the event loop for a whole network round trip "
        "(reached from async `svc.handlers.on_request`) [*]",
        "    async svc.handlers.on_request calls (svc/handlers.py:5)",
        "    svc.io_helpers.lookup calls (svc/io_helpers.py:9)",
    ]
    code, out, _ = cli("check", "--format", "json", ".")
    data = json.loads(out)
    (finding,) = data["findings"]
    assert set(finding) >= {"path", "line", "column", "code", "message", "fixable", "chain"}
    assert finding["chain"][0] == {"function": "svc.handlers.on_request", "path": "svc/handlers.py", "line": 5, "async": True}
    code, out, _ = cli("check", "--format", "markdown", ".")
    report = out.decode()
    assert report.startswith("# Async safety audit") and "## HTTP" in report
    assert "| `svc/io_helpers.py` | `svc.io_helpers.fetch` | 5 | `requests.get()` | AW201 | svc.handlers.on_request → svc.io_helpers.lookup |" in report
    code, out, err = cli("check", "--select", "AW5", ".")
    assert code == 0 and out == b"" and "0 findings" in err
    code, _, err = cli("check", "--format", "xml", ".")
    assert code == 2 and "--format must be one of" in err


BOT = {
    "bot/__init__.py": "",
    "bot/storage.py": """
        import json
        import requests


        def load_settings(path):
            with open(path) as fh:
                return json.load(fh)


        def fetch_avatar(user_id):
            response = requests.get(f"https://cdn.invalid/{user_id}", timeout=10)
            return response.content
    """,
    "bot/handlers.py": """
        import asyncio
        import subprocess
        import time

        from bot.storage import fetch_avatar, load_settings


        async def on_join(user_id):
            avatar = fetch_avatar(user_id)
            time.sleep(0.5)
            return avatar


        async def on_command(cmd):
            settings = await asyncio.to_thread(load_settings, "settings.json")
            result = await asyncio.to_thread(lambda: subprocess.run(cmd, capture_output=True))
            return settings, result


        async def on_report(path):
            proc = subprocess.run(["wc", "-l", path], capture_output=True, text=True)
            return proc.stdout


        def cli_main():
            print(load_settings("settings.json"))
    """,
}


def test_realistic_bot_gives_exactly_the_expected_findings(tmp_path: Path) -> None:
    result = _check(tmp_path, BOT)
    found = [(Path(f.path).name, f.line, f.code, f.fixable, [link.function for link in f.chain]) for f in result.findings]
    assert found == [
        ("handlers.py", 10, "AW101", True, []),
        ("handlers.py", 21, "AW505", True, []),
        ("storage.py", 11, "AW201", True, ["bot.handlers.on_join"]),
    ]


def test_check_and_fix_agree(tmp_path: Path, cli) -> None:
    _write(tmp_path, BOT)
    before = _check(tmp_path).findings
    code, _, err = cli("fix", "--write", "--allow-dirty", "--no-cache", ".")
    assert code == 0, err
    after = _check(tmp_path).findings
    assert not [f for f in after if f.fixable]
    unfixable = [(f.path, f.code) for f in before if not f.fixable]
    assert [(f.path, f.code) for f in after] == unfixable


def test_rules_lists_check_rules_and_explain_finds_them(cli) -> None:
    code, out, _ = cli("rules")
    lines = out.decode().splitlines()
    assert any(line.startswith("AW505") for line in lines) and any(line.startswith("AW101") and " fix " in line for line in lines)


def test_propagate_off_makes_chain_findings_manual(tmp_path: Path) -> None:
    _write(tmp_path, {"m.py": """
        import time


        def helper():
            time.sleep(1)


        async def handler():
            helper()
    """})
    (finding,) = _check(tmp_path).findings
    assert finding.fixable
    (finding,) = _check(tmp_path, config=Config(root=tmp_path, propagate="off")).findings
    assert not finding.fixable


def test_unparsable_file_is_reported_and_the_rest_audited(tmp_path: Path, cli) -> None:
    # bad.py is read because async code imports from it; a broken file nothing async spells or
    # reaches is parsed only to be named (awaitify.engine.syntax)
    _write(tmp_path, {"bad.py": "import time\ndef broken(:\n    time.sleep(1)\n",
                      "good.py": "import time\nfrom bad import broken\n\nasync def h():\n    time.sleep(1)\n    broken()\n",
                      "unrelated_bad.py": "import time\ndef broken(:\n    time.sleep(1)\n"})
    code, out, err = cli("check", ".")
    assert code == 1 and b"good.py:5:5 AW101" in out
    assert b"bad.py:2:1 AW000 cannot parse: " in out and b"unrelated_bad.py:2:1 AW000 cannot parse: " in out


def test_fix_honours_the_same_suppressions(tmp_path: Path, cli) -> None:
    _write(tmp_path, {"m.py": """
        import time


        def helper():
            time.sleep(1)  # awaitify: ignore[AW101]


        async def h():
            helper()
            time.sleep(2)  # noqa: ASYNC251
            time.sleep(3)
            return input("name? ").strip()
    """})
    code, out, _ = cli("fix", ".")
    patch = out.decode()
    assert "+    await asyncio.sleep(3)" in patch and "+    return (await asyncio.to_thread(input, \"name? \")).strip()" in patch
    added = [line for line in patch.splitlines() if line.startswith("+") and not line.startswith("+++")]
    assert not [line for line in added if "sleep(1)" in line or "sleep(2)" in line or "def helper" in line]
    code, out, err = cli("check", ".")
    assert [line.split()[1] for line in out.decode().splitlines()] == ["AW101", "AW511"] and "2 suppressed" in err


def test_requests_response_bound_otherwise_is_manual_in_check_and_refused_by_fix(tmp_path: Path, cli) -> None:
    _write(tmp_path, {"m.py": """
        import requests


        async def f(url, cached):
            r = cached
            if not cached:
                r = requests.get(url)
            return r.ok


        async def g(url):
            r = requests.get(url)
            return r.ok
    """})
    findings = _check(tmp_path).findings
    assert [(f.line, f.fixable) for f in findings] == [(7, False), (12, True)]
    cli("fix", "--write", "--allow-dirty", "--no-cache", ".")
    fixed = (tmp_path / "m.py").read_text().splitlines()
    refused = next(i for i, text in enumerate(fixed, 1) if text.strip() == "r = requests.get(url)")  # (below what AW201 adds)
    assert [(f.line, f.fixable) for f in _check(tmp_path).findings] == [(refused, False)]


def test_stripe_findings_are_fixable_whether_or_not_stripe_is_installed(tmp_path: Path, monkeypatch) -> None:
    """AW513 reads the tables shipped with awaitify, never the stripe package where it runs."""
    import sys

    files = {"pay.py": "import stripe\n\nstripe.api_key = 'sk_test'\n"}
    assert [f.fixable for f in _check(tmp_path, files).findings] == [True]
    monkeypatch.setitem(sys.modules, "stripe", None)  # `import stripe` now fails
    (tmp_path / "other").mkdir()
    assert [f.fixable for f in _check(tmp_path / "other", {"pay.py": files["pay.py"]}).findings] == [True]


def test_requests_sessions_and_streams_are_fixable_exactly_where_fix_converts_them(tmp_path: Path, cli) -> None:
    _write(tmp_path, {"m.py": """
        import requests


        async def download(url, f):
            r = requests.get(url, stream=True)
            for chunk in r.iter_content(8192):
                f.write(chunk)
            return r.status_code


        async def lines(url):
            r = requests.get(url, stream=True)
            return list(r.iter_lines())


        async def session(url):
            s = requests.Session()
            s.headers["X"] = "1"
            return s.get(url).json()


        async def with_session(url):
            with requests.Session() as s:
                return s.get(url).json()


        async def returned(url):
            s = requests.Session()
            s.get(url)
            return s
    """, "helpers.py": """
        import requests


        def fetch(u):  # made async by propagation for its requests.get: its session is converted too
            s = requests.Session()
            x = requests.get(u)
            return s.get(u).text, x.status_code  # (x itself returned: refused, its users unseen)


        def only_session(u):  # nothing makes it async: its session stays
            s = requests.Session()
            return s.get(u).text


        def unreached(u):
            s = requests.Session()
            return s.get(u).text


        async def handler(u):
            return fetch(u), only_session(u)
    """})
    found = [(Path(f.path).name, f.line, f.code, f.fixable) for f in _check(tmp_path).findings]
    assert found == [("helpers.py", 6, "AW201", True), ("helpers.py", 7, "AW201", True), ("helpers.py", 12, "AW201", False),
                     ("m.py", 5, "AW201", True), ("m.py", 12, "AW201", False), ("m.py", 17, "AW514", True),
                     ("m.py", 19, "AW201", True), ("m.py", 23, "AW514", True), ("m.py", 24, "AW201", True),
                     ("m.py", 28, "AW514", False), ("m.py", 29, "AW201", False)]
    code, _, err = cli("fix", "--write", "--allow-dirty", "--no-cache", ".")
    assert code == 0, err
    after = [(Path(f.path).name, f.code, f.fixable) for f in _check(tmp_path).findings]
    assert after == [(path, code, fixable) for path, _, code, fixable in found if not fixable]
    assert "def unreached(u):\n    s = requests.Session()" in (tmp_path / "helpers.py").read_text()


def test_a_file_block_holding_async_code_is_not_called_fixable(tmp_path: Path) -> None:
    """What fix leaves after converting a requests stream inside `with open(...)`: the block now
    holds `async with`/`async for`, so it cannot run in a thread, and check must not promise it."""
    found = _check(tmp_path, {"mod.py": """
        async def download(client, url, path):
            with open(path, "wb") as f:
                async with client.stream("GET", url) as r:
                    async for chunk in r.aiter_bytes():
                        f.write(chunk)
            with open(path + ".log", "a") as log:
                log.write([c async for c in client.lines()][0])


        async def plain(path):
            with open(path) as f:
                return_value = f.read()
            return return_value
    """}).findings
    fixable = sorted((f.line, f.code) for f in found if f.fixable)
    assert [(f.line, f.code) for f in found if f.code in ("AW507", "AW509") and f.line < 9 and f.fixable] == []
    assert (11, "AW507") in fixable


def test_a_file_that_does_not_parse_is_a_finding_where_fix_says_the_same(tmp_path: Path, cli) -> None:
    (tmp_path / "bad.py").write_text("import time\n\n\nasync def h(:\n    time.sleep(1)\n")
    code, out, err = cli("check", "--no-cache", ".", cwd=tmp_path)
    assert code == 1 and out.decode() == "bad.py:4:1 AW000 cannot parse: invalid syntax (line 4)\n"
    code, _, err = cli("fix", "--check", "--no-cache", ".", cwd=tmp_path)
    assert code == 1 and "bad.py: cannot parse: invalid syntax (line 4)" in err
    code, out, _ = cli("check", "--no-cache", "--format", "json", ".", cwd=tmp_path)
    data = json.loads(out)
    assert [(f["code"], f["line"], f["fixable"]) for f in data["findings"]] == [("AW000", 4, False)] and data["errors"] == []
    code, out, _ = cli("explain", "AW000")
    assert out.decode().startswith("# AW000 `syntax-error`")


def test_a_broken_file_no_rule_would_read_is_named_by_both_commands(tmp_path: Path, cli) -> None:
    """No trigger word, no async code: the pre-checks skip it, but a file Python cannot parse is
    named all the same (AW000, exit 1), cold and warm, as ruff names every syntax error."""
    (tmp_path / "ok.py").write_text("x = 1\n")
    (tmp_path / "notes.py").write_text("def f(:\n    pass\n")
    for _ in range(2):  # the second run answers from the cache
        code, out, _ = cli("check", ".", cwd=tmp_path)
        assert code == 1 and out.decode().startswith("notes.py:1:")
        assert "AW000 cannot parse: " in out.decode()
        code, _, err = cli("fix", "--check", ".", cwd=tmp_path)
        assert code == 1 and "notes.py: cannot parse: " in err and "1 skipped" in err
    (tmp_path / "notes.py").write_text("def f():\n    pass\n")
    assert cli("check", ".", cwd=tmp_path)[0] == 0 and cli("fix", "--check", ".", cwd=tmp_path)[0] == 0


def test_a_file_only_the_symbol_table_refuses_is_not_named(tmp_path: Path, cli) -> None:
    """A module-level `nonlocal` parses (`ast.parse` takes it; only compiling refuses it): the cheap
    syntax check's refusal is overruled by the parse, so neither command names the file."""
    (tmp_path / "ok.py").write_text("x = 1\n")
    (tmp_path / "odd.py").write_text("nonlocal x\n")
    code, out, _ = cli("check", "--no-cache", ".", cwd=tmp_path)
    assert code == 0 and "AW000" not in out.decode()
    code, _, err = cli("fix", "--check", "--no-cache", ".", cwd=tmp_path)
    assert code == 0 and "cannot parse" not in err


def test_check_honours_max_file_size_as_fix_does(tmp_path: Path, cli) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.awaitify]\nmax-file-size = 100\n")
    (tmp_path / "big.py").write_text("import time\n\n\nasync def h():\n    time.sleep(1)\n" + "# pad\n" * 40)
    code, out, err = cli("check", "--no-cache", ".", cwd=tmp_path)
    assert out == b"" and "big.py" in err and "1 not readable" in err


def test_suppressions_that_suppress_nothing_are_reported(tmp_path: Path, cli) -> None:
    _write(tmp_path, {"m.py": """
        import time


        def helper():
            time.sleep(1)  # awaitify: ignore[AW101]


        async def h():
            time.sleep(1)  # awaitify: ignore[AW101]
            a = 1  # awaitify: ignore[AW101]
            b = 2  # awaitify: ignore
            c = 3  # awaitify: ignore[AW1O1]
            d = 4  # noqa: E501
            e = 5  # awaitify: ignore[AW505]
    """})
    code, out, _ = cli("check", "--no-cache", ".", cwd=tmp_path)
    lines = out.decode().splitlines()
    assert code == 1 and [line.split(" ")[0] for line in lines] == ["m.py:10:12", "m.py:11:12", "m.py:12:12", "m.py:14:12"]
    assert all(" AW001 " in line for line in lines) and "`AW1O1` in `# awaitify: ignore[...]` is not a rule" in lines[2]
    code, out, _ = cli("check", "--no-cache", "--select", "AW101,AW001", ".", cwd=tmp_path)
    assert "m.py:14:12" not in out.decode()  # AW505 is not selected: its comment is not judged
    code, out, _ = cli("check", "--no-cache", "--ignore", "AW001", ".", cwd=tmp_path)
    assert code == 0 and out == b""


@pytest.mark.parametrize("direct", [True, False], ids=["built by the async function", "built by a sync helper"])
def test_a_blocking_constructor_is_fixable_exactly_where_fix_offloads_it(tmp_path: Path, direct: bool,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """`await asyncio.to_thread(Store)` is what fix writes when the async function builds the object;
    built in a sync helper, fix leaves the chain for review, so check must not call it fixable."""
    from awaitify import api

    (tmp_path / "store.py").write_text("import time\n\n\nclass Store:\n    def __init__(self):\n        time.sleep(0.01)\n")
    caller = ("from store import Store\n\n\nasync def handler():\n    return Store()\n" if direct else
              "from store import Store\n\n\ndef make():\n    return Store()\n\n\nasync def handler():\n    return make()\n")
    (tmp_path / "app.py").write_text(caller)
    monkeypatch.chdir(tmp_path)
    (finding,) = [f for f in api.check(".", cache=False).findings if f.code == "AW101"]
    changed = api.fix(".", cache=False).files
    assert finding.fixable is bool(changed) is direct, (finding.message, [c.path for c in changed])


def test_requests_plans_are_made_only_where_requests_is_imported(monkeypatch) -> None:
    """A scan plans requests' sessions and streams (and looks for ambiguous responses) function by
    function; a file that spells "requests" only in prose imports nothing they could find, and its
    functions are not planned. One that imports it (at the top or in an earlier function) is."""
    from awaitify import requests_plan
    from awaitify.audit import ambiguous_responses
    from awaitify.audit.scan import scan

    planned: list[str] = []
    ambiguous: list[str] = []
    plan, refused = requests_plan.plan, ambiguous_responses.refused_calls
    monkeypatch.setattr(requests_plan, "plan", lambda func, *a, **k: planned.append(func.name) or plan(func, *a, **k))
    monkeypatch.setattr(ambiguous_responses, "refused_calls",
                        lambda func, *a: ambiguous.append(func.name) or refused(func, *a))
    prose = 'async def serve():\n    """Answers requests."""\n    return 1\n\n\ndef helper():\n    return 2\n'
    assert scan("prose.py", prose, {}).sites == []
    assert planned == [] and ambiguous == []
    imported = ("def first():\n    import requests\n    return requests\n\n\n"
                "async def fetch():\n    s = requests.Session()\n    return s.get('u')\n")
    found = scan("imported.py", imported, {})
    assert planned == ["fetch"] and ambiguous == ["fetch"]
    assert [site.code for site in found.sites] == ["AW514", "AW201"]
