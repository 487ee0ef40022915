"""Measuring one pushed range within the push's time budget: the plan (benchguard.plan), the
first rounds of each selection — head only against a stored baseline, else base and head side
by side — confirmation, extra rounds for inconclusive results (docs/check.md, "Noisy machines"
and "The time budget"), and the records a passing check keeps. What a run produced belongs to
that run (Measured.owners), and a selection that does not build or run fails alone."""

from __future__ import annotations

import contextlib
import itertools
import math
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from benchguard import git, hook
from benchguard.budget import Deadline, Spent, Unchecked, seconds_text
from benchguard.errors import BenchguardError

# How many first-parent commits back from the base to look for a stored baseline that serves.
_ANCESTORS = 30

if TYPE_CHECKING:
    from benchguard.abtest import Session
    from benchguard.config import Config
    from benchguard.gotree import Snapshot
    from benchguard.notes import NotesStore, Record
    from benchguard.plan import Plan, Step
    from benchguard.reporter import Reporter
    from benchguard.results import BenchKey, BenchmarkSet
    from benchguard.runner import RunSettings, RunSpec
    from benchguard.selection import Selected, Selection
    from benchguard.verdict import Comparison, ComparisonReport


@dataclass(frozen=True)
class Confirmation:
    """A regression against the stored baseline, and what base and head side by side said."""

    stored: Comparison
    fresh: Comparison | None  # None when the re-measurement did not find the benchmark


@dataclass
class Measured:
    report: ComparisonReport
    base: BenchmarkSet
    head: BenchmarkSet
    confirmations: list[Confirmation] = field(default_factory=list)
    # describe_spec(spec) -> (rounds run side by side, of which extra for inconclusive results)
    rounds: dict[str, tuple[int, int]] = field(default_factory=dict)
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


class Measurement:
    """Measure the selections of one range and compare them, as docs/check.md describes."""

    def __init__(self, repo: Path, found: hook.Range, config: Config, chosen: Selection,
                 tree: Path, stack: contextlib.ExitStack, *, reporter: Reporter,
                 any_machine: bool = False) -> None:
        from benchguard import runner

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
        self.extra: dict[RunSpec, int] = {}
        self.unchecked: dict[RunSpec, str] = {}
        self._store: NotesStore | None = None
        # of overlapping selections, the first's reason and threshold
        self.reasons: dict[RunSpec, str] = {}
        self.thresholds: dict[RunSpec, float] = {}
        for selected in chosen.selected:
            spec = spec_of(selected)
            self.reasons.setdefault(spec, selected.reason)
            if selected.import_path:
                self.packages.setdefault(spec.package, selected.import_path)
            if selected.threshold is not None:
                self.thresholds.setdefault(spec, selected.threshold)
        self.specs = list(self.reasons)

    # -- the plan

    def plan(self, available: float = math.inf) -> Plan:
        """What this range would measure, how, and what fits in ``available`` seconds — from
        the notes and `go env` alone: nothing is built or run."""
        from benchguard import go, plan
        from benchguard.plan import How, Source

        stored = self._load_stored()
        history = itertools.chain(self._notes().along_first_parents(self.found.head, 1),
                                  self._notes().along_first_parents(self.base_commit,
                                                                    plan.HISTORY_DEPTH))
        costs = plan.costs_from((records for _, records in history), self.specs,
                                go.fingerprint(self.tree), self.settings.benchtime)
        steps = []
        for spec in self.specs:
            source = (Source.THIS_MACHINE if spec in self.mine else
                      Source.ANOTHER_MACHINE if spec in self.elsewhere else Source.NONE)
            how = How.HEAD_ONLY if spec in stored else How.SIDE_BY_SIDE
            steps.append(plan.Planned(spec, self.reasons[spec], source, how,
                                      self.stored_at.get(spec)))
        return plan.make(steps, costs, count=self.settings.count, budget=self.config.budget,
                         available=available)

    # -- measuring

    def run(self, deadline: Deadline | None = None, planned: Plan | None = None) -> Measured:
        """Measure what ``planned`` (default: a plan made now) fits before ``deadline`` (default:
        the configured budget from now), then compare, confirm and decide."""
        from benchguard.plan import How

        self.deadline = deadline or Deadline.starting(self.config.budget)
        planned = planned or self.plan(self.deadline.remaining())
        covered = [step for step in planned.steps if step.how == How.HEAD_ONLY]
        for commit in dict.fromkeys(step.stored_at or self.base_commit for step in covered):
            serves = [step for step in covered if (step.stored_at or self.base_commit) == commit]
            since = "" if commit == self.base_commit else \
                f" (the commits since it up to {git.short(self.base_commit)} change none of them)"
            self.reporter.progress(f"using the stored baseline of {git.short(commit)} for "
                                   f"{len(serves)} of {len(self.specs)} selections{since}")
        for step in planned.steps:
            self._first_rounds(step)
        report, confirmations = self._confirm(self._compare())
        report = self._decide(report)
        self._store_base()
        base, head = self._sets()
        rounds = {}
        if self.session is not None:
            rounds = {describe_spec(spec): (count, self.extra.get(spec, 0))
                      for spec, count in self.session.rounds.items()
                      if spec not in self.unchecked and spec not in self.failures}
        unchecked = [Unchecked(spec.package, spec.pattern, spec.tags, reason)
                     for spec, reason in self.unchecked.items()]
        return Measured(report, base, head, confirmations, rounds, dict(self.packages),
                        dict(self.owners), dict(self.failures), unchecked, self._head_records())

    def _first_rounds(self, step: Step) -> None:
        """The first `count` rounds of one selection, when they fit what the budget leaves."""
        from benchguard.plan import How

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
                 doing: str = "") -> None:
        """Build ``spec``'s binaries and run its `count` rounds; before each round after the
        first, check that the rounds still to run fit, and stop (unchecked) when they do not.
        A selection whose binary does not build or run fails alone (``failures``): the others
        are still measured."""
        from benchguard.errors import EXIT_BENCH_FAILED

        count = self.settings.count
        try:
            session.add([spec])
            for number in range(count):
                per_round = session.round_estimate([spec]) if number else None
                if per_round is not None and not self.deadline.fits(per_round * (count - number)):
                    self._skip(spec, f"{doing}stopped after {number} of {count} rounds: the "
                                     f"other {count - number} need "
                                     f"~{seconds_text(per_round * (count - number))}, "
                                     f"{self._left()}")
                    return
                session.one_round([spec], total=count, announce=announce)
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
        from benchguard.names import run_name

        self.unchecked[spec] = reason
        self.reporter.warn(f"{run_name(spec.package, spec.pattern, spec.tags)}: not checked: "
                           f"{reason}")

    def _left(self) -> str:
        return f"{seconds_text(self.deadline.remaining())} left of budget {self.config.budget}"

    # -- the base's stored baseline

    def _notes(self) -> NotesStore:
        from benchguard import notes

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
        from benchguard import go
        from benchguard.reporter import Silent

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
        (benchguard.ancestry): its baseline serves them."""
        from benchguard import ancestry
        from benchguard.gotree import Snapshot

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
        was measured (side by side wins for a selection confirmed that way)."""
        side_by_side = self._completed(self.session) if self.session is not None else []
        records = []
        if self.alone is not None:
            alone = [spec for spec in self._completed(self.alone) if spec not in side_by_side]
            records.append(self._record(self.alone, "head", alone, self.found.head, self.tree))
        if self.session is not None:
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
        from benchguard import go, notes
        from benchguard.results import merge

        samples = merge([session.benchmarks(side, [spec]) for spec in specs], first_wins=True)
        if not samples.samples:
            return None
        settings = self.settings.record(specs)
        settings.update({"interleaved": len(session.sides) > 1,
                         "rounds": max(session.rounds[spec] for spec in specs)})
        durations = [notes.Timing(spec.package, spec.pattern, spec.tags, *timing)
                     for spec in specs if (timing := session.timing(side, spec)) is not None]
        return notes.baseline_record(commit, go.fingerprint(tree), settings, samples,
                                     load=session.load, durations=durations)

    # -- the sessions

    def _session(self) -> Session:
        from benchguard import abtest

        if self.session is None:
            self.session = abtest.Session(
                [abtest.Side("base", f"base {git.short(self.base_commit)}", self._base_tree()),
                 abtest.Side("head", f"head {git.short(self.found.head)}", self.tree)],
                self.settings, workdir=self._workdir(), reporter=self.reporter,
                deadline=self.deadline)
        return self.session

    def _base_tree(self) -> Path:
        if self.base_tree is None:
            self.base_tree = self.stack.enter_context(git.worktree(self.repo, self.base_commit))
        return self.base_tree

    def _alone(self) -> Session:
        from benchguard import abtest

        if self.alone is None:
            self.alone = abtest.Session(
                [abtest.Side("head", f"head {git.short(self.found.head)}", self.tree)],
                self.settings, workdir=self._workdir(), reporter=self.reporter,
                deadline=self.deadline)
        return self.alone

    def _workdir(self) -> Path:
        return Path(self.stack.enter_context(
            tempfile.TemporaryDirectory(prefix="benchguard-bin-")))

    # -- deciding

    def _confirm(self, report: ComparisonReport
                 ) -> tuple[ComparisonReport, list[Confirmation]]:
        """A stored baseline is a shortcut only while it clearly says "no change": what it
        shows as a regression, or as unclear, is measured again side by side (confirm = true),
        when that fits the budget; what does not fit is left unchecked."""
        from benchguard.plan import Cost
        from benchguard.verdict import Verdict

        if self.alone is None or not self.config.confirm:
            return report, []
        covered = set(self._completed(self.alone))
        against_stored = [c for c in report.comparisons
                          if self._spec_of(c.series.bench) in covered]
        flagged = [c for c in against_stored if c.verdict == Verdict.REGRESSION]
        # Drift since the baseline was stored can as well hide a regression (a slower machine
        # then made the base slower too).
        moved = [c for c in against_stored if c.verdict != Verdict.REGRESSION and _unclear(c)]
        if not (flagged or moved):
            return report, []
        said = [f"{len(found)} {what}{'' if len(found) == 1 else 's'}"
                for found, what in ((flagged, "regression"), (moved, "unclear result")) if found]
        self.reporter.progress(f"the stored baseline of {git.short(self.base_commit)} shows "
                               f"{' and '.join(said)}; measuring base and head side by side "
                               "to confirm (confirm = true)")
        doing = "confirming the stored baseline's result side by side: "
        for spec in dict.fromkeys(spec for c in [*flagged, *moved]
                                  if (spec := self._spec_of(c.series.bench)) is not None):
            timing = self.alone.timing("head", spec)
            needs = Cost(*timing).seconds(self.settings.count, 2) if timing else 0.0
            if self.deadline.passed() or not self.deadline.fits(needs):
                self._skip(spec, f"{doing}not started: it needs ~{seconds_text(needs)}, "
                                 f"{self._left()}")
                continue
            self._measure(self._session(), spec, doing=doing)
        report = self._compare()
        fresh = {c.series: c for c in report.comparisons}
        return report, [Confirmation(c, fresh.get(c.series)) for c in [*flagged, *moved]
                        if (spec := self._spec_of(c.series.bench)) not in self.unchecked
                        and spec not in self.failures]

    def _decide(self, report: ComparisonReport) -> ComparisonReport:
        """The decision step: while a result measured side by side is inconclusive, add a round
        of its selection, up to max_count rounds and while a round fits the time budget."""
        most = max(self.config.max_count, self.settings.count)
        while self.session is not None:
            pending: dict[RunSpec, tuple[Comparison, str]] = {}
            for comparison in report.comparisons:
                spec = self._spec_of(comparison.series.bench)
                if (spec is not None and spec in self.session.rounds and spec not in pending
                        and spec not in self.unchecked and self.session.rounds[spec] < most
                        and (reason := inconclusive(comparison, report.alpha))):
                    pending[spec] = (comparison, reason)
            if not pending:
                break
            needs = self.session.round_estimate(list(pending)) or 0.0
            if not self.deadline.fits(needs):
                self._budget_spent()
                break
            first, reason = next(iter(pending.values()))
            why = f" (inconclusive: {brief(first)}: {reason})"
            try:
                self.session.one_round(list(pending), why=why, total=most)
            except Spent:  # the round's runs that finished still count
                self._budget_spent()
                return self._compare()
            finally:
                self.packages.update(self.session.packages)
            for spec in pending:
                self.extra[spec] = self.extra.get(spec, 0) + 1
            report = self._compare()
        return report

    def _budget_spent(self) -> None:
        assert self.session is not None
        self.reporter.progress(f"time budget {self.config.budget} spent: deciding on "
                               f"{max(self.session.rounds.values())} rounds")

    def _compare(self) -> ComparisonReport:
        from benchguard import verdict

        base, head = self._sets()
        return verdict.compare(base, head, alpha=self.config.alpha, threshold=self._threshold,
                               metrics=self.config.metrics or None,
                               correction=self.config.correction)

    def _sets(self) -> tuple[BenchmarkSet, BenchmarkSet]:
        """Base and head samples of every selection measured (none of those left unchecked or
        failed), each from where it was measured: what a run produced belongs to that run. A
        series two overlapping selections both hold keeps the first's; stored samples, which no
        run of this check produced, were picked per selection as `go test` would have run them
        (stored_for)."""
        from benchguard.results import BenchmarkSet, merge

        bases, heads = [], []
        for spec in self.specs:
            if spec in self.unchecked:
                continue
            if self.session is not None and spec in self.session.rounds:
                parts = (self.session.benchmarks("base", [spec]),
                         self.session.benchmarks("head", [spec]))
            elif self.alone is not None and spec in self.alone.rounds:
                parts = ((self.stored or {}).get(spec, BenchmarkSet()),
                         self.alone.benchmarks("head", [spec]))
            else:
                continue
            for part in parts:
                for key in part.samples:
                    self.owners.setdefault(key.bench, spec)
            bases.append(parts[0])
            heads.append(parts[1])
        return merge(bases, first_wins=True), merge(heads, first_wins=True)

    def _spec_of(self, bench: BenchKey) -> RunSpec | None:
        return self.owners.get(bench)

    def _threshold(self, key: BenchKey) -> float:
        spec = self.owners.get(key)
        return self.config.threshold if spec is None else self.thresholds.get(
            spec, self.config.threshold)


def describe_spec(spec: RunSpec) -> str:
    """A selection as the output names it: "./hashing", "./hashing [tags: fast]"."""
    from benchguard.names import tags_line

    return f"{spec.package} [{tags_line(spec.tags)}]" if spec.tags else spec.package


def spec_of(selected: Selected) -> RunSpec:
    """The `go test` run a selection asks for."""
    from benchguard.runner import RunSpec

    return RunSpec(selected.package, selected.pattern, selected.tags, selected.module)


def stored_for(samples: BenchmarkSet, spec: RunSpec, import_path: str | None) -> BenchmarkSet:
    """The stored samples ``spec`` would have produced: its package (by import path, when known)
    and build tags, and the names its -bench pattern runs (benchmatch.runs, Go's own rule)."""
    from benchguard import benchmatch
    from benchguard.results import BenchmarkSet

    return BenchmarkSet(samples={key: values for key, values in samples.samples.items()
                                 if (import_path is None or key.bench.package == import_path)
                                 and key.bench.tags == spec.tags
                                 and benchmatch.runs(spec.pattern, key.bench.name)},
                        higher_is_better=dict(samples.higher_is_better),
                        assume_exact=dict(samples.assume_exact),
                        configuration=dict(samples.configuration),
                        warnings=list(samples.warnings))


def inconclusive(comparison: Comparison, alpha: float) -> str | None:
    """Why more rounds could change this verdict, or None: a regression that is only just one
    (its p, adjusted where the verdict used the adjusted one, above alpha/5, or the change below
    1.25 × the threshold), a worsening of ¾ of the threshold or more that is not (yet) one, or
    medians too imprecise to see a threshold-sized change. Exact metrics and improvements never
    need more rounds."""
    from benchguard.verdict import Verdict

    if comparison.exact or comparison.p is None or comparison.delta is None:
        return None
    worse = -comparison.delta if comparison.higher_is_better else comparison.delta
    p = comparison.p if comparison.p_adjusted is None else comparison.p_adjusted
    threshold = comparison.threshold
    if comparison.verdict == Verdict.REGRESSION:
        if p > alpha / 5:
            return f"a regression, but {_judged_p(comparison)} is above alpha/5 = {alpha / 5:g}"
        if worse < threshold * 1.25:
            return (f"a regression, but worse by only {worse:.1%}, just over the "
                    f"{threshold:.0%} threshold")
        return None
    if comparison.verdict in (Verdict.SAME, Verdict.INSUFFICIENT):
        if worse >= threshold * 0.75:
            if comparison.verdict == Verdict.INSUFFICIENT:
                return f"worse by {worse:.1%}, but too few runs yet to test it"
            if p <= alpha:
                return f"worse by {worse:.1%}, just under the {threshold:.0%} threshold"
            return (f"worse by {worse:.1%} (threshold {threshold:.0%}), but "
                    f"{_judged_p(comparison)} is above alpha {alpha:g}")
        width = _imprecision(comparison)
        if width > threshold:
            shown = "unbounded" if width == math.inf else f"±{width:.0%}"
            return f"medians known only to {shown}, wider than the {threshold:.0%} threshold"
    return None


def _judged_p(comparison: Comparison) -> str:
    """The p the verdict was judged by, named: "Holm-adjusted p=0.019" or "p=0.030"."""
    if comparison.p_adjusted is not None and comparison.p_adjusted != comparison.p:
        return f"Holm-adjusted p={comparison.p_adjusted:.3f}"
    assert comparison.p is not None
    return f"p={comparison.p:.3f}"


def _unclear(comparison: Comparison) -> bool:
    """Not clearly "no change": moved by half the threshold or more either way, or too
    imprecise to tell. Exact metrics are always clear."""
    if comparison.exact or comparison.delta is None:
        return False
    return (abs(comparison.delta) >= comparison.threshold / 2
            or _imprecision(comparison) > comparison.threshold)


def _imprecision(comparison: Comparison) -> float:
    """The wider relative half-width of the two medians' confidence intervals (inf when
    unbounded): a median known only to ±8% cannot show a 5% change yet."""
    widest = 0.0
    for summary in (comparison.base, comparison.head):
        if summary is None or summary.center == 0:
            continue
        if not (math.isfinite(summary.low) and math.isfinite(summary.high)):
            return math.inf
        width = max(summary.high / summary.center - 1, 1 - summary.low / summary.center)
        widest = max(widest, abs(width))
    return widest


# -- presenting


def brief(comparison: Comparison) -> str:
    from benchguard.verdict import describe

    delta = "?" if comparison.delta is None else f"{comparison.delta * 100:+.1f}%"
    p = "" if comparison.p is None else f", p={p_text(comparison)}"
    return f"{describe(comparison.series.bench)} {comparison.series.unit} {delta}{p}"


def p_text(comparison: Comparison) -> str:
    assert comparison.p is not None
    if comparison.p_adjusted is None or comparison.p_adjusted == comparison.p:
        return f"{comparison.p:.3f}"
    return f"{comparison.p:.3f} (Holm {comparison.p_adjusted:.3f})"
