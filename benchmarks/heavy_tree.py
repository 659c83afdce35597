"""A synthetic change-heavy tree: most files hold something `awaitify fix` rewrites.

Unlike `bench.generate` (a monorepo where a few call chains block), every package here is a small
web service: async handlers call sync helpers, in their own module and in others, that block on
`requests`, `time.sleep`, `subprocess`, `open()` and redis; a FastAPI app registers `@app.on_event`
hooks; plain sync modules (models, utilities) stand beside them, as in a real project. The helpers'
callers are made async in turn (propagation), so one blocking call changes several files.

    python benchmarks/bench.py heavy --sizes 1 2 4

Size 1 is 12 packages of 12 files (144 files, ~11k lines); size n is n times as many packages, so
what changes grows linearly with the size.
"""

from __future__ import annotations

import random
from pathlib import Path

MODULES_PER_PACKAGE = 8  # service modules; each package also has app.py, models.py, util.py, __init__.py


def _clients(p: int, m: int) -> list[str]:
    """Helpers that block: one per kind, each reached from async code through another helper."""
    return [
        f"def fetch_user_{m}(user_id):",
        '    response = requests.get(f"http://127.0.0.1:8000/users/{user_id}", timeout=5)',
        "    response.raise_for_status()",
        "    return response.json()",
        "",
        "",
        f"def post_event_{m}(payload):",
        '    response = requests.post("http://127.0.0.1:8000/events", json=payload, timeout=5)',
        "    return response.status_code",
        "",
        "",
        f"def backoff_{m}(attempt):",
        "    time.sleep(min(0.1 * 2 ** attempt, 2.0))",
        "    return attempt + 1",
        "",
        "",
        f"def run_tool_{m}(args):",
        "    result = subprocess.run(args, capture_output=True, text=True, check=False)",
        "    return result.returncode, result.stdout",
        "",
        "",
        f"def read_template_{m}(name):",
        '    with open(os.path.join(TEMPLATES, name), encoding="utf-8") as handle:',
        "        return handle.read()",
        "",
        "",
        f"def cached_{m}(key):",
        "    value = CACHE.get(key)",
        "    if value is None:",
        "        CACHE.set(key, b'1', ex=60)",
        "    return value",
        "",
        "",
    ]


def _pure(m: int, rng: random.Random) -> list[str]:
    """Sync code nothing async reaches blocking: formatting and arithmetic, as most of a project is."""
    out = []
    for k in range(rng.randint(3, 6)):
        out += [
            f"def format_{m}_{k}(record, width={20 + k}):",
            '    """Pad every field of a record to a column width."""',
            "    parts = []",
            "    for key, value in sorted(record.items()):",
            "        text = str(value)",
            "        if len(text) > width:",
            "            text = text[: width - 1] + '~'",
            "        parts.append(f'{key}={text:<{width}}')",
            "    return ' | '.join(parts)",
            "",
            "",
        ]
    return out


def _service(p: int, m: int, rng: random.Random) -> str:
    other = (m + 1) % MODULES_PER_PACKAGE
    lines = [
        f'"""Service {m} of package {p}: handlers and the helpers they call."""',
        "",
        "import os",
        "import subprocess",
        "import time",
        "",
        "import redis",
        "import requests",
        "",
        f"from pkg{p} import models, util",
        f"from pkg{p}.svc{other} import fetch_user_{other}, backoff_{other}",
        "",
        'TEMPLATES = os.path.join(os.path.dirname(__file__), "templates")',
        'CACHE = redis.Redis(host="127.0.0.1", port=6379)',
        "",
        "",
        *_clients(p, m),
        f"def load_profile_{m}(user_id, attempt=0):",
        f"    user = fetch_user_{m}(user_id)",
        f"    friend = fetch_user_{other}(user.get('friend', user_id))",
        f"    cached_{m}(f'profile:{{user_id}}')",
        "    if not user:",
        f"        backoff_{other}(attempt)",
        "    return models.Profile(user, friend)",
        "",
        "",
        f"def render_{m}(user_id):",
        f"    profile = load_profile_{m}(user_id)",
        f"    page = read_template_{m}('profile.html')",
        "    return page.format(name=util.shorten(profile.name))",
        "",
        "",
        *_pure(m, rng),
        f"async def get_profile_{m}(request):",
        '    user_id = request["user_id"]',
        f"    return {{'html': render_{m}(user_id)}}",
        "",
        "",
        f"async def post_hook_{m}(request):",
        f"    code = post_event_{m}({{'user': request['user_id'], 'kind': 'view'}})",
        f"    status, output = run_tool_{m}(['true', str(code)])",
        "    return {'status': status, 'output': output}",
        "",
        "",
        f"async def retry_{m}(request, attempts=3):",
        "    for attempt in range(attempts):",
        f"        backoff_{m}(attempt)",
        "    return {'attempts': attempts}",
        "",
    ]
    return "\n".join(lines)


def _app(p: int) -> str:
    imports = [f"from pkg{p}.svc{m} import get_profile_{m}, post_hook_{m}" for m in range(MODULES_PER_PACKAGE)]
    routes = []
    for m in range(MODULES_PER_PACKAGE):
        routes += [
            f'@app.get("/profile/{m}/{{user_id}}")',
            f"async def profile_{m}(user_id: int):",
            f"    return await get_profile_{m}({{'user_id': user_id}})",
            "",
            "",
        ]
    return "\n".join([
        f'"""The FastAPI app of package {p}."""',
        "",
        "import time",
        "",
        "import requests",
        "from fastapi import FastAPI",
        "",
        *imports,
        "",
        "app = FastAPI()",
        "STATE = {}",
        "",
        "",
        '@app.on_event("startup")',
        "async def startup():",
        '    STATE["session"] = requests.Session()',
        "    time.sleep(0.1)",
        "",
        "",
        '@app.on_event("shutdown")',
        "async def shutdown():",
        '    STATE.pop("session").close()',
        "",
        "",
        *routes,
    ])


def _models(p: int) -> str:
    return "\n".join([
        f'"""Plain data of package {p}: nothing here blocks."""',
        "",
        "from dataclasses import dataclass, field",
        "",
        "",
        "@dataclass",
        "class Profile:",
        "    user: dict",
        "    friend: dict",
        "    tags: list = field(default_factory=list)",
        "",
        "    @property",
        "    def name(self):",
        "        return self.user.get('name', '?')",
        "",
        "    def merged(self):",
        "        return {**self.friend, **self.user}",
        "",
    ])


def _util(p: int, rng: random.Random) -> str:
    return "\n".join([
        f'"""Helpers of package {p}: sync, never blocking."""',
        "",
        "",
        "def shorten(text, limit=40):",
        "    return text if len(text) <= limit else text[: limit - 1] + '~'",
        "",
        "",
        *_pure(99, rng),
    ])


def generate_heavy(out: Path, size: int = 1, seed: int = 11) -> None:
    """`12 * size` packages, each a FastAPI app, models, utilities and service modules whose async
    handlers reach blocking helpers (in their module and the next one)."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    for p in range(12 * size):
        pkg = out / f"pkg{p}"
        pkg.mkdir(exist_ok=True)
        (pkg / "__init__.py").write_text("")
        (pkg / "app.py").write_text(_app(p) + "\n")
        (pkg / "models.py").write_text(_models(p) + "\n")
        (pkg / "util.py").write_text(_util(p, rng) + "\n")
        for m in range(MODULES_PER_PACKAGE):
            (pkg / f"svc{m}.py").write_text(_service(p, m, rng) + "\n")
