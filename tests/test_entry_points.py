"""Entry points stay callable: a function an installed command calls ([project.scripts], gui-scripts,
entry-points, setup.cfg, setup.py), a click command, an argparse `set_defaults(func=...)` handler and
`python -m pkg` through `__main__.py` keep their sync signatures. The commands are run the way the
installed script runs them (`module:function` loaded and called) before and after the fix."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from awaitify.entry_points import entry_points

from inprocess_cli import cli_here  # noqa: F401  (a fixture)

APP = {
    "app/__init__.py": "",
    "app/authorization.py": """
        import time


        def is_admin(user):
            time.sleep(0.05)
            return "admin" in user["roles"]


        def has_role(user, role):
            time.sleep(0.05)
            return role in user["roles"]
        """,
    "app/deps.py": """
        from app.authorization import has_role, is_admin


        async def require_admin(user):
            if not is_admin(user):
                raise PermissionError("admin only")
            return user


        async def require_role(user, role):
            return has_role(user, role)
        """,
    "app/cli.py": """
        import argparse
        import sys

        import click

        from app import authorization


        def main(argv=None):
            roles = sys.argv[1:] if argv is None else argv
            print("admin" if authorization.is_admin({"roles": roles}) else "not admin")
            return 0


        @click.command()
        @click.argument("roles", nargs=-1)
        def clicked(roles):
            print("admin" if authorization.has_role({"roles": list(roles)}, "admin") else "not admin")


        def check(args):
            print("admin" if authorization.has_role({"roles": args.roles}, "admin") else "not admin")
            return 0


        def parsed(argv=None):
            parser = argparse.ArgumentParser()
            parser.add_argument("roles", nargs="*")
            parser.set_defaults(func=check)
            args = parser.parse_args(argv)
            return args.func(args)


        if __name__ == "__main__":
            sys.exit(main())
        """,
}
MAIN_PY = {"app/__main__.py": """
    import sys

    from app.cli import main

    sys.exit(main())
    """}
PYPROJECT = """
[project]
name = "app"
version = "1"

[project.scripts]
app-admin = "app.cli:main"
app-click = "app.cli:clicked"

[project.gui-scripts]
app-parsed = "app.cli:parsed"
"""
SETUP_CFG = """
[metadata]
name = app

[options.entry_points]
console_scripts =
    app-admin = app.cli:main
    app-click = app.cli:clicked
gui_scripts =
    app-parsed = app.cli:parsed
"""
SETUP_PY = """
from setuptools import setup

setup(name="app", entry_points={"console_scripts": ["app-admin = app.cli:main", "app-click=app.cli:clicked"],
                                "gui_scripts": ["app-parsed = app.cli:parsed [gui]"]})
"""
# what the installed script does: load `module:function`, call it with no arguments, exit with its value
SCRIPT = "import importlib, sys; m, _, f = sys.argv[1].partition(':'); sys.argv[1:] = sys.argv[2:]; " \
         "sys.exit(getattr(importlib.import_module(m), f)())"


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def commands(root: Path) -> list[tuple[int, str]]:
    out = []
    with_main_py = (root / "app/__main__.py").exists()
    for argv in ([sys.executable, "-c", SCRIPT, "app.cli:main", "admin"],
                 [sys.executable, "-c", SCRIPT, "app.cli:clicked", "viewer"],
                 [sys.executable, "-c", SCRIPT, "app.cli:parsed", "admin"],
                 *([[sys.executable, "-m", "app", "admin"]] if with_main_py else []),
                 [sys.executable, "-m", "app.cli", "viewer"]):
        proc = subprocess.run([*argv[:1], "-W", "error::RuntimeWarning", *argv[1:]], cwd=root, capture_output=True,
                              text=True, timeout=60)
        out.append((proc.returncode, proc.stdout.strip() or proc.stderr.strip().splitlines()[-1:]))
    return out


@pytest.mark.parametrize("metadata", ["pyproject.toml", "setup.cfg", "setup.py"])
def test_installed_commands_still_run_after_the_fix(tmp_path: Path, cli_here, metadata: str) -> None:
    write(tmp_path, {**APP, metadata: {"pyproject.toml": PYPROJECT, "setup.cfg": SETUP_CFG, "setup.py": SETUP_PY}[metadata]})
    subprocess.run(["git", "init", "-q", "."], cwd=tmp_path, check=True)
    run = metadata == "pyproject.toml"  # the other two give the same text (checked below): run once
    before = commands(tmp_path) if run else None
    assert not run or before == [(0, "admin"), (0, "not admin"), (0, "admin"), (0, "not admin")]
    # --unsafe-fixes: with [project] metadata the project is a library, whose public is_admin stays sync otherwise
    code, _, err = cli_here("fix", "--write", "--allow-dirty", "--no-cache", "--explain", "--unsafe-fixes", ".")
    assert code == 0, err
    cli_text = (tmp_path / "app/cli.py").read_text()
    assert "\ndef main(argv=None):" in cli_text and "\ndef clicked(roles):" in cli_text and "\ndef parsed(" in cli_text
    assert "async def is_admin" in (tmp_path / "app/authorization.py").read_text()
    assert 'print("admin" if asyncio.run(authorization.is_admin({"roles": roles})) else "not admin")' in cli_text
    deps = (tmp_path / "app/deps.py").read_text()
    assert "if not await is_admin(user):" in deps
    # the click command and the argparse handler are boundaries: has_role stays sync, offloaded
    assert "return await asyncio.to_thread(has_role, user, role)" in deps
    assert not run or commands(tmp_path) == before


def test_without_metadata_python_m_through_main_py_keeps_main_sync(tmp_path: Path, cli_here) -> None:
    """With no packaging metadata, `python -m app` still calls `main` from __main__.py's module level:
    a boundary, so the closure is offloaded and every command keeps working."""
    write(tmp_path, {**APP, **MAIN_PY})
    before = commands(tmp_path)
    code, _, err = cli_here("fix", "--write", "--allow-dirty", "--no-cache", "--explain", ".")
    assert code == 0, err
    assert "called from module level at app/__main__.py:5" in err
    assert "async def" not in (tmp_path / "app/authorization.py").read_text()
    assert commands(tmp_path) == before


def test_entry_point_specs_are_read_from_every_metadata_file(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": PYPROJECT + '\n[project.entry-points."app.plugins"]\nx = "app.plug:Plugin.load"\n',
                     "setup.cfg": SETUP_CFG, "setup.py": SETUP_PY})
    found = {(module, name) for module, name, _ in entry_points(tmp_path)}
    assert found == {("app.cli", "main"), ("app.cli", "clicked"), ("app.cli", "parsed"), ("app.plug", "Plugin.load")}


def test_a_broken_pyproject_is_one_line_naming_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "pyproject.toml").write_text("[project\nname = 1\n")
    assert entry_points(tmp_path) == []
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "pyproject.toml: cannot read its entry points" in err
