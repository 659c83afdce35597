"""Each example project, fixed with every rule: ruff says the same about import order (I001), unused
imports (F401) and variables (F841) before and after; every function made async is awaited (or handed
to a runner) wherever it is called; and a second run changes nothing."""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from inprocess_cli import cli_here  # noqa: F401  (a fixture)

RUFF = shutil.which("ruff")
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
# calls that take a coroutine without awaiting it themselves, and run it
_RUNNERS = {"run", "gather", "create_task", "ensure_future", "wait_for", "shield", "run_until_complete", "start_soon"}


def _ruff_findings(tree: Path) -> list[str]:
    proc = subprocess.run([RUFF, "check", "--isolated", "--select", "I001,F401,F841", "--output-format", "concise",
                           "--quiet", "."], cwd=tree, capture_output=True, text=True)
    return sorted(line.split(":", 1)[0] + line.rsplit(":", 1)[-1] for line in proc.stdout.splitlines() if line.strip())


def _unawaited_calls(tree: Path, names: set[str]) -> list[str]:
    """Calls of a function made async (by its last name) that are neither awaited nor handed to a runner."""
    found = []
    for path in sorted(tree.rglob("*.py")):
        module = ast.parse(path.read_text(encoding="utf-8"))
        parents = {child: node for node in ast.walk(module) for child in ast.iter_child_nodes(node)}
        for node in ast.walk(module):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name not in names:
                continue
            parent = parents.get(node)
            runner = parent.func if isinstance(parent, ast.Call) else None
            runner_name = runner.attr if isinstance(runner, ast.Attribute) else getattr(runner, "id", "")
            if not (isinstance(parent, ast.Await) or runner_name in _RUNNERS):
                found.append(f"{path.relative_to(tree)}:{node.lineno} {name}()")
    return found


@pytest.mark.skipif(RUFF is None, reason="ruff is a test dependency (pip install -e '.[test]')")
@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir()))
def test_a_fixed_example_is_clean_awaited_and_stable(example: str, tmp_path: Path, cli_here) -> None:
    tree = tmp_path / example
    shutil.copytree(EXAMPLES / example, tree)
    before = _ruff_findings(tree)
    code, out, err = cli_here("fix", "--write", "--allow-dirty", "--no-cache", "--format", "json", ".", cwd=tree)
    assert code == 0, err
    assert _ruff_findings(tree) == before
    made = {m.group(1).rpartition(".")[2] for f in json.loads(out)["files"] for c in f["changes"]
            if (m := re.match(r"made `([\w.<>]+)` async", c["message"]))}
    assert _unawaited_calls(tree, made) == []
    assert cli_here("fix", "--check", "--no-cache", ".", cwd=tree)[0] == 0
