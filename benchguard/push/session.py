"""Interleaved A/B: measure two sides round by round in one session, so drift hits both alike.

Each side's test binary is built once per package (`go test -c`), then every round runs each
(side, package) binary once (`-test.count 1`) in a shuffled order. A laptop that throttles or a
CI neighbour that wakes up slows base and head together instead of whichever ran second. Each
run keeps its round's number, so round i of base and head pair up (Session.pairs), and may run a
narrower pattern than its selection's (only the benchmarks still undecided): its results still
belong to that selection.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from benchguard.engine.benchfmt import BenchmarkSet, merge, parse, with_tags
from benchguard.engine.benchmatch import pattern_for
from benchguard.errors import EXIT_BENCH_FAILED, BenchguardError
from benchguard.progress import Reporter
from benchguard.push import runner
from benchguard.push.budget import Deadline, Spent
from benchguard.push.runner import RunSettings, RunSpec
from benchguard.tools import go


@dataclass(frozen=True)
class Side:
    name: str  # "base" or "head" ("a" and "b" for calibrate)
    label: str  # shown in progress and errors: "base 1a2b3c4d5e6f"
    tree: Path  # the root of this side's worktree


@dataclass(frozen=True)
class Usage:
    """What one side of one selection cost: its test binary's build, and its runs."""

    build: float  # seconds
    rounds: int  # runs, one a round
    run: float  # seconds of every run
    extra: float  # seconds of the runs after `count` rounds (only the undecided benchmarks)

    def plus(self, other: Usage) -> Usage:
        return Usage(self.build + other.build, self.rounds + other.rounds,
                     self.run + other.run, self.extra + other.extra)

    def to_json(self) -> dict[str, float]:
        return {"build": round(self.build, 3), "rounds": self.rounds, "run": round(self.run, 3),
                "extra": round(self.extra, 3)}


@dataclass(frozen=True)
class _Run:
    round: int  # the round it ran in, from 1
    pattern: str  # the -bench pattern: the selection's, or a narrower one
    seconds: float
    samples: BenchmarkSet


@dataclass
class _Binary:
    path: Path | None  # None: the package has no tests on this side (or is not there)
    runs: list[_Run] = field(default_factory=list)
    build_seconds: float = 0.0

    @property
    def samples(self) -> list[BenchmarkSet]:
        return [run.samples for run in self.runs]

    def seconds(self, pattern: str) -> list[float]:
        """How long each run of ``pattern`` took."""
        return [run.seconds for run in self.runs if run.pattern == pattern]


class Session:
    """Test binaries of every side, built on first use, and the samples of every round run."""

    def __init__(self, sides: Sequence[Side], settings: RunSettings, *, workdir: Path,
                 reporter: Reporter, rng: random.Random | None = None,
                 deadline: Deadline | None = None) -> None:
        self.sides = tuple(sides)
        self.settings = settings
        self.workdir = workdir
        self.reporter = reporter
        self.rng = rng or random.Random()
        # go processes are stopped when it passes, and raise budget.Spent
        self.deadline = deadline
        self.binaries: dict[tuple[str, RunSpec], _Binary] = {}
        self.rounds: dict[RunSpec, int] = {}
        self.packages: dict[str, str] = {}  # spec.package -> import path, from the runs
        self.round_seconds = 0.0  # how long the last round took
        self.load: tuple[float, float, float] | None = None
        # spec -> its benchmarks (full names, sub-benchmarks included) in the order go runs
        # them, once probe() or a whole run has seen them
        self.leaves: dict[RunSpec, list[str]] = {}
        self._warned: set[RunSpec] = set()

    @property
    def specs(self) -> list[RunSpec]:
        return list(self.rounds)

    def add(self, specs: Sequence[RunSpec], *,
            reuse: Mapping[tuple[str, RunSpec], Path] | None = None) -> None:
        """Build the binaries of ``specs`` on every side (once); ``reuse``: (side name, spec)
        -> a test binary another session built of the same tree, used as it is."""
        if not self.rounds and specs:
            self.load = runner.machine_load(" / ".join(side.label for side in self.sides),
                                            self.reporter)
        for spec in dict.fromkeys(specs):
            if spec in self.rounds:
                continue
            for side in self.sides:
                if reuse is not None and (side.name, spec) in reuse:
                    self.binaries[side.name, spec] = _Binary(reuse[side.name, spec])
                    continue
                started = time.monotonic()
                try:
                    built = self._build(side, spec)
                except BenchguardError as error:
                    if not self._without_base(side, error):
                        raise
                    built = None
                self.binaries[side.name, spec] = _Binary(built,
                                                         build_seconds=time.monotonic() - started)
            self.rounds[spec] = 0

    def built(self, side: str, spec: RunSpec) -> Path | None:
        """The test binary of ``spec`` this session built on ``side``, if it did."""
        binary = self.binaries.get((side, spec))
        return None if binary is None else binary.path

    def run(self, specs: Sequence[RunSpec], rounds: int, *, why: str = "") -> None:
        """``rounds`` more rounds of ``specs``, each spec on each side once per round."""
        for _ in range(rounds):
            self.one_round(specs, why=why)

    def one_round(self, specs: Sequence[RunSpec], *, why: str = "", total: int | None = None,
                  announce: bool = True, only: Mapping[RunSpec, str] | None = None) -> None:
        """One more round of ``specs``: each binary once, in a shuffled order. ``only`` gives a
        spec a narrower -bench pattern for this round (benchmatch.pattern_for of the names
        still undecided); its results belong to the spec all the same."""
        started = time.monotonic()
        specs = list(dict.fromkeys(specs))
        self.add(specs)
        patterns = {spec: (only or {}).get(spec, spec.pattern) for spec in specs}
        order = [(side, spec) for spec in specs for side in self.sides
                 if self.binaries[side.name, spec].path is not None]
        self.rng.shuffle(order)
        number = max(self.rounds[spec] for spec in specs) + 1 if specs else 0
        limit = total or number
        if len(specs) == 1:
            shown = ", ".join(side.name for side, _ in order)
        else:
            shown = ", ".join(f"{side.name} {spec.package}" for side, spec in order)
        if announce:
            self.reporter.progress(f"round {number}/{limit}{why}: {shown}")
        for side, spec in order:
            try:
                self._run(side, spec, patterns[spec], self.rounds[spec] + 1)
            except BenchguardError as error:
                if not self._without_base(side, error):
                    raise
                self.binaries[side.name, spec] = _Binary(None)
        for spec in specs:
            self.rounds[spec] += 1
            self._warn_if_empty(spec)
        self.round_seconds = time.monotonic() - started

    def pairs(self, spec: RunSpec, first: str = "base", second: str = "head"
              ) -> list[tuple[BenchmarkSet, BenchmarkSet]]:
        """What ``first`` and ``second`` measured of ``spec`` in each round both ran it, in
        round order: round i's two runs ran seconds apart, so their ratio cancels the drift."""
        if (first, spec) not in self.binaries or (second, spec) not in self.binaries:
            return []
        theirs = {run.round: run.samples for run in self.binaries[second, spec].runs}
        return [(run.samples, theirs[run.round]) for run in self.binaries[first, spec].runs
                if run.round in theirs]

    def benchmarks(self, side: str, specs: Sequence[RunSpec] | None = None) -> BenchmarkSet:
        """Everything ``side`` measured for ``specs`` (default: all), rounds in order."""
        chosen = self.specs if specs is None else specs
        sets = [one for spec in dict.fromkeys(chosen) if (side, spec) in self.binaries
                for one in self.binaries[side, spec].samples]
        return merge(sets)

    def timing(self, side: str, spec: RunSpec) -> tuple[float, float] | None:
        """(seconds to build, median seconds per run of its whole pattern) of ``spec`` on
        ``side``; None before its first such run."""
        binary = self.binaries.get((side, spec))
        if binary is None:
            return None
        runs = binary.seconds(spec.pattern)
        if runs:
            return binary.build_seconds, statistics.median(runs)
        every = self.leaves.get(spec)
        first = [run for run in binary.runs if run.round <= self.settings.count]
        if not every or not first:
            return None
        # measured in part: the whole pattern's run, as its share of benchmarks ran
        ran = {key.bench.name for run in first for key in run.samples.samples}
        share = len(ran & set(every)) / len(every)
        per_run = statistics.median(run.seconds for run in first)
        return binary.build_seconds, per_run / share if share else per_run

    def spent(self, side: str, spec: RunSpec) -> Usage:
        """What ``spec`` cost on ``side`` so far."""
        binary = self.binaries.get((side, spec))
        if binary is None:
            return Usage(0.0, 0, 0.0, 0.0)
        count = self.settings.count
        return Usage(binary.build_seconds, len(binary.runs),
                     sum(run.seconds for run in binary.runs),
                     sum(run.seconds for run in binary.runs if run.round > count))

    def round_estimate(self, specs: Sequence[RunSpec],
                       only: Mapping[RunSpec, Sequence[str]] | None = None) -> float | None:
        """How long one more round of ``specs`` should take, from the rounds run so far; None
        when one of them has not run yet. ``only``: the benchmark names a spec's round runs
        (run_estimate)."""
        total = 0.0
        for spec in dict.fromkeys(specs):
            for side in self.sides:
                if (side.name, spec) not in self.binaries:
                    return None
                if self.binaries[side.name, spec].path is None:
                    continue
                names = (only or {}).get(spec)
                seconds = self.run_estimate(side.name, spec, names)
                if seconds is None:
                    return None
                total += seconds
        return total

    def run_estimate(self, side: str, spec: RunSpec, names: Sequence[str] | None = None
                     ) -> float | None:
        """How long one run of ``spec`` on ``side`` should take: of its whole pattern (names
        None), or of only ``names`` — the median of earlier runs of just those, else the whole
        run's share for them (go runs each benchmark for about `benchtime`, whatever it
        measures)."""
        binary = self.binaries.get((side, spec))
        if binary is None:
            return None
        if names is not None:
            narrowed = binary.seconds(pattern_for(names))
            if narrowed:
                return statistics.median(narrowed)
        whole = binary.seconds(spec.pattern)
        if not whole:
            return None
        if names is None:
            return statistics.median(whole)
        ran = {key.bench.name for run in binary.runs if run.pattern == spec.pattern
               for key in run.samples.samples}
        return statistics.median(whole) * min(1.0, len(set(names)) / max(len(ran), 1))

    def timeout(self) -> float | None:
        wall_clock = self.settings.wall_clock
        return wall_clock if self.deadline is None else self.deadline.limit(wall_clock)

    def stop_if_spent(self, result: go.GoResult) -> None:
        if result.killed and self.deadline is not None and self.deadline.passed():
            raise Spent(self.deadline)

    def _build(self, side: Side, spec: RunSpec) -> Path | None:
        if not (side.tree / spec.package).is_dir():
            return None
        binary = self.workdir / f"{side.name}-{len(self.binaries)}.test"
        args = ["test", "-c", "-vet=off", "-o", str(binary)]  # vet: see runner._test_args
        if spec.tags:
            args.append("-tags=" + ",".join(spec.tags))
        self.reporter.progress(f"[{side.label}] {spec.package}: building the test binary…")
        result = go.run([*args, spec.go_package], cwd=side.tree / spec.module,
                        timeout=self.timeout())
        self.stop_if_spent(result)
        runner.raise_for_failure(result, spec, self.settings, side.label)
        return binary if binary.exists() else None  # no test files: nothing to run

    def _run(self, side: Side, spec: RunSpec, pattern: str, number: int) -> None:
        binary = self.binaries[side.name, spec]
        assert binary.path is not None
        earlier = binary.seconds(pattern) or binary.seconds(spec.pattern)
        if (self.deadline is not None and earlier
                and not self.deadline.fits(statistics.median(earlier))):
            raise Spent(self.deadline)  # a run that cannot finish in time is not started
        # The "-flag=value" form keeps a pattern that starts with "-" from being read as a flag.
        args = ["-test.run=^$", f"-test.bench={pattern}", "-test.count=1",
                f"-test.benchtime={self.settings.benchtime}", "-test.benchmem",
                f"-test.timeout={self.settings.timeout}"]
        # Go tests expect to run in their package's directory (testdata/, relative paths).
        result = go.run_program(str(binary.path), args, cwd=side.tree / spec.package,
                                timeout=self.timeout())
        self.stop_if_spent(result)
        runner.raise_for_failure(result, spec, self.settings, side.label)
        measured = with_tags(parse(result.output, source=f"{side.label} {spec.package}"),
                             spec.tags)
        if measured.configuration.get("pkg"):
            self.packages[spec.package] = measured.configuration["pkg"]
        if pattern == spec.pattern and measured.samples:
            self.leaves.setdefault(spec, list(dict.fromkeys(
                key.bench.name for key in measured.samples)))
        binary.runs.append(_Run(number, pattern, result.seconds, measured))

    def _warn_if_empty(self, spec: RunSpec) -> None:
        if spec in self._warned:
            return
        if not any(one.samples for side in self.sides
                   for one in self.binaries[side.name, spec].samples):
            self._warned.add(spec)
            self.reporter.warn(f"{spec.package}: no benchmark matches -bench '{spec.pattern}'")

    def _without_base(self, side: Side, error: BenchguardError) -> bool:
        """A base that does not build or run is warned about and the head measured alone, so
        the commit that fixes it can be pushed."""
        if side.name != "base" or error.exit_code != EXIT_BENCH_FAILED:
            return False
        self.reporter.warn(f"{error.message}; measuring the head alone")
        return True

