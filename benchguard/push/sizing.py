"""Sizing the work to the time budget (`benchguard init`): each benchmarked package is run once
at a short benchtime, and the benchtime written is the longest of a ladder with which a push
touching the costliest package — with every package it selects, measured side by side — takes at
most SHARE of the budget. What a full baseline will take is said too."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from benchguard.engine.durations import parse_duration
from benchguard.progress import Reporter
from benchguard.push import runner
from benchguard.push.runner import RunSettings, RunSpec
from benchguard.tools.packages import Snapshot

# The benchtimes init chooses from, longest (the least noisy) first.
LADDER = ("1s", "500ms", "200ms", "100ms", "50ms", "20ms", "10ms")
PROBE = "50ms"  # each package is run once at this benchtime to time it
# The share of the budget a push touching the costliest package may plan to take: runs on a
# busy machine take longer than when they were timed.
SHARE = 0.75


@dataclass(frozen=True)
class Timed:
    """One benchmarked package, run once at PROBE."""

    package: str  # "./zapcore"
    benchmarks: int
    build: float  # seconds to build its test binary
    run: float  # seconds of one run of all its benchmarks

    def seconds(self, benchtime: str, count: int, sides: int) -> float:
        """``count`` rounds at ``benchtime`` on ``sides`` sides (go runs each benchmark for
        about `benchtime`: a run scales with it)."""
        scale = parse_duration(benchtime) / parse_duration(PROBE)
        return sides * (self.build + count * self.run * scale)


@dataclass(frozen=True)
class Choice:
    benchtime: str
    costliest: str  # the package a push touching which costs the most
    selects: tuple[str, ...]  # what such a push selects, itself first
    push: float  # seconds that push should take, side by side, at ``benchtime``
    baseline: float  # seconds a full baseline (every package, one side) should take
    fits: bool  # whether ``push`` is within SHARE of the budget


def time_packages(tree: Path, specs: Sequence[RunSpec], *, reporter: Reporter) -> list[Timed]:
    """Each spec run once (`-count 1`) at PROBE in ``tree``; a package that fails is left out
    (warned about)."""
    settings = RunSettings(count=1, benchtime=PROBE, timeout="10m")
    result = runner.run_in_tree(tree, specs, settings, label="sizing", reporter=reporter,
                                keep_going=True)
    found = []
    for timing in result.durations:
        spec = next(spec for spec in specs if spec.package == timing.package)
        measured = result.by_spec.get(spec)
        names = {key.bench.name for key in measured.samples} if measured else set()
        found.append(Timed(timing.package, len(names), timing.build, timing.run))
    return found


def selected_by(snapshot: Snapshot, packages: Sequence[str], *, limit: int
                ) -> dict[str, tuple[str, ...]]:
    """For each of ``packages`` ("./dir"), what a push changing it selects: itself and the
    benchmarked packages whose test binaries are built from it (go's graph), nearest first, at
    most ``limit`` (auto_max_packages)."""
    wanted = set(packages)
    listings = snapshot.everything()
    paths = {package.directory: package.import_path for listing in listings
             for package in listing.benchmarked if package.directory in wanted}
    selects: dict[str, tuple[str, ...]] = {}
    for directory, import_path in paths.items():
        # a nested module's packages reach it through their own module's listing
        reached = sorted((found for listing in listings
                          for found in listing.dependents(import_path)),
                         key=lambda found: len(found[1]))
        names = [directory, *(found.directory for found, _ in reached
                              if found.directory in wanted)]
        selects[directory] = tuple(dict.fromkeys(names))[:limit]
    return selects


def choose(timed: Sequence[Timed], selects: Mapping[str, tuple[str, ...]], *, count: int,
           budget: float) -> Choice:
    """The longest benchtime of LADDER with which the costliest push fits SHARE of ``budget``
    seconds (the shortest when none does)."""
    by_package = {one.package: one for one in timed}
    choice = None
    for benchtime in LADDER:
        costs = {package: sum(by_package[name].seconds(benchtime, count, 2)
                              for name in selects.get(package, (package,)) if name in by_package)
                 for package in by_package}
        costliest = max(costs, key=lambda package: costs[package])
        baseline = sum(one.seconds(benchtime, count, 1) for one in timed)
        choice = Choice(benchtime, costliest, selects.get(costliest, (costliest,)),
                        costs[costliest], baseline, costs[costliest] <= SHARE * budget)
        if choice.fits:
            return choice
    assert choice is not None
    return choice
