"""`--format rdjson` (reviewdog's Diagnostic Format): valid against the format's own JSON schema, and
`fix`'s suggestions, applied as reviewdog/GitHub apply them, give exactly `fix --write`'s bytes.

The schema is reviewdog's proto/rdf/jsonschema/DiagnosticResult.json (github.com/reviewdog/reviewdog,
commit 34a54e5b85daba36f973c910b1a6df937ebf37bc), vendored in tests/schemas/."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import tokenize
from pathlib import Path

import jsonschema
import pytest

from awaitify.hunks import line_hunks

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "tests" / "schemas" / "rdjson-DiagnosticResult.json").read_text())

# every awkward shape a suggestion has to survive: CRLF, no newline at the end, non-ASCII before a
# finding (columns are UTF-8 bytes), a propagation chain across modules, an import replaced at line 1
PROJECT = {
    "svc/__init__.py": b"",
    "svc/helpers.py": b"import time\n\n\ndef settle():\n    time.sleep(0.01)\n",
    "svc/handlers.py": b"from svc.helpers import settle\n\n\nasync def handle(request):\n    settle()\n    return request\n",
    "svc/crlf.py": b"import time\r\n\r\n\r\nasync def nap():\r\n    time.sleep(0.01)\r\n    return 1\r\n",
    "svc/tail.py": b"import time\n\n\nasync def tail():\n    time.sleep(0.01)",
    "svc/accents.py": "import time\n\n\nasync def caf\u00e9():\n    \u00e9t\u00e9 = '\u00e0'; time.sleep(0.01)\n    return \u00e9t\u00e9\n".encode(),
    "svc/latin.py": b"# -*- coding: latin-1 -*-\nimport time\n\n\nasync def h():\n    s = '\xe9'; time.sleep(0.01)\n    return s\n",
    "svc/loop.py": b"import asyncio\n\n\nasync def outer():\n    return asyncio.run(inner())\n\n\nasync def inner():\n    return 2\n",
}


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args], cwd=root, check=True,
                   capture_output=True)


def _project(root: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    _git(root, "init", "-q")
    _git(root, "add", ".")
    _git(root, "commit", "-qm", "base")
    return root


def _validate(document: dict) -> None:
    jsonschema.Draft4Validator.check_schema(SCHEMA)
    jsonschema.Draft4Validator(SCHEMA).validate(document)


def _offset(lines: list[bytes], line: int, column: int) -> int:
    return sum(len(l) for l in lines[:line - 1]) + column - 1


def _apply(data: bytes, suggestions: list[dict]) -> bytes:
    """As reviewdog's proto defines a suggestion: with no columns, the text replaces lines start..end
    (their last line ending kept); with columns, the byte range [start, end)."""
    lines = data.splitlines(keepends=True)
    encoding = tokenize.detect_encoding(io.BytesIO(data).readline)[0]  # the text goes back in the file's encoding
    edits = []
    for s in suggestions:
        start, end = s["range"]["start"], s["range"].get("end", s["range"]["start"])
        text = s["text"].encode(encoding)
        if "column" not in start and "column" not in end:
            last = lines[end["line"] - 1]
            ending = len(last) - len(last.rstrip(b"\r\n"))
            edits.append((_offset(lines, start["line"], 1), _offset(lines, end["line"], len(last) - ending + 1), text))
        else:
            edits.append((_offset(lines, start["line"], start.get("column", 1)), _offset(lines, end["line"], end.get("column", 1)), text))
    edits.sort()
    assert all(a[1] <= b[0] for a, b in zip(edits, edits[1:])), "suggestions overlap"
    for begin, stop, text in reversed(edits):
        data = data[:begin] + text + data[stop:]
    return data


def _suggestions_give_the_written_tree(root: Path, cli) -> dict:
    code, out, err = cli("fix", "--no-cache", "--format", "rdjson", ".", cwd=root)
    assert code == 0, err
    document = json.loads(out)
    _validate(document)
    written = root.parent / "written"
    shutil.copytree(root, written)
    assert cli("fix", "--no-cache", "--write", ".", cwd=written)[0] == 0
    by_path: dict[str, list[dict]] = {}
    for d in document["diagnostics"]:
        for s in d.get("suggestions", []):
            by_path.setdefault(d["location"]["path"], []).append(s)
            assert s["range"] == d["location"]["range"]  # GitHub posts a suggestion only on the comment's own lines
    changed = {p.relative_to(written).as_posix() for p in written.rglob("*.py")
               if p.read_bytes() != (root / p.relative_to(written)).read_bytes()}
    assert set(by_path) == changed
    for path, suggestions in by_path.items():
        assert _apply((root / path).read_bytes(), suggestions) == (written / path).read_bytes(), path
    return document


def test_fix_suggestions_applied_give_fix_writes_bytes(tmp_path: Path, cli) -> None:
    root = _project(tmp_path / "p", PROJECT)
    document = _suggestions_give_the_written_tree(root, cli)
    messages = {d["location"]["path"]: [] for d in document["diagnostics"]}
    for d in document["diagnostics"]:
        messages[d["location"]["path"]].append(d["message"])
    assert any("made `settle` async" in m for m in messages["svc/helpers.py"])  # the explanation travels with the change
    assert any("AW401" in m and "awaited here" in m for m in messages["svc/handlers.py"])
    assert {"svc/crlf.py", "svc/tail.py", "svc/accents.py", "svc/loop.py", "svc/latin.py"} <= set(messages)


@pytest.mark.slow
@pytest.mark.parametrize("app", ["gateway", "notes"])
def test_fix_suggestions_on_a_real_app(tmp_path: Path, cli, app: str) -> None:
    """A whole test app (requests, files, hooks, propagation: every rule at once)."""
    shutil.copytree(ROOT / "tests" / "apps" / app, tmp_path / "p", ignore=shutil.ignore_patterns("__pycache__"))
    for args in (("init", "-q"), ("add", "."), ("commit", "-qm", "base")):
        _git(tmp_path / "p", *args)
    document = _suggestions_give_the_written_tree(tmp_path / "p", cli)
    assert len([d for d in document["diagnostics"] if d.get("suggestions")]) >= 3


def test_refusals_are_diagnostics_without_suggestions(tmp_path: Path, cli) -> None:
    root = _project(tmp_path / "p", {"a.py": b"import time\n\n\nasync def h():\n    time.sleep(1)\n",
                                     "broken.py": b"import time\nasync def h(:\n    time.sleep(1)\n"})
    code, out, err = cli("fix", "--no-cache", "--format", "rdjson", ".", cwd=root)
    document = json.loads(out)
    _validate(document)
    (broken,) = [d for d in document["diagnostics"] if d["location"]["path"] == "broken.py"]
    assert broken["severity"] == "ERROR" and "cannot parse" in broken["message"] and "suggestions" not in broken


def test_check_rdjson_matches_the_text_findings(tmp_path: Path, cli) -> None:
    root = _project(tmp_path / "p", PROJECT)
    _, text, _ = cli("check", "--no-cache", ".", cwd=root)
    code, out, _ = cli("check", "--no-cache", "--format", "rdjson", ".", cwd=root)
    assert code == 1
    document = json.loads(out)
    _validate(document)
    found = [(d["location"]["path"], d["location"]["range"]["start"]["line"], d["code"]["value"]) for d in document["diagnostics"]]
    expected = [(p, int(l), code) for p, l, _, code in
                (line.split(" ")[0].split(":") + [line.split(" ")[1]] for line in text.decode().splitlines() if not line.startswith(" "))]
    assert found == expected and len(found) >= 5
    accents = next(d for d in document["diagnostics"] if d["location"]["path"] == "svc/accents.py")
    line = PROJECT["svc/accents.py"].splitlines()[4]
    start = accents["location"]["range"]["start"]["column"]
    assert line[start - 1:].startswith(b"time.sleep")  # columns count UTF-8 bytes, as the format says
    assert line[:accents["location"]["range"]["end"]["column"] - 1].endswith(b"time.sleep(0.01)")
    chained = next(d for d in document["diagnostics"] if d["location"]["path"] == "svc/helpers.py")
    assert chained["relatedLocations"][0]["location"] == {"path": "svc/handlers.py", "range": {"start": {"line": 5}}}


def test_the_schema_rejects_what_is_not_rdjson() -> None:
    """The validation can fail: a wrong type or severity is caught."""
    with pytest.raises(jsonschema.ValidationError):
        _validate({"diagnostics": [{"message": "m", "location": {"path": "a.py", "range": {"start": {"line": "5"}}}}]})
    with pytest.raises(jsonschema.ValidationError):
        _validate({"diagnostics": [{"message": "m", "severity": "LOUD"}]})


@pytest.mark.parametrize("old, new", [
    ("a\nb\nc\n", "x\na\nb\nc\n"),  # insertion at the top
    ("a\nb\nc\n", "a\nb\nc\nx\n"),  # at the end
    ("a\nb\nc\n", "a\nc\n"),  # a deletion
    ("a\nb", "a\nb\n"),  # the last line gains its ending
    ("a\nb\n", "a\nb"),  # and loses it
    ("a\nb", "a\nB\n"),
    ("a\r\nb\r\n", "a\r\nb\n"),
    ("a\r\nb\r\n", "a\r\nB\r\nc\r\n"),
    ("a\nb\nc\nd\n", "A\nb\nc\nD\n"),
])
def test_hunks_replace_whole_lines_and_rebuild_the_file(old: str, new: str) -> None:
    hunks = line_hunks(old, new)
    suggestions = [{"range": ({"start": {"line": h.start}, "end": {"line": h.end}} if h.line_wise else
                              {"start": {"line": h.start, "column": 1},
                               "end": {"line": h.end, "column": len(h.old.splitlines(keepends=True)[-1].encode()) + 1}}),
                    "text": h.text} for h in hunks]
    if old:
        assert all(h.end >= h.start for h in hunks)
        assert _apply(old.encode(), suggestions) == new.encode()
    # line-wise unless the file's last line ending changes (GitHub's suggestions cannot say that)
    assert all(h.line_wise for h in hunks) == (old.endswith("\n") == new.endswith("\n") and old.endswith("\r\n") == new.endswith("\r\n"))


def test_a_last_newline_change_is_a_diagnostic_without_suggestion() -> None:
    from awaitify.rdjson import _file_diagnostics
    from awaitify.findings import Change
    from awaitify.runner import FileResult

    result = FileResult(Path("t.py"), "t.py", b"import time\ntime.sleep(1)", b"import time\ntime.sleep(2)\n",
                        [Change(2, 1, "AW101", "changed")])
    (diagnostic,) = _file_diagnostics(result)
    assert "suggestions" not in diagnostic and "no suggestion" in diagnostic["message"]
