"""Settings read from a JSON file at startup (a sync hook that does file I/O)."""

import json
import os

from gateway.events import log

settings: dict = {}


def load() -> None:
    path = os.path.join(os.environ["APP_DATA"], "gateway.json")
    if not os.path.exists(path):
        os.makedirs(os.environ["APP_DATA"], exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            json.dump({"upstream": os.environ["SERVICE_URL"], "banner": "hello"}, f)
    with open(path, encoding="utf-8") as f:
        settings.update(json.load(f))
    log.append("config.load")
