"""How well does benchguard.engine.changepoints.find() find the change points of synthetic and
recorded histories, how often does it tell a drift from a step, and how long does it take on
1,000 commits?

    python benchmarks/changepoints.py [--series 100] [--tolerance 2] [--jobs 2] [--sweep]
        [--samples] [--min-segment 5] [--max-p 0.01] [--permutations 199]
        [--recorded benchmarks/data/rounds-*.json]

Each scenario draws ``--series`` histories of one value a commit (level 100, Gaussian noise of a
given share of the level): steps of 2-20% against noise of 1-10%, several steps, a regression
reverted ten commits later, one spike, a burst of slow commits, noisy plateaus (one with slow
outliers), slow drifts and exact counts (allocs/op). A found point is a hit when it is within
``--tolerance`` commits of a true one not already hit; every other found point is false.
Precision is hits / found, recall hits / true. A drift, or a burst of slow commits just shorter
than the minimum segment, has no one commit to find: what they get is shown apart. Then the time
of find() on 1,000 commits (median of 5).

Recorded histories take their noise from benchmarks/data (benchmarks/record_rounds.py: real runs
of a test module on the project's 2-core machine, minutes and sessions apart): one commit is the
median of 6 consecutive runs of one benchmark, as a check with count 6 stores it. A plateau is
the unchanged code's runs; a step switches to the runs of the ~10% slower build (5–14% by
benchmark) at a random commit; a spike puts one commit of the 3× slower build in a plateau; a
drift multiplies a plateau by a ramp to +20%. Every found point is also told as a step or as
drift (ChangePoint.drift): the share of hits told as a step, and of a drift's points told as
drift, is shown.

``--sweep`` repeats the scenarios for other values of each parameter around the chosen ones.
``--samples`` compares finding points in per-commit medians with finding them in the raw samples
(6 a commit) when each commit's run also moves as a whole (machine drift between runs).
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import itertools
import json
import random
import statistics
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from benchguard.engine import changepoints

LEVEL = 100.0


@dataclass(frozen=True)
class Config:
    min_segment: int = changepoints.MIN_SEGMENT
    max_p: float = changepoints.MAX_P
    permutations: int = changepoints.PERMUTATIONS

    @property
    def label(self) -> str:
        return (f"min_segment={self.min_segment}, max_p={self.max_p}, "
                f"permutations={self.permutations}")


@dataclass(frozen=True)
class History:
    values: list[float]
    truth: list[int]
    spikes: list[int] = dataclasses.field(default_factory=list)  # no point may be here
    # the same history without its spike: a point it has too was not the spike's doing
    plain: list[float] | None = None


Maker = Callable[[random.Random], History]


def noisy(rng: random.Random, levels: list[float], noise: float) -> list[float]:
    return [level * (1 + rng.gauss(0, noise)) for level in levels]


def step(size: float, noise: float, length: int = 100) -> Maker:
    def make(rng: random.Random) -> History:
        at = rng.randint(length // 5, length - length // 5)
        levels = [LEVEL * (1 + size) if i >= at else LEVEL for i in range(length)]
        return History(noisy(rng, levels, noise), [at])
    return make


def several_steps(noise: float, count: int = 3, length: int = 200, gap: int = 15) -> Maker:
    def make(rng: random.Random) -> History:
        while True:
            truth = sorted(rng.sample(range(gap, length - gap), count))
            if all(b - a >= gap for a, b in itertools.pairwise(truth)):
                break
        level, levels = LEVEL, []
        for i in range(length):
            if i in truth:
                level *= 1 + rng.choice([-1, 1]) * rng.choice([0.05, 0.1, 0.2])
            levels.append(level)
        return History(noisy(rng, levels, noise), truth)
    return make


def reverted(size: float, noise: float, commits: int = 10, length: int = 100) -> Maker:
    def make(rng: random.Random) -> History:
        at = rng.randint(20, length - 20 - commits)
        levels = [LEVEL * (1 + size) if at <= i < at + commits else LEVEL for i in range(length)]
        return History(noisy(rng, levels, noise), [at, at + commits])
    return make


def spikes(size: float, noise: float, commits: int = 1, length: int = 100) -> Maker:
    def make(rng: random.Random) -> History:
        at = rng.randint(0, length - commits)
        levels = [LEVEL * (1 + size) if at <= i < at + commits else LEVEL for i in range(length)]
        return History(noisy(rng, levels, noise), [], list(range(at, at + commits + 1)))
    return make


def plateau(noise: float, outliers: float = 0.0, length: int = 100) -> Maker:
    def make(rng: random.Random) -> History:
        values = noisy(rng, [LEVEL] * length, noise)
        return History([v * 1.3 if rng.random() < outliers else v for v in values], [])
    return make


def drift(total: float, noise: float, length: int = 100) -> Maker:
    def make(rng: random.Random) -> History:
        levels = [LEVEL * (1 + total * i / (length - 1)) for i in range(length)]
        return History(noisy(rng, levels, noise), [])
    return make


def exact_step(length: int = 100) -> Maker:
    def make(rng: random.Random) -> History:
        at = rng.randint(length // 5, length - length // 5)
        return History([4.0 if i >= at else 3.0 for i in range(length)], [at])
    return make


def exact_spike(length: int = 100) -> Maker:
    def make(rng: random.Random) -> History:
        at = rng.randrange(length)
        return History([10.0 if i == at else 3.0 for i in range(length)], [], [at, at + 1])
    return make


DATA = Path(__file__).parent / "data"
RECORDED_FILES = {"quiet": "rounds-quiet-1.json", "busy": "rounds-busy-1.json",
                  "nice -20": "rounds-prioritized-2.json"}
PER_COMMIT = 6  # runs a commit: a check with count 6
WINDOW = 50  # commits of a recorded history


@functools.cache
def recorded(spell: str) -> list[dict[str, list[float]]]:
    """Per sec/op benchmark of one data file, each side's runs in the order they ran, as one
    value a commit (the median of PER_COMMIT runs)."""
    found = []
    data = json.loads((DATA / RECORDED_FILES[spell]).read_text(encoding="utf-8"))
    sessions = data["sessions"]
    for key in sessions[0]["series"]:
        if not key.endswith("|sec/op"):
            continue
        sides = {}
        for side in ("base", "slower10", "slower3x"):
            runs = [value for session in sessions for value in session["series"][key][side]]
            sides[side] = [statistics.median(runs[i:i + PER_COMMIT])
                           for i in range(0, len(runs) - PER_COMMIT + 1, PER_COMMIT)]
        found.append(sides)
    return found


def recorded_window(spell: str, rng: random.Random) -> tuple[dict[str, list[float]], int]:
    sides = rng.choice(recorded(spell))
    return sides, rng.randint(0, len(sides["base"]) - WINDOW)


def recorded_step(spell: str) -> Maker:
    def make(rng: random.Random) -> History:
        sides, start = recorded_window(spell, rng)
        at = rng.randint(WINDOW // 5, WINDOW - WINDOW // 5)
        values = [sides["slower10" if i >= at else "base"][start + i] for i in range(WINDOW)]
        return History(values, [at])
    return make


def recorded_spike(spell: str) -> Maker:
    def make(rng: random.Random) -> History:
        sides, start = recorded_window(spell, rng)
        at = rng.randrange(WINDOW)
        values = [sides["slower3x" if i == at else "base"][start + i] for i in range(WINDOW)]
        return History(values, [], [at, at + 1], sides["base"][start:start + WINDOW])
    return make


def recorded_plateau(spell: str) -> Maker:
    def make(rng: random.Random) -> History:
        sides, start = recorded_window(spell, rng)
        return History(sides["base"][start:start + WINDOW], [])
    return make


def recorded_drift(spell: str) -> Maker:
    def make(rng: random.Random) -> History:
        sides, start = recorded_window(spell, rng)
        return History([value * (1 + 0.2 * i / (WINDOW - 1))
                        for i, value in enumerate(sides["base"][start:start + WINDOW])], [])
    return make


CHANGES: dict[str, Maker] = {
    **{f"step {size:.0%}, noise {noise:.0%}": step(size, noise)
       for size in (0.02, 0.05, 0.1, 0.2) for noise in (0.01, 0.05, 0.1)},
    "step 10%, noise 5%, 30 commits": step(0.1, 0.05, length=30),
    "step 20%, noise 5%, 30 commits": step(0.2, 0.05, length=30),
    "3 steps of ±5-20%, noise 1%": several_steps(0.01),
    "3 steps of ±5-20%, noise 5%": several_steps(0.05),
    "+10% reverted 10 commits later, noise 1%": reverted(0.1, 0.01),
    "+10% reverted 10 commits later, noise 5%": reverted(0.1, 0.05),
    "allocs/op 3 → 4 (exact)": exact_step(),
    **{f"recorded, {spell}: a step of ~10% (5-14%), 50 commits": recorded_step(spell)
       for spell in RECORDED_FILES},
}
NONE: dict[str, Maker] = {
    "one spike +50%, noise 1%": spikes(0.5, 0.01),
    "one spike 3x, noise 5%": spikes(2.0, 0.05),
    "2 slow commits in a row +50%, noise 1%": spikes(0.5, 0.01, commits=2),
    "noisy plateau, noise 1%": plateau(0.01),
    "noisy plateau, noise 5%": plateau(0.05),
    "noisy plateau, noise 10%": plateau(0.1),
    "noisy plateau, noise 5%, 5% of commits +30%": plateau(0.05, outliers=0.05),
    "allocs/op 3 with one commit at 10 (exact)": exact_spike(),
    **{f"recorded, {spell}: plateau, 50 commits": recorded_plateau(spell)
       for spell in RECORDED_FILES},
    **{f"recorded, {spell}: one commit of the 3× slower build, 50 commits":
       recorded_spike(spell) for spell in RECORDED_FILES},
}
# No single commit to find: a drift, a burst just shorter than the minimum segment
OTHERS: dict[str, Maker] = {
    "4 slow commits in a row +50%, noise 1%": spikes(0.5, 0.01, commits=4),
    "drift +5% over 100 commits, noise 1%": drift(0.05, 0.01),
    "drift +20% over 100 commits, noise 1%": drift(0.2, 0.01),
    "drift +20% over 100 commits, noise 5%": drift(0.2, 0.05),
    **{f"recorded, {spell}: drift +20% over 50 commits": recorded_drift(spell)
       for spell in RECORDED_FILES},
}
SCENARIOS = {**CHANGES, **NONE, **OTHERS}


@dataclass
class Tally:
    series: int = 0
    true: int = 0
    found: int = 0
    hits: int = 0
    exact: int = 0  # hits at the very commit
    with_points: int = 0  # series with any point found
    changes: float = 0.0  # summed |change| of the points found
    drift: int = 0  # found points told as drift
    steps: int = 0  # hits told as a step
    at_spikes: int = 0  # found points at a spike's first commit or the one after it

    def add(self, other: Tally) -> None:
        for name in vars(self):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def score(truth: list[int], found: list[changepoints.ChangePoint], tolerance: int,
          spikes: list[int] | None = None) -> Tally:
    """Greedy matching, closest pairs first: each true point takes at most one found point."""
    pairs = sorted((abs(point.index - at), t, f) for t, at in enumerate(truth)
                   for f, point in enumerate(found) if abs(point.index - at) <= tolerance)
    used_true: set[int] = set()
    used_found: set[int] = set()
    exact = 0
    for distance, t, f in pairs:
        if t not in used_true and f not in used_found:
            used_true.add(t)
            used_found.add(f)
            exact += distance == 0
    return Tally(1, len(truth), len(found), len(used_true), exact, int(bool(found)),
                 sum(abs(point.change) for point in found),
                 sum(point.drift for point in found),
                 sum(not found[f].drift for f in used_found),
                 sum(point.index in (spikes or []) for point in found))


def run_one(task: tuple[str, int, int, Config, int]) -> Tally:
    name, index, seed, config, tolerance = task
    history = SCENARIOS[name](random.Random(f"{name}/{index}/{seed}"))
    found = changepoints.find(history.values, min_segment=config.min_segment,
                              max_p=config.max_p, permutations=config.permutations)
    spikes = history.spikes
    if history.plain is not None:  # the machine's own steps are not the spike's
        plain = {point.index for point in changepoints.find(
            history.plain, min_segment=config.min_segment, max_p=config.max_p,
            permutations=config.permutations)}
        spikes = [at for at in spikes if at not in plain]
    return score(history.truth, found, tolerance, spikes)


def evaluate(config: Config, *, series: int, seed: int, tolerance: int, jobs: int
             ) -> dict[str, Tally]:
    tasks = [(name, i, seed, config, tolerance) for name in SCENARIOS for i in range(series)]
    tallies = {name: Tally() for name in SCENARIOS}
    with ProcessPoolExecutor(jobs) as pool:
        for task, tally in zip(tasks, pool.map(run_one, tasks, chunksize=8), strict=True):
            tallies[task[0]].add(tally)
    return tallies


def ratio(part: float, whole: float) -> str:
    return f"{part / whole:.0%}" if whole else "—"


def table(tallies: dict[str, Tally]) -> Iterator[str]:
    yield ("| scenario | true | found | hits (exact commit) | precision | recall "
           "| series with a point | hits told as a step | points the spike made |")
    yield "|---|---|---|---|---|---|---|---|---|"
    for group in (CHANGES, NONE):
        total = Tally()
        for name in group:
            one = tallies[name]
            total.add(one)
            yield (f"| {name} | {one.true} | {one.found} | {one.hits} ({one.exact}) "
                   f"| {ratio(one.hits, one.found)} | {ratio(one.hits, one.true)} "
                   f"| {ratio(one.with_points, one.series)} | {ratio(one.steps, one.hits)} "
                   f"| {one.at_spikes if group is NONE else '—'} |")
        label = "**all with changes**" if group is CHANGES else "**all without a change**"
        yield (f"| {label} | {total.true} | {total.found} | {total.hits} ({total.exact}) "
               f"| {ratio(total.hits, total.found)} | {ratio(total.hits, total.true)} "
               f"| {ratio(total.with_points, total.series)} "
               f"| {ratio(total.steps, total.hits)} "
               f"| {total.at_spikes if group is NONE else '—'} |")
    yield ""
    yield ("| no single commit to find | points per series | mean size of a point "
           "| points told as drift |")
    yield "|---|---|---|---|"
    for name in OTHERS:
        one = tallies[name]
        mean = f"{one.changes / one.found:.1%}" if one.found else "—"
        yield (f"| {name} | {one.found / one.series:.2f} | {mean} "
               f"| {ratio(one.drift, one.found)} |")


def summary(tallies: dict[str, Tally]) -> tuple[Tally, Tally]:
    changes, none = Tally(), Tally()
    for name in CHANGES:
        changes.add(tallies[name])
    for name in NONE:
        none.add(tallies[name])
    return changes, none


def timing(config: Config, seed: int) -> Iterator[str]:
    yield "| 1,000 commits, noise 5% | points | find() median of 5 |"
    yield "|---|---|---|"
    rng = random.Random(f"timing/{seed}")
    for steps in (0, 1, 5):
        truth = [(k + 1) * 1000 // (steps + 1) for k in range(steps)]
        levels = [LEVEL * 1.1 ** sum(i >= at for at in truth) for i in range(1000)]
        values = noisy(rng, levels, 0.05)
        times, found = [], []
        for _ in range(5):
            start = time.perf_counter()
            found = changepoints.find(values, min_segment=config.min_segment,
                                      max_p=config.max_p, permutations=config.permutations)
            times.append(time.perf_counter() - start)
        yield (f"| {steps} step{'' if steps == 1 else 's'} of +10% | {len(found)} "
               f"| {statistics.median(times):.2f} s |")


def samples_run(task: tuple[int, int, float, str, Config, int]) -> Tally:
    """One history of 100 commits, 6 samples a commit: each commit's run is off by its own
    Gaussian share (between runs, 2%) and each sample by another (within a run, 1%)."""
    index, seed, size, how, config, tolerance = task
    rng = random.Random(f"samples/{size}/{index}/{seed}")
    at = rng.randint(20, 80)
    runs = []
    for commit in range(100):
        level = LEVEL * (1 + size if commit >= at else 1) * (1 + rng.gauss(0, 0.02))
        runs.append([level * (1 + rng.gauss(0, 0.01)) for _ in range(6)])
    truth = [at] if size else []
    if how == "medians":
        found = changepoints.find([statistics.median(run) for run in runs],
                                  min_segment=config.min_segment, max_p=config.max_p,
                                  permutations=config.permutations)
        return score(truth, found, tolerance)
    flat = [value for run in runs for value in run]
    found = changepoints.find(flat, min_segment=config.min_segment * 6, max_p=config.max_p,
                              permutations=config.permutations)
    # a split inside a commit's samples names that commit; the next one when past its middle
    commits = [changepoints.ChangePoint(round(point.index / 6), point.before, point.after,
                                        point.change, point.low, point.high, point.p,
                                        point.drift)
               for point in found]
    return score(truth, commits, tolerance)


def samples_table(config: Config, *, series: int, seed: int, tolerance: int, jobs: int
                  ) -> Iterator[str]:
    yield "| input | plateau: series with a point | step +5%: precision | step +5%: recall |"
    yield "|---|---|---|---|"
    for how in ("medians", "samples"):
        tallies = []
        for size in (0.0, 0.05):
            tasks = [(i, seed, size, how, config, tolerance) for i in range(series)]
            total = Tally()
            with ProcessPoolExecutor(jobs) as pool:
                for tally in pool.map(samples_run, tasks, chunksize=8):
                    total.add(tally)
            tallies.append(total)
        plateau_tally, step_tally = tallies
        label = ("one median a commit" if how == "medians"
                 else "all 6 samples a commit, min_segment ×6")
        yield (f"| {label} | {ratio(plateau_tally.with_points, plateau_tally.series)} "
               f"| {ratio(step_tally.hits, step_tally.found)} "
               f"| {ratio(step_tally.hits, step_tally.true)} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--series", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--tolerance", type=int, default=2)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--min-segment", type=int, default=changepoints.MIN_SEGMENT)
    parser.add_argument("--max-p", type=float, default=changepoints.MAX_P)
    parser.add_argument("--permutations", type=int, default=changepoints.PERMUTATIONS)
    parser.add_argument("--sweep", action="store_true")
    parser.add_argument("--samples", action="store_true")
    args = parser.parse_args()
    config = Config(args.min_segment, args.max_p, args.permutations)
    options = {"series": args.series, "seed": args.seed, "tolerance": args.tolerance,
               "jobs": args.jobs}

    print(f"## {config.label}; {args.series} series a scenario, hits within "
          f"±{args.tolerance} commits\n")
    start = time.perf_counter()
    tallies = evaluate(config, **options)
    print("\n".join(table(tallies)))
    print(f"\n({time.perf_counter() - start:.0f} s on {args.jobs} processes)\n")
    print("\n".join(timing(config, args.seed)))

    if args.sweep:
        print("\n## One parameter at a time\n")
        print("| parameters | precision | recall | series without a change that get a point "
              "| drift +20%/noise 1%: points a series | seconds, 1,000 commits, 1 step |")
        print("|---|---|---|---|---|---|")
        variants = [config]
        variants += [Config(m, config.max_p, config.permutations) for m in (3, 8, 10)]
        variants += [Config(config.min_segment, 0.05, 199), Config(config.min_segment, 0.001, 999)]
        variants += [Config(config.min_segment, config.max_p, r) for r in (99, 499)]
        for variant in variants:
            found = tallies if variant == config else evaluate(variant, **options)
            changes, none = summary(found)
            drifting = found["drift +20% over 100 commits, noise 1%"]
            seconds = [line for line in timing(variant, args.seed)][3].split("|")[3].strip()
            print(f"| {variant.label} | {ratio(changes.hits, changes.found)} "
                  f"| {ratio(changes.hits, changes.true)} "
                  f"| {ratio(none.with_points, none.series)} "
                  f"| {drifting.found / drifting.series:.2f} | {seconds} |", flush=True)

    if args.samples:
        print("\n## Medians or raw samples (between-run 2%, within-run 1%, 100 commits)\n")
        print("\n".join(samples_table(config, **options)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
