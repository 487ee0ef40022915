"""Measuring one pushed range within the push's time budget (docs/check.md, "Noisy machines" and
"The time budget"): the plan (push.plan) from the stored baselines at hand (push.stored); the
first rounds of each selection — head only against a stored baseline, else base and head side by
side (push.runs) —; then deciding each result look by look (push.deciding); and the records a
passing check keeps (push.recording). What a run produced belongs to that run (Measured.owners),
and a selection that does not build or run fails alone."""

from __future__ import annotations

import contextlib
import itertools
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from benchguard.config import BenchEntry, Config
from benchguard.engine.benchfmt import BenchKey, BenchmarkSet
from benchguard.engine.decision import Rule
from benchguard.engine.names import tags_line
from benchguard.engine.simulation import SIMULATION, TIME
from benchguard.engine.verdict import Comparison, ComparisonReport
from benchguard.errors import BenchguardError
from benchguard.progress import Reporter
from benchguard.push import plan, ranges, recording, simulating, stored
from benchguard.push.budget import Deadline, Unchecked
from benchguard.push.deciding import Decider
from benchguard.push.plan import How, Plan, Source, Step
from benchguard.push.runner import RunSettings, RunSpec
from benchguard.push.runs import Runs, RunsState
from benchguard.push.selection import Selected, Selection
from benchguard.push.session import Usage
from benchguard.push.simulating import SimulatedRuns
from benchguard.store.notes import NotesStore, Record
from benchguard.style import plural
from benchguard.tools import git, go
from benchguard.tools.packages import Snapshot


@dataclass(frozen=True)
class Confirmation:
    """A result the stored baseline left open (it could block), and what base and head side by
    side said."""

    stored: Comparison
    fresh: Comparison | None  # None when the re-measurement did not find the benchmark


@dataclass(frozen=True)
class Rounds:
    """How one selection was measured and decided, and what it cost."""

    side_by_side: bool  # base and head round by round (else the head alone, against a stored
    # baseline; a selection confirmed side by side is both)
    rounds: int  # the most rounds any of its results had
    extra: int  # rounds after `count`, of only the benchmarks still undecided
    seconds: dict[str, Usage]  # "base", "head" -> what it cost there (a confirmed selection's
    # head: its head-only run and its confirmation)
    decided: dict[str, int]  # "BenchmarkSum-2 sec/op" -> the round its result was decided at
    undecided: int = 0  # how many benchmarks the extra rounds ran (at their start)
    # of its benchmarks, how many a stored baseline at hand settled and left open (or, measured
    # side by side, would have); None: no stored baseline was at hand
    stored: tuple[int, int] | None = None
    instrument: str = "time"  # "simulation": one simulated run a side, decided exactly

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {
            "instrument": self.instrument,
            "measure": "side by side" if self.side_by_side else "head only",
            "rounds": self.rounds, "extra": self.extra,
            "seconds": {side: spent.to_json() for side, spent in self.seconds.items()},
            "decided": dict(self.decided)}
        if self.stored is not None:
            data["stored"] = {"settled": self.stored[0], "open": self.stored[1]}
        return data


@dataclass
class Measured:
    report: ComparisonReport
    base: BenchmarkSet
    head: BenchmarkSet
    confirmations: list[Confirmation] = field(default_factory=list)
    # describe_spec(spec) -> how it was measured and decided, and what that cost
    rounds: dict[str, Rounds] = field(default_factory=dict)
    # spec.package ("./hashing") -> the import path its runs reported, else go.mod's
    packages: dict[str, str] = field(default_factory=dict)
    # which run each benchmark's results came from (the first, when two selections overlap)
    owners: dict[BenchKey, RunSpec] = field(default_factory=dict)
    # selections whose test binary did not build or run, and why (their benchmarks are not
    # compared)
    failures: dict[RunSpec, BenchguardError] = field(default_factory=dict)
    # the selections the time budget left unmeasured (or not measured enough to decide)
    unchecked: list[Unchecked] = field(default_factory=list)
    # the head's samples as baseline records of the pushed commit, for the check to keep when
    # it passes: the next push from this commit then measures its head only
    head_records: list[Record] = field(default_factory=list)
    rule: Rule | None = None  # how the results were decided (None: nothing was)


class Measurement:
    """Measure the selections of one range and compare them, as docs/check.md describes."""

    def __init__(self, repo: Path, found: ranges.Range, config: Config, chosen: Selection,
                 tree: Path, stack: contextlib.ExitStack, *, reporter: Reporter,
                 any_machine: bool = False, base_tree: Path | None = None) -> None:
        """``base_tree``: the base already checked out (push.bisect measures several commits
        against one base)."""
        assert found.base is not None
        self.repo, self.found, self.config = repo, found, config
        self.base_commit: str = found.base
        self.tree = tree
        self.reporter = reporter
        self.any_machine = any_machine
        self.settings = RunSettings.from_config(config)
        self.notes = NotesStore(repo, config.notes_ref)
        self.runs = Runs(repo, found.base, found.head, tree, stack, self.settings,
                         budget=config.budget, reporter=reporter)
        self.runs.base_tree = base_tree
        self.simulating = SimulatedRuns(self.runs, self.settings, reporter=reporter)
        self.stored: stored.Stored | None = None
        self._base_snapshot: Snapshot | None = None
        # of overlapping selections, the first's reason and [[bench]] entry (its thresholds)
        self.reasons: dict[RunSpec, str] = {}
        self.entries: dict[RunSpec, BenchEntry] = {}
        self.packages: dict[str, str] = {}  # spec.package -> import path, where go said
        for selected in chosen.selected:
            spec = spec_of(selected)
            self.reasons.setdefault(spec, selected.reason)
            if selected.import_path:
                self.packages.setdefault(spec.package, selected.import_path)
            if selected.entry is not None:
                self.entries.setdefault(spec, selected.entry)
        self.specs = list(self.reasons)
        self.after_first = RunsState()  # what the runs left after the first rounds
        # the timed runs of what simulation cannot see, each of its simulated selection
        self.timed: dict[RunSpec, RunSpec] = {}
        self.simulated = simulating.chosen(
            {spec: config.instrument_for(self.entries.get(spec))
             for spec in self.specs}, tree, reporter=reporter)

    def plan(self, available: float = math.inf) -> Plan:
        """What this range would measure, how, and what fits in ``available`` seconds — from
        the notes and `go env` alone: nothing is built or run."""
        found = self._load_stored()
        history = [records for _, records in self.history()]
        fingerprint = go.fingerprint(self.tree)
        costs = plan.costs_from(history, self.specs, fingerprint, self.settings.benchtime,
                                simulated=self.simulated)
        trust = plan.trust_from(history, self.specs, fingerprint)
        steps = []
        for spec in self.specs:
            if spec in self.simulated:
                steps.append(plan.simulated_step(spec, self.reasons[spec], found.simulated_at))
                continue
            source = (Source.THIS_MACHINE if spec in found.mine else
                      Source.ANOTHER_MACHINE if spec in found.elsewhere else Source.NONE)
            # what it is weighed by; with confirm = false a head-only run costs 1× whatever
            # the stored baseline leaves open: nothing to weigh
            has = spec in found.samples
            known = trust.get(spec) if has and self.config.confirm else None
            how = How.HEAD_ONLY if has and (known is None or known.worth_it) \
                else How.SIDE_BY_SIDE
            steps.append(plan.Planned(spec, self.reasons[spec], source, how,
                                      found.at.get(spec) if how == How.HEAD_ONLY else None,
                                      known))
        return plan.make(steps, costs, count=self.settings.count, budget=self.config.budget,
                         available=available)

    def history(self) -> Iterator[tuple[str, list[Record]]]:
        """The notes the plan learns costs from: the pushed commit's, then the base's and its
        first parents' (plan.HISTORY_DEPTH), nearest first."""
        return itertools.chain(self.notes.along_first_parents(self.found.head, 1),
                               self.notes.along_first_parents(self.base_commit,
                                                              plan.HISTORY_DEPTH))

    def run(self, deadline: Deadline | None = None, planned: Plan | None = None, *,
            family: Callable[[int], int] | None = None) -> Measured:
        """Measure what ``planned`` (default: a plan made now) fits before ``deadline`` (default:
        the configured budget from now), then compare, confirm and decide (``family``: as
        Decider takes it)."""
        runs = self.runs
        runs.deadline = deadline or Deadline.starting(self.config.budget)
        planned = planned or self.plan(runs.deadline.remaining())
        self._announce(planned.steps)
        short = False  # a more relevant selection was left (partly) unmeasured
        for step in planned.steps:
            if short or (not step.fits and not step.part):
                runs.skip(step.spec, "not started: a more relevant selection took what the "
                                     f"time budget {self.config.budget} leaves")
                continue
            if step.instrument == SIMULATION:
                self._simulate(step.spec, head_only=step.how == How.HEAD_ONLY)
            else:
                runs.first_rounds(step.spec, head_only=step.how == How.HEAD_ONLY,
                                  estimate=step.estimate,
                                  run=step.cost.run if step.cost is not None else None)
            short = step.spec in runs.left_out or step.spec in runs.unchecked
        self.after_first = runs.state.copy()
        self.packages.update(runs.packages)
        specs = [spec for spec in self.specs if spec not in runs.failures]
        decider = Decider(self.config, runs, self._load_stored(), specs, self.entries,
                          reporter=self.reporter, simulated=self.simulating, family=family)
        planned_specs = [step.spec for step in planned.steps]
        # and the timed remainders of simulated selections, after their selection
        measured = decided(decider, planned_specs + [spec for spec in self.specs
                                                     if spec not in planned_specs],
                           self.packages)
        recording.store_base(self.notes, runs, self.settings, reporter=self.reporter)
        self.simulating.store_base(self.notes)
        measured.head_records = recording.head_records(runs, self.settings, decider.outcomes)
        measured.head_records += self.simulating.records("head", self.found.head, [
            spec for spec in specs if spec not in runs.unchecked])
        return measured

    def _simulate(self, spec: RunSpec, *, head_only: bool) -> None:
        """Simulate ``spec``; what simulation cannot see becomes a timed selection of its own
        (the same [[bench]] entry's thresholds), head only where a timed baseline serves it."""
        timed = self.simulating.measure(spec, self._load_stored(), head_only=head_only)
        if not timed or spec in self.runs.unchecked:
            return
        derived = simulating.timed_spec(spec, timed)
        found = self._load_stored()
        if spec in found.samples:
            found.samples[derived] = stored.stored_for(found.samples[spec], derived,
                                                       self.packages.get(spec.package))
            if spec in found.mine:
                found.mine.add(derived)
        self.reasons[derived] = f"{self.reasons[spec]}; timed: simulation cannot see them"
        if spec in self.entries:
            self.entries[derived] = self.entries[spec]
        self.specs.append(derived)
        self.timed[derived] = spec
        self.runs.first_rounds(derived, head_only=bool(found.samples.get(derived, None)
                                                       and found.samples[derived].samples),
                               estimate=None)

    def _announce(self, steps: tuple[Step, ...]) -> None:
        """Which stored baselines serve, and why a stored baseline the plan did not trust was
        passed over."""
        covered = [step for step in steps if step.how == How.HEAD_ONLY]
        for commit in dict.fromkeys(step.stored_at or self.base_commit for step in covered):
            for instrument in (TIME, SIMULATION):
                serves = [step for step in covered if step.instrument == instrument
                          and (step.stored_at or self.base_commit) == commit]
                if not serves:
                    continue
                since = "" if commit == self.base_commit else (
                    f" (the commits since it up to {git.short(self.base_commit)} change none "
                    "of them)")
                kind = "stored simulated baseline" if instrument == SIMULATION \
                    else "stored baseline"
                self.reporter.progress(f"using the {kind} of {git.short(commit)} for "
                                       f"{len(serves)} of {len(self.specs)} selections{since}")
        # a step has a trust only when a stored baseline serves it (plan())
        passed_over = [step.trust for step in steps
                       if step.how == How.SIDE_BY_SIDE and step.trust is not None]
        if passed_over:
            self.reporter.progress(
                f"measuring {plural(len(passed_over), 'selection')} side by side although a "
                f"stored baseline serves: {passed_over[0].text()}, so a head-only run would "
                "likely cost more (docs/check.md, \"Whether to trust a stored baseline\")")

    def _load_stored(self) -> stored.Stored:
        if self.stored is None:
            identity = simulating.expected_identity(self.tree) if self.simulated else None
            self.stored = stored.load(
                self.notes, self.base_commit, self.specs, config=self.config,
                settings=self.settings, fingerprint=go.fingerprint(self.tree),
                packages=self.packages, base_snapshot=self._base, any_machine=self.any_machine,
                reporter=self.reporter,
                simulated={spec: identity for spec in self.simulated if identity is not None})
        return self.stored

    def _base(self) -> Snapshot:
        if self._base_snapshot is None:  # its packages are listed only when needed
            self._base_snapshot = Snapshot(self.repo, self.base_commit, self.runs.checkout_base)
        return self._base_snapshot



def decided(decider: Decider, order: Sequence[RunSpec], packages: dict[str, str]) -> Measured:
    """Decide every result of ``decider``'s rounds (measured now, or replayed from a check's
    shards) and compare them; ``order``: the plan's selections, in which what was left
    unchecked is listed."""
    runs = decider.runs
    confirmations = decider.decide()
    packages.update(runs.packages)
    report = decider.compare()
    fresh = {c.series: c for c in report.comparisons}
    confirmed = [Confirmation(one, fresh.get(one.series)) for one in confirmations
                 if (spec := decider.owners.get(one.series.bench)) not in runs.unchecked
                 and spec not in runs.failures]
    base, head = decider.sets()
    return Measured(report, base, head, confirmed, _rounds(decider), dict(packages),
                    dict(decider.owners), dict(runs.failures), runs.not_checked(order), [],
                    decider.ledger.rule if decider.ledger is not None else None)


def _rounds(decider: Decider) -> dict[str, Rounds]:
    """Per selection measured, how and in how many rounds, what each side cost, and the round
    each of its results was decided at."""
    at = decider.ledger.at if decider.ledger is not None else {}
    runs = decider.runs
    rounds = {}
    for spec in decider.specs:
        sessions = [ran for ran in runs.sessions() if spec in ran.rounds]
        simulated = decider.simulated.used(spec) if decider.simulated is not None else None
        if simulated is not None and spec not in runs.unchecked:
            rounds[f"{describe_spec(spec)} (simulated)"] = Rounds(
                "base" in simulated, 1, 0, simulated,
                {f"{key.bench.label} {key.unit}": 1 for key in at
                 if decider.owners.get(key.bench) == spec}, instrument="simulation")
        if spec in runs.unchecked or not sessions:
            continue
        seconds: dict[str, Usage] = {}
        for ran in sessions:
            for side in ran.sides:
                used = ran.spent(side.name, spec)
                seconds[side.name] = seconds[side.name].plus(used) \
                    if side.name in seconds else used
        decided = {f"{key.bench.label} {key.unit}": round_ for key, round_ in at.items()
                   if decider.owners.get(key.bench) == spec}
        side_by_side = runs.side_by_side is not None and spec in runs.side_by_side.rounds
        rounds[describe_spec(spec)] = Rounds(
            side_by_side, max(ran.rounds[spec] for ran in sessions), runs.extra.get(spec, 0),
            seconds, decided, runs.undecided.get(spec, 0), decider.outcomes.get(spec))
    return rounds


def describe_spec(spec: RunSpec) -> str:
    """A selection as the output names it: "./hashing", "./hashing [tags: fast]"."""
    return f"{spec.package} [{tags_line(spec.tags)}]" if spec.tags else spec.package


def spec_of(selected: Selected) -> RunSpec:
    """The `go test` run a selection asks for."""
    return RunSpec(selected.package, selected.pattern, selected.tags, selected.module)
