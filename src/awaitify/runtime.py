"""Which async runtime the project runs on, so a rewrite writes that runtime's API.

`asyncio.sleep` in a trio program raises at run time ("asyncio.sleep() ... no running event loop"
under trio, or worse, mixes two loops), so when the project is a trio program the codemods write
`trio.sleep`, `trio.to_thread.run_sync`, `trio.run`, and refuse what has no trio twin (redis.asyncio,
asyncio subprocesses). A trio program is one whose files import trio, run `anyio.run(...,
backend="trio")`, or whose test settings use pytest-trio (`trio_mode`). The `target` setting and
`--target` override the detection.

This is decided per project (a project that mixes runtimes module by module is treated as trio when
any module uses trio; set `target` per run to choose otherwise).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from awaitify.config import Config

_TRIO = re.compile(r"^[ \t]*(?:import[ \t]+trio\b|from[ \t]+trio\b)|\banyio\.run\([^)]*backend\s*=\s*['\"]trio['\"]", re.M)
_TRIO_TESTS = re.compile(r"\btrio_mode\s*=\s*(?:true|1)\b|\bpytest-trio\b|\bpytest_trio\b", re.I)


def uses_trio(texts: Iterable[str], root: Path | None = None) -> bool:
    if any("trio" in text and _TRIO.search(text) for text in texts):
        return True
    if root is None:
        return False
    for name in ("pyproject.toml", "pytest.ini", "setup.cfg", "tox.ini"):
        try:
            text = (root / name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if _TRIO_TESTS.search(text):
            return True
    return False


def with_detected_runtime(config: Config, texts: Iterable[str]) -> Config:
    """`config` with `target = "trio"` for a trio program, unless the settings chose a target."""
    if config.target_set or config.target != "asyncio":
        return config
    return replace(config, target="trio") if uses_trio(texts, config.root) else config

