"""Originals can also be fetched from a URL (streamed to disk, as the docs of requests show)."""

import os

import requests

from media import storage


def import_original(name: str, source: str) -> int:
    url = f"{os.environ['SERVICE_URL']}/assets/{source}"
    path = storage.base() / "originals" / name
    with requests.get(url, stream=True, timeout=10) as r:
        r.raise_for_status()
        with open(path, "wb") as f:
            for chunk in r.iter_content(chunk_size=16):
                f.write(chunk)
    return path.stat().st_size
