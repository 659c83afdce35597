"""Where `awaitify check` and `awaitify fix` disagree on a tree (every rule on, the tree's settings):

    python scripts/agreement.py TREE [TREE ...] [--keep DIR]

For each tree, on a copy: `check` and a dry-run `fix`; then `fix --write`, `check` again and `fix`
again. It prints
- left: findings `check` calls fixable after the write (the fix should have fixed them, or check
  should not call them fixable);
- again: files a second `fix` would still change;
- refusals that differ: a `check` finding not fixable with a reason ("; not fixed: <reason>") and a
  `fix` diagnostic, matched by (path, line, column, code): one without the other, or a reason the
  diagnostic does not hold (or none in `check`);
- quiet: `check` findings not fixable, with no reason, of a rule `fix` fixes, where `fix` says
  nothing (informational: a call the fix leaves with a diagnostic elsewhere, such as a session's
  request whose `requests.Session()` carries the reason).
Exit 1 when any of the first three is found. Fetched trees are copied, never changed."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from collections import Counter
from pathlib import Path

from awaitify import api
from awaitify.rules import all_rules


def _reason(message: str) -> str:
    return message.partition("; not fixed: ")[2]


def _key(path: str, line: int, column: int, code: str) -> tuple[str, int, int, str]:
    return (path.replace(os.sep, "/"), line, column, code)


def compare(tree: Path, keep: Path | None = None) -> dict[str, list]:
    work = Path(tempfile.mkdtemp(prefix="agree-")) if keep is None else keep
    copy = work / tree.name
    shutil.copytree(tree, copy, symlinks=True, ignore=shutil.ignore_patterns(".git", ".awaitify_cache", "__pycache__"))
    old = Path.cwd()
    os.chdir(copy)
    try:
        report = api.check(".", cache=False)
        dry = api.fix(".", cache=False)
        api.fix(".", cache=False, write=True, allow_dirty=True)
        after = api.check(".", cache=False)
        again = api.fix(".", cache=False)
    finally:
        os.chdir(old)
    fixers = {r.code for r in all_rules()} | {"AW509", "AW514"}  # (fixed with AW507, AW201)
    said = {_key(f.path, f.line, f.column, f.code): f for f in report.findings if not f.fixable and _reason(f.message)}
    quiet = {_key(f.path, f.line, f.column, f.code): f for f in report.findings
             if not f.fixable and not _reason(f.message) and f.code in fixers}
    told = {_key(d.path, d.line, d.column, d.code): d for d in dry.diagnostics}
    out: dict[str, list] = {
        "left": [f"{f.path}:{f.line}:{f.column} {f.code} {f.message}" for f in after.findings if f.fixable],
        "again": [c.path for c in again.files] if hasattr(again, "files") else [],
        "check only": [], "fix only": [], "other reason": [], "quiet": [],
    }
    if not out["again"] and again.patch:
        out["again"] = [again.patch_text[:2000]]
    remarks = [r.message for r in (*dry.needs_review, *dry.unsafe_not_applied)]
    for key, f in sorted(said.items()):
        d = told.get(key)
        if d is None and any(_reason(f.message).partition(": ")[2] in r for r in remarks):
            continue  # a change the plan leaves (unsafe, for review): check names the call, fix the call site
        if d is None and f.code == "AW509" and any(k[0] == key[0] and k[3] == "AW507" and o.message == _reason(f.message)
                                                   for k, o in told.items()):
            continue  # a file object's call in a block AW507 leaves: fix says why once, at the block's open()
        if d is None:
            out["check only"].append(f"{':'.join(map(str, key[:3]))} {key[3]} {_reason(f.message)}")
        elif _reason(f.message) not in d.message:
            out["other reason"].append(f"{':'.join(map(str, key[:3]))} {key[3]}\n    check: {_reason(f.message)}\n"
                                       f"    fix:   {d.message}")
    for key, d in sorted(told.items()):
        if key in quiet:  # check: not fixable, but says no reason
            out["other reason"].append(f"{':'.join(map(str, key[:3]))} {key[3]}\n    check: (none)\n    fix:   {d.message}")
        elif key not in said:
            out["fix only"].append(f"{':'.join(map(str, key[:3]))} {key[3]} {d.message}")
    out["quiet"] = [f"{':'.join(map(str, key[:3]))} {key[3]} {f.message}" for key, f in sorted(quiet.items()) if key not in told]
    if keep is None:
        shutil.rmtree(work, ignore_errors=True)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("trees", nargs="+", type=Path)
    parser.add_argument("--keep", type=Path, help="copy the trees here and leave them (to look at the written tree)")
    parser.add_argument("--quiet-too", action="store_true", help="list the quiet findings, not only their count")
    args = parser.parse_args(argv)
    bad = False
    for tree in args.trees:
        found = compare(tree.resolve(), args.keep)
        print(f"== {tree}")
        for kind, items in found.items():
            if kind == "quiet" and not args.quiet_too:
                if items:
                    print(f"  quiet: {len(items)} ({dict(Counter(i.split()[1] for i in items))})")
                continue
            for item in items:
                print(f"  {kind}: {item}")
        bad |= any(found[k] for k in ("left", "again", "check only", "fix only", "other reason"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
