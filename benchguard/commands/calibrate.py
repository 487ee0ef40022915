"""`benchguard calibrate [--rounds K]`: how noisy is each benchmark on this machine, and what can
a check tell apart? HEAD is measured against itself (A/A), side by side, round by round.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from statistics import NormalDist
from typing import TYPE_CHECKING

from benchguard import JSON_VERSION, config
from benchguard.commands import add_format, add_instrument, output, repository
from benchguard.engine import stats
from benchguard.engine.benchfmt import BenchKey, BenchmarkSet, tidy_unit
from benchguard.engine.stats import relative_change
from benchguard.errors import EXIT_USAGE, BenchguardError
from benchguard.push import runner, session, simulating
from benchguard.push.baseline import benchmarked_specs
from benchguard.push.budget import Deadline
from benchguard.push.runner import spec_for
from benchguard.push.simulated import Place, Simulation, Simulator
from benchguard.style import printable
from benchguard.tools import git, modules

if TYPE_CHECKING:
    from benchguard.config import BenchEntry, Config
    from benchguard.engine.benchfmt import SeriesKey
    from benchguard.push.runner import RunSpec

# The change calibrate asks about: "can a check tell a 5% change from noise?"
CHANGE = 0.05
POWER = 0.95  # ... in 95 of 100 checks
# Mann–Whitney needs about π/3 times the runs a t-test needs on normal data.
_MANN_WHITNEY_FACTOR = math.pi / 3
# The standard error of a sample median is about 1.2533 σ/√n (normal data).
_MEDIAN_FACTOR = math.sqrt(math.pi / 2)
# A noise floor noise alone stays under in 99 of 100 A/A checks.
_FLOOR_QUANTILE = 0.995


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rounds", type=_rounds, default=10, metavar="K",
                        help="A/A rounds: each runs every benchmark once per side (default 10)")
    parser.add_argument("--bench", metavar="REGEX",
                        help="only benchmarks matching REGEX (replaces every entry's pattern)")
    add_format(parser, "text", "json")
    add_instrument(parser)


def _rounds(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of rounds") from None
    if value < 2:
        raise argparse.ArgumentTypeError("calibrate needs at least 2 rounds")
    return value


@dataclass(frozen=True)
class Noise:
    """What the A/A runs of one (benchmark, metric) say."""

    package: str
    name: str
    procs: int
    metric: str
    runs: int  # per side
    cv: float  # coefficient of variation over every run of both sides
    spread: float  # (slowest - fastest) / median, over every run
    delta: float | None  # the A/A change of medians: pure noise
    p: float | None
    count_for_change: int  # runs per side to tell a CHANGE from noise in POWER of checks
    floor: float  # the change of medians noise alone stays under (99%) at the configured count
    threshold: float  # the configured threshold for this benchmark
    count_for_threshold: int  # the count at which the noise floor falls below the threshold
    tags: tuple[str, ...] = ()  # the build tags it was measured with

    @property
    def below_floor(self) -> bool:
        return self.threshold < self.floor


def run(args: argparse.Namespace) -> int:
    repo, settings = repository(args)
    commit = git.resolve(repo, "HEAD")
    label = commit[:12]
    run_settings = runner.RunSettings.from_config(settings)
    with git.worktree(repo, commit) as tree, tempfile.TemporaryDirectory(
            prefix="benchguard-bin-") as workdir:
        specs, thresholds = _specs(settings, repo, commit, tree, args.bench)
        interleaved = session.Session([session.Side("A", f"A {label}", tree),
                                       session.Side("B", f"B {label}", tree)],
                                      run_settings, workdir=Path(workdir), reporter=output.STDERR)
        output.progress(f"calibrating at {label}: {args.rounds} rounds of HEAD against itself")
        interleaved.add(specs)
        for _ in range(args.rounds):
            interleaved.one_round(specs, total=args.rounds)
        simulated = _simulate(settings, specs, thresholds, tree, Path(workdir), run_settings,
                              label)
        wanted = {tidy_unit(metric)[0] for metric in settings.metrics}
        by_series: dict[SeriesKey, Noise] = {}
        for spec in specs:  # each result is its own run's: judged by its entry's threshold
            first, second = interleaved.benchmarks("A", [spec]), interleaved.benchmarks("B", [spec])
            entry = thresholds.get(spec)
            for key, values in first.samples.items():
                if key.unit in wanted and key not in by_series:
                    by_series[key] = noise(key, values, second.samples.get(key, []), settings,
                                           settings.threshold_for(entry, key.unit))
    rows = list(by_series.values())
    following = follows(simulated, interleaved.benchmarks("A"))
    if args.format == "json":
        print(json.dumps({"version": JSON_VERSION, "commit": commit, "rounds": args.rounds,
                          "count": settings.count, "benchmarks": [asdict(row) for row in rows],
                          "simulation": [asdict(row) for row in following]}, indent=2))
    else:
        print(render(rows, settings.count), end="")
        if following:
            print(render_follows(following), end="")
    for row in rows:
        if row.below_floor:
            output.warn(
                f"{_name(row)} {row.metric}: threshold {_percent(row.threshold)} is below its "
                f"noise floor {_percent(row.floor)} at count {settings.count} (noise alone "
                f"moves its median that much); use threshold ≥ {_percent(row.floor)} or "
                f"count ≥ {row.count_for_threshold}")
    return 0


def _specs(settings: Config, repo: Path, commit: str, tree: Path, bench: str | None
           ) -> tuple[list[RunSpec], dict[RunSpec, BenchEntry | None]]:
    layout = modules.at_commit(repo, commit)
    thresholds: dict[RunSpec, BenchEntry | None] = {}
    for entry in settings.benches:
        for package in entry.packages:
            spec = spec_for(layout, package, bench or entry.pattern, entry.tags)
            thresholds.setdefault(spec, entry)
    if not thresholds:
        thresholds = dict.fromkeys(benchmarked_specs(repo, commit, tree, bench))
    specs = [spec for spec in thresholds if (tree / spec.package).is_dir()]
    if not specs:
        raise BenchguardError("no benchmarks to calibrate: no [[bench]] entry names a package "
                              "here and no package has benchmarks", exit_code=EXIT_USAGE)
    return specs, thresholds


def _simulate(settings: Config, specs: list[RunSpec], entries: dict[RunSpec, BenchEntry | None],
              tree: Path, workdir: Path, run_settings: runner.RunSettings, label: str
              ) -> list[Simulation]:
    """HEAD simulated, for the selections whose instrument simulates here."""
    chosen = simulating.chosen({spec: settings.instrument_for(entries.get(spec))
                                for spec in specs}, tree, reporter=output.STDERR)
    simulator = Simulator(workdir / "simulated", run_settings, reporter=output.STDERR,
                          deadline=Deadline("0", None))
    (workdir / "simulated").mkdir()
    return [simulator.selection(spec, [Place("head", f"head {label}", tree)])
            for spec in specs if spec in chosen]


@dataclass(frozen=True)
class Following:
    """How one simulated benchmark's est-cycles/op follow its time on this machine."""

    package: str
    name: str
    est_cycles: float
    ns_per_op: float  # the median of the A/A rounds' first side
    cycles_per_ns: float  # est-cycles/op over ns/op: the "clock" that would make them agree
    off_by: float  # cycles_per_ns against the median of every benchmark's: 0 follows exactly


def follows(simulated: list[Simulation], timed: BenchmarkSet) -> list[Following]:
    """Each simulated benchmark's est-cycles/op against its timed ns/op: a benchmark whose
    ratio is far from the others' has costs the count weighs otherwise than this CPU does."""
    times = {(key.bench.package, key.bench.name): statistics.median(values) * 1e9
             for key, values in timed.samples.items() if key.unit == "sec/op" and values}
    pairs = []
    for found in simulated:
        for name, result in found.sides["head"].results.items() if "head" in found.sides else ():
            ns = times.get((found.package, name))
            if ns and name not in found.timed:
                pairs.append((found.package, name, result.est_cycles, ns))
    if not pairs:
        return []
    centre = statistics.median(est / ns for _, _, est, ns in pairs)
    return [Following(package, name, est, ns, est / ns, est / ns / centre - 1)
            for package, name, est, ns in pairs]


def render_follows(rows: list[Following]) -> str:
    centre = statistics.median(row.cycles_per_ns for row in rows)
    lines = ["", f"simulated est-cycles/op against time here (median {centre:.2f} est-cycles "
                 "per ns; a benchmark far from it is weighed otherwise by the count than by "
                 "this CPU):"]
    table = [("benchmark", "est-cycles/op", "ns/op", "est-cycles/ns", "off")]
    table += [(printable(BenchKey(row.package, row.name).describe()), f"{row.est_cycles:.1f}",
               f"{row.ns_per_op:.1f}", f"{row.cycles_per_ns:.2f}", f"{row.off_by * 100:+.0f}%")
              for row in rows]
    widths = [max(len(line[i]) for line in table) for i in range(5)]
    lines += ["  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True))
              .rstrip() for line in table]
    return "\n".join(lines) + "\n"


def noise(key: SeriesKey, first: list[float], second: list[float], settings: Config,
          threshold: float) -> Noise:
    """The noise of one series from its A/A runs, and what it means for a check."""

    values = [*first, *second]
    mean = statistics.fmean(values)
    cv = statistics.stdev(values) / abs(mean) if len(values) > 1 and mean else 0.0
    median = statistics.median(values)
    spread = (max(values) - min(values)) / abs(median) if median else 0.0
    delta = p = None
    if first and second:
        delta = relative_change(stats.summarize(first).center, stats.summarize(second).center)
        p = stats.mann_whitney_p(first, second)
    z_alpha = NormalDist().inv_cdf(1 - settings.alpha / 2)
    z_power = NormalDist().inv_cdf(POWER)
    smallest = config.smallest_count(settings.alpha)
    needed = math.ceil(_MANN_WHITNEY_FACTOR * 2 * ((z_alpha + z_power) * cv / CHANGE) ** 2)
    z_floor = NormalDist().inv_cdf(_FLOOR_QUANTILE)
    floor = z_floor * _MEDIAN_FACTOR * cv * math.sqrt(2 / settings.count)
    for_threshold = (math.ceil(2 * (z_floor * _MEDIAN_FACTOR * cv / threshold) ** 2)
                     if threshold > 0 else 0)
    return Noise(package=key.bench.package, name=key.bench.name, procs=key.bench.procs,
                 metric=key.unit, runs=min(len(first), len(second)), cv=cv, spread=spread,
                 delta=delta, p=p, count_for_change=max(needed, smallest), floor=floor,
                 threshold=threshold, count_for_threshold=max(for_threshold, smallest),
                 tags=key.bench.tags)


def render(rows: list[Noise], count: int) -> str:
    header = ("benchmark", "metric", "runs", "noise (CV)", "spread", "A/A change",
              f"count for {_percent(CHANGE)}", f"noise floor at count {count}", "threshold")
    table = [header]
    for row in rows:
        change = "" if row.delta is None else f"{row.delta * 100:+.1f}%"
        if row.p is not None:
            change += f" (p={row.p:.3f})"
        table.append((printable(_name(row)), printable(row.metric), f"2×{row.runs}",
                      _percent(row.cv), _percent(row.spread), change, str(row.count_for_change),
                      _percent(row.floor),
                      _percent(row.threshold) + (" (below the floor)" if row.below_floor else "")))
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True))
             .rstrip() for line in table]
    return "\n".join(lines) + "\n"


def _name(row: Noise) -> str:
    return BenchKey(row.package, row.name, row.procs, row.tags).describe()


def _percent(fraction: float) -> str:
    value = fraction * 100
    return f"{value:.1f}%" if value >= 1 or value == 0 else f"{value:.2g}%"
