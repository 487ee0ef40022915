"""The plan of one branch's check, made before anything is measured: the selections in order of
relevance, how each is measured (head only against a stored baseline, or side by side), what each
should cost from the durations earlier runs recorded, and what fits the time budget
(docs/check.md, "The time budget"). `check --dry-run` prints it; `check` follows it."""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from benchguard.engine.durations import parse_duration
from benchguard.engine.names import run_name
from benchguard.engine.simulation import SIMULATION, TIME
from benchguard.push.budget import seconds_text
from benchguard.push.runner import RunSpec
from benchguard.store.notes import NotesStore
from benchguard.store.records import Record, Timing
from benchguard.style import plural
from benchguard.tools import machine
from benchguard.tools.go import Fingerprint

# How many first-parent commits back (from the base) to look for durations of earlier runs.
HISTORY_DEPTH = 30
# How many of this machine's latest checks with a stored baseline at hand the planner weighs
# when it decides whether trusting a stored baseline is worth a head-only run.
TRUST_DEPTH = 3


class Source(StrEnum):
    """Where a stored baseline of the base commit comes from, if any."""

    THIS_MACHINE = "this machine"
    ANOTHER_MACHINE = "another machine"
    NONE = "none"


class How(StrEnum):
    HEAD_ONLY = "head only"  # against the stored baseline
    SIDE_BY_SIDE = "side by side"  # base and head, round by round


@dataclass(frozen=True)
class Cost:
    """One side of one selection as an earlier run took it, scaled to today's benchtime."""

    build: float  # seconds to build its test binary
    run: float  # seconds per run (`-count 1`)

    def seconds(self, count: int, sides: int) -> float:
        return sides * (self.build + count * self.run)


@dataclass(frozen=True)
class Trust:
    """How this machine's stored baselines fared in its latest checks (records.Timing settled
    and open): of the benchmarks measured with one at hand, how many it settled and how many it
    left open — to confirm side by side, or measured side by side, that it would have."""

    settled: int
    open: int
    checks: int  # how many checks (records) these come from
    scope: str  # "selection": this selection's own; "machine": any selection's, for want of it

    @property
    def worth_it(self) -> bool:
        """Whether a head-only run should cost less than side by side: it costs about 1 (the
        head) + 2 × the share left open (both sides again, only those benchmarks) against 2.
        At half the two cost the same, and side by side is taken: it decides every benchmark
        from paired rounds, which drift between pushes does not reach."""
        return 2 * self.open < self.settled + self.open

    def text(self) -> str:
        whose = "this selection" if self.scope == "selection" else "this machine"
        return (f"the stored baselines of {whose} left {self.open} of "
                f"{plural(self.settled + self.open, 'benchmark')} open in its last "
                f"{plural(self.checks, 'check')}")

    def to_json(self) -> dict[str, Any]:
        return {"settled": self.settled, "open": self.open, "checks": self.checks,
                "scope": self.scope, "worth_it": self.worth_it}


@dataclass(frozen=True)
class Planned:
    """A selection to plan: why it was selected and how it would be measured."""

    spec: RunSpec
    reason: str
    baseline: Source
    how: How
    stored_at: str | None = None  # the commit whose stored baseline serves (head only)
    trust: Trust | None = None  # with a stored baseline: how this machine's fared lately
    instrument: str = TIME  # "simulation": simulated on every core, decided exactly


@dataclass(frozen=True)
class Step(Planned):
    """One selection in the plan."""

    estimate: float | None = None  # seconds for its `count` rounds; None: no earlier run
    fits: bool = True  # whole, within what the budget leaves after the steps before it
    # it does not fit whole: as many of its benchmarks as fit are measured, in order, and no
    # less relevant selection after it
    part: bool = False
    cost: Cost | None = None  # one side of it, as earlier runs took it

    def to_json(self) -> dict[str, Any]:
        return {"package": self.spec.package, "pattern": self.spec.pattern,
                "tags": list(self.spec.tags), "reason": self.reason,
                "baseline": self.baseline.value, "measure": self.how.value,
                "stored_at": self.stored_at, "instrument": self.instrument,
                "trust": None if self.trust is None else self.trust.to_json(),
                "estimate": _rounded(self.estimate), "fits": self.fits, "part": self.part}


@dataclass(frozen=True)
class Plan:
    steps: tuple[Step, ...]
    budget: str  # as configured
    available: float  # seconds the budget left when the plan was made; inf: no limit

    @property
    def estimate(self) -> float:
        """Seconds the steps that fit should take, where an earlier run said; a step measured
        in part takes what the budget leaves them."""
        whole = sum(step.estimate for step in self.steps
                    if step.fits and step.estimate is not None)
        if any(step.part for step in self.steps) and not math.isinf(self.available):
            return max(whole, self.available)
        return whole

    @property
    def unknown(self) -> tuple[Step, ...]:
        """Steps no earlier run recorded the cost of: their first round tells."""
        return tuple(step for step in self.steps if step.estimate is None)

    @property
    def not_fitting(self) -> tuple[Step, ...]:
        return tuple(step for step in self.steps if not step.fits)

    def to_json(self) -> dict[str, Any]:
        return {"budget": self.budget,
                "available": None if math.isinf(self.available) else round(self.available, 1),
                "estimate": round(self.estimate, 1), "unknown": len(self.unknown),
                "steps": [step.to_json() for step in self.steps]}

    def lines(self, base: str) -> list[str]:
        """The plan for people: one line per step, then the total."""
        lines = []
        width = max((len(_name(step.spec)) for step in self.steps), default=0)
        for number, step in enumerate(self.steps, start=1):
            if step.instrument == SIMULATION:
                how = "simulated, " + (
                    f"head only, against the stored simulated baseline of "
                    f"{(step.stored_at or base)[:12]} (any machine with this toolchain)"
                    if step.how == How.HEAD_ONLY else "base and head (no stored simulated "
                    "baseline)")
            elif step.how == How.HEAD_ONLY:
                at = base if step.stored_at is None else step.stored_at[:12]
                how = f"head only, against the stored baseline of {at} ({step.baseline})"
            elif step.trust is not None:
                how = (f"side by side ({step.trust.text()}: a head-only run would cost "
                       "more)")
            elif step.baseline == Source.ANOTHER_MACHINE:
                how = ("side by side (the stored baseline is another machine's: "
                       "--any-machine uses it)")
            else:
                how = "side by side (no stored baseline)"
            cost = "unknown" if step.estimate is None else f"~{seconds_text(step.estimate)}"
            fits = "" if step.fits else "  — does not fit whole: measured in part, its " \
                "benchmarks in order, as many as fit" if step.part else \
                "  — not started: a more relevant selection takes what the budget leaves"
            lines.append(f"  {number}. {_name(step.spec):<{width}}  {how}  {cost}{fits}")
        left = "no time limit" if math.isinf(self.available) else \
            f"{seconds_text(self.available)} left of budget {self.budget}"
        known = len(self.steps) - len(self.unknown)
        total = f"estimated ~{seconds_text(self.estimate)} ({left})" if known else \
            f"estimated: unknown ({left})"
        if self.unknown:
            total += (f"; {len(self.unknown)} with no earlier run recorded: the first round "
                      "tells whether the rest fits")
        parts = [step for step in self.not_fitting if step.part]
        if parts:
            total += f"; {_name(parts[0].spec)} measured in part"
        if len(self.not_fitting) > len(parts):
            total += f"; {len(self.not_fitting) - len(parts)} not started"
        if any(step.how == How.HEAD_ONLY and step.trust is None and step.instrument == TIME
               for step in self.steps):
            total += ("; plus, side by side, what a stored baseline leaves open (no earlier "
                      "check says how much)")
        return [*lines, total]


def make(selections: Sequence[Planned], costs: Mapping[RunSpec, Cost], *, count: int,
         budget: str, available: float) -> Plan:
    """Each selection (in order of relevance) with its estimate and whether it fits in
    ``available`` seconds after the steps before it. The first that does not fit whole is
    measured in part (as many of its benchmarks as fit, in order), and nothing less relevant
    after it: a smaller selection never goes before a more relevant one."""
    left = available
    steps = []
    stopped = False
    for selected in selections:
        cost = costs.get(selected.spec)
        estimate = None if cost is None else _estimate(selected, cost, count)
        fits = not stopped and (estimate is None or estimate <= left)
        part = not stopped and not fits
        stopped = stopped or part
        if fits and estimate is not None:
            left -= estimate
        steps.append(Step(selected.spec, selected.reason, selected.baseline, selected.how,
                          selected.stored_at, selected.trust, selected.instrument, estimate,
                          fits, part, cost))
    return Plan(tuple(steps), budget, available)


def simulated_step(spec: RunSpec, reason: str, stored_at: Mapping[RunSpec, str]) -> Planned:
    """A selection to simulate: the head alone against a stored simulated baseline (of any
    machine with this toolchain), else both sides."""
    at = stored_at.get(spec)
    return Planned(spec, reason, Source.ANOTHER_MACHINE if at else Source.NONE,
                   How.HEAD_ONLY if at else How.SIDE_BY_SIDE, at, None, SIMULATION)


def _estimate(selected: Planned, cost: Cost, count: int) -> float:
    """Seconds for ``count`` rounds: side by side, both sides; head only, the head and the
    confirmation side by side of the share a stored baseline of this machine lately left open
    (Trust), when an earlier check says. Simulated: one run a side, its CPU time shared by
    every core, never confirmed."""
    if selected.instrument == SIMULATION:
        sides = 1 if selected.how == How.HEAD_ONLY else 2
        return sides * (cost.build + cost.run / machine.cores())
    if selected.how == How.SIDE_BY_SIDE:
        return cost.seconds(count, 2)
    estimate = cost.seconds(count, 1)
    trust = selected.trust
    if trust is not None and trust.settled + trust.open:
        share = trust.open / (trust.settled + trust.open)
        estimate += share * (cost.build + 2 * count * cost.run)
    return estimate


def costs_from(history: Iterable[Sequence[Record]], specs: Sequence[RunSpec],
               fingerprint: Fingerprint | None, benchtime: str, *,
               simulated: Collection[RunSpec] = ()) -> dict[RunSpec, Cost]:
    """What each of ``specs`` cost in earlier runs: the durations of the newest baseline record
    (``history``: the records of one commit after another, nearest first) that timed it —
    this machine's first, else another's — scaled from that record's benchtime to
    ``benchtime``. A spec timed only with another pattern takes that pattern's cost. The specs
    of ``simulated`` take what simulating them cost (CPU seconds, whatever the benchtime)."""
    mine: dict[RunSpec, Cost] = {}
    theirs: dict[RunSpec, Cost] = {}
    wanted = set(specs)
    for records in history:
        for record in sorted(records, key=lambda record: record.date, reverse=True):
            if not record.durations:
                continue
            into = mine if record.fingerprint == fingerprint else theirs
            scale = _benchtime_ratio(str(record.settings.get("benchtime", "")), benchtime)
            for spec in wanted:
                instrument = SIMULATION if spec in simulated else TIME
                timing = _timing_of(spec, [one for one in record.durations
                                           if one.instrument == instrument])
                if timing is not None and spec not in into:
                    into[spec] = Cost(timing.build, timing.run * (
                        scale if instrument == TIME else 1.0))
        if wanted <= mine.keys():
            break
    return {spec: mine.get(spec) or theirs[spec] for spec in specs if spec in mine or
            spec in theirs}


def trust_from(history: Iterable[Sequence[Record]], specs: Sequence[RunSpec],
               fingerprint: Fingerprint | None) -> dict[RunSpec, Trust]:
    """How this machine's stored baselines fared for each of ``specs`` in the latest
    TRUST_DEPTH checks (``history``: the records of one commit after another, nearest first)
    that measured it with one at hand; for a spec with none, how they fared for any selection
    in this machine's latest TRUST_DEPTH such checks. Specs nothing is known of are left out."""
    own: dict[RunSpec, list[Timing]] = {spec: [] for spec in specs}
    machine: list[Sequence[Timing]] = []
    for records in history:
        for record in sorted(records, key=lambda record: record.date, reverse=True):
            if record.fingerprint != fingerprint:
                continue
            told = [timing for timing in record.durations if timing.settled or timing.open]
            if told and len(machine) < TRUST_DEPTH:
                machine.append(told)
            for spec, found in own.items():
                timing = _timing_of(spec, told)
                if timing is not None and len(found) < TRUST_DEPTH:
                    found.append(timing)
    trust = {}
    for spec, found in own.items():
        if found:
            timings, checks, scope = found, len(found), "selection"
        else:
            timings, checks, scope = [t for told in machine for t in told], len(machine), \
                "machine"
        if checks:
            trust[spec] = Trust(sum(t.settled for t in timings), sum(t.open for t in timings),
                                checks, scope)
    return trust


def _timing_of(spec: RunSpec, timings: Sequence[Timing]) -> Timing | None:
    same = [timing for timing in timings
            if timing.package == spec.package and tuple(timing.tags) == spec.tags]
    return next((timing for timing in same if timing.pattern == spec.pattern),
                same[0] if same else None)


def _benchtime_ratio(recorded: str, configured: str) -> float:
    """How much longer a run at ``configured`` takes than at ``recorded`` (both "100x" or both
    durations); 1 when they cannot be compared."""
    try:
        if recorded.endswith("x") and configured.endswith("x"):
            return int(configured[:-1]) / int(recorded[:-1])
        if not recorded.endswith("x") and not configured.endswith("x"):
            return parse_duration(configured) / parse_duration(recorded)
    except (ValueError, ZeroDivisionError):
        pass
    return 1.0


def _name(spec: RunSpec) -> str:
    return run_name(spec.package, spec.pattern, spec.tags)


def _rounded(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds, 1)


def costs_at(store: NotesStore, commit: str, specs: Sequence[RunSpec], fingerprint: Fingerprint,
             benchtime: str) -> dict[RunSpec, Cost]:
    """costs_from the notes of ``commit`` and its first-parent ancestors (HISTORY_DEPTH)."""
    history = [records for _, records in store.along_first_parents(commit, HISTORY_DEPTH)]
    return costs_from(history, specs, fingerprint, benchtime)


def estimate_lines(specs: Sequence[RunSpec], costs: Mapping[RunSpec, Cost], *, count: int,
                   sides: int) -> tuple[list[str], float, int]:
    """What measuring ``specs`` ``count`` times on ``sides`` sides should take, from earlier
    runs: one line per spec, the total of those known, and how many are not."""
    lines = []
    total = 0.0
    for spec in specs:
        cost = costs.get(spec)
        if cost is None:
            lines.append(f"  {_name(spec)}: unknown (no earlier run recorded)")
            continue
        seconds = cost.seconds(count, sides)
        total += seconds
        lines.append(f"  {_name(spec)}: ~{seconds_text(seconds)}")
    return lines, total, sum(1 for spec in specs if spec not in costs)
