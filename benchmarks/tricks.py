"""What each of the engine's speed tricks gains, measured by turning it off alone.

    python benchmarks/tricks.py TREE [TREE ...] [--repeat 3] [--commands check "fix --check"]
    python benchmarks/tricks.py --heavy 4 --stdlib          # generated trees (heavy_tree.py, a stdlib copy)

Every round runs, on every tree and for every command, the engine as shipped and then the engine
with one trick turned off (a patch applied in the measured process before the command starts), in
a shuffled order, each cold (no cache folder). A trick's gain is the median, over the rounds, of
(time without it / time with everything on) - 1, taken within one round: the machine's speed
drifts, a ratio within a round much less. The cache is not among them: it changes nothing in a cold
run and is what a warm run is (bench.py measures warm runs against cold ones).
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PYTHON = [sys.executable, "-P"] if sys.version_info >= (3, 11) else [sys.executable]

# Python run before the command to turn a trick off; "" is the engine as shipped. A patch must
# stand before what imports the patched name (`awaitify.transform` takes `hollow` at import).
OFF = {
    "everything on": "",
    "no lazy bodies": "import awaitify.engine.lazy_bodies as m; m.regions = lambda text: []",
    "no hidden bodies": "import awaitify.engine.hollow as m; m.hollow = lambda *a, **k: None",
    "no gc tuning": "import gc, awaitify.engine.gc_tuning as m; m.THRESHOLDS = gc.get_threshold()",
    "no worker pool": "JOBS_1",
}
COMMAND = "import sys; sys.argv = ['awaitify', *sys.argv[1:]]; from awaitify.cli import entry; entry()"


def _cpu() -> float:
    """CPU time of every process this one waited for, and those each waited for (the workers)."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _cold(tree: Path, command: list[str], patch: str) -> tuple[float, float]:
    """Wall and CPU time of one cold run."""
    shutil.rmtree(tree / ".awaitify_cache", ignore_errors=True)
    jobs = ["--jobs", "1"] if patch == "JOBS_1" else []
    code = COMMAND if patch in ("", "JOBS_1") else f"{patch}\n{COMMAND}"
    start, cpu = time.perf_counter(), _cpu()
    proc = subprocess.run([*PYTHON, "-c", code, *command, *jobs, "-q", "."], cwd=tree, capture_output=True)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(proc.stderr.decode())
    return elapsed, _cpu() - cpu


def measure(trees: list[Path], commands: list[list[str]], repeat: int, tricks: list[str]) -> None:
    rng = random.Random(5)
    times: dict[tuple[str, str, str], list[tuple[float, float]]] = {}
    for i in range(repeat):
        runs = [(tree, command, name) for tree in trees for command in commands for name in ["everything on", *tricks]]
        rng.shuffle(runs)
        for tree, command, name in runs:
            times.setdefault((tree.name, " ".join(command), name), []).append(_cold(tree, command, OFF[name]))
        print(f"round {i + 1} of {repeat} done", file=sys.stderr, flush=True)
    for tree in trees:
        for command in commands:
            key = (tree.name, " ".join(command))
            base = times[(*key, "everything on")]
            print(f"\n{tree.name}: cold `{key[1]}`, everything on: wall {statistics.median(w for w, _ in base):.2f} s, "
                  f"CPU {statistics.median(c for _, c in base):.2f} s (medians of {len(base)})")
            for name in tricks:
                off = times[(*key, name)]
                line = f"    {name:<18}"
                for what, at in (("wall", 0), ("CPU", 1)):
                    gains = sorted(o[at] / b[at] - 1 for o, b in zip(off, base))
                    line += (f"  {what} {statistics.median(o[at] for o in off):6.2f} s, gain {statistics.median(gains):+6.1%}"
                             f" ({gains[0]:+.0%}..{gains[-1]:+.0%})")
                print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("trees", type=Path, nargs="*")
    parser.add_argument("--heavy", type=int, metavar="PACKAGES", help="a change-heavy tree of this many packages")
    parser.add_argument("--stdlib", action="store_true", help="a copy of this Python's standard library")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--commands", nargs="+", default=["check", "fix --check"])
    parser.add_argument("--tricks", nargs="+", default=[name for name in OFF if name != "everything on"], choices=list(OFF))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        trees = list(args.trees)
        if args.heavy:
            sys.path.insert(0, str(HERE))
            from heavy_tree import generate_heavy

            tree = Path(tmp) / f"heavy-{args.heavy}-packages"
            generate_heavy(tree, 1)
            for extra in sorted(tree.glob("pkg*"), key=lambda p: int(p.name[3:]))[args.heavy:]:
                shutil.rmtree(extra)
            trees.append(tree)
        if args.stdlib:
            tree = Path(tmp) / "stdlib"
            shutil.copytree(Path(sysconfig.get_paths()["stdlib"]), tree,
                            ignore=shutil.ignore_patterns("site-packages", "__pycache__"), symlinks=True)
            trees.append(tree)
        measure(trees, [c.split() for c in args.commands], args.repeat, args.tricks)


if __name__ == "__main__":
    main()
