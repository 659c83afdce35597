"""What each `stripe.<Resource>.<method>` is on a `stripe.StripeClient`, per stripe-python major,
shipped as data (`src/awaitify/rules/stripe_global_key/tables/stripe-<version>.json`).

The Stripe rule must give the same result wherever awaitify runs, whether or not stripe is installed
next to it, and for the stripe the project itself uses. So the mapping is read from a table built
from a released stripe (`python scripts/make_stripe_tables.py 16.1.0 ...` runs introspect.py on
each release in a folder of its own), and the table is chosen by the project's pins: the newest shipped major the
project's lock file, requirements or pyproject allow. A table covers its major (`16.1.0` covers
16.x); a project whose pins allow none of them is refused with a diagnostic.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

from awaitify import pins as _pins

TABLES = Path(__file__).resolve().parent / "tables"


@dataclass(frozen=True)
class Target:
    service: tuple[str, ...]  # attributes from the client to the service: ("v1", "customers")
    method: str
    async_method: str | None  # None when the installed version has no awaitable twin
    positional: tuple[str, ...]  # the resource method's positional parameters (ids), in order
    by_keyword: tuple[str, ...] = ()  # those of them that may also be passed by name (`retrieve(id=...)`)
    params_required: bool = False  # the service method has no default for `params`: `params={}`
    awaitable: bool = False  # already a coroutine (`stripe.Customer.create_async`): its `await` stays as it is


@dataclass
class Table:
    """One shipped table: what the codemod asks of stripe, answered without importing it."""

    version: str
    options: frozenset[str]
    resources: dict[str, dict[str, object]]
    exceptions: frozenset[str]
    _targets: dict[str, Target | str] = field(default_factory=dict)

    def target(self, qualified: str) -> Target | str:
        """`stripe.checkout.Session.create` -> where the client does the same request, or why not."""
        if qualified not in self._targets:
            owner, _, method = qualified.rpartition(".")
            shown = f"{qualified.partition('.')[2]}()"
            entry = self.resources.get(owner, {}).get(method) if owner in self.resources else None
            if owner not in self.resources:
                found: Target | str = f"`{shown}` is not a Stripe API resource method in stripe {self.version}"
            elif entry is None:
                found = f"`{shown}` is not a class-level API call of stripe {self.version}"
            elif isinstance(entry, str):
                found = entry
            else:
                found = Target(**{k: tuple(v) if isinstance(v, list) else v for k, v in entry.items()})  # type: ignore[arg-type]
            self._targets[qualified] = found
        return self._targets[qualified]

    def is_exception(self, qualified: str) -> bool:
        return qualified in self.exceptions

    def is_resource_method(self, qualified: str) -> bool:
        owner, _, method = qualified.rpartition(".")
        return owner in self.resources and method in self.resources[owner]


@cache
def shipped() -> tuple[Version, ...]:
    versions = []
    for path in TABLES.glob("stripe-*.json"):
        try:
            versions.append(Version(path.stem.removeprefix("stripe-")))
        except InvalidVersion:
            continue
    return tuple(sorted(versions))


@cache
def load(version: str) -> Table:
    data = json.loads((TABLES / f"stripe-{version}.json").read_text(encoding="utf-8"))
    return Table(data["version"], frozenset(data["options"]), data["resources"], frozenset(data["exceptions"]))


def table_for(root: Path) -> Table | str:
    """The newest shipped table whose major the project's stripe pins allow, or why there is none."""
    versions = shipped()
    if not versions:
        return "no Stripe tables are shipped with this awaitify"
    locked, declared = _pins.pins(root.resolve(), "stripe")
    allowed = [v for v in versions if _allowed(v, locked, declared)]
    if not allowed:
        pinned = ", ".join([*(f"=={v}" for v in locked), *(str(s) for s in declared)])
        return (f"the project pins stripe {pinned}, and awaitify maps stripe-python "
                f"{', '.join(f'{v.major}.x' for v in versions)} only")
    return load(str(max(allowed)))


def _allowed(table: Version, locked: tuple[Version, ...], declared: tuple[SpecifierSet, ...]) -> bool:
    """A table covers its major: a locked version must be of that major; every declared range must
    admit some version of it (the table's own, its x.0.0, or one the range names)."""
    if locked:
        return all(v.major == table.major for v in locked)
    for spec in declared:
        candidates = {table, Version(f"{table.major}.0.0")}
        for item in spec:
            try:
                candidates.add(Version(item.version.removesuffix(".*")))
            except InvalidVersion:
                continue
        if not any(c.major == table.major and spec.contains(c, prereleases=True) for c in candidates):
            return False
    return True
