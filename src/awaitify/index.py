"""The project index: module names for every file, and call sites resolved to definitions across
modules (imports and re-exports, `self`/`cls`/`super()` through the class hierarchy, `Class.m()`,
simple local type facts). Built from per-file `ModuleSummary` data; unresolved stays unresolved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from awaitify.summary import CallSite, ClassInfo, FunctionInfo, ModuleSummary, Ref

FuncId = tuple[str, str]  # (absolute path, qualname)
ClassId = tuple[str, str]

# bases that cannot hold a method the project overrides (their methods are dunders or none)
HARMLESS_BASES = frozenset({"object", "abc.ABC", "typing.Generic", "typing.Protocol", "Exception", "BaseException"})


def module_names(path: Path, roots: list[Path]) -> list[str]:
    """Every dotted name the file may be imported under: by its __init__.py chain (the primary
    name), and relative to each root (namespace packages, src layouts)."""
    names: list[str] = []
    parts = [] if path.stem == "__init__" else [path.stem]
    folder = path.parent
    while (folder / "__init__.py").is_file():
        parts.insert(0, folder.name)
        folder = folder.parent
    if parts:
        names.append(".".join(parts))
    for root in roots:
        try:
            rel = path.with_suffix("").relative_to(root).parts
        except ValueError:
            continue
        rel = rel[:-1] if rel and rel[-1] == "__init__" else rel
        if rel and all(p.isidentifier() for p in rel):
            name = ".".join(rel)
            if name not in names:
                names.append(name)
    return names


@dataclass
class Edge:
    path: str  # file of the call site
    site: CallSite
    constructor: bool = False  # the call builds an instance: the callee is the class's __init__


@dataclass
class ProjectIndex:
    summaries: dict[str, ModuleSummary]
    primary_name: dict[str, str] = field(default_factory=dict)  # path -> module name
    modules: dict[str, str] = field(default_factory=dict)  # module name -> path
    callers: dict[FuncId, list[Edge]] = field(default_factory=dict)
    calls_from: dict[FuncId, list[tuple[Edge, FuncId]]] = field(default_factory=dict)
    value_refs: dict[FuncId, list[tuple[str, int, int]]] = field(default_factory=dict)
    unresolved_by_name: dict[str, list[tuple[str, CallSite]]] = field(default_factory=dict)
    subclasses: dict[ClassId, list[ClassId]] = field(default_factory=dict)
    external_calls: list[tuple[str, CallSite, str]] = field(default_factory=list)  # (path, site, dotted)

    # --- lookups -------------------------------------------------------------------------------------
    def function(self, fid: FuncId) -> FunctionInfo:
        return self.summaries[fid[0]].functions[fid[1]]

    def display_name(self, fid: FuncId) -> str:
        module = self.primary_name.get(fid[0], Path(fid[0]).stem)
        return f"{module}.{fid[1]}"

    def _absolute(self, path: str, dotted: str) -> str:
        if not dotted.startswith("."):
            return dotted
        level = len(dotted) - len(dotted.lstrip("."))
        module = self.primary_name.get(path, "")
        package = module.split(".") if self.summaries[path].is_package_init else module.split(".")[:-1]
        base = package[: len(package) - (level - 1)] if level > 1 else package
        rest = dotted.lstrip(".")
        return ".".join([*base, rest] if rest else base)

    def resolve_dotted(self, dotted: str, depth: int = 0) -> tuple[str, object] | None:
        """("function", FuncId) | ("class", ClassId) | ("module", path) | ("external", dotted)."""
        if depth > 6:
            return None
        parts = dotted.split(".")
        for cut in range(len(parts), 0, -1):
            module = ".".join(parts[:cut])
            if module in self.modules:
                return self._inside(self.modules[module], parts[cut:], depth)
        return ("external", dotted)

    def _inside(self, path: str, rest: list[str], depth: int) -> tuple[str, object] | None:
        summary = self.summaries[path]
        if not rest:
            return ("module", path)
        head = rest[0]
        if head in summary.classes and len(rest) <= 2:
            cid = (path, head)
            if len(rest) == 1:
                return ("class", cid)
            fid = self.lookup_method(cid, rest[1])
            return ("function", fid) if fid else None
        if head in summary.functions and len(rest) == 1:
            return ("function", (path, head))
        if head in summary.imports:  # a re-export
            target = self._absolute(path, summary.imports[head])
            return self.resolve_dotted(".".join([target, *rest[1:]]), depth + 1)
        return None

    def resolve_class_ref(self, path: str, ref: Ref) -> ClassId | None:
        found = self._resolve_plain(path, ref)
        return found[1] if found and found[0] == "class" else None  # type: ignore[return-value]

    def _resolve_plain(self, path: str, ref: Ref) -> tuple[str, object] | None:
        if ref.kind == "import":
            return self.resolve_dotted(self._absolute(path, ref.target))
        if ref.kind != "own":
            return None
        summary = self.summaries[path]
        if ref.target in summary.functions:
            return ("function", (path, ref.target))
        if ref.target in summary.classes:
            return ("class", (path, ref.target))
        owner, _, attr = ref.target.rpartition(".")
        if owner in summary.classes:  # Class.method, maybe inherited
            fid = self.lookup_method((path, owner), attr)
            return ("function", fid) if fid else None
        return None

    # --- classes -------------------------------------------------------------------------------------
    def bases(self, cid: ClassId) -> list[ClassId | None]:
        """Project base classes; None for a base outside the project (or unresolvable)."""
        info: ClassInfo = self.summaries[cid[0]].classes[cid[1]]
        out: list[ClassId | None] = []
        for base in info.bases:
            resolved = self.resolve_class_ref(cid[0], base)
            dotted = base.target if base.kind == "import" else ("" if base.kind == "own" else base.attr)
            if resolved is None and (dotted in HARMLESS_BASES or base.target in HARMLESS_BASES):
                continue
            out.append(resolved)
        return out

    def mro(self, cid: ClassId, seen: set[ClassId] | None = None) -> list[ClassId | None]:
        seen = seen if seen is not None else set()
        if cid in seen:
            return []
        seen.add(cid)
        order: list[ClassId | None] = [cid]
        for base in self.bases(cid):
            order.extend(self.mro(base, seen) if base is not None else [None])
        return order

    def lookup_method(self, cid: ClassId, name: str, skip_self: bool = False) -> FuncId | None:
        for klass in self.mro(cid)[1 if skip_self else 0 :]:
            if klass is None:
                return None  # an outside base may define it: unknown
            qualname = f"{klass[1]}.{name}"
            if qualname in self.summaries[klass[0]].functions:
                return (klass[0], qualname)
        return None

    def all_subclasses(self, cid: ClassId) -> list[ClassId]:
        out, stack = [], list(self.subclasses.get(cid, ()))
        while stack:
            sub = stack.pop()
            if sub not in out:
                out.append(sub)
                stack.extend(self.subclasses.get(sub, ()))
        return out

    def overrides(self, fid: FuncId) -> list[FuncId]:
        """The same method elsewhere in its class hierarchy: they must change together."""
        info = self.function(fid)
        if info.class_qualname is None:
            return []
        cid = (fid[0], info.class_qualname)
        related = []
        for klass in [*self.mro(cid)[1:], *self.all_subclasses(cid)]:
            if klass is not None:
                qualname = f"{klass[1]}.{info.name}"
                if qualname in self.summaries[klass[0]].functions:
                    related.append((klass[0], qualname))
        return related

    def has_outside_base(self, fid: FuncId) -> bool:
        info = self.function(fid)
        return info.class_qualname is not None and None in self.mro((fid[0], info.class_qualname))

    # --- call resolution -------------------------------------------------------------------------------
    def resolve_call(self, path: str, ref: Ref) -> tuple[list[FuncId], bool, str | None]:
        """(callee functions, is a constructor call, external dotted name if outside the project)."""
        if ref.kind in ("self", "instance"):
            cid = (path, ref.target) if ref.kind == "self" else (self.resolve_class_ref(path, ref.cls) if ref.cls else None)
            if cid is None:
                return [], False, None
            fid = self.lookup_method(cid, ref.attr)
            if fid is None:
                return [], False, None
            # dynamic dispatch: an override in a subclass may be what runs
            return [fid, *[f for f in self.overrides(fid) if f != fid]], False, None
        if ref.kind == "super":
            fid = self.lookup_method((path, ref.target), ref.attr, skip_self=True)
            return ([fid] if fid else []), False, None
        found = self._resolve_plain(path, ref)
        if found is None:
            return [], False, None
        kind, target = found
        if kind == "function":
            return [target], False, None  # type: ignore[list-item]
        if kind == "class":
            init = self.lookup_method(target, "__init__")  # type: ignore[arg-type]
            return ([init] if init else []), True, None
        if kind == "external":
            return [], False, target  # type: ignore[return-value]
        return [], False, None


def build_index(summaries: dict[str, ModuleSummary], roots: list[Path]) -> ProjectIndex:
    index = ProjectIndex(summaries=summaries)
    for path in sorted(summaries):
        names = module_names(Path(path), roots)
        if names:
            index.primary_name[path] = names[0]
            for name in names:
                index.modules.setdefault(name, path)
    for path, summary in summaries.items():
        for qualname in summary.classes:
            for base in index.bases((path, qualname)):
                if base is not None:
                    index.subclasses.setdefault(base, []).append((path, qualname))
    for path, summary in sorted(summaries.items()):
        for site in summary.calls:
            targets, constructor, external = index.resolve_call(path, site.ref)
            if external is not None:
                index.external_calls.append((path, site, external))
            if not targets and site.ref.kind == "unresolved" and site.ref.attr:
                index.unresolved_by_name.setdefault(site.ref.attr, []).append((path, site))
            for target in targets:
                edge = Edge(path, site, constructor)
                index.callers.setdefault(target, []).append(edge)
                caller = (path, site.owner) if site.owner else None
                if caller is not None:
                    index.calls_from.setdefault(caller, []).append((edge, target))
        for value in summary.values:
            found = index._resolve_plain(path, value.ref) if value.ref.kind in ("own", "import") else None
            targets = [found[1]] if found and found[0] == "function" else []
            if value.ref.kind in ("self", "instance", "super"):
                targets, _, _ = index.resolve_call(path, value.ref)
            for target in targets:
                index.value_refs.setdefault(target, []).append((path, value.line, value.col))  # type: ignore[arg-type]
    return index
