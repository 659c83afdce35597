"""The pre-commit hooks and the GitHub Action run what they say: their commands are executed here,
with the action's `${{ inputs.* }}` filled in the way Actions would."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SOURCE = "import time\n\n\nasync def handler():\n    time.sleep(1)\n"
BASH = ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c"]  # how Actions runs a `shell: bash` step


def _awaitify_bin(tmp_path: Path) -> Path:
    """An `awaitify` executable on PATH that runs this checkout (as `pip install` would provide)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "awaitify"
    script.write_text(f"#!/bin/sh\nexec {shlex.quote(sys.executable)} -m awaitify \"$@\"\n")
    script.chmod(0o755)
    return bin_dir


def test_pre_commit_hooks_run(tmp_path: Path) -> None:
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"awaitify-check", "awaitify-fix"}
    env = {**os.environ, "PATH": f"{_awaitify_bin(tmp_path)}:{os.environ['PATH']}"}
    project = tmp_path / "project"
    project.mkdir()
    (project / "app.py").write_text(SOURCE)
    for hook_id, expected_code in (("awaitify-check", 1), ("awaitify-fix", 0), ("awaitify-check", 0)):
        hook = hooks[hook_id]
        assert hook["language"] == "python" and "python" in hook["types_or"]
        proc = subprocess.run([*shlex.split(hook["entry"]), "app.py"], cwd=project, env=env, capture_output=True, text=True)
        assert proc.returncode == expected_code, (hook_id, proc.stderr)
    assert "await asyncio.sleep(1)" in (project / "app.py").read_text()


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args], cwd=root, check=True,
                          capture_output=True, text=True).stdout


def test_pre_commit_check_sees_callers_outside_the_staged_files(tmp_path: Path) -> None:
    """pre-commit passes the staged files; the hook still reads the whole project, so a staged
    helper's `time.sleep` reached from an unstaged async route is caught, and an old finding in a
    file not staged is not the commit's to fix."""
    hook = next(h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text()) if h["id"] == "awaitify-check")
    assert hook.get("pass_filenames", True)
    env = {**os.environ, "PATH": f"{_awaitify_bin(tmp_path)}:{os.environ['PATH']}"}
    project = tmp_path / "project"
    (project / "app").mkdir(parents=True)
    (project / "app" / "__init__.py").write_text("")
    (project / "app" / "helpers.py").write_text("def settle():\n    return 1\n")
    (project / "app" / "routes.py").write_text("from app.helpers import settle\n\n\nasync def route():\n    return settle()\n")
    (project / "app" / "old.py").write_text(SOURCE)  # an old finding, not staged
    _git(project, "init", "-q")
    _git(project, "add", ".")
    _git(project, "commit", "-qm", "base")
    (project / "app" / "helpers.py").write_text("import time\n\n\ndef settle():\n    time.sleep(1)\n    return 1\n")
    (project / "app" / "routes.py").write_text((project / "app" / "routes.py").read_text() + "\n# unstaged edit\n")
    _git(project, "add", "app/helpers.py")
    staged = _git(project, "diff", "--cached", "--name-only").split()
    assert staged == ["app/helpers.py"]

    def hook_run(entry: str) -> subprocess.CompletedProcess:
        return subprocess.run([*shlex.split(entry), "--no-cache", *staged], cwd=project, env=env, capture_output=True, text=True)

    proc = hook_run(hook["entry"])
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.splitlines()[:2] == ["app/helpers.py:5:5 AW101 time.sleep() blocks the event loop for the whole sleep "
                                            "(reached from async `app.routes.route`) [*]",
                                            "    async app.routes.route calls (app/routes.py:5)"]
    assert "app/old.py" not in proc.stdout
    assert hook_run("awaitify check").returncode == 0  # what the hook ran before: the staged file alone, no caller seen


def _step_script(step: dict, inputs: dict[str, str]) -> str:
    def fill(match: re.Match) -> str:
        expr = match.group(1).strip()
        if expr.startswith("inputs."):
            return inputs[expr[len("inputs."):]]
        raise AssertionError(f"unexpected expression {expr}")
    return re.sub(r"\$\{\{(.*?)\}\}", fill, step["run"])


def test_action_check_and_fix_steps(tmp_path: Path) -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    steps = {s.get("id"): s for s in action["runs"]["steps"]}
    inputs = {name: spec.get("default", "") for name, spec in action["inputs"].items()}
    env = {**os.environ, "PATH": f"{_awaitify_bin(tmp_path)}:{os.environ['PATH']}"}
    project = tmp_path / "project"
    project.mkdir()
    (project / "app.py").write_text(SOURCE)
    outputs, summary = tmp_path / "outputs", tmp_path / "summary"
    env.update(GITHUB_OUTPUT=str(outputs), GITHUB_STEP_SUMMARY=str(summary))

    proc = subprocess.run([*BASH, _step_script(steps["check"], {**inputs, "mode": "check"})], cwd=project, env=env,
                          capture_output=True, text=True)
    assert proc.returncode == 1  # findings fail the step (the workflow decides with continue-on-error)
    assert proc.stdout.startswith("::warning file=app.py,line=5,col=5,endLine=5,endColumn=18,title=AW101::")
    assert '"ruleId": "AW101"' in (project / "awaitify.sarif").read_text()
    assert "sarif=awaitify.sarif" in outputs.read_text()

    proc = subprocess.run([*BASH, _step_script(steps["fix"], {**inputs, "mode": "fix"})], cwd=project, env=env,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "+    await asyncio.sleep(1)" in (project / "awaitify.patch").read_text()
    assert summary.read_text().startswith("## awaitify: async migration")
    assert (project / "app.py").read_text() == SOURCE  # a dry run: the patch is the artifact
    rdjson = json.loads((project / "awaitify.rdjson").read_text())
    assert [d["suggestions"][0]["text"] for d in rdjson["diagnostics"]] == ["import asyncio", "    await asyncio.sleep(1)"]
    assert outputs.read_text().splitlines() == ["sarif=awaitify.sarif", "findings=1", "patch=awaitify.patch", "changed=1", "findings=2"]
    # each output the action declares comes from a step that writes it
    for name, spec in action["outputs"].items():
        for step_id, key in re.findall(r"steps\.(\w+)\.outputs\.(\w+)", spec["value"]):
            assert f'{key}=' in steps[step_id]["run"] or f'"{key}=' in steps[step_id]["run"], (name, step_id, key)


def test_fix_mode_posts_the_suggestions_with_reviewdog(tmp_path: Path) -> None:
    """In fix mode on a pull request, reviewdog (installed by a SHA-pinned action) reads the rdjson
    and posts it as a review; here a stand-in `reviewdog` records what it was given."""
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    steps = action["runs"]["steps"]
    setup = next(s for s in steps if s.get("uses", "").startswith("reviewdog/action-setup@"))
    post = next(s for s in steps if s.get("id") == "suggest")
    for step in (setup, post):
        assert "inputs.mode == 'fix'" in step["if"] and "github.event.pull_request" in step["if"] and "inputs.suggest == 'true'" in step["if"]
    assert setup["with"]["reviewdog_version"] == "${{ inputs.reviewdog-version }}" and action["inputs"]["reviewdog-version"]["default"].startswith("v")
    assert post["env"]["REVIEWDOG_GITHUB_API_TOKEN"] == "${{ inputs.github-token }}"

    bin_dir = _awaitify_bin(tmp_path)
    (bin_dir / "reviewdog").write_text('#!/bin/sh\nprintf "%s\\n" "$@" > args.txt\ncat > stdin.json\necho "$REVIEWDOG_GITHUB_API_TOKEN" > token.txt\n')
    (bin_dir / "reviewdog").chmod(0o755)
    project = tmp_path / "project"
    project.mkdir()
    (project / "app.py").write_text(SOURCE)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "GITHUB_OUTPUT": str(tmp_path / "out"),
           "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"), "INPUT_ARGS": "", "INPUT_CHANGED_SINCE": "", "INPUT_PATHS": "."}
    fix = next(s for s in steps if s.get("id") == "fix")
    assert subprocess.run([*BASH, fix["run"]], cwd=project, env=env, capture_output=True, text=True).returncode == 0
    env.update(REVIEWDOG_GITHUB_API_TOKEN="token-123", INPUT_FILTER_MODE=action["inputs"]["filter-mode"]["default"])
    proc = subprocess.run([*BASH, post["run"]], cwd=project, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert (project / "args.txt").read_text().split() == ["-f=rdjson", "-name=awaitify", "-reporter=github-pr-review",
                                                          "-filter-mode=added", "-fail-level=none"]
    assert (project / "token.txt").read_text().strip() == "token-123"
    posted = json.loads((project / "stdin.json").read_text())
    assert posted == json.loads((project / "awaitify.rdjson").read_text())
    (sleep,) = [d for d in posted["diagnostics"] if "asyncio.sleep" in d["suggestions"][0]["text"]]
    assert sleep["message"].startswith("AW101: ") and sleep["location"]["range"] == {"start": {"line": 5}, "end": {"line": 5}}


def test_the_action_is_valid_for_the_github_action_schema(tmp_path: Path) -> None:
    """check-jsonschema's builtin (vendored, offline) schema for action.yml; it does reject a broken one."""
    def validate(path: Path) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-actions", str(path)],
                              capture_output=True, text=True, timeout=120)

    proc = validate(ROOT / "action.yml")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    broken = yaml.safe_load((ROOT / "action.yml").read_text())
    del broken["runs"]["steps"][1]["shell"]  # a composite `run` step must name its shell
    (tmp_path / "action.yml").write_text(yaml.safe_dump(broken))
    assert validate(tmp_path / "action.yml").returncode == 1


def test_the_check_step_exits_as_awaitify_did_on_a_usage_error(tmp_path: Path) -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    step = next(s for s in action["runs"]["steps"] if s.get("id") == "check")
    env = {**os.environ, "PATH": f"{_awaitify_bin(tmp_path)}:{os.environ['PATH']}", "GITHUB_OUTPUT": str(tmp_path / "out"),
           "INPUT_ARGS": "", "INPUT_CHANGED_SINCE": "", "INPUT_PATHS": "missing.py"}
    proc = subprocess.run([*BASH, step["run"]], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert proc.returncode == 2 and "missing.py: no such file or directory" in proc.stderr and "Traceback" not in proc.stderr
