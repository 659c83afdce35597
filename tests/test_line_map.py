"""Lines of a rewritten file, followed back to the file as it was read (awaitify.line_map)."""

from __future__ import annotations

from awaitify import line_map


def test_a_block_wrapped_in_a_new_statement_keeps_its_lines() -> None:
    """requests-httpx wraps a block in `async with httpx.AsyncClient(...)`: every line of the block
    moves in by one level, and a later codemod's diagnostic on one of them names its own line."""
    old = "a = 1\nwith x:\n    b()\n    with open(p) as f:\n        f.write(b)\nd = 2\n"
    new = "a = 1\nasync with y:\n    with x:\n        b()\n        with open(p) as f:\n            f.write(b)\nd = 2\n"
    assert line_map.follow(line_map.identity(6), old, new) == (1, 2, 2, 3, 4, 5, 6)


def test_a_rewritten_line_takes_the_line_it_replaced() -> None:
    old = "x = requests.get(u)\ny = x.json()\n"
    new = "x = await client.get(u)\ny = x.json()\n"
    assert line_map.follow(line_map.identity(2), old, new) == (1, 2)


def test_lines_follow_through_two_rewrites() -> None:
    first = line_map.follow(line_map.identity(3), "a\nb\nc\n", "a\nnew\nb\nc\n")
    assert first == (1, 2, 2, 3)
    assert line_map.follow(first, "a\nnew\nb\nc\n", "a\nnew\n    b\nc\n") == (1, 2, 2, 3)


def test_a_diagnostic_on_a_line_moved_in_names_the_original_column(tmp_path) -> None:
    """The requests-httpx codemod wraps a streamed download in `async with`, moving the `with open()`
    block in by two levels; AW507's refusal of that block, made on the moved line, names the column
    of `open(` in the file as read, where `check` names it too (and a later codemod's diagnostic on a
    line whose text changed before the node keeps its column)."""
    from awaitify.codemod_base import FileSession

    from both_commands import check_and_fix

    text = ('import requests\n\n\nasync def download(url, path):\n'
            '    r = requests.get(url, stream=True, timeout=5)\n'
            '    with open(path, "wb") as out:\n'
            '        for chunk in r.iter_content(1024):\n'
            '            out.write(chunk)\n'
            '    return r.status_code\n')
    report, result = check_and_fix(tmp_path, text)
    assert [(d.line, d.column, d.code) for d in result.diagnostics] == [(6, 10, "AW507")]
    assert (6, 10) in {(f.line, f.column) for f in report.findings if f.code == "AW507"}
    session = FileSession("m.py", None, None)  # type: ignore[arg-type]
    session.new_version("a = 1\nif x:\n    f(y)\n")
    session.new_version("a = 1\nasync with c:\n    if x:\n        f(y)\n        g = await f(y)\n")
    session.line_map = (1, 2, 2, 3, 3)
    assert [session.original_column(4, 8), session.original_column(4, 10), session.original_column(5, 14)] == [4, 6, 14]
