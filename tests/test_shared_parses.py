"""The plan's readers share one `ast` parse per text (awaitify.shared_parses), only within the plan."""

from __future__ import annotations

import pytest

from awaitify import shared_parses
from awaitify.shared_parses import parse, shared


def test_one_tree_per_text_within_the_plan_and_none_kept_after() -> None:
    text = "def f():\n    return 1\n"
    assert parse(text) is not parse(text)  # outside a plan: each reader its own
    with shared():
        first = parse(text)
        with shared():  # nested: the outer block keeps the trees
            assert parse(text) is first
        assert parse(text) is first
        assert parse(text + "\n") is not first
    assert not shared_parses._trees and parse(text) is not first


def test_a_syntax_error_is_raised_again_for_every_reader() -> None:
    with shared():
        for _ in range(2):
            with pytest.raises(SyntaxError):
                parse("def f(:\n")
        for _ in range(2):  # (a ValueError before Python 3.11.4, a SyntaxError since)
            with pytest.raises((SyntaxError, ValueError)):
                parse("x = 1\0")


def test_trees_past_the_limit_go_least_recently_read_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shared_parses, "LIMIT", 30)
    a, b, c = "a = 1\n" * 3, "b = 2\n" * 3, "c = 3\n" * 3  # 18 characters each
    with shared():
        tree_a = parse(a)
        parse(b)  # 36 > 30: `a`, read least recently, goes
        assert parse(b) is parse(b) and parse(a) is not tree_a
        tree_a = parse(a)  # `b` went to make room
        parse(c)
        assert parse(c) is parse(c) and list(shared_parses._trees) == [c]
