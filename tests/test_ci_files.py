"""The pre-commit hooks and the GitHub Action run what they say: their commands are executed here,
with the action's `${{ inputs.* }}` filled in the way Actions would."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SOURCE = "import time\n\n\nasync def handler():\n    time.sleep(1)\n"


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

    proc = subprocess.run(["bash", "-c", _step_script(steps["check"], {**inputs, "mode": "check"})], cwd=project, env=env,
                          capture_output=True, text=True)
    assert proc.returncode == 1  # findings fail the step (the workflow decides with continue-on-error)
    assert proc.stdout.startswith("::warning file=app.py,line=5,col=5,endLine=5,endColumn=18,title=AW101::")
    assert '"ruleId": "AW101"' in (project / "awaitify.sarif").read_text()
    assert "sarif=awaitify.sarif" in outputs.read_text()

    proc = subprocess.run(["bash", "-c", _step_script(steps["fix"], {**inputs, "mode": "fix"})], cwd=project, env=env,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "+    await asyncio.sleep(1)" in (project / "awaitify.patch").read_text()
    assert summary.read_text().startswith("## awaitify: async migration")
    assert (project / "app.py").read_text() == SOURCE  # a dry run: the patch is the artifact
