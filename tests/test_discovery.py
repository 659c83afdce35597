"""Which files a run looks at."""

from __future__ import annotations

import subprocess
from pathlib import Path

from awaitify.config import Config
from awaitify.discovery import discover


def _touch(root: Path, *names: str) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x = 1\n")


def _found(root: Path, *paths: str, config: Config | None = None) -> list[str]:
    return [d.display for d in discover([Path(p) for p in paths] or [Path(".")], config or Config(root=root), cwd=root)]


def test_skips_vcs_virtualenvs_caches_and_gitignored(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q"], cwd=tmp_path)
    _touch(tmp_path, "app/a.py", "app/b.pyi", ".git/hooks/x.py", ".venv/lib/y.py", "env/lib/z.py", "env/pyvenv.cfg",
           "app/__pycache__/c.py", "node_modules/m.py", "build/gen.py", "app/generated/g.py", "app/sub/keep.py",
           "app/sub/drop.py", "README.md")
    (tmp_path / ".gitignore").write_text("generated/\n")
    (tmp_path / "app" / "sub" / ".gitignore").write_text("drop.py\n")
    assert _found(tmp_path) == ["app/a.py", "app/b.pyi", "app/sub/keep.py"]


def test_gitignore_above_the_given_folder_still_applies(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q"], cwd=tmp_path)
    _touch(tmp_path, "pkg/mod.py", "pkg/skip_me.py")
    (tmp_path / ".gitignore").write_text("skip_me.py\n")
    assert _found(tmp_path, "pkg") == ["pkg/mod.py"]


def test_explicit_files_are_always_taken(tmp_path: Path) -> None:
    _touch(tmp_path, ".venv/x.py")
    assert _found(tmp_path, ".venv/x.py") == [".venv/x.py"]


def test_exclude_and_extend_exclude(tmp_path: Path) -> None:
    _touch(tmp_path, "a.py", "legacy/b.py", "gen/c.py", "src/d.py")
    config = Config(root=tmp_path, exclude=("legacy/",), extend_exclude=("gen",))
    assert _found(tmp_path, config=config) == ["a.py", "src/d.py"]
    # a folder named explicitly is walked even though `exclude` covers it
    assert _found(tmp_path, "legacy", config=config) == ["legacy/b.py"]
