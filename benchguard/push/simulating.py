"""The simulated selections of one range's check (docs/check.md, "Instruments"): each measured
once a side — against a stored simulated baseline (any machine's, of the same identity) the head
alone, at the baseline's iteration counts; else base and head at the same counts — and never
confirmed side by side: a count does not drift. What simulation cannot see is handed back to be
timed as a selection of its own; what a passing check simulated is kept as simulated records."""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from benchguard.engine.benchfmt import BenchmarkSet, merge
from benchguard.engine.benchmatch import pattern_for
from benchguard.engine.simulation import AUTO, SIMULATION, TIME, Identity
from benchguard.errors import EXIT_BENCH_FAILED, BenchguardError
from benchguard.progress import Reporter
from benchguard.push.budget import Spent
from benchguard.push.runner import RunSettings, RunSpec
from benchguard.push.runs import Runs
from benchguard.push.session import Usage
from benchguard.push.simulated import Place, Simulation, Simulator
from benchguard.push.stored import Stored
from benchguard.store import notes
from benchguard.store.notes import NotesStore, Record
from benchguard.style import plural
from benchguard.tools import git, go, valgrind
from benchguard.tools import simulation as simulator


def chosen(requested: Mapping[RunSpec, str], tree: Path, *, reporter: Reporter
           ) -> set[RunSpec]:
    """The selections to simulate: those whose instrument is "simulation" or "auto", where
    simulation runs here; else they are timed, with one line saying how to get simulation."""
    wanted = {spec for spec, instrument in requested.items() if instrument != TIME}
    if not wanted:
        return set()
    why = simulator.supported(tree)
    if why is None:
        return wanted
    asked = [spec for spec in wanted if requested[spec] == SIMULATION]
    if asked:
        reporter.warn(f"timing {plural(len(asked), 'selection')} configured for simulation: "
                      f"{why}")
    elif any(requested[spec] == AUTO for spec in wanted):
        reporter.progress(f"timing the benchmarks: {why}")
    return set()


def expected_identity(tree: Path) -> Identity:
    """The identity a simulation in ``tree`` will have, but for the simulated CPU (which only a
    run shows): what a stored simulated baseline must match to serve."""
    found = go.toolchain(tree)
    return Identity(found.version, found.goos, found.goarch, found.goamd64,
                    valgrind.version() or "", "")


class SimulatedRuns:
    """Simulates selections for one range; ``runs`` has its trees, deadline and bookkeeping of
    what was left unchecked or failed."""

    def __init__(self, runs: Runs, settings: RunSettings, *, reporter: Reporter) -> None:
        self.runs = runs
        self.settings = settings
        self.reporter = reporter
        self.done: dict[RunSpec, Simulation] = {}
        self.head_only: set[RunSpec] = set()
        self._simulator: Simulator | None = None

    def measure(self, spec: RunSpec, stored: Stored, *, head_only: bool) -> list[str]:
        """Simulate ``spec``: the head alone against its stored simulated baseline, else both
        sides. Returns the benchmarks to time instead (what simulation cannot see)."""
        runs = self.runs
        if runs.deadline.passed():
            runs.skip(spec, f"not started: the time budget {runs.budget} was spent")
            return []
        head = Place("head", f"head {git.short(runs.head)}", runs.tree)
        try:
            if head_only:
                found = self._against_stored(spec, head, stored)
            else:
                found = self._simulator_().selection(spec, head, base=self._base)
        except Spent:
            runs.skip(spec, f"stopped at the deadline (budget {runs.budget}) while simulating")
            return []
        except BenchguardError as error:
            if error.exit_code != EXIT_BENCH_FAILED:
                raise
            self.reporter.warn(error.message)
            runs.failures[spec] = error
            return []
        if head_only and "base" not in found.sides:
            self.head_only.add(spec)
        if found.sides:  # else every benchmark is timed: nothing was simulated
            self.done[spec] = found
        if found.package:
            runs.packages[spec.package] = found.package
        self._say(found)
        return list(found.timed)

    def _against_stored(self, spec: RunSpec, head: Place, stored: Stored) -> Simulation:
        """The head alone at the stored baseline's counts; should valgrind show the program
        another CPU than the baseline's (another host's features), the base too."""
        simulating = self._simulator_()
        found = simulating.selection(spec, head, stored=stored.iterations.get(spec, {}))
        theirs = stored.identities.get(spec)
        side = found.sides.get("head")
        if side is None or theirs is None or side.identity.cpu == theirs.cpu:
            return found
        self.reporter.progress(
            f"{spec.package}: the stored simulated baseline was simulated on "
            f"{theirs.cpu!r}, valgrind shows this program {side.identity.cpu!r}: simulating "
            f"the base {git.short(self.runs.base)} too")
        base = simulating.selection(spec, self._base(), stored=found.iterations,
                                    names=list(found.iterations))
        if "base" in base.sides:
            found.sides["base"] = base.sides["base"]
        return found

    def _simulator_(self) -> Simulator:
        if self._simulator is None:
            workdir = Path(self.runs.stack.enter_context(
                tempfile.TemporaryDirectory(prefix="benchguard-sim-")))
            self._simulator = Simulator(workdir, self.settings, reporter=self.reporter,
                                        deadline=self.runs.deadline)
        self._simulator.deadline = self.runs.deadline
        return self._simulator

    def _base(self) -> Place:
        return Place("base", f"base {git.short(self.runs.base)}", self.runs.checkout_base())

    def _say(self, found: Simulation) -> None:
        simulated = len(found.iterations) - len(
            [name for name in found.timed if name in found.iterations])
        line = (f"{found.spec.package}: simulated {plural(simulated, 'benchmark')} "
                f"in {found.seconds:.1f}s (CPU {found.cpu:.1f}s)")
        if found.timed:
            named = "; ".join(f"{name} ({why})" for name, why in list(found.timed.items())[:4])
            more = f" and {len(found.timed) - 4} more" if len(found.timed) > 4 else ""
            line += f"; timed instead: {named}{more}"
        self.reporter.progress(line)

    # -- what they measured

    def sets(self, spec: RunSpec, stored: Stored) -> tuple[BenchmarkSet, BenchmarkSet] | None:
        """Base and head of a simulated selection: the base side simulated now, else the
        stored simulated baseline (less what is timed now)."""
        found = self.done.get(spec)
        if found is None or "head" not in found.sides:
            return None
        head = found.sides["head"].samples
        if "base" in found.sides:
            return found.sides["base"].samples, head
        base = stored.simulated.get(spec, BenchmarkSet())
        kept = {key: values for key, values in base.samples.items()
                if key.bench.name not in found.timed}
        return replace(base, samples=kept), head

    def used(self, spec: RunSpec) -> dict[str, Usage] | None:
        """What simulating ``spec`` cost on each side (one run a side); None when it was not
        simulated."""
        found = self.done.get(spec)
        if found is None:
            return None
        return {side: Usage(one.build, 1, one.cpu, 0.0) for side, one in found.sides.items()}

    def records(self, side: str, commit: str, specs: Sequence[RunSpec]) -> list[Record]:
        """Simulated baseline records of what ``side`` simulated of ``specs``."""
        tree = self.runs.tree if side == "head" else self.runs.checkout_base()
        return records(commit, go.fingerprint(tree), self.settings,
                       [self.done[spec] for spec in specs if spec in self.done], side)

    def store_base(self, store: NotesStore) -> None:
        """The base simulated now, kept as a simulated baseline of the base commit."""
        specs = [spec for spec, found in self.done.items() if "base" in found.sides]
        if not specs:
            return
        try:
            store.append(self.runs.base, self.records("base", self.runs.base, specs))
        except BenchguardError as error:
            self.reporter.warn(f"could not store the simulated baseline of "
                               f"{git.short(self.runs.base)}: {error.message}")


def records(commit: str, fingerprint: go.Fingerprint, settings: RunSettings,
            simulations: Sequence[Simulation], side: str = "head") -> list[Record]:
    """One simulated baseline record per identity (each selection's toolchain is its tree's)
    of what ``side`` of ``simulations`` simulated, with each benchmark's iteration counts
    (docs/notes-format.md, "Simulated records")."""
    by_identity: dict[Identity, list[Simulation]] = {}
    for found in simulations:
        if side in found.sides and found.sides[side].samples.samples:
            by_identity.setdefault(found.sides[side].identity, []).append(found)
    made = []
    for identity, chosen in by_identity.items():
        samples = merge([found.sides[side].samples for found in chosen])
        recorded = settings.record([found.spec for found in chosen])
        recorded.update({"rounds": 1, "interleaved": False, "iterations": [
            {"package": found.package, "name": name, "low": counts.low, "high": counts.high}
            for found in chosen for name, counts in found.iterations.items()
            if name in found.sides[side].results and name not in found.timed]})
        durations = [notes.Timing(found.spec.package, found.spec.pattern, found.spec.tags,
                                  found.sides[side].build, found.sides[side].cpu, rounds=1,
                                  instrument=SIMULATION) for found in chosen]
        made.append(notes.baseline_record(commit, fingerprint, recorded, samples,
                                          durations=durations, identity=identity))
    return made


def timed_spec(spec: RunSpec, names: Sequence[str]) -> RunSpec:
    """The timed run of the benchmarks of ``spec`` simulation cannot see."""
    return replace(spec, pattern=pattern_for(names))

