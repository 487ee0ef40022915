"""How fast is `benchguard compare` next to benchstat on two 100k-line files?

    python benchmarks/compare_speed.py [--lines 100000] [--runs 5]

Generates a seeded pair of `go test -bench` outputs (10 runs of each benchmark, with sec/op,
B/op, allocs/op and some MB/s, ties included), then times the two tools alternately and prints
the medians and their ratio. Both write text tables; the output itself is discarded.
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COUNT = 10


def generate(path: Path, lines: int, *, seed: int, slower: float) -> None:
    rng = random.Random(seed)
    out = ["goos: linux", "goarch: amd64", "pkg: example.com/speed", "cpu: Generated CPU @ 3.00GHz"]
    benchmarks = lines // COUNT
    for index in range(benchmarks):
        name = f"BenchmarkOp{index // 8}/case={index % 8}-8"
        centre = rng.choice([3.2, 48.0, 950.0, 21_000.0, 1_400_000.0])
        if index % 7 == 0:
            centre *= slower
        allocs = index * 7 % 13  # allocations rarely change between two commits
        if index % 7 == 0 and slower != 1.0:
            allocs += 1
        throughput = index % 3 == 0
        for _ in range(COUNT):
            ns = centre * rng.uniform(0.97, 1.05)
            text = f"{ns:.4g}" if ns < 100 else f"{ns:.0f}"
            row = f"{name}   \t{rng.randint(1000, 9_000_000):8d}\t{text} ns/op"
            if throughput:
                row += f"\t{4096 / ns * 1e3:.2f} MB/s"
            row += f"\t{allocs * 16} B/op\t{allocs} allocs/op"
            out.append(row)
    out += ["PASS", "ok  \texample.com/speed\t123.456s"]
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


def timed(command: list[str]) -> tuple[float, float]:
    """Wall-clock seconds and CPU seconds (user + system) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    benchstat = shutil.which("benchstat") or str(Path.home() / "go" / "bin" / "benchstat")
    if not Path(benchstat).exists():
        print("benchstat not found (go install golang.org/x/perf/cmd/benchstat@latest)")
        return 2
    with tempfile.TemporaryDirectory() as directory:
        old, new = Path(directory) / "old.txt", Path(directory) / "new.txt"
        generate(old, args.lines, seed=1, slower=1.0)
        generate(new, args.lines, seed=2, slower=1.25)
        commands = {
            "benchguard": [sys.executable, "-m", "benchguard", "compare", str(old), str(new)],
            "benchstat": [benchstat, str(old), str(new)],
        }
        walls: dict[str, list[float]] = {name: [] for name in commands}
        cpus: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, command in commands.items():  # alternate, so load changes hit both
                wall, cpu = timed(command)
                walls[name].append(wall)
                cpus[name].append(cpu)
    wall_median = {name: statistics.median(values) for name, values in walls.items()}
    cpu_median = {name: statistics.median(values) for name, values in cpus.items()}
    for name in commands:
        runs = " ".join(f"{value:.2f}" for value in walls[name])
        print(f"{name:<10} median {wall_median[name]:.3f}s wall, {cpu_median[name]:.3f}s CPU"
              f"  (wall runs: {runs})")
    print(f"benchguard / benchstat = {wall_median['benchguard'] / wall_median['benchstat']:.2f}"
          f" wall, {cpu_median['benchguard'] / cpu_median['benchstat']:.2f} CPU"
          f" ({args.lines} lines per file, {args.runs} runs each)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
