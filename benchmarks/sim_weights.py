"""est-cycles' weights: how closely simulated cost follows native time on this machine, for
candidate weights of L1 misses, LL misses and mispredicted branches.

    python benchmarks/sim_weights.py [--probes 5] [--out benchmarks/data/weights.json]

Simulates (benchguard's own simulator, head only) the calibration package (the same instruction
stream over working sets of 4 KiB to 64 MiB, dependent, independent and sequential loads; a
branch over sorted and shuffled data) and three real modules (xxhash, uuid, humanize), and takes
each benchmark's native ns/op as the fastest of --probes runs of 100 ms (one P, as simulated).
Then, over a grid of weights, the spread of log(est-cycles / native ns) across benchmarks: the
weights whose estimates follow time most closely, and how the proposed ones fare. Benchmarks
simulation cannot see are left out.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import statistics
import tempfile
from pathlib import Path

import realgo

from benchguard.engine.callgrind import Counts
from benchguard.engine.simulation import Weights
from benchguard.progress import Silent
from benchguard.push.budget import Deadline
from benchguard.push.runner import RunSettings, RunSpec
from benchguard.push.simulated import Place, Simulator
from benchguard.tools import go
from benchguard.tools import simulation as simulator

GRID = {"l1": (0, 2, 5, 10, 15, 20, 30), "ll": (0, 25, 50, 100, 150, 200, 300),
        "branch": (0, 5, 10, 15, 20, 30)}
PROPOSED = Weights()


def native(binary: Path, cwd: Path, probes: int) -> dict[str, float]:
    """The fastest ns/op of ``probes`` native runs of 100 ms each."""
    best: dict[str, float] = {}
    for _ in range(probes):
        ran = go.run_program(str(binary), ["-test.run=^$", "-test.bench=.",
                                           "-test.benchtime=100ms"],
                             cwd=cwd, env=simulator.PROBE_ENVIRONMENT)
        for name, metrics in simulator.result_lines(ran.output).items():
            if "ns/op" in metrics:
                best[name] = min(best.get(name, math.inf), metrics["ns/op"])
    return best


def collect(work: Path, probes: int) -> list[tuple[str, Counts, float]]:
    packages = {"calib": realgo.calibration(work)}
    packages.update({name: realgo.module(name, work) for name in ("xxhash", "uuid", "humanize")})
    simulating = Simulator(work / "bin", RunSettings(1, "1s", "10m"), reporter=Silent(),
                           deadline=Deadline("0", None))
    (work / "bin").mkdir()
    rows = []
    for key, root in packages.items():
        found = simulating.selection(RunSpec("."), Place("head", key, root))
        side = found.sides["head"]
        binary = next((work / "bin").glob("head-*.sim.test"))
        times = native(binary, root, probes)
        binary.rename(work / "bin" / f"{key}.sim.test")
        for name, result in side.results.items():
            if name not in found.timed and name in times:
                rows.append((f"{key}:{name}", result.counts, times[name]))
        print(f"{key}: {len(side.results)} simulated, {len(found.timed)} not seen", flush=True)
    return rows


def fit(rows: list[tuple[str, Counts, float]]) -> dict[str, object]:
    def deviation(weights: Weights) -> tuple[float, float]:
        logs = [math.log(weights.est_cycles(counts) / ns) for _, counts, ns in rows]
        centre = statistics.median(logs)
        return statistics.pstdev(logs), max(abs(value - centre) for value in logs)

    scored = []
    for l1, ll, branch in itertools.product(GRID["l1"], GRID["ll"], GRID["branch"]):
        sd, worst = deviation(Weights(l1, ll, branch))
        scored.append((sd, worst, (l1, ll, branch)))
    scored.sort()
    proposed = deviation(PROPOSED)
    print(f"{len(rows)} benchmarks; sd of log(est-cycles / native ns), worst factor from the "
          "median:")
    print(f"  instructions only        sd {deviation(Weights(0, 0, 0))[0]:.3f}  worst "
          f"×{math.exp(deviation(Weights(0, 0, 0))[1]):.2f}")
    print(f"  proposed {PROPOSED.describe():22s} sd {proposed[0]:.3f}  worst "
          f"×{math.exp(proposed[1]):.2f}")
    for sd, worst, (l1, ll, branch) in scored[:8]:
        print(f"  l1 {l1:3d}  ll {ll:3d}  branch {branch:3d}  sd {sd:.3f}  worst "
              f"×{math.exp(worst):.2f}")
    return {"best": [{"l1": w[0], "ll": w[1], "branch": w[2], "sd": sd, "worst": worst}
                     for sd, worst, w in scored[:20]],
            "proposed": {"weights": PROPOSED.describe(), "sd": proposed[0],
                         "worst": proposed[1]},
            "rows": [{"name": name, "native_ns": ns, "events": list(counts.values)}
                     for name, counts, ns in rows]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--probes", type=int, default=5)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sim-weights-") as tmp:
        rows = collect(Path(tmp), args.probes)
    result = fit(rows)
    if args.out:
        args.out.write_text(json.dumps(result, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
