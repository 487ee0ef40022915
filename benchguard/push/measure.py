"""Measuring one pushed range within the push's time budget: the plan (benchguard.push.plan), the
first rounds of each selection — head only against a stored baseline, else base and head side
by side —, then deciding each result look by look (engine.ledger, engine.decision):
confirming side by side what a stored baseline leaves open, and extra rounds of only the
benchmarks still undecided (docs/check.md, "Noisy machines" and "The time budget"), and the
records a passing check keeps. What a run produced belongs to that run (Measured.owners), and a
selection that does not build or run fails alone."""

from __future__ import annotations

import contextlib
import itertools
import math
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from benchguard.engine import benchmatch, decision, ledger, verdict
from benchguard.engine.benchfmt import BenchmarkSet, merge, tidy_unit
from benchguard.engine.benchmatch import pattern_for
from benchguard.engine.ledger import Judging
from benchguard.engine.names import run_name, tags_line
from benchguard.errors import EXIT_BENCH_FAILED, BenchguardError
from benchguard.progress import Silent
from benchguard.push import ancestry, plan, ranges, runner, session
from benchguard.push.budget import Deadline, Spent, Unchecked, seconds_text
from benchguard.push.plan import How, Source
from benchguard.push.runner import RunSpec
from benchguard.store import notes
from benchguard.style import plural
from benchguard.tools import git, go
from benchguard.tools.packages import Snapshot

# How many first-parent commits back from the base to look for a stored baseline that serves.
_ANCESTORS = 30

if TYPE_CHECKING:
    from benchguard.config import BenchEntry, Config
    from benchguard.engine.benchfmt import BenchKey, BenchmarkSet, SeriesKey
    from benchguard.engine.decision import Decision, Rule, Series
    from benchguard.engine.ledger import Judging, Ledger
    from benchguard.engine.verdict import Comparison, ComparisonReport
    from benchguard.progress import Reporter
    from benchguard.push.plan import Plan, Step
    from benchguard.push.runner import RunSettings, RunSpec
    from benchguard.push.selection import Selected, Selection
    from benchguard.push.session import Session, Usage
    from benchguard.store.notes import NotesStore, Record
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

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {
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
                 any_machine: bool = False) -> None:
        assert found.base is not None
        self.repo, self.found, self.config, self.chosen = repo, found, config, chosen
        self.reporter = reporter
        self.any_machine = any_machine
        self.base_commit: str = found.base
        self.tree = tree
        self.stack = stack
        self.settings: RunSettings = runner.RunSettings.from_config(config)
        self.deadline = Deadline(config.budget, None)  # run() sets the push's
        self.packages: dict[str, str] = {}
        self.owners: dict[BenchKey, RunSpec] = {}
        self.failures: dict[RunSpec, BenchguardError] = {}
        self.stored: dict[RunSpec, BenchmarkSet] | None = None  # base samples from notes
        self.mine: set[RunSpec] = set()  # specs this machine's stored baseline has
        self.elsewhere: set[RunSpec] = set()  # specs only another machine's baseline has
        self.stored_at: dict[RunSpec, str] = {}  # the commit whose baseline serves a spec
        self._base_snapshot: Snapshot | None = None
        self.alone: Session | None = None  # the head alone, against a stored baseline
        self.session: Session | None = None  # base and head side by side
        self.base_tree: Path | None = None
        self.extra: dict[RunSpec, int] = {}  # extra rounds of only the undecided
        self.undecided: dict[RunSpec, int] = {}  # benchmarks the first extra round ran
        self.unchecked: dict[RunSpec, str] = {}
        # per selection with a stored baseline at hand: how many of its benchmarks it settled,
        # and how many it left open — or, measured side by side, would have (plan.Trust)
        self.outcomes: dict[RunSpec, tuple[int, int]] = {}
        self._store: NotesStore | None = None
        self.ledger: Ledger | None = None
        # of overlapping selections, the first's reason and [[bench]] entry (its thresholds)
        self.reasons: dict[RunSpec, str] = {}
        self.entries: dict[RunSpec, BenchEntry] = {}
        for selected in chosen.selected:
            spec = spec_of(selected)
            self.reasons.setdefault(spec, selected.reason)
            if selected.import_path:
                self.packages.setdefault(spec.package, selected.import_path)
            if selected.entry is not None:
                self.entries.setdefault(spec, selected.entry)
        self.specs = list(self.reasons)

    # -- the plan

    def plan(self, available: float = math.inf) -> Plan:
        """What this range would measure, how, and what fits in ``available`` seconds — from
        the notes and `go env` alone: nothing is built or run."""

        stored = self._load_stored()
        history = [records for _, records in itertools.chain(
            self._notes().along_first_parents(self.found.head, 1),
            self._notes().along_first_parents(self.base_commit, plan.HISTORY_DEPTH))]
        fingerprint = go.fingerprint(self.tree)
        costs = plan.costs_from(history, self.specs, fingerprint, self.settings.benchtime)
        trust = plan.trust_from(history, self.specs, fingerprint)
        steps = []
        for spec in self.specs:
            source = (Source.THIS_MACHINE if spec in self.mine else
                      Source.ANOTHER_MACHINE if spec in self.elsewhere else Source.NONE)
            # what it is weighed by; with confirm = false a head-only run costs 1× whatever
            # the stored baseline leaves open: nothing to weigh
            known = trust.get(spec) if spec in stored and self.config.confirm else None
            how = How.HEAD_ONLY if spec in stored and (known is None or known.worth_it) \
                else How.SIDE_BY_SIDE
            steps.append(plan.Planned(spec, self.reasons[spec], source, how,
                                      self.stored_at.get(spec) if how == How.HEAD_ONLY else None,
                                      known))
        return plan.make(steps, costs, count=self.settings.count, budget=self.config.budget,
                         available=available)

    # -- measuring

    def run(self, deadline: Deadline | None = None, planned: Plan | None = None) -> Measured:
        """Measure what ``planned`` (default: a plan made now) fits before ``deadline`` (default:
        the configured budget from now), then compare, confirm and decide."""

        self.deadline = deadline or Deadline.starting(self.config.budget)
        planned = planned or self.plan(self.deadline.remaining())
        covered = [step for step in planned.steps if step.how == How.HEAD_ONLY]
        for commit in dict.fromkeys(step.stored_at or self.base_commit for step in covered):
            serves = [step for step in covered if (step.stored_at or self.base_commit) == commit]
            since = "" if commit == self.base_commit else \
                f" (the commits since it up to {git.short(self.base_commit)} change none of them)"
            self.reporter.progress(f"using the stored baseline of {git.short(commit)} for "
                                   f"{len(serves)} of {len(self.specs)} selections{since}")
        # a step has a trust only when a stored baseline serves it (plan())
        passed_over = [step.trust for step in planned.steps
                       if step.how == How.SIDE_BY_SIDE and step.trust is not None]
        if passed_over:
            self.reporter.progress(
                f"measuring {plural(len(passed_over), 'selection')} side by side although a "
                f"stored baseline serves: {passed_over[0].text()}, so a head-only run would "
                "likely cost more (docs/check.md, \"Whether to trust a stored baseline\")")
        for step in planned.steps:
            self._first_rounds(step)
        confirmations = self._decide()
        report = self._compare()
        fresh = {c.series: c for c in report.comparisons}
        confirmed = [Confirmation(stored, fresh.get(stored.series)) for stored in confirmations
                     if (spec := self._spec_of(stored.series.bench)) not in self.unchecked
                     and spec not in self.failures]
        self._store_base()
        base, head = self._sets()
        unchecked = [Unchecked(spec.package, spec.pattern, spec.tags, reason)
                     for spec, reason in self.unchecked.items()]
        return Measured(report, base, head, confirmed, self._rounds(), dict(self.packages),
                        dict(self.owners), dict(self.failures), unchecked, self._head_records(),
                        self.ledger.rule if self.ledger is not None else None)

    def _first_rounds(self, step: Step) -> None:
        """The first `count` rounds of one selection, when they fit what the budget leaves."""

        spec = step.spec
        if self.deadline.passed():
            self._skip(spec, f"not started: the time budget {self.config.budget} was spent")
            return
        if step.estimate is not None and not self.deadline.fits(step.estimate):
            self._skip(spec, f"not started: it needs ~{seconds_text(step.estimate)}, "
                             f"{self._left()}")
            return
        if step.how == How.HEAD_ONLY:
            what = "all benchmarks" if spec.pattern == "." else spec.pattern
            self.reporter.progress(f"[head {git.short(self.found.head)}] {spec.package}: "
                                   f"running {what} (count {self.settings.count})…")
            self._measure(self._alone(), spec, announce=False)
        else:
            self._measure(self._session(), spec)

    def _measure(self, session: Session, spec: RunSpec, *, announce: bool = True,
                 doing: str = "", names: Sequence[str] | None = None,
                 reuse: Mapping[tuple[str, RunSpec], Path] | None = None) -> None:
        """Build ``spec``'s binaries (``reuse``: those to use as they are, Session.add) and
        run its `count` rounds (of only the benchmarks ``names``, when given); before each
        round after the first, check that the rounds still to run fit, and stop (unchecked)
        when they do not. A selection whose binary does not build or run fails alone
        (``failures``): the others are still measured."""

        count = self.settings.count
        only = {spec: pattern_for(names)} if names is not None else None
        try:
            session.add([spec], reuse=reuse)
            for number in range(count):
                per_round = session.round_estimate(
                    [spec], only={spec: names} if names is not None else None) if number else None
                if per_round is not None and not self.deadline.fits(per_round * (count - number)):
                    self._skip(spec, f"{doing}stopped after {number} of {count} rounds: the "
                                     f"other {count - number} need "
                                     f"~{seconds_text(per_round * (count - number))}, "
                                     f"{self._left()}")
                    return
                session.one_round([spec], total=count, announce=announce, only=only)
        except Spent:
            done = session.rounds.get(spec)
            where = "while building" if done is None else f"in round {done + 1} of {count}"
            self._skip(spec, f"{doing}stopped at the deadline (budget {self.config.budget}) "
                             f"{where}")
        except BenchguardError as error:
            if error.exit_code != EXIT_BENCH_FAILED:
                raise
            self.reporter.warn(error.message)
            self._failed(spec, error)
        finally:
            self.packages.update(session.packages)

    def _failed(self, spec: RunSpec, error: BenchguardError) -> None:
        """A selection that failed to build or run: kept in ``failures`` (already told), and no
        longer measured or compared."""
        self.failures[spec] = error
        self.specs = [one for one in self.specs if one != spec]

    def _skip(self, spec: RunSpec, reason: str) -> None:
        self.unchecked[spec] = reason
        self.reporter.warn(f"{run_name(spec.package, spec.pattern, spec.tags)}: not checked: "
                           f"{reason}")

    def _left(self) -> str:
        return f"{seconds_text(self.deadline.remaining())} left of budget {self.config.budget}"

    # -- the base's stored baseline

    def _notes(self) -> NotesStore:
        if self._store is None:
            self._store = notes.NotesStore(self.repo, self.config.notes_ref)
        return self._store

    def _load_stored(self) -> dict[RunSpec, BenchmarkSet]:
        """For each selection, the stored samples of its benchmarks, as notes.baseline_samples
        picks them (per benchmark, the newest record of this machine; of any machine with
        --any-machine) from the base commit — or from its nearest first-parent ancestor with
        them, when the commits since select none of this selection (docs, configuration: a
        push of them would have checked nothing here, so the benchmarks are the same). Only
        records measured with comparable settings count (RunSettings.comparable). Also which
        selections only another machine has a baseline of."""
        if self.stored is not None:
            return self.stored

        self.stored = {}
        fingerprint = go.fingerprint(self.tree)
        comparable = self.settings.comparable()
        quiet = Silent()
        for commit, _ in self._notes().along_first_parents(self.base_commit,
                                                             _ANCESTORS):
            missing = [spec for spec in self.specs
                       if spec not in self.stored and spec not in self.elsewhere]
            if commit != self.base_commit:
                missing = self._unchanged_since(commit, missing)
            if not missing:
                break
            reporter = self.reporter if commit == self.base_commit else quiet
            mine = self._notes().baseline(commit, fingerprint, reporter=reporter,
                                          settings=comparable)
            anywhere = self._notes().baseline(commit, fingerprint, reporter=quiet,
                                              any_machine=True, settings=comparable)
            for spec in missing:
                package = self.packages.get(spec.package)
                ours = stored_for(mine, spec, package) if mine is not None else None
                theirs = stored_for(anywhere, spec, package) if anywhere is not None else None
                if ours is not None and ours.samples:
                    self.mine.add(spec)
                    self.stored[spec] = ours
                    self.stored_at[spec] = commit
                elif theirs is not None and theirs.samples:
                    self.elsewhere.add(spec)
                    if self.any_machine:
                        self.stored[spec] = theirs
                        self.stored_at[spec] = commit
        return self.stored

    def _unchanged_since(self, ancestor: str, specs: Sequence[RunSpec]) -> list[RunSpec]:
        """Those of ``specs`` nothing changed from ``ancestor`` to the base can have changed
        (benchguard.push.ancestry): its baseline serves them."""

        if self._base_snapshot is None:  # its packages are listed only when needed
            self._base_snapshot = Snapshot(self.repo, self.base_commit, self._base_tree)
        return ancestry.unchanged(self.repo, ancestor, specs, self.config, self._base_snapshot)

    def _store_base(self) -> None:
        """The base measured side by side, kept as a baseline of the base commit."""
        if self.session is None or self.base_tree is None:
            return
        record = self._record(self.session, "base", self._completed(self.session),
                              self.base_commit, self.base_tree)
        if record is None:
            return
        try:
            self._notes().append(self.base_commit, [record])
        except BenchguardError as error:  # the comparison stands without it
            self.reporter.warn(f"could not store the baseline of {git.short(self.base_commit)}: "
                               f"{error.message}")

    def _head_records(self) -> list[Record]:
        """The head's samples of every selection it fully measured, one record per way it
        was measured. A selection confirmed side by side keeps its head-only run, which has all
        its benchmarks (the confirmation ran only those the stored baseline left open)."""
        alone = self._completed(self.alone) if self.alone is not None else []
        records = []
        if self.alone is not None:
            records.append(self._record(self.alone, "head", alone, self.found.head, self.tree))
        if self.session is not None:
            side_by_side = [spec for spec in self._completed(self.session) if spec not in alone]
            records.append(self._record(self.session, "head", side_by_side, self.found.head,
                                        self.tree))
        return [record for record in records if record is not None]

    def _completed(self, session: Session) -> list[RunSpec]:
        return [spec for spec, rounds in session.rounds.items()
                if spec not in self.unchecked and spec not in self.failures
                and rounds >= self.settings.count]

    def _record(self, session: Session, side: str, specs: Sequence[RunSpec], commit: str,
                tree: Path) -> Record | None:
        """A baseline record of what ``side`` of ``session`` measured for ``specs``, with how
        it was measured and how long each selection took (for the planner)."""

        samples = merge([session.benchmarks(side, [spec]) for spec in specs], first_wins=True)
        if not samples.samples:
            return None
        settings = self.settings.record(specs)
        settings.update({"interleaved": len(session.sides) > 1,
                         "rounds": max(session.rounds[spec] for spec in specs)})
        durations = []
        for spec in specs:
            timing = session.timing(side, spec)
            if timing is not None:
                spent = session.spent(side, spec)
                settled, open_ = self.outcomes.get(spec, (0, 0)) if side == "head" else (0, 0)
                durations.append(notes.Timing(spec.package, spec.pattern, spec.tags, *timing,
                                              rounds=spent.rounds, extra=spent.extra,
                                              settled=settled, open=open_))
        return notes.baseline_record(commit, go.fingerprint(tree), settings, samples,
                                     load=session.load, durations=durations)

    # -- the sessions

    def _session(self) -> Session:
        if self.session is None:
            self.session = session.Session(
                [session.Side("base", f"base {git.short(self.base_commit)}", self._base_tree()),
                 session.Side("head", f"head {git.short(self.found.head)}", self.tree)],
                self.settings, workdir=self._workdir(), reporter=self.reporter,
                deadline=self.deadline)
        return self.session

    def _base_tree(self) -> Path:
        if self.base_tree is None:
            self.base_tree = self.stack.enter_context(git.worktree(self.repo, self.base_commit))
        return self.base_tree

    def _alone(self) -> Session:
        if self.alone is None:
            self.alone = session.Session(
                [session.Side("head", f"head {git.short(self.found.head)}", self.tree)],
                self.settings, workdir=self._workdir(), reporter=self.reporter,
                deadline=self.deadline)
        return self.alone

    def _workdir(self) -> Path:
        return Path(self.stack.enter_context(
            tempfile.TemporaryDirectory(prefix="benchguard-bin-")))

    # -- deciding

    def _decide(self) -> list[Comparison]:
        """Decide every result look by look (engine.ledger, docs/check.md "Noisy machines"):
        against a stored baseline first, confirming side by side what it leaves open; then
        side by side, at the look after `count` rounds and every 2 rounds after it, with extra
        rounds of only the benchmarks still undecided while a look is left and a round fits the
        time budget. Returns the stored baseline's comparisons that were confirmed."""

        rule = ledger.rule_of(self.config)
        self._sets()  # which run each result came from
        stored = self._stored_series()
        family = ledger.family_of({**stored, **self._paired_series()}, self.config.correction)
        self.ledger = book = ledger.Ledger(rule, family)
        confirming = self._against_stored(stored) if stored else []
        rounds = self.settings.count
        undecided = book.look(self._paired_series(), rounds)
        while undecided:
            more = decision.plan(undecided, {}, rounds=rounds, rule=rule)
            assert more.rounds  # the last look leaves nothing undecided
            ran = self._extra_rounds({key: undecided[key] for key in more.more}, more.rounds)
            if ran < more.rounds:  # the time budget ran out: what ran still counts
                if ran:
                    undecided = book.look(self._paired_series(), rounds + ran)
                book.give_up(undecided, rounds + ran,
                               f"the time budget {self.config.budget} ran out after "
                               f"{rounds + ran} rounds")
                break
            rounds += more.rounds
            undecided = book.look(self._paired_series(), rounds)
        self._would_have_settled()
        return confirming

    def _tally(self, made: Iterable[SeriesKey], open_: Iterable[SeriesKey]) -> None:
        """Count, per selection, the benchmarks a stored baseline settled (every result of it)
        and those it left open (any result), for the next plans (plan.Trust)."""
        left = {key.bench for key in open_}
        by_spec: dict[RunSpec, set[BenchKey]] = {}
        for key in made:
            spec = self._spec_of(key.bench)
            if spec is not None:
                by_spec.setdefault(spec, set()).add(key.bench)
        for spec, benches in by_spec.items():
            if spec in self.mine:  # another machine's baseline tells nothing of this one's
                self.outcomes[spec] = (len(benches - left), len(benches & left))

    def _would_have_settled(self) -> None:
        """For each selection measured side by side although a stored baseline of it was at
        hand (the plan did not trust it), what that baseline would have settled against the
        head measured now: what the next plans learn from, at no cost in measuring."""

        if self.session is None or self.ledger is None:
            return
        stored = self._load_stored()  # holds every spec of self.mine
        series: dict[SeriesKey, Series] = {}
        for spec in self._completed(self.session):
            if spec not in self.mine or (self.alone is not None and spec in self.alone.rounds):
                continue
            series.update(ledger.against_stored(
                stored[spec], self.session.benchmarks("head", [spec]), self._judging,
                wanted=self._open_in(spec, decided_too=True)))
        if series:
            count, rule = self.settings.count, self.ledger.rule
            made = decision.decide_look(series, rule, rounds=count, family=self.ledger.family)
            self._tally(made, decision.plan({}, made, rounds=count, rule=rule).confirm)

    def _against_stored(self, stored: Mapping[SeriesKey, Series]) -> list[Comparison]:
        """Decide the results against the stored baseline (one look, unpaired): what it settles
        is final; with confirm = true the rest is measured side by side — only those
        benchmarks, when that fits the time budget (else their selection is unchecked) — and
        decided there; with confirm = false its blocks stand and the rest is unresolved."""

        assert self.ledger is not None and self.alone is not None
        count = self.settings.count
        made = decision.decide_look(stored, self.ledger.rule, rounds=count,
                                    family=self.ledger.family)
        confirm = decision.plan({}, made, rounds=count, rule=self.ledger.rule).confirm
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
        before = self._compare(also=open_)
        confirming = [c for c in before.comparisons if c.series in open_]
        count_of = len(dict.fromkeys(key.bench for key in open_))
        self.reporter.progress(
            f"the stored baseline of {git.short(self.base_commit)} leaves "
            f"{plural(count_of, 'benchmark')} open (could be worse than the threshold); "
            "measuring them side by side to confirm (confirm = true)")
        doing = "confirming the stored baseline's result side by side: "
        for spec, names in self._names_by_spec(open_).items():
            needs = self._confirmation_estimate(spec, names)
            if self.deadline.passed() or not self.deadline.fits(needs):
                self._skip(spec, f"{doing}not started: it needs ~{seconds_text(needs)}, "
                                 f"{self._left()}")
                continue
            head = self.alone.built("head", spec)  # the head's tree has not changed since
            self._measure(self._session(), spec, doing=doing, names=names,
                          reuse={("head", spec): head} if head is not None else None)
        return confirming

    def _confirmation_estimate(self, spec: RunSpec, names: Sequence[str]) -> float:
        """Seconds to build ``spec``'s base (the head's binary is used again) and run ``names``
        `count` rounds on both sides, from its head-only run."""
        assert self.alone is not None
        timing = self.alone.timing("head", spec)
        run = self.alone.run_estimate("head", spec, names)
        if timing is None or run is None:
            return 0.0
        return timing[0] + 2 * self.settings.count * run

    def _extra_rounds(self, undecided: Mapping[SeriesKey, Decision], rounds: int) -> int:
        """Up to ``rounds`` more rounds of only the benchmarks with an undecided result, each
        run as part of the selection it came from (its results belong to that run); each round
        must fit the time budget. Returns how many rounds ran in full."""

        assert self.session is not None and self.ledger is not None
        names = self._names_by_spec(undecided)
        only = {spec: pattern_for(wanted) for spec, wanted in names.items()}
        for spec, wanted in names.items():
            self.undecided.setdefault(spec, len(wanted))
        key, first = next(iter(undecided.items()))
        more = f"; {len(undecided) - 1} more" if len(undecided) > 1 else ""
        why = f" (undecided: {key.bench.describe()} {key.unit} {first.reason}{more})"
        for number in range(rounds):
            needs = self.session.round_estimate(list(names), only=names) or 0.0
            if not self.deadline.fits(needs):
                self._budget_spent()
                return number
            try:
                self.session.one_round(list(names), why=why, total=self.ledger.rule.last,
                                       only=only)
            except Spent:  # the round's runs that finished still count
                self._budget_spent()
                return number
            finally:
                self.packages.update(self.session.packages)
            for spec in names:
                self.extra[spec] = self.extra.get(spec, 0) + 1
        return rounds

    def _names_by_spec(self, keys: Iterable[SeriesKey]) -> dict[RunSpec, list[str]]:
        """The benchmark names of ``keys``, by the selection whose run they came from."""
        names: dict[RunSpec, list[str]] = {}
        for key in keys:
            spec = self._spec_of(key.bench)
            if spec is not None and key.bench.name not in names.setdefault(spec, []):
                names[spec].append(key.bench.name)
        return names

    def _budget_spent(self) -> None:
        assert self.session is not None
        self.reporter.progress(f"time budget {self.config.budget} spent: deciding on "
                               f"{max(self.session.rounds.values())} rounds")

    def _paired_series(self) -> dict[SeriesKey, Series]:
        """Every result measured side by side that is not decided yet, round i's base and head
        paired, each from the run of the selection it belongs to."""

        if self.session is None:
            return {}
        found: dict[SeriesKey, Series] = {}
        for spec in self._completed(self.session):
            found.update(ledger.paired(self.session.pairs(spec), self._judging,
                                      wanted=self._open_in(spec)))
        return found

    def _stored_series(self) -> dict[SeriesKey, Series]:
        """Every result of a selection measured head only, against its stored baseline."""

        if self.alone is None:
            return {}

        found: dict[SeriesKey, Series] = {}
        for spec in self._completed(self.alone):
            found.update(ledger.against_stored((self.stored or {}).get(spec, BenchmarkSet()),
                                              self.alone.benchmarks("head", [spec]),
                                              self._judging, wanted=self._open_in(spec)))
        return found

    def _open_in(self, spec: RunSpec, *, decided_too: bool = False
                 ) -> Callable[[SeriesKey], bool]:
        """Whether a result is one of ``spec``'s (its run produced it), of a metric that can
        block (`metrics`), and not decided yet (unless ``decided_too``)."""

        made = self.ledger.made if self.ledger is not None and not decided_too else {}
        units = {tidy_unit(metric)[0] for metric in self.config.metrics}
        return lambda key: (key not in made and (not units or key.unit in units)
                            and self.owners.get(key.bench) == spec)

    def _compare(self, also: Mapping[SeriesKey, Decision] | None = None) -> ComparisonReport:
        """benchstat's comparison of everything measured, each verdict following its decision
        (``also``: decisions not final yet, to show); unresolved results warned about."""

        base, head = self._sets()
        made = self.ledger.made if self.ledger is not None else {}
        report = verdict.compare(base, head, alpha=self.config.alpha,
                                 threshold=lambda key: self._judging(key).threshold,
                                 metrics=self.config.metrics or None,
                                 correction=self.config.correction,
                                 decided={**made, **(also or {})})
        if self.ledger is not None:
            report.family = self.ledger.family
            unresolved = [c for c in report.comparisons if c.verdict == verdict.Verdict.UNRESOLVED]
            if unresolved:
                report.warnings.append(_unresolved_warning(unresolved))
        return report

    def _sets(self) -> tuple[BenchmarkSet, BenchmarkSet]:
        """Base and head samples of every selection measured (none of those left unchecked or
        failed), each from where it was measured: what a run produced belongs to that run. A
        series two overlapping selections both hold keeps the first's; stored samples, which no
        run of this check produced, were picked per selection as `go test` would have run them
        (stored_for). A result confirmed side by side is that measurement's."""

        bases, heads = [], []
        for spec in self.specs:
            if spec in self.unchecked:
                continue
            parts = []
            if self.session is not None and spec in self.session.rounds:
                parts.append((self.session.benchmarks("base", [spec]),
                              self.session.benchmarks("head", [spec])))
            if self.alone is not None and spec in self.alone.rounds:
                parts.append(((self.stored or {}).get(spec, BenchmarkSet()),
                              self.alone.benchmarks("head", [spec])))
            for base, head in parts:
                for part in (base, head):
                    for key in part.samples:
                        self.owners.setdefault(key.bench, spec)
                bases.append(base)
                heads.append(head)
        return merge(bases, first_wins=True), merge(heads, first_wins=True)

    def _spec_of(self, bench: BenchKey) -> RunSpec | None:
        return self.owners.get(bench)

    def _judging(self, key: SeriesKey) -> Judging:
        """The threshold and min_effect of a result: its run's [[bench]] entry's, else the
        top level's (config.threshold_for)."""

        entry = self.entries.get(self.owners[key.bench]) if key.bench in self.owners else None
        return Judging(self.config.threshold_for(entry, key.unit),
                       self.config.min_effect_for(entry, key.unit))

    def _rounds(self) -> dict[str, Rounds]:
        """Per selection measured, how and in how many rounds, what each side cost, and the
        round each of its results was decided at."""
        at = self.ledger.at if self.ledger is not None else {}
        rounds = {}
        for spec in self.specs:
            sessions = [ran for ran in (self.alone, self.session)
                        if ran is not None and spec in ran.rounds]
            if spec in self.unchecked or not sessions:
                continue
            seconds: dict[str, Usage] = {}
            for ran in sessions:
                for side in ran.sides:
                    used = ran.spent(side.name, spec)
                    seconds[side.name] = seconds[side.name].plus(used) \
                        if side.name in seconds else used
            decided = {f"{key.bench.label} {key.unit}": round_ for key, round_ in at.items()
                       if self.owners.get(key.bench) == spec}
            rounds[describe_spec(spec)] = Rounds(
                self.session is not None and spec in self.session.rounds,
                max(ran.rounds[spec] for ran in sessions), self.extra.get(spec, 0),
                seconds, decided, self.undecided.get(spec, 0), self.outcomes.get(spec))
        return rounds


def _unresolved_warning(unresolved: Sequence[Comparison]) -> str:
    """One warning naming every result the rounds could settle neither way, with its interval."""
    listed = "; ".join(f"{c.series.bench.describe()} {c.series.unit} {c.decision.reason}"
                       for c in unresolved if c.decision is not None)
    return (f"{plural(len(unresolved), 'result')} unresolved, passing: neither settled nor "
            f"blocked by the rounds that ran ({listed})")




def describe_spec(spec: RunSpec) -> str:
    """A selection as the output names it: "./hashing", "./hashing [tags: fast]"."""

    return f"{spec.package} [{tags_line(spec.tags)}]" if spec.tags else spec.package


def spec_of(selected: Selected) -> RunSpec:
    """The `go test` run a selection asks for."""

    return RunSpec(selected.package, selected.pattern, selected.tags, selected.module)


def stored_for(samples: BenchmarkSet, spec: RunSpec, import_path: str | None) -> BenchmarkSet:
    """The stored samples ``spec`` would have produced: its package (by import path, when known)
    and build tags, and the names its -bench pattern runs (benchmatch.runs, Go's own rule)."""

    return BenchmarkSet(samples={key: values for key, values in samples.samples.items()
                                 if (import_path is None or key.bench.package == import_path)
                                 and key.bench.tags == spec.tags
                                 and benchmatch.runs(spec.pattern, key.bench.name)},
                        higher_is_better=dict(samples.higher_is_better),
                        assume_exact=dict(samples.assume_exact),
                        configuration=dict(samples.configuration),
                        warnings=list(samples.warnings))


# -- presenting


def brief(comparison: Comparison) -> str:
    """A result in one line: its name, metric and change as its decision saw it (else
    benchstat's change of medians)."""

    made = comparison.decision
    if made is not None:
        seen = made.reason
    else:
        seen = "?" if comparison.delta is None else f"{comparison.delta * 100:+.1f}%"
    return f"{comparison.series.bench.describe()} {comparison.series.unit} {seen}"


def evidence(comparison: Comparison) -> tuple[str, str]:
    """A regression's change and what it rests on, as its decision saw them: the change the
    decision estimated ("+12.3%") and "exact", or its interval and test ("80% interval +8.1%
    to +16.8%, p=0.00031 ≤ 0.0021")."""
    made = comparison.decision
    change = comparison.delta if made is None else made.change
    shown = "?" if change is None else f"{change * 100:+.1f}%"
    if comparison.exact or (made is not None and (made.p is None or made.level is None)):
        return shown, "exact"
    if made is None or made.low is None or made.high is None:
        return shown, "" if comparison.p is None else f"p={comparison.p:.3f}"
    bounds = f"{made.low * 100:+.1f}% to {made.high * 100:+.1f}%"
    return shown, f"interval {bounds}, p={made.p:.2g} ≤ {made.level:.2g}"
