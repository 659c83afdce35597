"""What CI and PR bots read: SARIF (validated by independent SARIF implementations), GitHub
annotations, change reports, output files, PR scope with --changed-since, deterministic output,
and the documented exit codes."""

from __future__ import annotations

import json
import subprocess
import textwrap
from pathlib import Path

import pytest

from awaitify_runs import run_awaitify

ROOT_DOCS = Path(__file__).resolve().parent.parent / "docs" / "rules"
FILES = {
    "svc/__init__.py": "",
    "svc/helpers.py": """
        import time


        def settle():
            time.sleep(0.1)
    """,
    "svc/handlers.py": """
        from svc.helpers import settle


        async def handle(request):
            settle()
            return request
    """,
    "svc/other.py": """
        import os


        async def probe(path):
            return os.path.exists(path)
    """,
}


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args], cwd=root, check=True,
                   capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    _write(tmp_path, FILES)
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-qm", "base")
    return tmp_path


def test_sarif_is_valid_for_independent_readers(repo: Path, cli) -> None:
    from sarif import loader
    from sarif_pydantic import Sarif

    code, out, _ = cli("check", "--format", "sarif", "--output-file", "out.sarif", ".", cwd=repo)
    assert code == 1 and out == b""
    data = json.loads((repo / "out.sarif").read_text())
    log = Sarif.model_validate(data)
    assert log.version == "2.1.0" and log.runs[0].tool.driver.name == "awaitify"
    results = log.runs[0].results
    assert [(r.rule_id, r.locations[0].physical_location.artifact_location.uri,
             r.locations[0].physical_location.region.start_line) for r in results] == [
        ("AW101", "svc/helpers.py", 5), ("AW510", "svc/other.py", 5)]
    rule_ids = [rule.id for rule in log.runs[0].tool.driver.rules]
    assert all(r.rule_index is not None and rule_ids[r.rule_index] == r.rule_id for r in results)
    sarif_file = loader.load_sarif_file(str(repo / "out.sarif"))
    assert sarif_file.get_result_count() == 2


def test_sarif_paths_are_relative_to_the_repository_root(repo: Path, cli) -> None:
    code, out, _ = cli("check", "--format", "sarif", ".", cwd=repo / "svc")
    results = json.loads(out)["runs"][0]["results"]
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results]
    assert uris == ["svc/helpers.py", "svc/other.py"]
    chain = results[0]["relatedLocations"][0]["physicalLocation"]
    assert chain["artifactLocation"]["uri"] == "svc/handlers.py" and chain["region"]["startLine"] == 5  # the chain's too


def test_github_annotations_follow_the_workflow_command_syntax(repo: Path, cli) -> None:
    code, out, _ = cli("check", "--format", "github", ".", cwd=repo)
    lines = out.decode().splitlines()
    assert code == 1 and len(lines) == 2
    assert lines[0].startswith("::warning file=svc/helpers.py,line=5,col=5,endLine=5,endColumn=20,title=AW101::time.sleep() blocks")
    assert "%0A    async svc.handlers.handle calls (svc/handlers.py:5)" in lines[0]  # newlines escaped
    assert lines[1].startswith("::warning file=svc/other.py,line=5,col=12,endLine=5,endColumn=32,title=AW510::")


def test_fix_change_report_json_and_markdown(repo: Path, cli) -> None:
    code, out, err = cli("fix", "--format", "json", "--patch-file", "m.patch", ".", cwd=repo)
    assert code == 0, err
    report = json.loads(out)
    assert [f["path"] for f in report["files"]] == ["svc/handlers.py", "svc/helpers.py", "svc/other.py"]
    helpers = report["files"][1]
    assert helpers["rules"] == ["AW101", "AW401"] and helpers["diff"].startswith("--- a/svc/helpers.py")
    assert any("made `settle` async" in c["message"] for c in helpers["changes"])
    assert report["totals"]["files_changed"] == 3 and report["explanations"]
    assert (repo / "m.patch").read_text().count("+++ b/") == 3
    _git(repo, "apply", "--check", "m.patch")
    code, out, _ = cli("fix", "--format", "markdown", ".", cwd=repo)
    text = out.decode()
    assert text.startswith("## awaitify: async migration") and "| `svc/helpers.py` | AW101 `sleep`, AW401 `propagation` | 2 |" in text
    assert "### Call chains made async or offloaded" in text


def test_changed_since_limits_fixes_and_findings(repo: Path, cli) -> None:
    helpers = repo / "svc" / "helpers.py"
    helpers.write_text(helpers.read_text() + "\n\ndef unused():\n    return 1\n")
    code, out, err = cli("fix", "--changed-since", "HEAD", ".", cwd=repo)
    assert code == 0, err
    patch = out.decode()
    assert "+++ b/svc/helpers.py" in patch and "+++ b/svc/handlers.py" in patch  # the caller follows
    assert "svc/other.py" not in patch  # not changed since HEAD: its own problems wait
    assert "would change svc/handlers.py (outside --changed-since" in err
    code, out, _ = cli("check", "--changed-since", "HEAD", ".", cwd=repo)
    assert code == 0 and out == b""  # the sleep in helpers.py is old: only lines the diff touched report (test_changed_lines.py)
    code, _, err = cli("fix", "--changed-since", "no-such-ref", ".", cwd=repo)
    assert code == 2 and err.startswith("awaitify: error: --changed-since:") and err.count("\n") == 1


def test_output_is_deterministic(repo: Path, cli) -> None:
    runs = [cli("check", "--format", fmt, *extra, ".", cwd=repo)[1] for fmt in ("json", "sarif") for extra in ((), ("--no-cache",), ())]
    assert runs[0] == runs[1] == runs[2] and runs[3] == runs[4] == runs[5]
    fixes = [cli("fix", *extra, ".", cwd=repo)[1] for extra in ((), ("--no-cache",), ("--jobs", "1"))]
    assert fixes[0] == fixes[1] == fixes[2] != b""


def test_documented_exit_codes(repo: Path, cli) -> None:
    assert cli("fix", ".", cwd=repo)[0] == 0  # a dry run: 0 even with changes pending
    assert cli("fix", "--check", ".", cwd=repo)[0] == 1
    assert cli("check", ".", cwd=repo)[0] == 1
    assert cli("fix", "--write", ".", cwd=repo)[0] == 0
    assert cli("fix", "--check", ".", cwd=repo)[0] == 0
    assert cli("check", ".", cwd=repo)[0] == 0
    assert cli("check", "--format", "yaml", ".", cwd=repo)[0] == 2
    (repo / "pyproject.toml").write_text("[tool.awaitify]\ntarget = 'curio'\n")
    assert cli("fix", ".", cwd=repo)[0] == 2 and cli("check", ".", cwd=repo)[0] == 2


def _stdin(args: list[str], data: bytes, cwd: Path) -> subprocess.CompletedProcess:
    return run_awaitify(*args, input=data, cwd=cwd)


def test_stdin_for_editors(tmp_path: Path) -> None:
    source = b"import time\r\n\r\n\r\nasync def h():\r\n    time.sleep(1)\r\n"
    proc = _stdin(["fix", "--stdin-filename", "app/x.py", "-"], source, tmp_path)
    assert proc.returncode == 0 and proc.stdout == b"import asyncio\r\n\r\n\r\nasync def h():\r\n    await asyncio.sleep(1)\r\n"
    proc = _stdin(["fix", "--check", "--stdin-filename", "app/x.py", "-"], source, tmp_path)
    assert proc.returncode == 1 and proc.stdout == b""
    proc = _stdin(["fix", "--diff", "--stdin-filename", "app/x.py", "-"], source, tmp_path)
    assert proc.stdout.startswith(b"--- a/app/x.py\n+++ b/app/x.py\n")
    proc = _stdin(["check", "--stdin-filename", "app/x.py", "-"], source, tmp_path)
    assert proc.returncode == 1 and proc.stdout.startswith(b"app/x.py:5:5 AW101 ")
    broken = b"import time\ndef broken(:\n    time.sleep(1)\n"
    proc = _stdin(["fix", "--stdin-filename", "b.py", "-"], broken, tmp_path)
    assert proc.returncode == 0 and proc.stdout == broken and b"b.py: cannot parse" in proc.stderr
    (tmp_path / "pyproject.toml").write_text('[tool.awaitify]\nper-file-ignores = { "legacy/*" = ["AW101"] }\n')
    proc = _stdin(["fix", "--stdin-filename", "legacy/old.py", "-"], source, tmp_path)
    assert proc.stdout == source  # the buffer is treated as the file it names
    proc = _stdin(["fix", "--stdin-filename", "a.py", "-", "other.py"], source, tmp_path)
    assert proc.returncode == 2 and proc.stderr.decode().count("\n") == 1


def test_sarif_carries_each_rules_page_and_unreadable_files(repo: Path, cli) -> None:
    """A file that does not parse is a result (AW000); one that cannot even be decoded, a notification."""
    from sarif_pydantic import Sarif

    (repo / "svc" / "broken.py").write_bytes(b"import time\n\n\nasync def h():\n    time.sleep(1)  # \xff\xfe\n")
    code, out, _ = cli("check", "--no-cache", "--format", "sarif", ".", cwd=repo)
    data = json.loads(out)
    Sarif.model_validate(data)
    run = data["runs"][0]
    pages = {rule["id"]: rule["help"]["markdown"] for rule in run["tool"]["driver"]["rules"]}
    assert pages["AW101"].startswith("# AW101 `sleep`")
    (note,) = run["invocations"][0]["toolExecutionNotifications"]
    assert note["level"] == "error" and "decode" in note["message"]["text"]
    assert note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("broken.py")


def _sarif_offset(text: str, line: int, column: int) -> int:
    """A SARIF (line, column) as an index into `text`: columns count UTF-16 code units (the default columnKind)."""
    starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
    start = starts[line - 1] if line - 1 < len(starts) else len(text)
    units, index = column - 1, start
    while units > 0:
        units -= len(text[index].encode("utf-16-le")) // 2
        index += 1
    return index


def _apply_sarif_fix(text: str, fix: dict) -> str:
    (change,) = fix["artifactChanges"]
    edits = []
    for r in change["replacements"]:
        region = r["deletedRegion"]
        edits.append((_sarif_offset(text, region["startLine"], region["startColumn"]),
                      _sarif_offset(text, region["endLine"], region["endColumn"]), r["insertedContent"]["text"]))
    for begin, end, new in sorted(edits, reverse=True):
        text = text[:begin] + new + text[end:]
    return text


def test_sarif_fixes_give_fix_writes_file_and_only_where_it_stands_alone(repo: Path, cli) -> None:
    """A fixable finding carries its file's whole fix when nothing outside the file must change with
    it; applied, it gives `fix --write`'s file. A propagation finding (callers elsewhere) has none."""
    from sarif_pydantic import Sarif

    _write(repo, {"svc/direct.py": """
        import time


        async def twice():
            time.sleep(0.01)
            label = "d\u00e9j\u00e0 \U0001f600"
            time.sleep(0.01)
            return label"""})  # no newline at the end, an astral character (two UTF-16 units)
    (repo / "svc" / "direct.py").write_text((repo / "svc" / "direct.py").read_text().rstrip("\n"))
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "direct")
    code, out, err = cli("check", "--no-cache", "--format", "sarif", ".", cwd=repo)
    assert code == 1, err
    data = json.loads(out)
    Sarif.model_validate(data)
    results = {(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                r["locations"][0]["physicalLocation"]["region"]["startLine"]): r for r in data["runs"][0]["results"]}
    assert "fixes" not in results[("svc/helpers.py", 5)]  # made async with its callers in handlers.py: `awaitify fix` whole
    originals = {p: (repo / p).read_text() for p in ("svc/direct.py", "svc/other.py")}
    assert cli("fix", "--no-cache", "--write", ".", cwd=repo)[0] == 0
    for path, line in (("svc/direct.py", 5), ("svc/direct.py", 7), ("svc/other.py", 5)):
        (fix,) = results[(path, line)]["fixes"]
        assert fix["artifactChanges"][0]["artifactLocation"]["uri"] == path
        assert _apply_sarif_fix(originals[path], fix) == (repo / path).read_text(), path
    assert all("helpUri" not in rule for rule in data["runs"][0]["tool"]["driver"]["rules"])  # no [project.urls]: no address made up


def test_rule_pages_link_the_repository_named_in_the_metadata() -> None:
    from awaitify.doc_urls import rule_page_url

    assert rule_page_url("sleep.md", "https://github.com/o/awaitify") == "https://github.com/o/awaitify/blob/HEAD/docs/rules/sleep.md"
    assert (ROOT_DOCS / "sleep.md").is_file()
    assert rule_page_url("sleep.md", "") is None
