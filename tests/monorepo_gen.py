"""A generated monorepo for the changeset split (issue 26): N top-level packages, a CODEOWNERS file,
cross-package calls so closures cross packages, and a driver that runs every package's behaviour.

Per package `pkg_NN`:
- `store.py`: `load(key)` blocks (`time.sleep`), raises KeyError for the key "missing" (the handler
  catches it) and ValueError for "boom" (it escapes);
- `service.py`: `fetch(key)` calls its own `load` and, for even NN, the next package's `load` (the
  closure `fetch` -> `load` crosses two packages); every third package also has a sync `report()`
  calling `fetch` from a command line (`cli.py`): that closure stays sync, offloaded at async callers;
- `api.py`: `async def handle(key)` calls `fetch`; every fourth package an `async def tick()` with a
  `time.sleep` of its own (an edit that stands alone);
- `tests/test_api.py` (every fifth): an async test with a `time.sleep` (for --skip-tests).
`docs/demo.py` holds an async example with a `time.sleep` (for --skip-docs).

`python driver.py TREE` imports every package from TREE, runs each `handle` (values and exceptions),
the sync `report`s and a concurrent batch, and prints one JSON line.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

TEAMS = 5
DELAY = 0.002  # each blocking call; the concurrent batch uses its own, longer delay


TICK = """

            async def tick(seconds):
                time.sleep(seconds)
                return seconds
"""


def package_files(n: int, count: int) -> dict[str, str]:
    name, partner = f"pkg_{n:02d}", f"pkg_{(n + 1) % count:02d}"
    cross = n % 2 == 0 and n + 1 < count
    files = {
        f"{name}/__init__.py": "",
        f"{name}/store.py": f'''
            import time

            DELAY = {DELAY}


            def load(key):
                time.sleep(DELAY)
                if key == "missing":
                    raise KeyError(key)
                if key == "boom":
                    raise ValueError(key)
                return f"{name}:{{key}}"
            ''',
        f"{name}/service.py": f'''
            from {name}.store import load
            {f"from {partner}.store import load as partner_load" if cross else ""}


            def fetch(key):
                value = load(key)
                {'value += "+" + partner_load(key)' if cross else "pass"}
                return value
            ''',
        f"{name}/api.py": f'''
            import time

            from {name}.service import fetch


            async def handle(key):
                try:
                    return {{"ok": fetch(key)}}
                except KeyError as exc:
                    return {{"missing": str(exc)}}
            {"" if n % 4 else TICK}''',
    }
    if n % 3 == 0:
        files[f"{name}/cli.py"] = f'''
            from {name}.service import fetch


            def report():
                return "report " + fetch("cli")
            '''
    if n % 5 == 0:
        files[f"{name}/tests/__init__.py"] = ""
        files[f"{name}/tests/test_api.py"] = f'''
            import time

            from {name}.api import handle


            async def test_handle():
                time.sleep(0)
                assert (await handle("k"))["ok"].startswith("{name}")
            '''
    return files


def generate(root: Path, count: int = 20) -> Path:
    """Write the monorepo into `root` and return it."""
    files: dict[str, str] = {}
    for n in range(count):
        files.update(package_files(n, count))
    files["docs/demo.py"] = '''
        import time


        async def demo():
            time.sleep(0)
        '''
    owners = ["# generated: one team per package, the platform team owns the rest", "* @org/platform"]
    owners += [f"/pkg_{n:02d}/ @org/team-{n % TEAMS}" for n in range(count)]
    owners += ["/docs/ @org/docs"]
    files[".github/CODEOWNERS"] = "\n".join(owners) + "\n"
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


DRIVER = '''
import asyncio, importlib, json, os, sys, time
tree = sys.argv[1]
sys.path.insert(0, tree)
names = sorted(p for p in os.listdir(tree) if p.startswith("pkg_"))

async def outcome(coro):
    try:
        return {"value": await coro}
    except Exception as exc:
        return {"raised": type(exc).__name__}

def sync_outcome(fn):
    try:
        value = fn()
    except Exception as exc:
        return {"raised": type(exc).__name__}
    return {"value": value} if isinstance(value, (str, int, float, dict, list)) else {"type": type(value).__name__}

async def main():
    same = {}
    for name in names:
        api = importlib.import_module(name + ".api")
        same[name] = [await outcome(api.handle(key)) for key in ("k", "missing", "boom")]
        if hasattr(api, "tick"):
            same[name].append(await outcome(api.tick(0)))
        try:
            cli = importlib.import_module(name + ".cli")
        except ModuleNotFoundError:
            continue
        same[name + ".cli"] = sync_outcome(cli.report)
    if sys.argv[2:] != ["batch"]:
        return {"same": same}
    stores = [importlib.import_module(name + ".store") for name in names[:8]]
    for store in stores:
        store.DELAY = 0.1
    start = time.perf_counter()
    batch = await asyncio.gather(*(importlib.import_module(name + ".api").handle("b") for name in names[:8]))
    return {"same": same, "batch": batch, "elapsed": time.perf_counter() - start, "n": len(stores)}

print(json.dumps(asyncio.run(main()), sort_keys=True))
'''
