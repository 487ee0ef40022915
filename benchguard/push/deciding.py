"""Deciding one range's results look by look (docs/check.md, "Noisy machines"): against a stored
baseline first, confirming side by side what it leaves open; then side by side, at the look
after `count` rounds and every 2 rounds after it, with extra rounds of only the benchmarks still
undecided while a look is left and a round fits the time budget. The statistics are
engine.decision's, the ledger of looks engine.ledger's; this module asks push.runs for the
rounds they need."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Protocol

from benchguard.config import BenchEntry, Config
from benchguard.engine import decision, ledger, verdict
from benchguard.engine.benchfmt import BenchKey, BenchmarkSet, SeriesKey, merge, tidy_unit
from benchguard.engine.decision import Decision, Rule, Series
from benchguard.engine.ledger import Judging, Ledger
from benchguard.engine.simulation import SIMULATION, TIME, TOLERANCE, UNITS
from benchguard.engine.status import Verdict
from benchguard.engine.verdict import Comparison, ComparisonReport
from benchguard.progress import Reporter
from benchguard.push import runs as running
from benchguard.push.runner import RunSpec
from benchguard.push.runs import Ran
from benchguard.push.session import Usage
from benchguard.push.stored import Stored
from benchguard.style import plural
from benchguard.tools import git


def rule_of(config: Config) -> Rule:
    """The decision rule a configuration asks for: alpha over every look, the first look after
    `count` rounds, then every ledger.STEP rounds up to `max_count`."""
    return Rule(alpha=config.alpha, first=config.count, step=ledger.STEP,
                last=max(config.max_count, config.count))


class Simulations(Protocol):
    """The simulated selections of a range: simulated now (push.simulating.SimulatedRuns), or
    as a shard of the check recorded them (push.replay)."""

    def sets(self, spec: RunSpec, stored: Stored) -> tuple[BenchmarkSet, BenchmarkSet] | None:
        """Base and head of a simulated selection; None when it was not simulated."""

    def used(self, spec: RunSpec) -> dict[str, Usage] | None:
        """What simulating ``spec`` cost on each side; None when it was not simulated."""


class Decider:
    """The looks of one range's check: what each result's rounds decided, and when; the rounds
    run now (push.runs.Runs) or a check's shards recorded (push.replay.Replay). ``family``: the
    results a check decides with, from those its first look tests (a shard's: family_bound)."""

    def __init__(self, config: Config, runs: Ran, stored: Stored, specs: Sequence[RunSpec],
                 entries: Mapping[RunSpec, BenchEntry], *, reporter: Reporter,
                 simulated: Simulations | None = None,
                 family: Callable[[int], int] | None = None) -> None:
        self.config, self.runs, self.stored = config, runs, stored
        self.simulated = simulated
        self.family = family
        self.specs = specs
        self.entries = entries
        self.reporter = reporter
        self.owners: dict[BenchKey, RunSpec] = {}  # which run each result came from
        self.ledger: Ledger | None = None
        # per selection with a stored baseline at hand: how many of its benchmarks it settled,
        # and how many it left open — or, measured side by side, would have (plan.Trust)
        self.outcomes: dict[RunSpec, tuple[int, int]] = {}

    def decide(self) -> list[Comparison]:
        """Decide every result; returns the stored baseline's comparisons that were confirmed
        side by side."""
        rule = rule_of(self.config)
        self.sets()  # which run each result came from
        stored = self._stored_series()
        family = ledger.family_of({**stored, **self._paired_series()}, self.config.correction)
        if self.family is not None and self.config.correction != "none":
            family = max(family, self.family(family))
        self.ledger = book = Ledger(rule, family)
        self._simulated_once()
        confirming = self._against_stored(stored) if stored else []
        rounds = self.config.count
        undecided = book.look(self._paired_series(), rounds)
        while undecided:
            more = decision.next_rounds(undecided, {}, rounds=rounds, rule=rule)
            assert more.rounds  # the last look leaves nothing undecided
            ran = self._extra_rounds({key: undecided[key] for key in more.more}, more.rounds)
            if ran < more.rounds:  # the time budget ran out: what ran still counts
                if ran:
                    undecided = book.look(self._paired_series(), rounds + ran)
                book.give_up(undecided, rounds + ran,
                             f"the time budget {self.config.budget} ran out after "
                             f"{rounds + ran} rounds", out_of_time=True)
                break
            rounds += more.rounds
            _give_up_stopped(self, undecided, more.rounds, rounds)
            undecided = book.look(self._paired_series(), rounds)
        self._would_have_settled()
        return confirming

    def compare(self, also: Mapping[SeriesKey, Decision] | None = None) -> ComparisonReport:
        """benchstat's comparison of everything measured, each verdict following its decision
        (``also``: decisions not final yet, to show); unresolved results warned about."""
        made = self.ledger.made if self.ledger is not None else {}
        report = self._compared(*self.runs.sets(self.specs, self.stored.samples, self.owners),
                                {**made, **(also or {})})
        pairs = self._simulated_pairs()
        if pairs:
            # a simulated benchmark's B/op and allocs/op come from one run: exact too
            exact = {unit: True for unit in (*UNITS, "B/op", "allocs/op")}
            base, head = (merge([replace(pair[side], assume_exact=exact)
                                 for pair in pairs.values()]) for side in (0, 1))
            simulated = self._compared(base, head, made)
            report.comparisons += simulated.comparisons
            report.warnings = list(dict.fromkeys([*report.warnings, *simulated.warnings]))
            report.geomeans = verdict.geomean_rows(report.comparisons)
        report.instruments = self.instruments()
        if self.ledger is not None:
            report.family = self.ledger.family
            unresolved = [c for c in report.comparisons if c.verdict == Verdict.UNRESOLVED]
            if unresolved:
                report.warnings.append(_unresolved_warning(unresolved))
            unconfirmed = [c for c in report.comparisons if c.verdict == Verdict.UNCONFIRMED]
            if unconfirmed:
                report.warnings.append(_unconfirmed_warning(unconfirmed, self.config.on_budget))
        return report

    def _compared(self, base: BenchmarkSet, head: BenchmarkSet,
                  decided: Mapping[SeriesKey, Decision]) -> ComparisonReport:
        return verdict.compare(base, head, alpha=self.config.alpha,
                               threshold=lambda key: self.judging(key).threshold,
                               metrics=self.config.metrics_judged or None,
                               correction=self.config.correction, decided=decided)

    def sets(self) -> tuple[BenchmarkSet, BenchmarkSet]:
        """Base and head of everything measured: timed runs, and simulated selections."""
        base, head = self.runs.sets(self.specs, self.stored.samples, self.owners)
        pairs = self._simulated_pairs()
        if not pairs:
            return base, head
        return (merge([base, *(pair[0] for pair in pairs.values())], first_wins=True),
                merge([head, *(pair[1] for pair in pairs.values())], first_wins=True))

    def instruments(self) -> dict[BenchKey, str]:
        """Which instrument measured each benchmark."""
        simulated = {key.bench for pair in self._simulated_pairs().values() for one in pair
                     for key in one.samples}
        return {bench: SIMULATION if bench in simulated else TIME for bench in self.owners}

    def _simulated_pairs(self) -> dict[RunSpec, tuple[BenchmarkSet, BenchmarkSet]]:
        if self.simulated is None:
            return {}
        pairs = {spec: pair for spec in self.specs
                 if (pair := self.simulated.sets(spec, self.stored)) is not None}
        for spec, pair in pairs.items():
            for one in pair:
                for key in one.samples:
                    self.owners.setdefault(key.bench, spec)
        return pairs

    def _simulated_once(self) -> None:
        """Simulated results are exact: one run a side decides each at once, against its
        threshold (never below the measured tolerance, engine.simulation.TOLERANCE), and
        nothing is confirmed side by side."""
        assert self.ledger is not None
        series: dict[SeriesKey, Series] = {}
        for spec, (base, head) in self._simulated_pairs().items():
            series.update(ledger.against_stored(base, head, self._simulated_judging,
                                                wanted=self._open_in(spec)))
        exact = {key: Series(one.base, one.head, one.threshold, one.higher_is_better,
                             one.min_effect, exact=True) for key, one in series.items()}
        if exact:
            self.ledger.keep(decision.decide_look(exact, self.ledger.rule, rounds=1,
                                                  family=self.ledger.family), 1)

    def _simulated_judging(self, key: SeriesKey) -> Judging:
        judging = self.judging(key)
        if key.unit in UNITS:
            return Judging(max(judging.threshold, TOLERANCE), judging.min_effect)
        return judging

    def judging(self, key: SeriesKey) -> Judging:
        """The threshold and min_effect of a result: its run's [[bench]] entry's, else the
        top level's (config.threshold_for)."""
        entry = self.entries.get(self.owners[key.bench]) if key.bench in self.owners else None
        return Judging(self.config.threshold_for(entry, key.unit),
                       self.config.min_effect_for(entry, key.unit))

    # -- against a stored baseline

    def _against_stored(self, stored: Mapping[SeriesKey, Series]) -> list[Comparison]:
        """Decide the results against the stored baseline (one look, unpaired): what it settles
        is final; with confirm = true the rest is measured side by side — only those
        benchmarks, when that fits the time budget (else their selection is unchecked) — and
        decided there; with confirm = false its blocks stand and the rest is unresolved."""
        assert self.ledger is not None
        count = self.config.count
        made = decision.decide_look(stored, self.ledger.rule, rounds=count,
                                    family=self.ledger.family)
        confirm = decision.next_rounds({}, made, rounds=count, rule=self.ledger.rule).confirm
        open_ = {key: made[key] for key in confirm}
        self._tally(made, open_)
        self.ledger.keep({key: one for key, one in made.items() if key not in open_}, count)
        if not open_:
            return []
        if not self.config.confirm:
            undecided = self.ledger.keep(open_, count)
            self.ledger.give_up(undecided, count, "confirm = false measures nothing side by "
                                                  "side")
            return []
        before = self.compare(also=open_)
        confirming = [c for c in before.comparisons if c.series in open_]
        count_of = len(dict.fromkeys(key.bench for key in open_))
        self.reporter.progress(
            f"the stored baseline of {git.short(self.runs.base)} leaves "
            f"{plural(count_of, 'benchmark')} open (could be worse than the threshold); "
            "measuring them side by side to confirm (confirm = true)")
        doing = "confirming the stored baseline's result side by side: "
        for spec, names in running.names_by_spec(open_, self.owners).items():
            self.runs.confirm(spec, names, doing)
        return confirming

    def _tally(self, made: Iterable[SeriesKey], open_: Iterable[SeriesKey]) -> None:
        """Count, per selection, the benchmarks a stored baseline settled (every result of it)
        and those it left open (any result), for the next plans (plan.Trust)."""
        left = {key.bench for key in open_}
        by_spec: dict[RunSpec, set[BenchKey]] = {}
        for key in made:
            spec = self.owners.get(key.bench)
            if spec is not None:
                by_spec.setdefault(spec, set()).add(key.bench)
        for spec, benches in by_spec.items():
            if spec in self.stored.mine:  # another machine's baseline tells nothing of ours
                self.outcomes[spec] = (len(benches - left), len(benches & left))

    def _would_have_settled(self) -> None:
        """For each selection measured side by side although a stored baseline of it was at
        hand (the plan did not trust it), what that baseline would have settled against the
        head measured now: what the next plans learn from, at no cost in measuring."""
        session = self.runs.side_by_side
        if session is None or self.ledger is None:
            return
        alone = self.runs.alone
        series: dict[SeriesKey, Series] = {}
        for spec in self.runs.completed(session):
            if spec not in self.stored.mine or (alone is not None and spec in alone.rounds):
                continue
            series.update(ledger.against_stored(
                self.stored.samples[spec], session.benchmarks("head", [spec]), self.judging,
                wanted=self._open_in(spec, decided_too=True)))
        if series:
            count, rule = self.config.count, self.ledger.rule
            made = decision.decide_look(series, rule, rounds=count, family=self.ledger.family)
            self._tally(made, decision.next_rounds({}, made, rounds=count, rule=rule).confirm)

    # -- side by side

    def _extra_rounds(self, undecided: Mapping[SeriesKey, Decision], rounds: int) -> int:
        """Up to ``rounds`` more rounds of only the benchmarks with an undecided result."""
        assert self.ledger is not None
        key, first = next(iter(undecided.items()))
        more = f"; {len(undecided) - 1} more" if len(undecided) > 1 else ""
        why = f" (undecided: {key.bench.describe()} {key.unit} {first.reason}{more})"
        return self.runs.extra_rounds(running.names_by_spec(undecided, self.owners), rounds,
                                      why=why, total=self.ledger.rule.last)

    def _paired_series(self) -> dict[SeriesKey, Series]:
        """Every result measured side by side that is not decided yet, round i's base and head
        paired, each from the run of the selection it belongs to."""
        session = self.runs.side_by_side
        found: dict[SeriesKey, Series] = {}
        for spec in self.runs.completed(session):
            assert session is not None
            found.update(ledger.paired(session.pairs(spec), self.judging,
                                       wanted=self._open_in(spec)))
        return found

    def _stored_series(self) -> dict[SeriesKey, Series]:
        """Every result of a selection measured head only, against its stored baseline."""
        alone = self.runs.alone
        found: dict[SeriesKey, Series] = {}
        for spec in self.runs.completed(alone):
            assert alone is not None
            found.update(ledger.against_stored(self.stored.samples.get(spec, BenchmarkSet()),
                                               alone.benchmarks("head", [spec]), self.judging,
                                               wanted=self._open_in(spec)))
        return found

    def _open_in(self, spec: RunSpec, *, decided_too: bool = False
                 ) -> Callable[[SeriesKey], bool]:
        """Whether a result is one of ``spec``'s (its run produced it), of a metric that can
        block (`metrics`), and not decided yet (unless ``decided_too``)."""
        made = self.ledger.made if self.ledger is not None and not decided_too else {}
        units = {tidy_unit(metric)[0] for metric in self.config.metrics_judged}
        return lambda key: (key not in made and (not units or key.unit in units)
                            and self.owners.get(key.bench) == spec
                            and self.runs.measured(spec, key.bench.name))


def _give_up_stopped(decider: Decider, undecided: Mapping[SeriesKey, Decision], ran: int,
                     rounds: int) -> None:
    """The undecided results the extra rounds did not measure (none, when they are run now; in
    a replay, those a shard stopped measuring sooner than the whole check's looks ask) are
    decided on the rounds they have, as a time budget that runs out decides."""
    assert decider.ledger is not None
    series = decider._paired_series()
    for key, one in undecided.items():
        if key not in series or len(series[key].base) < one.n + ran:
            decider.ledger.give_up({key: one}, rounds - ran,
                                   decider.runs.stopped(decider.owners[key.bench]),
                                   out_of_time=True, unconfirmed="not confirmed")


def _unconfirmed_warning(unconfirmed: Sequence[Comparison], on_budget: str) -> str:
    """One warning naming every result worse than the threshold that no look confirmed."""
    listed = "; ".join(f"{c.series.bench.describe()} {c.series.unit} {c.decision.reason}"
                       for c in unconfirmed if c.decision)
    does = "blocks the push" if on_budget == "block" else "lets it go ahead"
    return (f"{plural(len(unconfirmed), 'result')} unconfirmed: worse than the threshold, not "
            f"confirmed in time; on_budget = \"{on_budget}\" {does} ({listed})")


def _unresolved_warning(unresolved: Sequence[Comparison]) -> str:
    """One warning naming every result the rounds could settle neither way, with its interval."""
    listed = "; ".join(f"{c.series.bench.describe()} {c.series.unit} {c.decision.reason}"
                       for c in unresolved if c.decision is not None)
    return (f"{plural(len(unresolved), 'result')} unresolved, passing: neither settled nor "
            f"blocked by the rounds that ran ({listed})")
