"""How far this machine's benchmark results drift between pushes: whether a stored baseline can
be trusted here (docs/check.md, "Whether to trust a stored baseline").

    python benchmarks/machine_drift.py [--minutes 5] [--gap 20] [--count 6] [--benchtime 100ms]

Builds the test binaries of push_cost.py's throwaway module once, then every `--gap` seconds for
`--minutes` (at least two blocks) runs a block of `--count` rounds (each binary once a round,
`-test.count 1`, as benchguard's head-only run does). Nothing changes between blocks: the same
binaries, the same code. For each benchmark it prints the median of every block, and how far the
medians of two blocks minutes apart differ — what comparing the head against a stored baseline
of the same code would read — as the share of block pairs more than 5% apart (the default
threshold) and the worst.
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from push_cost import write_module

PACKAGES = ("hashing", "parse", "encode")
LINE = re.compile(r"^(Benchmark\S+)\s+\d+\s+([\d.]+) ns/op")


def block(binaries: list[Path], count: int, benchtime: str) -> dict[str, list[float]]:
    values: dict[str, list[float]] = {}
    for _ in range(count):
        for binary in binaries:
            output = subprocess.run([str(binary), "-test.run=^$", "-test.bench=.",
                                     "-test.count=1", f"-test.benchtime={benchtime}",
                                     "-test.benchmem"], capture_output=True, text=True,
                                    check=True).stdout
            for line in output.splitlines():
                if found := LINE.match(line):
                    values.setdefault(found[1], []).append(float(found[2]))
    return values


def apart(pairs: list[tuple[float, float]], threshold: float = 0.05) -> str:
    far = sum(1 for a, b in pairs if abs(math.log(b / a)) > math.log1p(threshold))
    worst = max(abs(b / a - 1) for a, b in pairs)
    return f"{far}/{len(pairs)} more than 5% apart (worst {worst:.0%})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=5)
    parser.add_argument("--gap", type=float, default=20)
    parser.add_argument("--count", type=int, default=6)
    parser.add_argument("--benchtime", default="100ms")
    args = parser.parse_args()
    if shutil.which("go") is None:
        print("go not found on PATH")
        return 2
    env = {**os.environ, "GOTOOLCHAIN": "local", "GOFLAGS": "-mod=mod"}
    blocks: list[tuple[float, dict[str, list[float]]]] = []
    with tempfile.TemporaryDirectory(prefix="machine-drift-") as directory:
        root = Path(directory)
        write_module(root)
        binaries = []
        for package in PACKAGES:
            binary = root / f"{package}.test"
            subprocess.run(["go", "test", "-c", "-o", str(binary), f"./{package}"], cwd=root,
                           env=env, check=True)
            binaries.append(binary)
        end = time.monotonic() + args.minutes * 60
        while True:
            blocks.append((os.getloadavg()[0], block(binaries, args.count, args.benchtime)))
            if len(blocks) >= 2 and time.monotonic() + args.gap >= end:  # two to compare
                break
            time.sleep(args.gap)

    print(f"machine_drift: {len(blocks)} blocks of {args.count} rounds, {args.gap:g} s apart, "
          f"benchtime {args.benchtime}; load average {min(b[0] for b in blocks):.1f}–"
          f"{max(b[0] for b in blocks):.1f} ({os.cpu_count()} cores)")
    for name in blocks[0][1]:
        medians = [statistics.median(values[name]) for _, values in blocks]
        print(f"  {name}: block medians " + " ".join(f"{m:.4g}" for m in medians) + " ns/op")
        print(f"    pairs of blocks: {apart(list(itertools.combinations(medians, 2)))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
