"""Every help page names placeholders (`<PATH>...`, `<CODE>`), never the Python types typer derives
from the annotations (`<list[Path]>`, `<str>`), as ruff's help does."""

from __future__ import annotations

import re

import pytest

from awaitify.cli import app

COMMANDS = sorted(c.name or c.callback.__name__ for c in app.registered_commands)
# a type typer would print: `<str>`, `<list[Path]>`, `<int range>`, `<path>`, `<Path>`, `<float>` ...
PYTHON_TYPE = re.compile(r"<(?:list\[|tuple\[|str|int|float|bool|path|Path|file|choice|datetime|uuid)[^>]*>")


def test_the_commands_are_all_here() -> None:
    assert set(COMMANDS) >= {"fix", "check", "rules", "explain"}


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_help_has_no_python_type_names(cli, command: str) -> None:
    code, out, err = cli(*([command] if command else []), "--help")
    text = out.decode()
    assert code == 0 and text.startswith("Usage: awaitify"), err
    assert not PYTHON_TYPE.findall(text), PYTHON_TYPE.findall(text)


def test_arguments_show_their_placeholder(cli) -> None:
    for command in ("fix", "check"):
        text = cli(command, "--help")[1].decode()
        assert re.search(r"^Arguments:\n  <PATH>\.\.\.  Files or folders", text, re.MULTILINE), text
    text = cli("explain", "--help")[1].decode()
    assert re.search(r"^Arguments:\n  <CODE>  A rule code", text, re.MULTILINE) and "[required]" in text


def test_the_pattern_catches_what_typer_printed_before() -> None:
    """The check above can fail: it finds the row typer's own formatter gives a list-of-paths argument."""
    assert PYTHON_TYPE.findall("  PATH <list[Path]>  Files or folders") == ["<list[Path]>"]
    assert PYTHON_TYPE.findall("  code <str>  A rule code") == ["<str>"]
    assert not PYTHON_TYPE.findall("  --select <CODE>  --jobs <N>  <PATH>...")
