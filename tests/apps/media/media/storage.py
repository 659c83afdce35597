import os
import shutil
from pathlib import Path


def base() -> Path:
    return Path(os.environ["APP_DATA"])


def prepare() -> None:
    (base() / "originals").mkdir(parents=True, exist_ok=True)
    (base() / "thumbs").mkdir(exist_ok=True)


def save_original(name: str, data: bytes) -> int:
    path = base() / "originals" / name
    path.write_bytes(data)
    return path.stat().st_size


def load_thumb(name: str) -> str:
    return (base() / "thumbs" / f"{name}.txt").read_text(encoding="utf-8")


def purge() -> None:
    shutil.rmtree(base() / "thumbs")
