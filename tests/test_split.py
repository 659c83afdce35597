"""`fix --split-by`: a migration split into changesets that are each safe alone (issue 26).

The generated monorepo (tests/monorepo_gen.py: 20 packages, CODEOWNERS, closures that cross
packages) is split; every prefix of the ordered changesets is applied with `git apply` to the
original tree and must compile, behave as the original did (its driver's values and exceptions),
and re-splitting it (after the first, the middle and the last but one) must give exactly the changesets
not applied yet (same ids, same patches): the rules already applied have nothing left to do. The last prefix is the whole fix, whose concurrent
batch must overlap.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monorepo_gen import DRIVER, generate
from split_helpers import apply, compiles, copy_tree, fix_run, init_repo, python_files, run_driver, split_run, split_tree

from awaitify.changesets.grouping import SPLITS


@pytest.fixture(scope="module")
def monorepo(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("mono")
    tree = generate(base / "repo", count=20)
    init_repo(tree)
    (base / "driver.py").write_text(DRIVER)
    return tree


@pytest.fixture(scope="module")
def ran(monorepo: Path):
    """One fix run over the monorepo: every split below is computed from it."""
    return fix_run(monorepo)


@pytest.fixture(scope="module")
def whole(monorepo: Path, ran):
    """The whole fix of the monorepo, as one patch, and the original's behaviour."""
    result = ran[0]
    patch = b"".join(r_patch(r) for r in result.changed)
    return result, patch, run_driver(monorepo.parent / "driver.py", monorepo, "batch")


def r_patch(result) -> bytes:
    from awaitify.diff import unified_diff

    return unified_diff(result.old, result.new, result.display)


@pytest.mark.slow  # still run by .ci/run (`pytest -m slow`): kept out of the quick suite for time
def test_every_prefix_of_the_package_split_is_safe(monorepo: Path, ran, whole, tmp_path: Path) -> None:
    result, full_patch, before = whole
    out = tmp_path / "out"
    plan, document = split_run(monorepo, ran, "package", out)
    groups = document["groups"]
    assert len({p for g in groups for p in g["packages"]}) >= 20  # every package has a change
    assert any(len(g["packages"]) > 1 for g in groups)  # a closure crossing packages stayed whole
    assert [g["number"] for g in groups] == list(range(1, len(groups) + 1))
    driver = monorepo.parent / "driver.py"
    tree = copy_tree(monorepo, tmp_path / "prefix")
    for done, group in enumerate(groups, 1):
        apply(tree, (out / group["patch"]).read_bytes())
        compiles(tree)
        now = run_driver(driver, tree, *(["batch"] if done == len(groups) else []))
        assert now["same"] == before["same"], group["name"]
        if done not in (1, len(groups) // 2, len(groups) - 1):
            continue  # a re-split costs a run: three prefixes prove it, each prefix is run and compiled
        again, _, _ = split_tree(tree, "package", use_cache=True)  # the rules applied so far have nothing left to do
        assert [g.id for g in again.groups] == [g["id"] for g in groups[done:]], group["name"]
        assert [g.patch() for g in again.groups] == [(out / g["patch"]).read_bytes() for g in groups[done:]]
    # the last prefix is the whole fix, and its concurrent batch overlaps
    whole_tree = copy_tree(monorepo, tmp_path / "whole")
    apply(whole_tree, full_patch)
    assert python_files(tree) == python_files(whole_tree)
    after = now
    assert after["batch"] == before["batch"]
    assert before["elapsed"] >= 0.9 * before["n"] * 0.1  # one after another: the batch measures blocking
    print(f"monorepo batch: {before['elapsed']:.2f} s before, {after['elapsed']:.2f} s after")
    assert after["elapsed"] < 0.6 * before["elapsed"]


@pytest.mark.parametrize("by", SPLITS)
def test_each_split_covers_the_fix_once_and_keeps_closures_whole(monorepo: Path, ran, whole, by: str) -> None:
    result, full_patch, _ = whole
    plan, _ = split_run(monorepo, ran, by)
    owner = {}
    for group in plan.groups:
        for path in group.paths:
            assert path not in owner, f"{path} in {owner.get(path)} and {group.name}"
            owner[path] = group.name
    assert sorted(owner) == sorted(r.display for r in result.changed)
    for name, paths in result.plan.closures:
        assert len({owner[r.display] for r in result.changed if str(r.path) in paths}) == 1, name
    by_file = {r.display: r for r in result.changed}
    assert sorted(b"".join(g.patch() for g in plan.groups).split(b"--- a/")) == sorted(full_patch.split(b"--- a/"))
    assert len(by_file) == len(owner)


def test_split_modes_group_as_documented(monorepo: Path, ran) -> None:
    closure, _ = split_run(monorepo, ran, "closure")
    keys = [g.key for g in closure.groups]
    assert "rules AW101" in keys  # the stand-alone `time.sleep` edits: one changeset for the kind of edit
    assert any(k.startswith("make pkg_") and k.endswith(" async") for k in keys)
    owners, _ = split_run(monorepo, ran, "codeowners")
    assert {g.key for g in owners.groups} >= {"@org/docs", "@org/team-0", "@org/team-0 @org/team-1"}
    for group in owners.groups:  # last match wins: a package's team, not the platform's catch-all
        assert "@org/platform" not in group.owners
    files, _ = split_run(monorepo, ran, "file")
    assert all(len(g.files) == 1 or len(g.atoms[0].files) > 1 for g in files.groups)
    assert len(files.groups) > len(closure.groups)


def test_caps_divide_groups_but_never_a_closure(monorepo: Path, ran, tmp_path: Path) -> None:
    plan, document = split_run(monorepo, ran, "codeowners", tmp_path / "out", max_files=2)
    over = [g for g in document["groups"] if g["over_cap"]]
    assert over and all("never divided" in g["over_cap"] and len(g["closures"]) == 1 for g in over)
    for group in plan.groups:
        assert len(group.files) <= 2 or (len(group.atoms) == 1 and group.over_cap)
    parts = [g for g in document["groups"] if g["part"][1] > 1]
    assert parts and all(f"(part {g['part'][0]} of {g['part'][1]})" in g["title"] for g in parts)
    lines, _ = split_run(monorepo, ran, "package", max_lines=6)
    from awaitify.changesets.grouping import changed_lines

    sizes = [sum(changed_lines(f) for f in g.files) for g in lines.groups]
    assert all(size <= 6 or g.over_cap for size, g in zip(sizes, lines.groups))
    assert any(g.over_cap for g in lines.groups) and any(g.part[1] > 1 for g in lines.groups)


def test_plan_json_describes_every_changeset(monorepo: Path, ran, tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out).mkdir()
    (out / "099-stale-changeset.patch").write_text("left by an earlier split\n")
    (out / "notes.txt").write_text("not ours\n")
    plan, document = split_run(monorepo, ran, "package", out)
    assert document == json.loads((out / "plan.json").read_text())
    assert not (out / "099-stale-changeset.patch").exists() and (out / "notes.txt").exists()
    assert document["codeowners"] == ".github/CODEOWNERS"
    for group in document["groups"]:
        for entry in group["files"]:  # hashes of the files the patch applies to
            import hashlib
            assert entry["sha256"] == hashlib.sha256((monorepo / entry["path"]).read_bytes()).hexdigest()
        assert group["depends_on"] == []
        text = (out / group["description"]).read_text()
        assert text.startswith(f"awaitify {group['number']:03d}/{len(document['groups']):03d}: {group['title']}")
        for section in ("## Rules", "## Owners", "## Files", "## Why each change", "## Fix safety"):
            assert section in text
        for owner in group["owners"]:
            assert f"- {owner}" in text
    crossing = next(g for g in document["groups"] if len(g["packages"]) > 1)
    assert crossing["closures"] and crossing["together_because"][0].startswith("closure `")
    text = (out / crossing["description"]).read_text()
    assert "## Why these files change together" in text and "## Call chains made async or offloaded" in text
    assert "made async" in text


def test_a_file_the_run_skipped_takes_its_closure_out_of_the_plan(tmp_path: Path) -> None:
    """A closure's caller that cannot be transformed: the closure's other edits are refused too
    (applied alone they would leave a coroutine unawaited), and plan.json says why."""
    tree = tmp_path / "repo"
    (tree / "app").mkdir(parents=True)
    (tree / "app" / "__init__.py").write_text("")
    (tree / "app" / "helper.py").write_text("import time\n\n\ndef wait():\n    time.sleep(0)\n")
    (tree / "app" / "api.py").write_text("from app.helper import wait\n\n\nasync def handle():\n    wait()\n")
    (tree / "app" / "other.py").write_text("import time\n\n\nasync def tick():\n    time.sleep(0)\n")
    init_repo(tree)
    plan, result, _ = split_tree(tree, "file")
    assert sorted(g.paths for g in plan.groups) == [["app/api.py", "app/helper.py"], ["app/other.py"]]
    # make the caller's transform fail: a file the verifier rejects stands for any skipped file
    from awaitify.runner import RunResult
    broken = RunResult(result.scanned, list(result.results), result.plan)
    for r in broken.results:
        if r.display == "app/api.py":
            r.error = "internal error: simulated"
    from awaitify.changesets.atoms import atoms
    found, refused = atoms(broken)
    assert [a.paths for a in found] == [["app/other.py"]]
    assert refused[0].paths == ["app/api.py", "app/helper.py"] and "app/api.py could not be transformed" in refused[0].reason


CLIENT = '''import requests


async def fetch(url):
    response = requests.get(url, timeout=5)
    response.raise_for_status()
    return response.json()
'''
HANDLER = '''import requests

from app.client import fetch


async def handle(url):
    try:
        return await fetch(url)
    except requests.HTTPError:
        return "failed"
'''


def test_an_except_in_another_module_lands_with_the_requests_rewrite_it_catches(tmp_path: Path) -> None:
    """No closure joins them (`fetch` is async already), but applied alone the client's rewrite would
    raise httpx's error past the handler's `except requests.HTTPError`: one changeset, proven by
    running both halves against a local server answering 500."""
    import subprocess
    import sys
    import threading
    from http.server import ThreadingHTTPServer

    from local_http import ReplyingHandler

    class Failing(ReplyingHandler):
        def do_GET(self) -> None:
            self._reply(500, b"{}", {"Content-Type": "application/json"})

    tree = tmp_path / "repo"
    (tree / "app").mkdir(parents=True)
    for name, text in {"__init__.py": "", "client.py": CLIENT, "handler.py": HANDLER}.items():
        (tree / "app" / name).write_text(text)
    init_repo(tree)
    plan, result, _ = split_tree(tree, "file")
    assert [g.paths for g in plan.groups] == [["app/client.py", "app/handler.py"]]
    assert "catches what `fetch(...)` raises" in plan.groups[0].atoms[0].reasons[0]
    server = ThreadingHTTPServer(("127.0.0.1", 0), Failing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"

    def outcome(folder: Path) -> str:
        code = f"import asyncio\nfrom app.handler import handle\ntry:\n    print(asyncio.run(handle({url!r})))\n" \
               "except Exception as exc:\n    print(type(exc).__name__)\n"
        return subprocess.run([sys.executable, "-c", code], cwd=folder, capture_output=True, text=True, timeout=60).stdout.strip()

    try:
        alone = copy_tree(tree, tmp_path / "client-alone")  # what a splitter by file would have shipped first
        client = next(f for f in result.changed if f.display == "app/client.py")
        apply(alone, r_patch(client))
        together = copy_tree(tree, tmp_path / "together")
        apply(together, plan.groups[0].patch())
        assert (outcome(tree), outcome(alone), outcome(together)) == ("failed", "HTTPStatusError", "failed")
    finally:
        server.shutdown()
        server.server_close()
