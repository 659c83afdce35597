"""Thumbnails come from an external renderer (a program that takes a quarter of a second)."""

import subprocess

from media import storage


def thumbnail(name: str) -> str:
    src = storage.base() / "originals" / name
    out = storage.base() / "thumbs" / f"{name}.txt"
    subprocess.run(["sh", "-c", 'sleep 0.25; wc -c < "$0" | tr -d " " > "$1"', str(src), str(out)], check=True)
    return storage.load_thumb(name)
