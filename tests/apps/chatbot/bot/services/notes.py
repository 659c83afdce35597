"""Per-chat notes on disk, with a backup copy of the previous file."""

import os
import shutil


def _path(chat: int) -> str:
    return os.path.join(os.environ["APP_DATA"], f"chat-{chat}.txt")


def save(chat: int, text: str) -> int:
    path = _path(chat)
    if os.path.exists(path):
        shutil.copy(path, path + ".bak")
    with open(path, "a", encoding="utf-8") as f:
        f.write(text + "\n")
    return os.path.getsize(path)


def read(chat: int) -> list[str]:
    with open(_path(chat), encoding="utf-8") as f:
        return f.read().splitlines()
