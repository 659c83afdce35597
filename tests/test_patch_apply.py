"""The dry-run patch is a real patch: `git apply` takes it and gives exactly what --write gives,
byte for byte, whatever the file's encoding, BOM, line endings or indentation."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

FILES: dict[str, bytes] = {
    "crlf.py": b"import time\r\n\r\n\r\nasync def f():\r\n    time.sleep(1)  # crlf\r\n",
    "bom.py": b"\xef\xbb\xbfimport time\n\n\nasync def f():\n    time.sleep(1)\n",
    "latin1.py": "# -*- coding: latin-1 -*-\nimport time\n\n\nasync def caf\u00e9():\n    # d\u00e9j\u00e0\n    time.sleep(1)\n".encode("latin-1"),
    "no_newline.py": b"import time\n\n\nasync def f():\n    time.sleep(1)",
    "tabs.py": b"import time\n\n\nasync def f():\n\tif True:\n\t\ttime.sleep(1)\n",
    "mixed.py": b"import time\r\n\r\n\r\nasync def f():\n    time.sleep(1)\r\n    x = 1\n",
}
UNTOUCHED: dict[str, bytes] = {
    "broken.py": b"import time\n\nasync def f(:\n    time.sleep(1)\n",
    "empty.py": b"",
    "binary.py": b"import time\x00\x01\x02 time.sleep",
    "bad_utf8.py": b"import time\n\nasync def f():\n    time.sleep(1)  # \xff\xfe\n",
    "README.txt": b"time.sleep(1) in async def\n",
}


def _tree(root: Path) -> None:
    root.mkdir()
    for name, data in {**FILES, **UNTOUCHED}.items():
        (root / name).write_bytes(data)


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True)


def test_git_apply_equals_write(tmp_path: Path, cli) -> None:
    dry, written = tmp_path / "dry", tmp_path / "written"
    _tree(dry)
    shutil.copytree(dry, written)
    code, patch, err = cli("fix", "--no-cache", ".", cwd=dry)
    assert code == 0
    for name in FILES:
        assert f"a/{name}".encode() in patch
    for name in UNTOUCHED:
        assert f"a/{name}".encode() not in patch
    assert "broken.py: cannot parse" in err
    assert "binary.py: binary file" in err and "bad_utf8.py: cannot decode as utf-8" in err
    assert cli("fix", "--write", "--no-cache", ".", cwd=written)[0] == 0

    assert _git(dry, "init", "-q").returncode == 0
    (tmp_path / "migration.patch").write_bytes(patch)
    applied = _git(dry, "apply", "--check", "-v", str(tmp_path / "migration.patch"))
    assert applied.returncode == 0, applied.stderr
    assert _git(dry, "apply", str(tmp_path / "migration.patch")).returncode == 0
    for name in {**FILES, **UNTOUCHED}:
        assert (dry / name).read_bytes() == (written / name).read_bytes(), name
    for name, data in UNTOUCHED.items():
        assert (written / name).read_bytes() == data, name


def test_bytes_that_were_not_meant_to_change_do_not(tmp_path: Path, cli) -> None:
    root = tmp_path / "t"
    _tree(root)
    cli("fix", "--write", "--no-cache", ".", cwd=root)
    assert (root / "crlf.py").read_bytes() == b"import asyncio\r\n\r\n\r\nasync def f():\r\n    await asyncio.sleep(1)  # crlf\r\n"
    assert (root / "bom.py").read_bytes().startswith(b"\xef\xbb\xbfimport asyncio\n")
    latin = (root / "latin1.py").read_bytes()
    assert latin.startswith(b"# -*- coding: latin-1 -*-\n") and "caf\u00e9".encode("latin-1") in latin
    assert (root / "no_newline.py").read_bytes().endswith(b"await asyncio.sleep(1)")
    assert b"\t\tawait asyncio.sleep(1)\n" in (root / "tabs.py").read_bytes()
    assert (root / "mixed.py").read_bytes() == b"import asyncio\r\n\r\n\r\nasync def f():\n    await asyncio.sleep(1)\r\n    x = 1\n"


def test_patch_applies_with_patch_p1(tmp_path: Path, cli) -> None:
    if shutil.which("patch") is None:
        pytest.skip("the `patch` program is not installed")
    root = tmp_path / "t"
    _tree(root)
    _, data, _ = cli("fix", "--no-cache", ".", cwd=root)
    proc = subprocess.run(["patch", "-p1", "--dry-run", "--binary"], cwd=root, input=data, capture_output=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("how", ["relative", "absolute"])
def test_files_outside_the_current_folder(tmp_path: Path, cli, how: str) -> None:
    """`git apply` refuses `a/../x.py` and `a//srv/x.py`: a patch of files outside the current folder
    names them from the deepest folder holding them all, and says where to apply it."""
    dry, written, here = tmp_path / "project" / "dry", tmp_path / "written", tmp_path / "elsewhere"
    dry.mkdir(parents=True)
    here.mkdir()
    (dry / "pkg").mkdir()
    for name in ("a.py", "pkg/b.py"):
        (dry / name).write_bytes(FILES["crlf.py"])
    shutil.copytree(dry, written)
    target = "../project/dry" if how == "relative" else str(dry)
    code, patch, err = cli("fix", "--no-cache", target, cwd=here)
    assert code == 0
    assert b"--- a/a.py\n" in patch and b"+++ b/pkg/b.py\n" in patch, patch[:200]
    assert f"the patch names them from {dry}; apply it there (`git -C {dry} apply`)" in err
    assert cli("fix", "--write", "--no-cache", ".", cwd=written)[0] == 0
    (tmp_path / "p.patch").write_bytes(patch)
    applied = _git(dry, "apply", str(tmp_path / "p.patch"))
    assert applied.returncode == 0, applied.stderr
    for name in ("a.py", "pkg/b.py"):
        assert (dry / name).read_bytes() == (written / name).read_bytes()


def test_files_inside_keep_their_names(tmp_path: Path, cli) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.py").write_bytes(FILES["crlf.py"])
    code, patch, err = cli("fix", "--no-cache", "sub", cwd=tmp_path)
    assert code == 0 and b"--- a/sub/a.py\n" in patch and "outside the current folder" not in err


def test_json_diffs_name_files_as_the_patch_does(tmp_path: Path, cli) -> None:
    import json

    (tmp_path / "project").mkdir()
    (tmp_path / "here").mkdir()
    (tmp_path / "project" / "a.py").write_bytes(FILES["crlf.py"])
    code, out, _ = cli("fix", "--no-cache", "--format", "json", "../project", cwd=tmp_path / "here")
    assert code == 0
    report = json.loads(out)
    assert report["files"][0]["path"] == "../project/a.py"
    assert report["files"][0]["diff"].startswith("--- a/a.py\n+++ b/a.py\n")
