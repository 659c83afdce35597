"""Build a Stripe table (see table.py) by introspecting the stripe package this interpreter
imports. Only scripts/make_stripe_tables.py runs it (`python -m awaitify.rules.stripe_global_key.introspect`
with one stripe release first on the path); the rule itself reads the shipped tables and never
imports stripe."""

from __future__ import annotations

import inspect
import json
import sys
from dataclasses import asdict, dataclass, field

from awaitify.rules.stripe_global_key.table import Target

# a resource's classmethod -> the service method doing the same request, when the names differ
RENAMED = {"modify": "update"}


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


if __name__ == "__main__":  # run by scripts/make_stripe_tables.py with a stripe release on sys.path
    json.dump(build(), sys.stdout, separators=(",", ":"), sort_keys=True)
