"""Rules compose: every rule selected at once gives the same tree as applying the rules one after
another, each alone, until nothing changes (then all of them, for what only several rules together
decide, such as propagation, which follows the blocking calls of the rules selected with it).

Rules that are right alone can break each other in one module (the shared TLS-context line of AW201
once moved the lines the lifespan rule matched its plan against). Each input is fixed both ways and
the trees compared byte for byte; the all-at-once result must also be a fixed point of every rule
alone."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from awaitify.config import Config
from awaitify.rules import all_rules, select_rules
from awaitify.runner import RunOptions, run

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted(p for p in (ROOT / "examples").iterdir() if p.is_dir())
GOLDEN_INPUTS = sorted((ROOT / "tests" / "golden").glob("*/*.in.py"))
APPS = sorted(p for p in (ROOT / "tests" / "apps").glob("*") if p.is_dir() and not p.name.startswith(("_", "negative")))

# the most common FastAPI layout: one module with the app, its hooks, a route calling requests and a
# helper calling time.sleep (the layout the AW201 + AW301 break was found on)
ONE_MODULE_SERVICE = """
    import subprocess
    import time

    import requests
    from fastapi import FastAPI

    app = FastAPI()
    events = []


    @app.on_event("startup")
    async def startup():
        events.append("startup")


    @app.on_event("shutdown")
    def shutdown():
        events.append("shutdown")


    def helper():
        time.sleep(0.1)
        return 1


    @app.get("/")
    async def root():
        r = requests.get("http://127.0.0.1:1/x", timeout=3)
        done = subprocess.run(["true"])  # awaitify: ignore[AW505]
        return {"v": helper(), "s": r.status_code, "rc": done.returncode}
"""


def _fix(root: Path, codes: tuple[str, ...] = ()) -> bool:
    # one job: about 150 runs of a small tree, each forking a pool for nothing (the output does not depend on it)
    result = run([root], Config(root=root), select_rules(codes, ()), RunOptions(use_cache=False, jobs=1))
    assert not [f.error for f in result.results if f.error]
    for f in result.changed:
        f.path.write_bytes(f.new)
    return bool(result.changed)


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.py"))}


def _one_by_one(root: Path) -> None:
    for _ in range(5):
        if not any([_fix(root, (rule.code,)) for rule in all_rules()]):
            break
    else:
        pytest.fail("applying the rules one by one never stops changing the tree")
    for _ in range(3):
        if not _fix(root):
            return
    pytest.fail("applying every rule never stops changing the tree")


def _assert_composes(source: Path, tmp_path: Path) -> None:
    together, apart = tmp_path / "together", tmp_path / "apart"
    for target in (together, apart):
        shutil.copytree(source, target) if source.is_dir() else (target.mkdir(), shutil.copy(source, target / "mod.py"))
    _fix(together)
    _one_by_one(apart)
    assert _tree(together) == _tree(apart)
    fixed = _tree(together)
    for rule in all_rules():  # a fixed point of every rule alone, and of all of them
        assert not _fix(together, (rule.code,)), f"{rule.code} still changes the tree fixed with every rule"
    assert not _fix(together) and _tree(together) == fixed


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_examples_compose(example: Path, tmp_path: Path) -> None:
    _assert_composes(example, tmp_path)


def test_one_module_service_composes(tmp_path: Path) -> None:
    source = tmp_path / "service"
    source.mkdir()
    (source / "main.py").write_text(textwrap.dedent(ONE_MODULE_SERVICE).lstrip())
    _assert_composes(source, tmp_path)
    text = (tmp_path / "together" / "main.py").read_text()
    assert "@app.on_event" not in text and "app = FastAPI(lifespan=lifespan)" in text and text.count("async def lifespan") == 1


@pytest.mark.slow
@pytest.mark.parametrize("case", GOLDEN_INPUTS, ids=lambda p: f"{p.parent.name}/{p.name[:-6]}")
def test_golden_inputs_compose(case: Path, tmp_path: Path) -> None:
    _assert_composes(case, tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("app", APPS, ids=lambda p: p.name)
def test_apps_compose(app: Path, tmp_path: Path) -> None:
    _assert_composes(app, tmp_path)


def test_reports_name_every_rule_at_the_original_lines(tmp_path: Path, cli) -> None:
    """With AW201's TLS context and AW301's lifespan written above them, the changes below are still
    reported at their lines in the file as it was (a PR bot comments there), by every format."""
    (tmp_path / "main.py").write_text(textwrap.dedent("""
        import subprocess

        import requests
        from fastapi import FastAPI

        app = FastAPI()


        @app.on_event("startup")
        async def boot():
            pass


        @app.get("/")
        async def root():
            r = requests.get("http://127.0.0.1:1/x", timeout=3)
            done = subprocess.run(["true"])
            return {"s": r.status_code, "rc": done.returncode}
    """).lstrip())
    code, out, _ = cli("fix", "--no-cache", "--format", "json", ".")
    (report,) = __import__("json").loads(out)["files"]
    assert report["rules"] == ["AW201", "AW301", "AW505"]
    lines = {(c["line"], c["code"]) for c in report["changes"]}
    assert {(6, "AW301"), (9, "AW301"), (16, "AW201"), (17, "AW505")} <= lines
    code, _, err = cli("fix", "--no-cache", "--explain", ".")
    assert "  17:12 AW505 subprocess.run()" in err and "  9:1 AW301 removed the on_event registration" in err
    code, out, _ = cli("fix", "--no-cache", "--format", "markdown", ".")
    assert "AW301 `lifespan`" in out.decode() and "line 17: subprocess.run()" in out.decode()


def test_an_edit_without_a_recorded_reason_is_left_out_and_said(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whether such an edit was written used to depend on whether another rule changed the file."""
    from awaitify.codemod_base import AwaitifyCodemod
    from awaitify.plan import FilePlan
    from awaitify.runner import fix_file
    from awaitify.source import read_source

    path = tmp_path / "m.py"
    path.write_text("import time\n\n\nasync def h():\n    time.sleep(1)\n")
    monkeypatch.setattr(AwaitifyCodemod, "record", lambda self, node, message, dependent=False: None)
    result = fix_file(read_source(path, "m.py"), select_rules(("AW101",), ()), Config(root=tmp_path), FilePlan())
    assert result.new == result.old
    assert [d.message for d in result.diagnostics] == [
        "internal: sleep changed the file without recording why; that change is left out"]
