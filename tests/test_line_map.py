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
