"""Measuring one selection under simulation (docs/simulation.md): each side's test binary built
with the overlay, a short native probe of the head's (names, ns/op, B/op), each benchmark's two
iteration counts (a stored baseline's, else chosen from the probe), then two callgrind processes
per top-level benchmark and side — low and high count — on every core at once: a count does not
depend on load. What simulation cannot see is handed back to be timed."""

from __future__ import annotations

import concurrent.futures
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from benchguard.engine import simulation
from benchguard.engine.benchfmt import BenchmarkSet, parse, with_tags
from benchguard.engine.benchmatch import pattern_for
from benchguard.engine.simulation import Identity, Iterations, PerOp, Probe
from benchguard.errors import EXIT_BENCH_FAILED, BenchguardError
from benchguard.progress import Reporter
from benchguard.push import runner
from benchguard.push.budget import Deadline, Spent
from benchguard.push.runner import RunSettings, RunSpec
from benchguard.style import plural
from benchguard.tools import go, machine, valgrind
from benchguard.tools import simulation as simulator


@dataclass(frozen=True)
class Place:
    """One side of a simulated comparison: a tree to build and simulate."""

    name: str  # "base", "head"
    label: str  # "head 1a2b3c4d5e6f"
    tree: Path


@dataclass
class SimulatedSide:
    """What one side of a selection simulated to."""

    samples: BenchmarkSet  # the Go benchmark format of simulation.benchfmt, with its tags
    results: dict[str, PerOp]
    identity: Identity
    build: float  # seconds to build its binary
    cpu: float  # CPU seconds of its callgrind processes


@dataclass
class Simulation:
    """One selection simulated on one or two sides."""

    spec: RunSpec
    sides: dict[str, SimulatedSide] = field(default_factory=dict)
    iterations: dict[str, Iterations] = field(default_factory=dict)
    timed: dict[str, str] = field(default_factory=dict)  # to time instead: name -> why
    probes: dict[str, Probe] = field(default_factory=dict)
    package: str = ""  # its import path, from the probe
    seconds: float = 0.0  # wall, builds and probe included

    @property
    def cpu(self) -> float:
        return sum(side.cpu for side in self.sides.values())


class Simulator:
    """Simulates selections, each on all cores; binaries in ``workdir``."""

    def __init__(self, workdir: Path, settings: RunSettings, *, reporter: Reporter,
                 deadline: Deadline, jobs: int | None = None) -> None:
        self.workdir = workdir
        self.settings = settings
        self.reporter = reporter
        self.deadline = deadline
        self.jobs = jobs or machine.cores()
        self._overlays: dict[str, Path] = {}

    def selection(self, spec: RunSpec, head: Place, *,
                  base: Callable[[], Place] | None = None,
                  stored: Mapping[str, Iterations] | None = None,
                  names: Sequence[str] | None = None) -> Simulation:
        """Simulate ``spec`` in ``head`` — and in ``base`` (made when something is to be
        simulated: its tree is checked out only then) at the same counts — each benchmark at
        its ``stored`` counts where given. ``names``: only these of its benchmarks.
        BenchguardError (exit 3) when the head does not build or a simulated run fails; Spent
        at the deadline."""
        started = time.monotonic()
        found = Simulation(spec)
        binaries: dict[str, Path] = {}
        builds: dict[str, float] = {}
        places = [head]
        self._built(head, spec, binaries, builds)
        if head.name not in binaries:
            return found
        self._probe(found, binaries[head.name], head, names)
        plans = self._plan(found, stored or {})
        if plans and base is not None:
            places.insert(0, base())
            self._built(places[0], spec, binaries, builds)
        if plans:
            tops = len({name.split("/", 1)[0] for name in plans})
            self.reporter.progress(
                f"[{' / '.join(p.label for p in places if p.name in binaries)}] {spec.package}: "
                f"simulating {plural(len(plans), 'benchmark')} (valgrind, "
                f"{2 * tops * len(binaries)} processes, {self.jobs} at a time)…")
            runs = self._simulate(found, places, binaries, plans)
            for place in places:
                if place.name in binaries:
                    found.sides[place.name] = self._side(found, place, plans, runs, builds)
        self._blind(found)
        found.seconds = time.monotonic() - started
        return found

    def _built(self, place: Place, spec: RunSpec, binaries: dict[str, Path],
               builds: dict[str, float]) -> None:
        began = time.monotonic()
        built = self._build(place, spec, base=place.name == "base")
        builds[place.name] = time.monotonic() - began
        if built is not None:
            binaries[place.name] = built

    # -- the steps

    def _build(self, place: Place, spec: RunSpec, *, base: bool) -> Path | None:
        if not (place.tree / spec.package).is_dir():
            return None
        toolchain = go.toolchain(place.tree / spec.module)
        overlay = self._overlays.get(toolchain.goroot)
        if overlay is None:
            overlay = self._overlays[toolchain.goroot] = simulator.write_overlay(
                Path(tempfile.mkdtemp(prefix="overlay-", dir=self.workdir)), toolchain.goroot)
        output = self.workdir / f"{place.name}-{len(list(self.workdir.iterdir()))}.sim.test"
        self.reporter.progress(f"[{place.label}] {spec.package}: building the simulated test "
                               "binary…")
        result = simulator.build(place.tree, spec.module, spec.go_package, spec.tags, output,
                                 overlay=overlay, timeout=self.deadline.limit(
                                     self.settings.wall_clock))
        self._stopped(result)
        try:
            runner.raise_for_failure(result, spec, self.settings, place.label)
        except BenchguardError as error:
            if not base or error.exit_code != EXIT_BENCH_FAILED:
                raise
            self.reporter.warn(f"{error.message}; simulating the head alone")
            return None
        return output if output.exists() else None

    def _probe(self, found: Simulation, binary: Path, head: Place,
               names: Sequence[str] | None) -> None:
        spec = found.spec
        pattern = spec.pattern if names is None else pattern_for(names)
        result, probes = simulator.probe(binary, head.tree / spec.package, pattern,
                                         workdir=self.workdir,
                                         timeout=self.deadline.limit(self.settings.wall_clock))
        self._stopped(result)
        runner.raise_for_failure(result, spec, self.settings, head.label)
        if names is not None:
            probes = {name: probe for name, probe in probes.items() if name in set(names)}
        found.probes = probes
        found.package = parse(result.output).configuration.get("pkg", "")

    def _plan(self, found: Simulation, stored: Mapping[str, Iterations]
              ) -> dict[str, Iterations]:
        plans = {}
        for name, probe in found.probes.items():
            chosen = simulation.iterations(probe)
            if name in stored and "parallel" not in probe.marks:
                chosen = stored[name]  # the baseline's counts, whatever the probe says now
            if isinstance(chosen, str):
                found.timed[name] = chosen
            else:
                plans[name] = chosen
        found.iterations = plans
        return plans

    def _simulate(self, found: Simulation, places: Sequence[Place],
                  binaries: Mapping[str, Path], plans: Mapping[str, Iterations]
                  ) -> dict[tuple[str, str, str], simulator.Simulated]:
        """Two processes per (side, top-level benchmark): its low and high counts; the most
        expensive first, ``jobs`` at a time."""
        groups: dict[str, dict[str, Iterations]] = {}
        for name, counts in plans.items():
            groups.setdefault(name.split("/", 1)[0], {})[name] = counts
        tasks = [(place, top, which) for place in places if place.name in binaries
                 for top in groups for which in ("high", "low")]
        cost = {top: sum(simulation.seconds(counts, found.probes[name].ns_per_op)
                         for name, counts in members.items()) for top, members in groups.items()}
        spec = found.spec
        tasks.sort(key=lambda task: -cost[task[1]] * (1.0 if task[2] == "high" else 0.25))
        done: dict[tuple[str, str, str], simulator.Simulated] = {}
        with concurrent.futures.ThreadPoolExecutor(max_workers=self.jobs) as pool:
            futures = {pool.submit(self._one, binaries[place.name], place, spec,
                                   simulator.counts_of(groups[top], which),
                                   f"{place.name}-{index}"): (place.name, top, which)
                       for index, (place, top, which) in enumerate(tasks)}
            try:
                for future in concurrent.futures.as_completed(futures):
                    done[futures[future]] = future.result()
            except BaseException:
                for future in futures:
                    future.cancel()
                raise
        return done

    def _one(self, binary: Path, place: Place, spec: RunSpec, counts: Mapping[str, int],
             tag: str) -> simulator.Simulated:
        if self.deadline.passed():
            raise Spent(self.deadline)
        try:
            return simulator.simulate(binary, place.tree / spec.package, counts,
                                      workdir=self.workdir, tag=tag,
                                      timeout=self.deadline.limit(self.settings.wall_clock))
        except TimeoutError:
            raise Spent(self.deadline) from None
        except BenchguardError as error:
            raise BenchguardError(f"[{place.label}] {spec.package}: {error.message}",
                                  exit_code=error.exit_code, detail=error.detail) from None

    def _side(self, found: Simulation, place: Place, plans: Mapping[str, Iterations],
              runs: Mapping[tuple[str, str, str], simulator.Simulated],
              builds: Mapping[str, float]) -> SimulatedSide:
        results: dict[str, PerOp] = {}
        cpu = ""
        seconds = 0.0
        for top in dict.fromkeys(name.split("/", 1)[0] for name in plans):
            low, high = runs[place.name, top, "low"], runs[place.name, top, "high"]
            cpu = cpu or high.cpu
            seconds += low.seconds + high.seconds
            for name in plans:
                if name.split("/", 1)[0] != top:
                    continue
                if name not in low.parts or name not in high.parts:
                    continue  # it skipped itself (b.Skip) or ran no timed part
                probe = found.probes.get(name)
                results[name] = simulation.per_op(
                    low.parts[name], high.parts[name], high.memory.get(name),
                    probe.ns_per_op if probe is not None else None)
        toolchain = go.toolchain(place.tree / found.spec.module)
        identity = Identity(toolchain.version, toolchain.goos, toolchain.goarch,
                            toolchain.goamd64, valgrind.version() or "", cpu)
        return SimulatedSide(BenchmarkSet(), results, identity, builds.get(place.name, 0.0),
                             seconds)

    def _blind(self, found: Simulation) -> None:
        """A benchmark simulation cannot see on either side is timed on both; the rest is
        written in the Go benchmark format, side by side."""
        for side in found.sides.values():
            for name, result in side.results.items():
                if result.cannot_see and name not in found.timed:
                    found.timed[name] = "; ".join(result.cannot_see)
        for side in found.sides.values():
            seen = [result for name, result in side.results.items() if name not in found.timed]
            text = simulation.benchfmt(side.identity, found.package, seen)
            side.samples = with_tags(parse(text, source=f"simulated {found.spec.package}"),
                                     found.spec.tags)

    def _stopped(self, result: go.GoResult) -> None:
        if result.killed and self.deadline.passed():
            raise Spent(self.deadline)
