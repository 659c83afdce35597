"""Notes as files in a folder: the one storage layer the CLI and the API share."""

import os
import shutil
import time


def root() -> str:
    return os.environ["APP_DATA"]


def add(title: str, text: str) -> str:
    path = os.path.join(root(), f"{title}.md")
    if os.path.exists(path):
        raise FileExistsError(title)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return title


def read(title: str) -> str:
    path = os.path.join(root(), f"{title}.md")
    if not os.path.isfile(path):
        raise KeyError(title)
    with open(path, encoding="utf-8") as f:
        return f.read()


def titles() -> list[str]:
    return sorted(name[:-3] for name in os.listdir(root()) if name.endswith(".md"))


def archive(dest: str) -> list[str]:
    """Copy every note to `dest` (the slow disk the backups go to)."""
    time.sleep(0.25)
    if os.path.exists(dest):
        shutil.rmtree(dest)
    shutil.copytree(root(), dest)
    return sorted(os.listdir(dest))
