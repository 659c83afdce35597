"""The GitHub Action runs in pull requests from strangers: no input is pasted into a script, and
every action it uses is pinned by commit SHA. zizmor (PyPI) audits it; the test installs zizmor if
it is missing and is skipped only when that is impossible (no network, no wheel for this platform)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


def _zizmor() -> str:
    found = shutil.which("zizmor")
    if found is None:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "zizmor"], capture_output=True, timeout=300)
        found = shutil.which("zizmor") or next((str(p) for p in [Path(sys.executable).with_name("zizmor")] if p.exists()), None)
    if found is None:
        pytest.skip("zizmor cannot be installed here")
    return found


def test_zizmor_finds_nothing_in_the_action() -> None:
    proc = subprocess.run([_zizmor(), "--offline", "--no-progress", str(ROOT / "action.yml")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "No findings" in proc.stdout + proc.stderr


def test_no_input_reaches_a_script_but_through_env_and_every_action_is_pinned() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    for step in action["runs"]["steps"]:
        assert "${{" not in step.get("run", ""), step.get("name")
        if "uses" in step:
            assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", step["uses"]), step["uses"]


def test_a_hostile_input_is_data_not_code(tmp_path: Path) -> None:
    """A `paths` value with shell syntax (as a branch or file name from a pull request might
    carry) reaches awaitify as words; nothing runs."""
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    step = next(s for s in action["runs"]["steps"] if s.get("id") == "check")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "awaitify").write_text(f"#!/bin/sh\nexec {sys.executable} -m awaitify \"$@\"\n")
    (bin_dir / "awaitify").chmod(0o755)
    (tmp_path / "app.py").write_text("import time\n\n\nasync def h():\n    time.sleep(1)\n")
    marker = tmp_path / "pwned"
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "GITHUB_OUTPUT": str(tmp_path / "out"), "INPUT_ARGS": "",
           "INPUT_CHANGED_SINCE": "", "INPUT_PATHS": f"app.py $(touch {marker}) `touch {marker}`;touch {marker}"}
    proc = subprocess.run(["bash", "-c", step["run"]], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert not marker.exists()
    assert proc.returncode == 2 and "no such file or directory" in proc.stderr
