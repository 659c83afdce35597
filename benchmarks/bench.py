"""awaitify's speed, measured: per stage, cold and warm, against ruff and a libcst parse of every file.

    python benchmarks/bench.py generate OUT --packages 20 --modules 25 --depth 4 --blocking 0.05
    python benchmarks/bench.py run TREE [--jobs N] [--no-baselines]
    python benchmarks/bench.py scale --sizes 1 2 4      # synthetic trees of growing size
    python benchmarks/bench.py stdlib                   # a copy of this Python's standard library
    python benchmarks/bench.py heavy --sizes 1 2 4      # change-heavy synthetic trees (heavy_tree.py)

Each `run` prints files, lines, wall time, lines/s and peak RSS for: `awaitify fix --check` cold
(no cache) and warm (cache filled by the cold run), with the stages (discover, index, plan,
pre-check, transform); `ruff check --select ASYNC` (when ruff is installed); and a libcst parse of
every file, for the ratios the performance targets are stated in (docs/performance.md). The CLI
commands, ruff and libcst run in interleaved rounds; each ratio is taken within a round.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import textwrap
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


# --- a synthetic monorepo ------------------------------------------------------------------------
def generate(out: Path, packages: int, modules: int, depth: int, blocking: float, seed: int = 7) -> None:
    """`packages` packages of `modules` modules; each module has a service class, helpers forming
    call chains `depth` deep across modules, async handlers at the top, and a share `blocking` of
    chains that end in time.sleep / requests.get."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    for p in range(packages):
        pkg = out / f"pkg{p}"
        pkg.mkdir(exist_ok=True)
        (pkg / "__init__.py").write_text("")
        for m in range(modules):
            lines = ["import json", "import time", "import requests", "", ""]
            if m:
                lines.insert(0, f"from pkg{p} import mod{m - 1} as previous")
            blocks = rng.random() < blocking
            for d in range(depth):
                body = "time.sleep(0.01)" if (d == 0 and blocks) else "value = json.dumps({'level': %d})" % d
                call = f"    return helper_{d - 1}(x) + 1" if d else "    return len(str(x))"
                lines += [f"def helper_{d}(x):", f"    {body}", call, "", ""]
            lines += [
                f"class Service{m}:",
                "    def __init__(self, name):",
                "        self.name = name",
                "",
                "    def load(self, key):",
                f"        return helper_{depth - 1}(key)",
                "",
                "    def describe(self):",
                "        return {'name': self.name, 'size': len(self.name)}",
                "",
                "",
                "async def handler(request):",
                f"    service = Service{m}('svc')",
                "    data = service.load(request)",
                "    return {'data': data, 'meta': service.describe()}",
                "",
                "",
                "def sync_job(items):",
                "    return [json.dumps(i) for i in items]",
                "",
            ]
            if m and rng.random() < 0.5:
                lines += ["", "def chained(x):", "    return previous.helper_0(x)", ""]
            (pkg / f"mod{m}.py").write_text("\n".join(lines) + "\n")


# --- measuring -----------------------------------------------------------------------------------
def python_files(tree: Path) -> list[Path]:
    """The files measured: every .py file of the tree, installed packages left out."""
    return sorted(p for p in tree.rglob("*.py") if "site-packages" not in p.parts)


def line_count(path: Path) -> int:
    try:
        return path.read_bytes().count(b"\n")
    except OSError:
        return 0


def count(tree: Path) -> tuple[int, int]:
    files = python_files(tree)
    return len(files), sum(map(line_count, files))


# The measured tree is the current directory; on Python 3.11+ `-P` keeps it off sys.path, so a tree
# that holds modules named like the stdlib's (the stdlib benchmark's own copy!) does not replace them
# in the measuring process.
PYTHON = [sys.executable, "-P"] if sys.version_info >= (3, 11) else [sys.executable]

# a fresh parent per command: RUSAGE_CHILDREN's peak is the largest process it ever waited for
_PEAK = "import resource, subprocess, sys; subprocess.run(sys.argv[1:], capture_output=True); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"


def timed(cmd: list[str], cwd: Path, env: dict | None = None) -> tuple[float, int]:
    """Wall time and peak RSS (MB, the largest process: awaitify or one of its workers)."""
    start = time.perf_counter()
    proc = subprocess.run([*PYTHON, "-c", _PEAK, *cmd], cwd=cwd, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - start
    return elapsed, int(proc.stdout.strip() or 0) // 1024


STAGES_SCRIPT = textwrap.dedent(
    """
    import json, resource, sys, time
    from pathlib import Path
    from awaitify.config import discover
    from awaitify.rules import all_rules
    from awaitify.runner import RunOptions, run
    tree, jobs, cache = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "cache"
    start = time.perf_counter()
    result = run([tree], discover(tree), all_rules(), RunOptions(jobs=jobs, use_cache=cache))
    wall = time.perf_counter() - start
    print(json.dumps({"wall": wall, "stages": result.timings, "counters": result.counters,
                      "changed": len(result.changed),
                      "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}))
    """
)

LIBCST_SCRIPT = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import libcst
    start = time.perf_counter()
    for path in Path(sys.argv[1]).rglob("*.py"):
        if "site-packages" in path.parts:
            continue
        try:
            libcst.parse_module(path.read_bytes())
        except Exception:
            pass
    print(time.perf_counter() - start)
    """
)


def awaitify_stages(tree: Path, jobs: int, cache: bool) -> dict:
    proc = subprocess.run([*PYTHON, "-c", STAGES_SCRIPT, str(tree), str(jobs), "cache" if cache else "nocache"],
                          capture_output=True, text=True, cwd=tree)
    if proc.returncode:
        raise SystemExit(proc.stderr)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run_benchmark(tree: Path, jobs: int, baselines: bool, libcst_sample: float, repeat: int = 3) -> dict:
    tree = tree.resolve()
    shutil.rmtree(tree / ".awaitify_cache", ignore_errors=True)
    files, lines = count(tree)
    print(f"tree: {tree}  files: {files}  lines: {lines}")
    report = {"files": files, "lines": lines}
    cold = awaitify_stages(tree, jobs, cache=True)
    warm = awaitify_stages(tree, jobs, cache=True)
    for name, data in (("fix stages, in-process (cold)", cold), ("fix stages, in-process (warm)", warm)):
        stages = "  ".join(f"{k} {v:.2f}s" for k, v in data["stages"].items())
        print(f"{name:<34} {data['wall']:7.2f} s  {lines / data['wall']:>10,.0f} lines/s  peak {data['rss_mb']} MB")
        print(f"    stages: {stages}")
        print(f"    counters: {data['counters']}  files changed: {data['changed']}")
    report["cold"], report["warm"] = cold, warm
    cli_figures(tree, lines, repeat, baselines, report, libcst_sample)
    if baselines:
        _targets(report)
    return report


def cli_figures(tree: Path, lines: int, repeat: int, baselines: bool, report: dict, libcst_share: float = 0.2) -> None:
    """`awaitify check` and `fix --check`, cold then warm, ruff, and a libcst parse, as a user runs
    them: `repeat` rounds interleaved, so that a slow spell of this shared machine (its speed drifts
    by a third within minutes) hits every command alike; each figure is the median of its rounds,
    and a ratio is the median of the ratios taken within each round. libcst parses a different share
    of the files in each round (the parse of the whole tree takes minutes), scaled by lines."""
    ruff = shutil.which("ruff") if baselines else None
    if baselines and not ruff:
        print("ruff: not installed (pip install ruff) - ratio not measured")
    rounds: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        slices = _libcst_slices(tree, lines, libcst_share, repeat, Path(tmp)) if baselines else []
        for i in range(repeat):
            for command in (["check"], ["fix", "--check"]):
                name = " ".join(command)
                shutil.rmtree(tree / ".awaitify_cache", ignore_errors=True)
                for state in ("cold", "warm"):  # the cold run fills the cache the warm one reads
                    elapsed, rss = timed([*PYTHON, "-m", "awaitify", *command, "-q", "."], tree)
                    rounds.setdefault(f"{name} {state}", []).append(elapsed)
                    report[f"rss {name} {state}"] = max(rss, report.get(f"rss {name} {state}", 0))
            if ruff:
                elapsed, _ = timed([ruff, "check", "--select", "ASYNC", "--no-cache", "--exit-zero", "-q", "."], tree)
                rounds.setdefault("ruff", []).append(elapsed)
            if slices:
                folder, scale = slices[i]
                rounds.setdefault("libcst", []).append(_libcst_parse_time(folder) * scale)
    shutil.rmtree(tree / ".awaitify_cache", ignore_errors=True)
    cli = {name: statistics.median(times) for name, times in rounds.items()}
    for name, elapsed in cli.items():
        label = {"ruff": "ruff check --select ASYNC", "libcst": "libcst parse of every file"}.get(name, f"awaitify {name} (CLI)")
        spread = f"{min(rounds[name]):.2f}-{max(rounds[name]):.2f} s"
        peak = f"  peak {report[f'rss {name}']} MB" if f"rss {name}" in report else ""
        how = f"  (scaled from {libcst_share:.0%} of the files a round)" if name == "libcst" and libcst_share < 1 else ""
        print(f"{label:<34} {elapsed:7.2f} s  {lines / elapsed:>10,.0f} lines/s  (median of {len(rounds[name])}: {spread}){peak}{how}")
    report["ruff"] = cli.pop("ruff", None)
    report["libcst"] = cli.pop("libcst", None)
    report["rounds"] = rounds
    report["cli"] = cli


def _within_rounds(rounds: dict[str, list[float]], top: str, bottom: str) -> list[float]:
    return sorted(a / b for a, b in zip(rounds[top], rounds[bottom]))


def _targets(report: dict) -> None:
    """The issue's targets, as ratios taken within each round (median, and the spread)."""
    rounds = report["rounds"]
    peak = max(v for k, v in report.items() if k.startswith("rss "))
    print("targets (ratios within each round: median, min-max):")
    if report.get("ruff"):
        cold, warm = _within_rounds(rounds, "check cold", "ruff"), _within_rounds(rounds, "check warm", "ruff")
        print(f"    check cold / ruff: {statistics.median(cold):.1f}x ({cold[0]:.1f}-{cold[-1]:.1f}, target <= 10x)   "
              f"check warm / ruff: {statistics.median(warm):.1f}x ({warm[0]:.1f}-{warm[-1]:.1f}, target <= 2x)")
    if report.get("libcst"):
        fix = _within_rounds(rounds, "libcst", "fix --check cold")
        print(f"    libcst parse-all / fix --check cold: {statistics.median(fix):.1f}x ({fix[0]:.1f}-{fix[-1]:.1f}, target >= 20x)")
    print(f"    peak RSS: {peak} MB (target < 500 MB)")


def _libcst_slices(tree: Path, lines: int, share: float, rounds: int, tmp: Path) -> list[tuple[Path, float]]:
    """For each round, a folder holding a different random share of the tree's files (the whole
    tree when share >= 1), and the factor that scales its parse time to the tree's `lines`."""
    if share >= 1:
        return [(tree, 1.0)] * rounds
    files = python_files(tree)
    order = random.Random(1).sample(files, len(files))
    size = max(1, int(len(files) * share))
    slices = []
    for i in range(rounds):
        chosen = [order[(i * size + k) % len(order)] for k in range(size)]
        folder = tmp / f"slice{i}"
        folder.mkdir()
        for n, path in enumerate(chosen):
            shutil.copyfile(path, folder / f"f{n}.py")
        slices.append((folder, lines / max(1, sum(map(line_count, chosen)))))
    return slices


def _libcst_parse_time(folder: Path) -> float:
    proc = subprocess.run([sys.executable, "-c", LIBCST_SCRIPT, str(folder)], capture_output=True, text=True)
    return float(proc.stdout.strip())


def _compile_awaitify() -> None:
    """Where PYTHONDONTWRITEBYTECODE is set (this project's machines set it), no .pyc is ever
    written and every measured run would compile awaitify's modules first; a user's first run
    writes them once. Write them here, as that first run would."""
    import compileall

    import awaitify

    compileall.compile_dir(Path(awaitify.__file__).parent, quiet=1)  # recurses into the rules' folders


def heavy_benchmark(sizes: list[int], repeat: int, jobs: int, baseline: Path | None) -> None:
    """The change-heavy trees (heavy_tree.py) at each size: `fix --check` and `check`, cold and warm,
    beside a libcst parse of every file, in interleaved rounds; with `baseline` (a folder holding
    another build of awaitify, `pip install --target`), its cold `fix --check` too, in the same
    rounds, and a hash of both patches (they must be the same)."""
    from heavy_tree import generate_heavy

    per_line: dict[int, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            tree = Path(tmp) / f"heavy{size}"
            generate_heavy(tree, size)
            files, lines = count(tree)
            print(f"\n== change-heavy tree x{size}: {files} files, {lines} lines")
            rounds = _heavy_rounds(tree, repeat, jobs, baseline)
            cli = {name: statistics.median(times) for name, times in rounds.items()}
            for name, elapsed in cli.items():
                spread = f"{min(rounds[name]):.2f}-{max(rounds[name]):.2f} s"
                print(f"{name:<34} {elapsed:7.2f} s  {lines / elapsed:>10,.0f} lines/s  (median of {len(rounds[name])}: {spread})")
            fix = _within_rounds(rounds, "fix --check cold", "libcst parse-all")
            warm = _within_rounds(rounds, "fix --check warm", "check warm")
            print("targets (ratios within each round: median, min-max):")
            print(f"    fix --check cold / libcst parse-all: {statistics.median(fix):.1f}x ({fix[0]:.1f}-{fix[-1]:.1f}, target <= 2x)")
            print(f"    fix --check warm / check warm: {statistics.median(warm):.1f}x ({warm[0]:.1f}-{warm[-1]:.1f}, target <= 2x)")
            if baseline is not None:
                against = _within_rounds(rounds, "fix --check cold", "baseline fix --check cold")
                print(f"    fix --check cold / baseline's: {statistics.median(against):.2f}x ({against[0]:.2f}-{against[-1]:.2f})")
            if baseline is not None:  # a cold `fix` each: only where there is something to compare
                patches = {"candidate": _patch_hash(tree, jobs, None), "baseline": _patch_hash(tree, jobs, baseline)}
                print("    patch sha256: " + "  ".join(f"{k} {v}" for k, v in patches.items())
                      + ("" if len(set(patches.values())) == 1 else "  DIFFERENT"))
            per_line[size] = cli["fix --check cold"] / lines * 1000
    if len(per_line) > 1:
        first = per_line[min(per_line)]
        print("\nlinear? cold `fix --check` per 1k lines, against the smallest size: "
              + "  ".join(f"x{size} {ms:.2f} s ({ms / first:.2f})" for size, ms in per_line.items()))


def _awaitify_env(baseline: Path | None) -> dict:
    env = dict(os.environ)
    if baseline is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(baseline), env.get("PYTHONPATH")]))
    return env


def _heavy_rounds(tree: Path, repeat: int, jobs: int, baseline: Path | None) -> dict[str, list[float]]:
    jobs_flag = ["--jobs", str(jobs)] if jobs else []
    rounds: dict[str, list[float]] = {}
    runs = [("", None)] + ([("baseline ", baseline)] if baseline is not None else [])
    for i in range(repeat):
        if i:
            print(f"    round {i}: " + "  ".join(f"{name} {times[-1]:.2f}s" for name, times in rounds.items()), flush=True)
        rounds.setdefault("libcst parse-all", []).append(float(subprocess.run(
            [sys.executable, "-c", LIBCST_SCRIPT, str(tree)], capture_output=True, text=True).stdout.strip()))
        for label, build in runs:
            env = _awaitify_env(build)
            for command in (["check"], ["fix", "--check"]):
                if label and command == ["check"]:
                    continue
                shutil.rmtree(tree / ".awaitify_cache", ignore_errors=True)
                for state in ("cold", "warm"):  # the cold run fills the cache the warm one reads
                    elapsed, _ = timed([*PYTHON, "-m", "awaitify", *command, *jobs_flag, "-q", "."], tree, env)
                    rounds.setdefault(f"{label}{' '.join(command)} {state}", []).append(elapsed)
    shutil.rmtree(tree / ".awaitify_cache", ignore_errors=True)
    return rounds


def _patch_hash(tree: Path, jobs: int, build: Path | None) -> str:
    """The sha256 of the patch `fix` prints (and its summary) on the tree."""
    import hashlib

    jobs_flag = ["--jobs", str(jobs)] if jobs else []
    proc = subprocess.run([*PYTHON, "-m", "awaitify", "fix", "--no-cache", *jobs_flag, "."], cwd=tree,
                          capture_output=True, env=_awaitify_env(build))
    return hashlib.sha256(proc.stdout + b"\0" + proc.stderr).hexdigest()[:16]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate")
    gen.add_argument("out", type=Path)
    gen.add_argument("--packages", type=int, default=20)
    gen.add_argument("--modules", type=int, default=25)
    gen.add_argument("--depth", type=int, default=4)
    gen.add_argument("--blocking", type=float, default=0.05)
    one = sub.add_parser("run")
    one.add_argument("tree", type=Path)
    scale = sub.add_parser("scale")
    scale.add_argument("--sizes", type=int, nargs="+", default=[1, 2, 4])
    sub.add_parser("stdlib")
    heavy = sub.add_parser("heavy")
    heavy.add_argument("--sizes", type=int, nargs="+", default=[1, 2, 4])
    heavy.add_argument("--jobs", type=int, default=0)
    heavy.add_argument("--repeat", type=int, default=3, help="interleaved rounds (figures are medians)")
    heavy.add_argument("--baseline", type=Path, help="a folder holding another build of awaitify (pip install --target)")
    for p in (one, scale, sub.choices["stdlib"]):
        p.add_argument("--jobs", type=int, default=0)
        p.add_argument("--no-baselines", action="store_true")
        p.add_argument("--libcst-sample", type=float, default=0.2, help="share of the files libcst parses in each round (scaled up)")
        p.add_argument("--repeat", type=int, default=3, help="rounds of the CLI runs (figures are medians)")
    args = parser.parse_args()
    _compile_awaitify()
    if args.command == "generate":
        generate(args.out, args.packages, args.modules, args.depth, args.blocking)
        print(f"generated {count(args.out)[0]} files in {args.out}")
    elif args.command == "run":
        run_benchmark(args.tree, args.jobs, not args.no_baselines, args.libcst_sample, args.repeat)
    elif args.command == "heavy":
        sys.path.insert(0, str(HERE))
        heavy_benchmark(args.sizes, args.repeat, args.jobs, args.baseline)
    elif args.command == "scale":
        with tempfile.TemporaryDirectory() as tmp:
            for size in args.sizes:
                tree = Path(tmp) / f"x{size}"
                generate(tree, packages=10 * size, modules=25, depth=4, blocking=0.05)
                print(f"\n== synthetic monorepo x{size}")
                run_benchmark(tree, args.jobs, not args.no_baselines, args.libcst_sample, args.repeat)
    else:
        stdlib = Path(sysconfig.get_paths()["stdlib"])
        with tempfile.TemporaryDirectory() as tmp:
            tree = Path(tmp) / "stdlib"
            shutil.copytree(stdlib, tree, ignore=shutil.ignore_patterns("site-packages", "__pycache__"), symlinks=True)
            run_benchmark(tree, args.jobs, not args.no_baselines, args.libcst_sample, args.repeat)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    main()
