"""Realistic multi-module apps (tests/apps/), fixed with every rule at once, run before and after.

For each app: copy it, `awaitify fix --write` a copy (default config: every rule), run its
scenario.py on the original and on the fixed copy, each in a fresh process (no module cache shared),
and compare responses, return values, exceptions and startup/shutdown events; a batch of concurrent
requests must overlap after the fix.
Every app, bundled example and golden input also holds the invariants of issue 20 point 1: the
dry-run patch `git apply`s to exactly the --write tree, `check` reports nothing fixable afterwards,
and a second `fix --check` changes nothing; `check` on the original foresees the rules `fix` applies,
and the change report stands on the lines the patch replaces. The negative trees (tests/apps/negative/) hold hooks the
lifespan rewrite cannot move: after `fix`, each hook still runs, in the same order, or the app keeps
no `lifespan=` and a diagnostic names the hook. See docs/testing.md.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from awaitify_runs import ForkServer

TESTS = Path(__file__).resolve().parent
APPS = TESTS / "apps"
KIT = APPS / "_kit"
NEGATIVE = APPS / "negative"
EXAMPLES = TESTS.parent / "examples"
GOLDEN = TESTS / "golden"
SKIP = shutil.ignore_patterns("__pycache__", ".awaitify_cache", ".pytest_cache")
APP_SKIP = shutil.ignore_patterns("__pycache__", "scenario.py")  # the driver stays out of the fixed tree


# --- a real HTTP service on 127.0.0.1 for the apps' requests calls ---------------------------------

class _Echo(BaseHTTPRequestHandler):
    """Answers any path with JSON {path, query, method, body}; `?delay=S` waits S seconds first (a
    slow upstream), `?status=N` answers with that status, `?redirect=PATH&code=N` redirects there
    (302 unless `code`)."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:
        pass

    def _answer(self) -> None:
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        time.sleep(float(query.get("delay", 0)))
        if "redirect" in query:
            self.send_response(int(query.get("code", 302)))
            self.send_header("Location", query["redirect"])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = json.dumps({"path": url.path, "query": query, "method": self.command,
                           "body": json.loads(raw) if raw else None}).encode()
        self.send_response(int(query.get("status", 200)))
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = _answer


@pytest.fixture(scope="module")
def service_url():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def redis_url():
    """A real redis-server on a free 127.0.0.1 port, for the apps that use Redis."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            assert time.monotonic() < deadline and server.poll() is None, "redis-server did not start"
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}"
    server.terminate()
    server.wait(timeout=10)


# --- running things -------------------------------------------------------------------------------

# `awaitify` command lines: the real entry point in a forked child of an interpreter that loaded
# libcst and the codemods once (_kit/cli_server.py); AWAITIFY_APPS_SUBPROCESS=1: `python -m awaitify`
_CLI = ForkServer("cli_server.py", {})
# scenario drivers: forked children of an interpreter that imported FastAPI, requests and httpx but
# no module of any app, so the original and the fixed copy never share a module cache (_kit/forkrun.py)
_DRIVERS = ForkServer("forkrun.py", {"PYTHONPATH": str(KIT), "PYTHONDONTWRITEBYTECODE": "1"}, "-W", "ignore")


@pytest.fixture(scope="module", autouse=True)
def _fork_servers():
    yield
    _CLI.close()
    _DRIVERS.close()


def _awaitify(tree: Path, *args: str) -> subprocess.CompletedProcess:
    if os.environ.get("AWAITIFY_APPS_SUBPROCESS"):
        return subprocess.run([sys.executable, "-m", "awaitify", *args], cwd=tree, capture_output=True,
                              encoding="utf-8", errors="surrogateescape", timeout=120, check=False)
    reply = _CLI.request({"cwd": str(tree), "args": list(args)})
    return subprocess.CompletedProcess(args, reply["rc"], reply["stdout"], reply["stderr"])


def _run_drivers(jobs: list[tuple[Path, Path, dict[str, str]]]) -> list[dict]:
    """Run each (driver, tree, env) and return the JSON line each driver printed last. Drivers are
    kept outside the trees `fix` rewrites, so the measuring stick stays the same."""
    outputs = []
    for driver, tree, env in jobs:
        result = _DRIVERS.request({"script": str(driver), "tree": str(tree), "env": env})
        assert "error" not in result, f"{driver} in {tree}: {result['error'][-3000:]}"
        outputs.append(json.loads(result["output"].strip().splitlines()[-1]))
    return outputs


def _files(tree: Path) -> dict[str, bytes]:
    return {str(p.relative_to(tree)): p.read_bytes() for p in sorted(tree.rglob("*"))
            if p.is_file() and not {"__pycache__", ".git", ".awaitify_cache"} & set(p.relative_to(tree).parts)}


@dataclass
class Fixed:
    """A tree before and after `fix --write` with every rule, and what the dry run said about it."""

    original: Path
    tree: Path
    patch: Path
    report: dict  # the --write run's JSON change report
    stderr: str  # the dry run's summary and diagnostics
    flags: tuple[str, ...]

    @property
    def rules(self) -> set[str]:
        return {rule for f in self.report["files"] for rule in f["rules"]}

    @property
    def diagnostics(self) -> str:
        return self.stderr + "\n".join(d["message"] for d in self.report["diagnostics"])


def fix_tree(original: Path, work: Path, *flags: str) -> Fixed:
    """Dry-run `original` (the patch on stdout, the summary and diagnostics on stderr), then
    `fix --write` a copy of it (its JSON change report on stdout)."""
    tree = work / "fixed"
    shutil.copytree(original, tree, ignore=SKIP)
    dry = _awaitify(original, "fix", "--no-cache", "--jobs", "1", *flags, ".")
    assert dry.returncode == 0, dry.stderr
    patch = work / "dry-run.patch"
    patch.write_bytes(dry.stdout.encode("utf-8", "surrogateescape"))
    written = _awaitify(tree, "fix", "--write", "--no-cache", "--jobs", "1", "--format", "json", *flags, ".")
    assert written.returncode == 0, written.stderr
    return Fixed(original, tree, patch, json.loads(written.stdout), dry.stderr, flags)


def assert_invariants(fixed: Fixed, work: Path) -> None:
    """Issue 20 point 1: the dry-run patch is exactly the --write, `check` then finds nothing it calls
    fixable, and a second `fix` changes nothing."""
    applied = work / "applied"
    shutil.copytree(fixed.original, applied, ignore=SKIP)
    if fixed.patch.exists() and fixed.patch.stat().st_size:
        proc = subprocess.run(["git", "apply", str(fixed.patch)], cwd=applied, capture_output=True, text=True, check=False)
        assert proc.returncode == 0, proc.stderr
    assert _files(applied) == _files(fixed.tree)
    check = _awaitify(fixed.tree, "check", "--no-cache", "--jobs", "1", "--format", "json", ".")
    assert check.returncode in (0, 1), check.stderr
    fixable = [f"{f['path']}:{f['line']} {f['code']} {f['message']}" for f in json.loads(check.stdout)["findings"] if f["fixable"]]
    assert fixable == []
    again = _awaitify(fixed.tree, "fix", "--check", "--diff", "--no-cache", "--jobs", "1", *fixed.flags, ".")
    assert again.returncode == 0, again.stdout + again.stderr


def _removed_lines(patch: str) -> dict[str, list[list[int]]]:
    """Per file of a unified diff, the blocks of consecutive original-file lines it removes or
    replaces (numbered as in the original)."""
    blocks: dict[str, list[list[int]]] = {}
    path, line = None, 0
    for text in patch.splitlines():
        if text.startswith("--- a/"):
            path = text[len("--- a/"):]
            blocks[path] = []
        elif text.startswith(("+++ ", "\\")) or path is None:
            continue
        elif text.startswith("@@"):
            line = int(text.split()[1].split(",")[0][1:])
        elif text.startswith("-"):
            if not blocks[path] or blocks[path][-1][-1] != line - 1:
                blocks[path].append([])
            blocks[path][-1].append(line)
            line += 1
        elif not text.startswith("+"):
            line += 1
    return blocks


def assert_report_matches_patch(fixed: Fixed) -> None:
    """Issue 20 point 6: the change report is what the fix wrote, in the original file's lines: every
    reported change stands on a line the patch replaces, and every replaced block (imports aside)
    holds a reported change."""
    blocks = _removed_lines(fixed.patch.read_text(encoding="utf-8")) if fixed.patch.exists() else {}
    originals = {path: (fixed.original / path).read_text(encoding="utf-8").splitlines() for path in blocks}
    misplaced, unreported = [], []
    for entry in fixed.report["files"]:
        replaced = {n for block in blocks.get(entry["path"], []) for n in block}
        misplaced += [f"{entry['path']}:{c['line']} {c['code']} {c['message'][:80]}" for c in entry["changes"]
                      if c["line"] not in replaced]
    reported = {(e["path"], c["line"]) for e in fixed.report["files"] for c in e["changes"]}
    for path, path_blocks in blocks.items():
        for block in path_blocks:
            lines = [originals[path][n - 1].strip() for n in block]
            if all(text.startswith(("import ", "from ")) or not text for text in lines):
                continue  # an import a rewrite replaced or made unused
            if not any((path, n) in reported for n in block):
                unreported.append(f"{path}:{block[0]} {lines[0]}")
    assert (misplaced, unreported) == ([], [])


def assert_check_foresees_fix(fixed: Fixed) -> None:
    """`check` on the original calls fixable every rule `fix` then applies (propagation aside: check
    reports the blocking call under its own rule), so an audit shows what a fix will do."""
    check = _awaitify(fixed.original, "check", "--no-cache", "--jobs", "1", "--format", "json", ".")
    assert check.returncode in (0, 1), check.stderr
    foreseen = {f["code"] for f in json.loads(check.stdout)["findings"] if f["fixable"]}
    assert fixed.rules - {"AW401"} <= foreseen


_RUNS: dict = {}


def _once_per_module(key, make):
    """The behaviour and the invariant tests of one app share one fix and one pair of scenario runs."""
    if key not in _RUNS:
        try:
            _RUNS[key] = make()
        except BaseException as exc:  # noqa: BLE001 - both tests of the app report the same failure
            _RUNS[key] = exc
    if isinstance(_RUNS[key], BaseException):
        raise _RUNS[key]
    return _RUNS[key]


def _params(specs: dict, attr: str) -> list:
    """One test id per spec; `attr` names the spec's xfail reason for this test (a tool bug in
    /tmp/apps_findings.md, until the fix lands)."""
    return [pytest.param(name, id=name, marks=[pytest.mark.xfail(strict=True, reason=getattr(spec, attr))]
                         if getattr(spec, attr) else []) for name, spec in sorted(specs.items())]


def _once(events: list[str]) -> list[str]:
    # FastAPI 0.128+ runs an included router's on_event hooks twice (copied into the app and again
    # through the router's own default lifespan); after the migration each runs once, as before 0.128
    return list(dict.fromkeys(events))


# --- the apps -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class App:
    rules: frozenset[str]  # at least these rules must change something: the app still exercises them
    each: float = 0.25  # how long one request of the concurrent batch blocks before the fix
    changed: dict = field(default_factory=dict)  # key -> (before, after): what the fix is meant to change
    dedup_events: tuple[str, ...] = ()  # `same` keys holding hook logs with an included router's hooks
    xfail_behaviour: str = ""
    xfail_invariants: str = ""
    xfail_report: str = ""
    xfail_check: str = ""
    redis: bool = False  # REDIS_URL: database 0 for the original, 1 for the fixed copy


APP_SPECS: dict[str, App] = {
    "shop": App(frozenset({"AW201", "AW301", "AW401", "AW510"}), dedup_events=("started", "stopped")),
    "chatbot": App(frozenset({"AW201", "AW401"})),
    "gateway": App(frozenset({"AW201", "AW301", "AW401"})),
    # the upload route called a sync helper that runs asyncio.run(): it failed inside the loop (the
    # route caught it); after the fix the helper runs in a thread (the nightly script keeps it sync)
    "media": App(frozenset({"AW201", "AW301", "AW401"}), dedup_events=("started", "stopped"),
                 changed={"uploads": ([{"status": 200, "body": {"size": i + 1, "stats": "stats failed"}} for i in range(4)],
                                      [{"status": 200, "body": {"size": i + 1, "stats": "published"}} for i in range(4)])}),
    "ratelimit": App(frozenset({"AW201", "AW401", "AW512"}), redis=True),
    # no concurrency batch: the point is state that lives on the loop's thread. Offloading the helpers
    # that use the sqlite3 connection or set the context variable is an unsafe fix (left out); the
    # one that only reads the variable is offloaded (tests/test_thread_bound.py)
    "offload_hazards": App(frozenset({"AW401"})),
    "notes": App(frozenset({"AW301", "AW401"})),
    # asyncio.run() inside the worker's loop raised (the job caught it); after the fix it is awaited
    "worker": App(frozenset({"AW102", "AW201", "AW401"}),
                  changed={"report": ({"value": [{"id": "r", "note": "flush failed"}]}, {"value": [{"id": "r", "note": "flushed r"}]}),
                           "sent": ([], [{"job": "r"}])}),
}


@dataclass
class AppRun:
    fixed: Fixed
    before: dict
    after: dict


def _app_fixed(name: str, tmp_path_factory) -> Fixed:
    """The app copied and fixed (the original copy stays as it was): the invariant tests need no
    scenario run, so a crash of the fixed app fails only the behaviour test."""
    def make() -> Fixed:
        work = tmp_path_factory.mktemp(name)
        original = work / name
        shutil.copytree(APPS / name, original, ignore=APP_SKIP)
        return fix_tree(original, work)

    return _once_per_module(("fixed", name), make)


def _app_run(name: str, request, service_url: str) -> AppRun:
    spec = APP_SPECS[name]
    fixed = _app_fixed(name, request.getfixturevalue("tmp_path_factory"))
    redis = request.getfixturevalue("redis_url") if spec.redis else None

    def make() -> AppRun:
        work = fixed.original.parent
        # the driver runs from a folder of its own: a script's folder comes first on sys.path, so
        # running it from tests/apps/<name>/ would import the original app instead of the fixed copy
        driver = work / "driver" / "scenario.py"
        driver.parent.mkdir()
        shutil.copy(APPS / name / "scenario.py", driver)
        runs = [(fixed.original, "before", 0), (fixed.tree, "after", 1)]
        before, after = _run_drivers([(driver, tree, {"SERVICE_URL": service_url, "APP_DATA": str(work / f"data-{when}"),
                                                      **({"REDIS_URL": f"{redis}/{db}"} if redis else {})})
                                      for tree, when, db in runs])
        return AppRun(fixed, before, after)

    return _once_per_module(("app", name), make)


@pytest.mark.parametrize("name", _params(APP_SPECS, "xfail_behaviour"))
def test_app_keeps_behaviour_and_overlaps(name: str, request, service_url: str) -> None:
    spec, run = APP_SPECS[name], _app_run(name, request, service_url)
    before, after = run.before, run.after
    assert spec.rules <= run.fixed.rules, run.fixed.report["files"]
    for key in spec.dedup_events:
        before["same"][key] = _once(before["same"][key])
    assert after["same"] == before["same"]
    for key, (was, now) in spec.changed.items():
        assert (before["changed"][key], after["changed"][key]) == (was, now), key
    if before["timing"] is None:
        return
    assert after["timing"]["results"] == before["timing"]["results"]
    n, each = before["timing"]["n"], spec.each
    # before: one request after another on the event loop (proves the batch measures blocking)
    assert before["timing"]["elapsed"] >= 0.9 * n * each
    # after: they overlap (ideal `each`; generous for two busy cores)
    print(f"{name}: {n} x {each} s took {before['timing']['elapsed']:.2f} s before, {after['timing']['elapsed']:.2f} s after")
    assert after["timing"]["elapsed"] < 0.6 * n * each, after["timing"]


@pytest.mark.parametrize("name", _params(APP_SPECS, "xfail_invariants"))
def test_app_holds_invariants(name: str, tmp_path_factory) -> None:
    fixed = _app_fixed(name, tmp_path_factory)
    assert_invariants(fixed, fixed.original.parent)


@pytest.mark.parametrize("name", _params(APP_SPECS, "xfail_check"))
def test_app_check_foresees_the_fix(name: str, tmp_path_factory) -> None:
    assert_check_foresees_fix(_app_fixed(name, tmp_path_factory))


@pytest.mark.parametrize("name", _params(APP_SPECS, "xfail_report"))
def test_app_change_report_is_what_was_written(name: str, tmp_path_factory) -> None:
    assert_report_matches_patch(_app_fixed(name, tmp_path_factory))


# --- hooks the lifespan rewrite must move whole, or refuse by name ------------------------------

@dataclass(frozen=True)
class Hooks:
    """A small tree under tests/apps/negative/<case>/ whose app (module `app`, variable `app`) has
    startup/shutdown hooks that log to `recorder.events`."""

    names: tuple[str, ...]  # the hooks a refusal must name
    envs: tuple[dict, ...] = ({},)  # each env is a run: conditions read from the environment
    flags: tuple[str, ...] = ()
    after: tuple | None = None  # per env, the events after the fix when it is meant to change them
    dedup: bool = False  # an included router's hooks ran twice before (see _once)
    must_refuse: bool = False  # moving is wrong here even if the installed FastAPI runs it
    xfail_behaviour: str = ""
    xfail_invariants: str = ""


HOOK_SPECS: dict[str, Hooks] = {
    "router_append": Hooks(("warm_cache", "drain_queue")),
    "partial_hook": Hooks(("connect",)),
    "instrument": Hooks(("start_tracing", "stop_tracing")),
    # the plugin's hook exists only when its optional dependency imports
    "try_import": Hooks(("plugin_boot",), envs=({}, {"WITH_PLUGIN": "1"})),
    "flag_import": Hooks(("extra_bye",), envs=({}, {"EXTRA": "1"})),
    # the hook a test suite's conftest.py registers: run as pytest would, by importing it
    "test_only": Hooks(("seed_test_data",), envs=({}, {"ALSO_IMPORT": "tests.conftest"})),
    "if_registration": Hooks(("start_metrics", "stop_metrics"), envs=({}, {"METRICS": "1"})),
    "lambda_hook": Hooks(("lambda",)),
    # hooks registered inside an app factory stay (refused by name); the included router's move
    # into its own lifespan, which FastAPI merges on include_router
    "app_factory": Hooks(("factory_boot",), dedup=True),
    # a sync hook that blocks and uses the running loop: offloaded to a thread, it finds no loop
    "loop_bound_hook": Hooks(("boot",)),
    "same_name_hooks": Hooks(("init",)),  # two hooks under one name: both ran
    "router_alias": Hooks(("load_models",)),  # router = app.router; router.add_event_handler(...)
    "router_insert": Hooks(("check_env",)),  # runs first: an append would change the order
    "loop_registration": Hooks(("hook",)),  # refused naming the registration as written
    # requirements.txt includes base.txt (-r) and constraints.txt (-c), which pins FastAPI 0.89: no lifespan=
    "old_fastapi_pin": Hooks(("boot",), must_refuse=True),
    "failing_hook": Hooks(()),  # an exception in a startup hook still aborts startup, at the same hook
    # hooks that never ran: left so and named, or, with --lifespan-merge, run around the existing lifespan
    "existing_lifespan": Hooks(("boot", "bye")),
    # a router with its own lifespan= and on_event hooks, included at module level: FastAPI 0.165 runs
    # both (the hooks are copied into the app), so they must keep running, in the same order
    "router_own_lifespan": Hooks(("warm", "cool")),
    "existing_lifespan+merge": Hooks((), flags=("--lifespan-merge",), after=(
        {"started": ["boot", "lifespan.enter"], "stopped": ["lifespan.exit", "bye"], "error": None},)),
}


def _hooks_run(name: str, tmp_path_factory) -> tuple[Fixed, list, list]:
    def make():
        spec = HOOK_SPECS[name]
        work = tmp_path_factory.mktemp(name)
        original = work / name
        shutil.copytree(NEGATIVE / _spec_dir(name), original, ignore=SKIP)
        driver = work / "driver" / "hooks_driver.py"
        driver.parent.mkdir()
        shutil.copy(KIT / "hooks_driver.py", driver)
        fixed = fix_tree(original, work, *spec.flags)
        runs = _run_drivers([(driver, tree, env) for tree in (original, fixed.tree) for env in spec.envs])
        return fixed, runs[:len(spec.envs)], runs[len(spec.envs):], work

    return _once_per_module(("hooks", name), make)


def _spec_dir(name: str) -> str:
    return name.split("+", 1)[0]  # "existing_lifespan+merge" runs the same tree with other flags


def _lifespans(tree: Path) -> list[str]:
    return [line.strip() for path in sorted(tree.rglob("*.py")) for line in path.read_text().splitlines()
            if "lifespan=" in line]


@pytest.mark.parametrize("name", _params(HOOK_SPECS, "xfail_behaviour"))
def test_hooks_run_as_before_or_are_refused_by_name(name: str, tmp_path_factory) -> None:
    spec = HOOK_SPECS[name]
    fixed, before, after, _ = _hooks_run(name, tmp_path_factory)
    assert before[0]["started"] or before[0]["stopped"] or before[0]["error"] or spec.after, "a fixture must log something"
    if spec.dedup:
        before = [{**run, "started": _once(run["started"]), "stopped": _once(run["stopped"])} for run in before]
    assert after == (list(spec.after) if spec.after is not None else before)
    moved = _lifespans(fixed.tree) != _lifespans(fixed.original)
    assert not (spec.must_refuse and moved), "lifespan= written where the project's FastAPI has none"
    if not moved or spec.dedup:  # not (all) moved: said so, by name
        missing = [hook for hook in spec.names if not re.search(rf"\b{re.escape(hook)}\b", fixed.diagnostics)]
        assert missing == [], fixed.diagnostics


@pytest.mark.parametrize("name", _params(HOOK_SPECS, "xfail_invariants"))
def test_hooks_trees_hold_invariants(name: str, tmp_path_factory) -> None:
    fixed, _, _, work = _hooks_run(name, tmp_path_factory)
    assert_invariants(fixed, work)


# --- the bundled examples and golden inputs, all rules at once -------------------------------------

CORPUS_XFAIL: dict[str, str] = {}  # tree id -> a tool bug it shows (findings), until the fix lands
CORPUS_CHECK_XFAIL: dict[str, str] = {}
CORPUS_REPORT_XFAIL: dict[str, str] = {}


def _corpus(xfails: dict[str, str]) -> list:
    trees = [(path, f"examples/{path.name}") for path in sorted(EXAMPLES.iterdir()) if path.is_dir()]
    # one tree per golden folder: each input on its own as <case>.py (the inputs import nothing of each other).
    # Every golden input at once is slow (`pytest -m slow`, .ci/run): the quick suite holds the same
    # invariants on the examples, the apps and the hook trees, and tests/test_golden.py fixes each input
    trees += [(path, f"golden/{path.name}") for path in sorted(GOLDEN.iterdir()) if path.is_dir()]
    return [pytest.param(path, id=name, marks=([pytest.mark.xfail(strict=True, reason=xfails[name])] if name in xfails else [])
                         + ([pytest.mark.slow] if name.startswith("golden/") else [])) for path, name in trees]


def _corpus_run(source: Path, tmp_path_factory) -> Fixed:
    def make() -> Fixed:
        work = tmp_path_factory.mktemp(source.name)
        original = work / "original"
        if source.parent == GOLDEN:
            original.mkdir()
            for case in sorted(source.glob("*.in.py")):
                shutil.copy(case, original / case.name.replace(".in.py", ".py"))
        else:
            shutil.copytree(source, original, ignore=SKIP)
        return fix_tree(original, work)

    return _once_per_module(("corpus", source), make)


@pytest.mark.parametrize("source", _corpus(CORPUS_XFAIL))
def test_corpus_holds_invariants(source: Path, tmp_path_factory) -> None:
    fixed = _corpus_run(source, tmp_path_factory)
    assert fixed.report["files"] or source.name == "clean_service", "every corpus tree but the clean one has a change"
    assert_invariants(fixed, fixed.original.parent)


@pytest.mark.parametrize("source", _corpus(CORPUS_CHECK_XFAIL))
def test_corpus_check_foresees_the_fix(source: Path, tmp_path_factory) -> None:
    assert_check_foresees_fix(_corpus_run(source, tmp_path_factory))


@pytest.mark.parametrize("source", _corpus(CORPUS_REPORT_XFAIL))
def test_corpus_change_report_is_what_was_written(source: Path, tmp_path_factory) -> None:
    assert_report_matches_patch(_corpus_run(source, tmp_path_factory))
