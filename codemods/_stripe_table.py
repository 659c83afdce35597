"""What each `stripe.<Resource>.<method>` is on a `stripe.StripeClient`, per stripe-python major,
shipped as data (`codemods/stripe_tables/stripe-<version>.json`).

The Stripe rule must give the same result wherever awaitify runs, whether or not stripe is installed
next to it, and for the stripe the project itself uses. So the mapping is read from a table built
from a released stripe (`python scripts/make_stripe_tables.py 16.1.0 ...` introspects each release in
a folder of its own), and the table is chosen by the project's pins: the newest shipped major the
project's lock file, requirements or pyproject allow. A table covers its major (`16.1.0` covers
16.x); a project whose pins allow none of them is refused with a diagnostic.
"""

from __future__ import annotations

import inspect
import json
import sys
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

from awaitify.codemods import _pins

TABLES = Path(__file__).resolve().parent / "stripe_tables"
# a resource's classmethod -> the service method doing the same request, when the names differ
RENAMED = {"modify": "update"}


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
class _Introspection:
    version: str
    stripe: object  # the module
    options: frozenset[str]  # request options: `options={...}`, not `params={...}`
    client: object = None  # one StripeClient with a placeholder key, only looked at (no request is made)
    services: dict[str, tuple[str, ...]] = field(default_factory=dict)  # service module -> path
    _targets: dict[str, Target | str] = field(default_factory=dict)

    def resolve(self, qualified: str) -> object | None:
        obj = self.stripe
        for part in qualified.split(".")[1:]:
            try:
                obj = getattr(obj, part)
            except Exception:  # AttributeError, or a lazy import failing
                return None
        return obj

    def is_resource(self, obj: object) -> bool:
        return isinstance(obj, type) and issubclass(obj, self.stripe.APIResource)  # type: ignore[attr-defined]

    def target(self, qualified: str) -> Target | str:
        """`stripe.checkout.Session.create` -> where the client does the same request, or why not."""
        if qualified not in self._targets:
            self._targets[qualified] = self._find(qualified)
        return self._targets[qualified]

    def _find(self, qualified: str) -> Target | str:
        owner_name, _, method = qualified.rpartition(".")
        shown = f"{qualified.partition('.')[2]}()"
        resource = self.resolve(owner_name)
        if not self.is_resource(resource):
            return f"`{shown}` is not a Stripe API resource method in stripe {self.version}"
        path = self.services.get(f"{resource.__module__}_service")  # type: ignore[union-attr]
        if path is None:
            return f"stripe {self.version}'s StripeClient has no service for {owner_name.partition('.')[2]}"
        if method.startswith("_"):
            return f"`{shown}` is private"
        raw = inspect.getattr_static(resource, method, None)
        if raw is None:
            return f"`{shown}` does not exist in stripe {self.version}"
        if type(raw).__name__ == "class_method_variant":  # `delete`, `cancel`, ...: `_cls_<name>` is the class form
            bound = getattr(resource, f"_cls_{method}", None)
        elif isinstance(raw, classmethod):
            bound = getattr(resource, method)
        else:
            bound = None
        if bound is None:
            return f"`{shown}` is not a class-level API call"
        service = self._service_class(path)
        base = method.removesuffix("_async")
        name = RENAMED.get(base, base) + method[len(base):]
        func = getattr(service, name, None)
        if service is None or not callable(func) or name.startswith("_"):
            return f"the client's {'.'.join(path)} service has no `{name}` method for `{shown}`"
        try:
            ours = [p for p in inspect.signature(bound).parameters.values()]
            theirs = [p for p in inspect.signature(func).parameters.values() if p.name != "self"]
        except (TypeError, ValueError):
            return f"cannot read the signature of `{shown}`"
        positional = tuple(p.name for p in ours if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD))
        if not any(p.kind is p.VAR_KEYWORD for p in ours):
            return f"`{shown}` takes no keyword parameters"
        if [p.name for p in theirs[len(positional):]][:2] != ["params", "options"] or any(
            p.kind is not p.POSITIONAL_ONLY and p.kind is not p.POSITIONAL_OR_KEYWORD for p in theirs[:len(positional)]
        ):
            return f"`{shown}` and the client's `{'.'.join(path)}.{name}` take different arguments"
        required = theirs[len(positional)].default is inspect.Parameter.empty
        by_keyword = tuple(p.name for p in ours if p.kind is p.POSITIONAL_OR_KEYWORD)
        if name.endswith("_async"):
            return Target(path, name, None, positional, by_keyword, required, awaitable=True)
        twin = f"{name}_async"
        return Target(path, name, twin if callable(getattr(service, twin, None)) else None, positional, by_keyword,
                      required)

    def _service_class(self, path: tuple[str, ...]) -> type | None:
        obj: object = self.client
        for part in path:
            obj = getattr(obj, part, None)
        return type(obj) if obj is not None else None


def _client(stripe: object) -> object:
    return stripe.StripeClient("sk_test_awaitify_introspection")  # type: ignore[attr-defined]  # no request is made


def _children(obj: object) -> list[str]:
    names = set(vars(obj))
    lazy = getattr(sys.modules.get(type(obj).__module__), "_subservices", None)  # stripe >= 12.5 loads services lazily
    if isinstance(lazy, dict):
        names |= set(lazy)
    return sorted(n for n in names if not n.startswith("_"))


def _introspect() -> _Introspection | str:
    """The importable stripe package's resources and client services, or why they cannot be read."""
    try:
        import stripe
        from stripe._stripe_service import StripeService
    except Exception as exc:  # not installed, or too old for StripeClient
        return f"the stripe package (with StripeClient) cannot be imported where awaitify runs ({type(exc).__name__})"
    try:
        from stripe._request_options import RequestOptions
        options = frozenset(RequestOptions.__annotations__)
    except Exception:
        options = frozenset({"api_key", "stripe_version", "stripe_account", "idempotency_key", "headers",
                             "max_network_retries", "stripe_context", "content_type"})
    client = _client(stripe)
    api = _Introspection(version=getattr(stripe, "VERSION", "?"), stripe=stripe, options=options, client=client)
    # stripe-python >= 12.5 groups the services under `client.v1`; before, they hang off the client
    todo = [(client.v1, ("v1",))] if hasattr(client, "v1") else [(client, ())]
    while todo:
        obj, path = todo.pop()
        for name in _children(obj):
            try:
                child = getattr(obj, name)
            except Exception:
                continue
            if isinstance(child, StripeService) and len(path) < 6:
                api.services.setdefault(type(child).__module__, (*path, name))
                todo.append((child, (*path, name)))
    return api




# --- building a table (from an importable stripe) ---------------------------------------------------------------
def build() -> dict:
    """The table of the stripe package this interpreter imports: every API resource (as users spell
    it: `stripe.Customer`, `stripe.checkout.Session`), each class-level method's target or the reason
    it has none, the exception classes, the request options."""
    api = _introspect()
    if isinstance(api, str):
        raise RuntimeError(api)
    stripe = api.stripe
    resources: dict[str, dict[str, object]] = {}
    exceptions: set[str] = set()
    for qualified, obj in _public_names(stripe):
        if isinstance(obj, type) and issubclass(obj, BaseException):
            exceptions.add(qualified)
        elif api.is_resource(obj):
            methods = {}
            for name in sorted(dir(obj)):
                raw = inspect.getattr_static(obj, name, None)
                if name.startswith("_") or not (isinstance(raw, classmethod) or type(raw).__name__ == "class_method_variant"):
                    continue
                found = api.target(f"{qualified}.{name}")
                methods[name] = found if isinstance(found, str) else asdict(found)
            resources[qualified] = methods
    return {"version": api.version, "options": sorted(api.options), "resources": resources,
            "exceptions": sorted(exceptions)}


def _names(module: object) -> list[str]:
    """A module's public names, with those it imports lazily (stripe >= 8: `_import_map`)."""
    lazy = getattr(module, "_import_map", None)
    return sorted(n for n in {*dir(module), *(lazy if isinstance(lazy, dict) else ())} if not n.startswith("_"))


def _public_names(stripe: object) -> list[tuple[str, object]]:
    """`stripe.X` and `stripe.<namespace>.X` (one level of namespaces: `stripe.checkout.Session`)."""
    found = []
    for name in _names(stripe):
        try:
            obj = getattr(stripe, name)
        except Exception:
            continue
        found.append((f"stripe.{name}", obj))
        if type(obj).__name__ == "module" and getattr(obj, "__name__", "") == f"stripe.{name}":
            for inner in _names(obj):
                try:
                    found.append((f"stripe.{name}.{inner}", getattr(obj, inner)))
                except Exception:
                    continue
    return found


# --- reading the shipped tables -----------------------------------------------------------------------------
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


if __name__ == "__main__":  # run by scripts/make_stripe_tables.py with a stripe release on sys.path
    json.dump(build(), sys.stdout, separators=(",", ":"), sort_keys=True)
