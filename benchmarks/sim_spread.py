"""Spread: the same commit simulated again and again — how far est-cycles/op moves, with one
and with two simulated processes at a time (benchmarks/README.md, "Simulation").

    python benchmarks/sim_spread.py [--reps 10] [--modules xxhash,uuid,humanize,zapcore]
                                    [--out benchmarks/data/sim-spread.json]

Real Go code: xxhash (a hash in Go and assembly, 4 B to 10 MB: table-driven sub-benchmarks of a
few ns), uuid (a parser and formatter that allocate), humanize (number formatting that
allocates) and the JSON encoder of a zap-shaped package (tests/zaplike.py: encoders that
allocate). Each module is simulated once to choose every benchmark's iteration counts (as
`benchguard baseline` does), then --reps more times at those counts — what a check against the
stored baseline does — alternating one process at a time and two at a time, side by side in
one run. Per benchmark: the median est-cycles/op, the spread (largest - smallest) / median of
each, and how far the two medians are apart. A last repetition per module chooses its counts
afresh from the native probe, as a first simulation with no stored baseline would.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

import realgo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import zaplike  # a test fixture, shared with the tests

from benchguard.engine.simulation import Iterations, spread
from benchguard.progress import Silent
from benchguard.push.budget import Deadline
from benchguard.push.runner import RunSettings, RunSpec
from benchguard.push.simulated import Place, Simulation, Simulator


def source(name: str, work: Path) -> tuple[Path, RunSpec]:
    if name == "zapcore":
        layout = zaplike.write(work / "zaplike")
        return layout.root, RunSpec("./zapcore", "JSON")
    return realgo.module(name, work), RunSpec(".")


@dataclass
class Row:
    """One benchmark's figures."""

    est_cycles: float  # the median of every repetition
    spread_1: float  # one process at a time
    spread_2: float  # two at a time
    spread_all: float
    medians_apart: float  # |median with 1 / median with 2 - 1|
    fresh: float | None  # counts chosen afresh: how far from the median


def simulate(root: Path, spec: RunSpec, work: Path, jobs: int,
             stored: Mapping[str, Iterations] | None) -> Simulation:
    workdir = Path(tempfile.mkdtemp(dir=work))
    simulator = Simulator(workdir, RunSettings(1, "1s", "10m"), reporter=Silent(),
                          deadline=Deadline("0", None), jobs=jobs)
    return simulator.selection(spec, Place("head", "head", root), stored=stored)


def measure(name: str, work: Path, reps: int, load: list[float]) -> dict[str, object]:
    root, spec = source(name, work)
    first = simulate(root, spec, work, 2, None)
    values: dict[int, dict[str, list[float]]] = {1: {}, 2: {}}
    seconds: dict[int, list[float]] = {1: [], 2: []}
    for rep in range(reps):
        for jobs in (1, 2) if rep % 2 == 0 else (2, 1):
            began = time.monotonic()
            found = simulate(root, spec, work, jobs, first.iterations)
            seconds[jobs].append(time.monotonic() - began)
            for benchmark, result in found.sides["head"].results.items():
                if benchmark not in found.timed:
                    values[jobs].setdefault(benchmark, []).append(result.est_cycles)
            load.append(os.getloadavg()[0])
        print(f"{name}: repetition {rep + 1}/{reps}", flush=True)
    fresh = simulate(root, spec, work, 2, None).sides["head"].results
    rows = {}
    for benchmark, ones in values[1].items():
        twos = values[2].get(benchmark, [])
        if not twos:
            continue
        median = statistics.median(ones + twos)
        again = fresh.get(benchmark)
        rows[benchmark] = Row(median, spread(ones), spread(twos), spread(ones + twos),
                              abs(statistics.median(ones) / statistics.median(twos) - 1),
                              None if again is None else again.est_cycles / median - 1)
    print_module(name, rows, first.timed, seconds)
    return {"rows": {benchmark: asdict(row) for benchmark, row in rows.items()},
            "timed": dict(first.timed), "seconds_1": statistics.median(seconds[1]),
            "seconds_2": statistics.median(seconds[2])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=10)
    parser.add_argument("--modules", default="xxhash,uuid,humanize,zapcore")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    load: list[float] = []
    modules = {}
    with tempfile.TemporaryDirectory(prefix="sim-spread-") as tmp:
        for name in args.modules.split(","):
            modules[name] = measure(name, Path(tmp), args.reps, load)
    print(f"load average while measuring: {min(load):.1f}–{max(load):.1f} on "
          f"{os.cpu_count()} cores")
    if args.out:
        args.out.write_text(json.dumps({"load": load, "modules": modules}, indent=1),
                            encoding="utf-8")


def print_module(name: str, rows: Mapping[str, Row], timed: Mapping[str, str],
                 seconds: Mapping[int, list[float]]) -> None:
    print(f"\n{name}: {len(rows)} benchmarks simulated; one simulation "
          f"{statistics.median(seconds[1]):.1f}s with 1 process at a time, "
          f"{statistics.median(seconds[2]):.1f}s with 2")
    print(f"  {'benchmark':42s} {'est-cycles/op':>14s} {'spread 1':>9s} {'spread 2':>9s} "
          f"{'all':>7s} {'1 vs 2':>7s} {'fresh':>8s}")
    for benchmark, row in rows.items():
        fresh = "" if row.fresh is None else f"{row.fresh:+8.3%}"
        print(f"  {benchmark[:42]:42s} {row.est_cycles:14.1f} {row.spread_1:9.3%} "
              f"{row.spread_2:9.3%} {row.spread_all:7.3%} {row.medians_apart:7.3%} {fresh}")
    for benchmark, why in timed.items():
        print(f"  {benchmark[:42]:42s} timed instead: {why}")
    worst = max((row.spread_all for row in rows.values()), default=0.0)
    within = sum(1 for row in rows.values() if row.spread_all <= 0.001)
    print(f"  within 0.1%: {within} of {len(rows)}; worst {worst:.3%}")


if __name__ == "__main__":
    main()
