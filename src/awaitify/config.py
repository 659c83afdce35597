"""`[tool.awaitify]` settings: loading, validating, and merging with command-line flags.

Unknown keys and bad values are errors naming the key (exit 2), as in ruff: a typo in a config
file must never silently turn a rule off.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

from awaitify.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

PROPAGATE_POLICIES = ("auto", "offload", "off")
TARGETS = ("asyncio", "anyio", "trio")
HTTP_CLIENTS = ("httpx", "httpx2")
SUBPROCESS_MODES = ("thread", "exec")


@dataclass(frozen=True)
class Config:
    select: tuple[str, ...] = ()  # empty: every rule
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    extend_exclude: tuple[str, ...] = ()
    per_file_ignores: dict[str, tuple[str, ...]] = field(default_factory=dict)
    propagate: str = "auto"
    propagate_set: bool = False  # the settings or --propagate chose it (a library's public API: awaitify.planner)
    unsafe_fixes: bool = False  # also make the changes whose safety is "unsafe" (findings.Change.safety)
    target: str = "asyncio"
    target_set: bool = False  # the settings or --target chose it: runtime detection leaves it (awaitify.runtime)
    http_client: str = "httpx"
    httpx_default_timeout: bool = False
    lifespan_merge: bool = False
    subprocess: str = "thread"  # "exec": simple subprocess.run calls -> asyncio.create_subprocess_exec
    blocking_calls: dict[str, str] = field(default_factory=dict)  # dotted name -> "offload" | async twin
    # objects (or the classes and factories making them) that work only in the thread that made them:
    # an offload touching one is an unsafe fix (awaitify.thread_bound)
    thread_bound: tuple[str, ...] = ()
    max_file_size: int = 4 * 1024 * 1024  # bytes; larger files are skipped unread (0: no limit)
    source: Path | None = None  # the file the settings came from
    root: Path = field(default_factory=Path.cwd)  # paths in the config are relative to this
    # sub-projects' own [tool.awaitify] below the root, deepest first: the nearest wins for its files
    # (select, ignore, per-file-ignores, exclude; awaitify.nearest_config)
    subconfigs: tuple["Config", ...] = ()

    def with_overrides(self, **overrides: Any) -> "Config":
        if overrides.get("target") is not None:
            overrides["target_set"] = True
        if overrides.get("propagate") is not None:
            overrides["propagate_set"] = True
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})


def _str_list(key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"`{key}` must be a list of strings")
    return tuple(value)


def _choice(options: tuple[str, ...]) -> Callable[[str, Any], str]:
    def check(key: str, value: Any) -> str:
        if value not in options:
            raise ConfigError(f"`{key}` must be one of {', '.join(options)}; got {value!r}")
        return value

    return check


def _bool(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"`{key}` must be true or false; got {value!r}")
    return value


def _per_file_ignores(key: str, value: Any) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, dict):
        raise ConfigError(f"`{key}` must be a table of glob = [codes]")
    return {glob: _str_list(f"{key}.{glob}", codes) for glob, codes in value.items()}


def _dotted(name: str) -> bool:
    """`module.function`: two or more identifiers joined by dots, none a keyword."""
    import keyword

    parts = name.split(".")
    return len(parts) >= 2 and all(p.isidentifier() and not keyword.iskeyword(p) for p in parts)


def _blocking_calls(key: str, value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise ConfigError(f"`{key}` must be a table of \"module.function\" = \"offload\" or {{ replace = ... }}")
    calls: dict[str, str] = {}
    for name, how in value.items():
        if not _dotted(name):
            raise ConfigError(f"`{key}.{name}`: use the dotted name of the function, e.g. \"pkg.mod.func\"")
        if how == "offload":
            calls[name] = "offload"
        elif isinstance(how, dict) and set(how) == {"replace"} and isinstance(how["replace"], str):
            if not _dotted(how["replace"]):  # it is written into code as an import and a call
                raise ConfigError(f"`{key}.{name}.replace` must be a dotted name such as \"pkg.mod.async_func\"; "
                                  f"got {how['replace']!r}")
            calls[name] = how["replace"]
        else:
            raise ConfigError(f"`{key}.{name}` must be \"offload\" or {{ replace = \"module.async_twin\" }}; got {how!r}")
    return calls


def _dotted_list(key: str, value: Any) -> tuple[str, ...]:
    names = _str_list(key, value)
    for name in names:
        if not _dotted(name):
            raise ConfigError(f"`{key}`: use the dotted name of the object, e.g. \"pkg.db.conn\"; got {name!r}")
    return names


def _size(key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError(f"`{key}` must be a number of bytes (0: no limit); got {value!r}")
    return value


_KEYS: dict[str, tuple[str, Callable[[str, Any], Any]]] = {
    "select": ("select", _str_list),
    "ignore": ("ignore", _str_list),
    "exclude": ("exclude", _str_list),
    "extend-exclude": ("extend_exclude", _str_list),
    "per-file-ignores": ("per_file_ignores", _per_file_ignores),
    "propagate": ("propagate", _choice(PROPAGATE_POLICIES)),
    "target": ("target", _choice(TARGETS)),
    "http-client": ("http_client", _choice(HTTP_CLIENTS)),
    "httpx-default-timeout": ("httpx_default_timeout", _bool),
    "lifespan-merge": ("lifespan_merge", _bool),
    "subprocess": ("subprocess", _choice(SUBPROCESS_MODES)),
    "blocking-calls": ("blocking_calls", _blocking_calls),
    "max-file-size": ("max_file_size", _size),
    "thread-bound": ("thread_bound", _dotted_list),
    "unsafe-fixes": ("unsafe_fixes", _bool),
}


def parse_table(table: dict[str, Any], source: Path) -> Config:
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in _KEYS:
            raise ConfigError(f"{source}: unknown key `{key}` in [tool.awaitify] (known: {', '.join(_KEYS)})")
        attr, check = _KEYS[key]
        try:
            values[attr] = check(key, value)
        except ConfigError as exc:
            raise ConfigError(f"{source}: {exc}") from None
    if "target" in values:
        values["target_set"] = True
    if "propagate" in values:
        values["propagate_set"] = True
    return Config(source=source, root=source.parent, **values)


def _load_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None


def load_file(path: Path) -> Config:
    """Load an explicit `--config` file: a pyproject.toml or a file of bare awaitify keys."""
    data = _load_toml(path)
    table = data.get("tool", {}).get("awaitify", {}) if path.name == "pyproject.toml" else data
    return parse_table(table, path.resolve())


def discover(start: Path) -> Config:
    """The nearest pyproject.toml with a [tool.awaitify] table, walking up from `start`; without the
    sub-projects below it (`awaitify.nearest_config.discover` adds them: what a run uses)."""
    try:
        start = start.resolve()
    except (OSError, RuntimeError):  # a symlink loop: discovery reports the path
        return Config(root=Path.cwd())
    for folder in [start, *start.parents] if start.is_dir() else list(start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            table = _load_toml(candidate).get("tool", {}).get("awaitify")
            if table is not None:
                return parse_table(table, candidate)
        if (folder / ".git").exists():  # the repository root: settings (and the cache) stay inside it
            break
    return Config(root=Path.cwd())


def nearest(config: Config, path: Path | None) -> Config:
    """The configuration that governs `path`: the deepest sub-project holding it, else `config`."""
    if not config.subconfigs or path is None:
        return config
    try:
        resolved = path.resolve()
    except (OSError, RuntimeError):
        return config
    return next((sub for sub in config.subconfigs if resolved.is_relative_to(sub.root)), config)
