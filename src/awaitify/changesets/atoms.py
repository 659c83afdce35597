"""The smallest changesets that are safe alone: changed files joined by every edit that needs another.

Two files are joined when
- a closure made async touches both (the function and a caller's `await`: apart, one side calls a
  coroutine without awaiting it, or awaits a plain function);
- a codemod's project-wide facts for one name the other (the lifespan rule: `group`/`target` fields
  name the app's module from each hook module, whose registrations it removes);
- one holds an `except requests...` the requests rule rewrites because it guards a call into the
  other (both change the exception types together). The facts give the called name only: the files
  with a requests rewrite defining that name are joined, or, when none does (a chain through an
  unchanged module), every file with a requests rewrite. Joining too much costs a bigger review;
  joining too little would break code, so where unsure the files are joined.
An atom with a file the run skipped (it could not be transformed) is refused whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterator

from awaitify.runner import FileResult, RunResult

REQUESTS_RULE, GUARDED, REQUESTS_CODE = "requests-httpx", "guarded", "AW201"


@dataclass
class Atom:
    files: list[FileResult]  # sorted by display path
    reasons: list[str] = field(default_factory=list)  # why these files are one unit
    closures: list[str] = field(default_factory=list)  # names of the closures made async in it

    @property
    def paths(self) -> list[str]:
        return [r.display for r in self.files]


@dataclass
class Refused:
    paths: list[str]
    reason: str


class _Union:
    def __init__(self, keys: list[str]) -> None:
        self.parent = {k: k for k in keys}
        self.why: dict[str, list[str]] = {k: [] for k in keys}

    def find(self, key: str) -> str:
        while self.parent[key] != key:
            self.parent[key] = self.parent[self.parent[key]]
            key = self.parent[key]
        return key

    def join(self, keys: list[str], why: str) -> None:
        keys = [k for k in keys if k in self.parent]
        if len(keys) < 2:
            return
        first = self.find(keys[0])
        for key in keys[1:]:
            other = self.find(key)
            if other != first:
                self.parent[other] = first
                self.why[first] += self.why.pop(other)
        if why not in self.why[first]:
            self.why[first].append(why)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            yield from _strings(item)


def _named_paths(facts: Any, paths: set[str]) -> set[str]:
    """The files these facts name: a string that is a path, or a path and `:name`."""
    found = set()
    for text in _strings(facts):
        head = text.rpartition(":")[0] if text not in paths else text
        if text in paths:
            found.add(text)
        elif head in paths:
            found.add(head)
    return found


def _defines(result: FileResult, name: str) -> bool:
    return re.search(rf"^\s*(?:async\s+)?def\s+{re.escape(name)}\b", result.old.decode("utf-8", "replace"), re.MULTILINE) is not None


def _tie_facts(union: _Union, result: RunResult, path: str, display: dict[str, str]) -> None:
    """Files joined because a codemod's project-wide facts for `path` name them."""
    for rule, facts in sorted(result.plan.for_file(path).extra.items()):
        named = sorted(_named_paths(facts, set(union.parent)) - {path})
        if named:  # worded from the pair's sorted paths: A naming B and B naming A say it once
            first, *rest = sorted([path, *named], key=lambda p: display[p])
            union.join([first, *rest], f"{rule}: `{display[first]}` and {', '.join(f'`{display[p]}`' for p in rest)} "
                                       "share one project-wide edit")


def _tie_guarded(union: _Union, result: RunResult, path: str, display: dict[str, str],
                 rewritten: dict[str, FileResult]) -> None:
    """`path` catches what a call into another module raises, and that module's requests calls are
    rewritten: the files defining the called name, or every such file when none does."""
    facts = result.plan.for_file(path).extra.get(REQUESTS_RULE, {})
    for _, name, _ in (facts.get(GUARDED, ()) if isinstance(facts, dict) else ()):
        others = {p: r for p, r in rewritten.items() if p != path}
        raisers = [p for p, r in others.items() if _defines(r, name)] or list(others)
        union.join([path, *raisers], f"{REQUESTS_RULE}: `{display[path]}` catches what `{name}(...)` raises, "
                                     "whose requests call is rewritten (httpx raises other exceptions)")


def atoms(result: RunResult) -> tuple[list[Atom], list[Refused]]:
    """The atoms of a run, and the atoms refused because a file of theirs could not be transformed."""
    changed = {str(r.path): r for r in result.changed}
    display = {str(r.path): r.display for r in result.results}
    skipped = {str(r.path) for r in result.skipped}
    union = _Union(sorted(changed) + sorted(skipped - set(changed)))
    for name, paths in result.plan.closures:
        union.join(list(paths), f"closure `{name}` is made async: the function and every call it forces to `await` land together")
    rewritten = {p: r for p, r in changed.items() if any(c.code == REQUESTS_CODE for c in r.changes)}
    for path in sorted(union.parent):  # a skipped file's facts may name a changed one, too
        _tie_facts(union, result, path, display)
        _tie_guarded(union, result, path, display, rewritten)
    members: dict[str, list[str]] = {}
    for key in union.parent:
        members.setdefault(union.find(key), []).append(key)
    found, refused = [], []
    for root, keys in members.items():
        keys = sorted(keys, key=lambda p: display[p])
        bad = [display[k] for k in keys if k in skipped]
        if bad:
            if any(k in changed for k in keys):
                refused.append(Refused([display[k] for k in keys], f"{', '.join(bad)} could not be transformed (see the "
                                       "run's diagnostics): the edits that must land with it are left out too"))
            continue
        names = sorted({name for name, paths in result.plan.closures if set(paths) & set(keys)})
        found.append(Atom([changed[k] for k in keys], union.why[root], names))
    found.sort(key=lambda a: a.paths[0])
    refused.sort(key=lambda r: r.paths[0])
    return found, refused
