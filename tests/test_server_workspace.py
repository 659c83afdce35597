"""The server's state without the protocol (awaitify.server.workspace): the overlay the engine reads
instead of the disk, and the warm caches that keep a re-check to the edited files."""

from __future__ import annotations

from pathlib import Path

import pytest

from awaitify.audit import engine as audit_engine
from awaitify.discovery import Discovered
from awaitify.engine import pipeline
from awaitify.server.edits import text_edits
from awaitify.server.workspace import Workspace, buffer_bytes


def _project(root: Path, count: int) -> list[Path]:
    files = []
    for i in range(count):
        path = root / f"m{i}.py"
        path.write_text(f"import time\n\n\nasync def handler_{i}():\n    time.sleep({i})\n", encoding="utf-8")
        files.append(path)
    return files


def test_the_overlay_replaces_the_disk_for_the_files_it_holds(tmp_path: Path) -> None:
    a, b = _project(tmp_path, 2)
    tree = pipeline.read_tree([Discovered(a, "m0.py"), Discovered(b, "m1.py")], 1000, {a: b"x = 1\n"})
    assert [(s.display, s.text) for s in tree.sources] == [("m0.py", "x = 1\n"), ("m1.py", b.read_text())]
    tree = pipeline.read_tree([Discovered(a, "m0.py")], 3, {a: b"x = 1\n"})  # the same size limit as the disk's
    assert tree.sources == [] and "too large" in tree.unreadable[0][1]


def test_a_recheck_after_an_edit_scans_only_the_edited_file(tmp_path: Path, monkeypatch) -> None:
    files = _project(tmp_path, 6)
    monkeypatch.chdir(tmp_path)
    scanned: list[str] = []
    real = audit_engine._scan_one
    monkeypatch.setattr(audit_engine, "_scan_one", lambda item: scanned.append(item[0]) or real(item))
    ws = Workspace(tmp_path, {"jobs": 1})
    assert len(ws.check().findings) == 6 and len(scanned) == 6
    scanned.clear()
    ws.open(files[2], files[2].as_uri(), 1, "import time\n\n\nasync def handler_2():\n    pass\n")
    result = ws.check()
    assert scanned == [str(files[2])]
    assert [Path(f.path).name for f in result.findings] == ["m0.py", "m1.py", "m3.py", "m4.py", "m5.py"]
    assert files[2].read_text(encoding="utf-8").endswith("time.sleep(2)\n")  # the disk is not written
    scanned.clear()
    assert ws.check().findings == result.findings and scanned == []  # nothing changed: nothing scanned


def test_a_buffer_is_saved_bytes_as_its_file_holds_them(tmp_path: Path) -> None:
    """Its coding cookie's encoding, and the disk's BOM (an editor shows the text without it)."""
    latin = tmp_path / "latin.py"
    latin.write_bytes(b"# -*- coding: latin-1 -*-\nx = '\xe9'\n")
    assert buffer_bytes("# -*- coding: latin-1 -*-\nx = 'é'\n", latin) == latin.read_bytes()
    bom = tmp_path / "bom.py"
    bom.write_bytes(b"\xef\xbb\xbfx = 1\n")
    assert buffer_bytes("x = 2\n", bom) == b"\xef\xbb\xbfx = 2\n"


@pytest.mark.parametrize(("old", "new"), [
    ("a\nb\nc", "a\nB\nc"),
    ("a\n\U0001F600b", "a\n\U0001F600bc"),  # the last line, no final newline, after an emoji
    ("a\r\nb\r\n", "a\r\nx\r\nb\r\n"),
    ("a\x0cb\n", "a\x0cc\n"),  # a form feed is not a line break for the protocol
    ("", "x\n"),
])
def test_edits_in_utf16_positions(old: str, new: str) -> None:
    from lsp_client import apply_edits

    edits = [{"range": {"start": {"line": e.range.start.line, "character": e.range.start.character},
                        "end": {"line": e.range.end.line, "character": e.range.end.character}}, "newText": e.new_text}
             for e in text_edits(old, new)]
    assert apply_edits(old, edits) == new
    if old == "a\n\U0001F600b":
        assert edits[0]["range"] == {"start": {"line": 1, "character": 0}, "end": {"line": 1, "character": 3}}


