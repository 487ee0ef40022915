"""`benchguard calibrate [--rounds K]`: how noisy is each benchmark on this machine, and what can
a check tell apart? HEAD is measured against itself (A/A), side by side, round by round. Its
estimate is said first (`--dry-run` stops there); a short summary by default, `--full` the table.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from pathlib import Path

from benchguard import config
from benchguard.commands import add_format, add_instrument, output, repository
from benchguard.config import BenchEntry, Config
from benchguard.engine.benchfmt import BenchmarkSet, SeriesKey, tidy_unit
from benchguard.engine.noise import Noise, noise
from benchguard.engine.simulation import Following, following
from benchguard.errors import EXIT_USAGE, BenchguardError
from benchguard.push import plan, runner, session, simulating
from benchguard.push.baseline import benchmarked_specs
from benchguard.push.budget import Deadline, seconds_text
from benchguard.push.runner import RunSpec, spec_for
from benchguard.push.simulated import Place, Simulator
from benchguard.reports import calibrate as calibrate_report
from benchguard.store.notes import NotesStore
from benchguard.tools import git, go, modules


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rounds", type=_rounds, default=10, metavar="K",
                        help="A/A rounds: each runs every benchmark once per side (default 10)")
    parser.add_argument("--bench", metavar="REGEX",
                        help="only benchmarks matching REGEX (replaces every entry's pattern)")
    parser.add_argument("--full", action="store_true",
                        help="print every result's noise, not only the summary")
    parser.add_argument("--dry-run", action="store_true",
                        help="say what it would measure and how long that should take; run "
                             "nothing")
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


def run(args: argparse.Namespace) -> int:
    repo, settings = repository(args)
    commit = git.resolve(repo, "HEAD")
    with git.worktree(repo, commit) as tree:
        specs, entries = _specs(settings, repo, commit, tree, args.bench)
        _estimate(repo, settings, commit, tree, specs, args.rounds)
        if args.dry_run:
            return 0
        rows, timed = _measure(settings, commit, tree, specs, entries, args.rounds)
        simulated = _simulate(settings, commit, tree, specs, entries, timed)
    if args.format == "json":
        print(json.dumps(calibrate_report.to_json(rows, commit=commit, rounds=args.rounds,
                                                  count=settings.count, simulated=simulated),
                         indent=2))
    elif args.full:
        print(calibrate_report.render(rows, settings.count), end="")
    else:
        print(calibrate_report.summary(rows, settings.count, args.rounds), end="")
    if simulated and args.format != "json":
        print(calibrate_report.render_following(simulated), end="")
    return 0


def _estimate(repo: Path, settings: Config, commit: str, tree: Path, specs: list[RunSpec],
              rounds: int) -> None:
    """What the A/A rounds should take, from earlier runs of these benchmarks (notes)."""
    costs = plan.costs_at(NotesStore(repo, settings.notes_ref), commit, specs,
                          go.fingerprint(tree), settings.benchtime)
    lines, total, unknown = plan.estimate_lines(specs, costs, count=rounds, sides=2)
    more = f"; {unknown} with no earlier run recorded" if unknown else ""
    output.progress(f"calibrating {commit[:12]} against itself: {rounds} rounds of "
                    f"{len(specs)} selections, estimated ~{seconds_text(total)}{more}")
    for line in lines:
        output.progress(line)


def _simulate(settings: Config, commit: str, tree: Path, specs: list[RunSpec],
              entries: dict[RunSpec, BenchEntry | None], timed: BenchmarkSet
              ) -> list[Following]:
    """HEAD simulated, for the selections whose instrument simulates here, and how each
    benchmark's est-cycles/op follow its time in the A/A rounds (``timed``)."""
    chosen = simulating.chosen({spec: settings.instrument_for(entries.get(spec))
                                for spec in specs}, tree, reporter=output.STDERR)
    if not chosen:
        return []
    times = {(key.bench.package, key.bench.name): statistics.median(values) * 1e9
             for key, values in timed.samples.items() if key.unit == "sec/op" and values}
    pairs = []
    with tempfile.TemporaryDirectory(prefix="benchguard-sim-") as workdir:
        simulator = Simulator(Path(workdir), runner.RunSettings.from_config(settings),
                              reporter=output.STDERR, deadline=Deadline("0", None))
        for spec in specs:
            if spec not in chosen:
                continue
            found = simulator.selection(spec, Place("head", f"head {commit[:12]}", tree))
            for name, result in found.sides["head"].results.items() if found.sides else ():
                ns = times.get((found.package, name))
                if ns and name not in found.timed:
                    pairs.append((found.package, name, result.est_cycles, ns))
    return following(pairs)


def _measure(settings: Config, commit: str, tree: Path, specs: list[RunSpec],
             entries: dict[RunSpec, BenchEntry | None], rounds: int
             ) -> tuple[list[Noise], BenchmarkSet]:
    """Every result's noise from ``rounds`` A/A rounds, each judged by its entry's threshold,
    and what the first side measured."""
    label = commit[:12]
    with tempfile.TemporaryDirectory(prefix="benchguard-bin-") as workdir:
        interleaved = session.Session([session.Side("A", f"A {label}", tree),
                                       session.Side("B", f"B {label}", tree)],
                                      runner.RunSettings.from_config(settings),
                                      workdir=Path(workdir), reporter=output.STDERR)
        interleaved.add(specs)
        for _ in range(rounds):
            interleaved.one_round(specs, total=rounds)
        wanted = {tidy_unit(metric)[0] for metric in settings.metrics}
        smallest = config.smallest_count(settings.alpha)
        by_series: dict[SeriesKey, Noise] = {}
        for spec in specs:  # each result is its own run's: judged by its entry's threshold
            first, second = interleaved.benchmarks("A", [spec]), interleaved.benchmarks("B", [spec])
            entry = entries.get(spec)
            for key, values in first.samples.items():
                if key.unit in wanted and key not in by_series:
                    by_series[key] = noise(key, values, second.samples.get(key, []),
                                           alpha=settings.alpha, count=settings.count,
                                           smallest=smallest,
                                           threshold=settings.threshold_for(entry, key.unit))
        return list(by_series.values()), interleaved.benchmarks("A")


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
