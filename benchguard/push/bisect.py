"""Which commit of a blocked push made each regression (docs/check.md, "Which commit").

When a range of several commits blocks, each blocking result is searched for by
engine.bisection over the range's first-parent commits that could have changed it (a commit
that changes nothing its test binary is built from cannot move it: push.ancestry). Each commit
the search asks for is first looked up in the notes: a stored result of it that the check's rule
settles against the base (within the threshold either way) needs no measuring. Otherwise it is
measured against the range's base exactly as the check measures (push.measure: the plan, side
by side or the head alone against a stored baseline, the looks, extra rounds, confirmations),
only the benchmarks still searched for, within what the push's time budget leaves. Every commit
measured is kept in the notes, so `history` has it.

How a commit is measured is a Prober: the time instrument's measures rounds against the base
and decides them look by look (SideBySide); an instrument whose counts do not move from run to
run would measure one run of the commit and decide it exactly, and plugs in here.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from benchguard.config import Config
from benchguard.engine import decision, ledger
from benchguard.engine.benchfmt import BenchKey, SeriesKey
from benchguard.engine.benchmatch import pattern_for
from benchguard.engine.bisection import Bisected, Estimate, Search
from benchguard.engine.decision import State
from benchguard.engine.ledger import Judging
from benchguard.engine.status import Verdict
from benchguard.engine.verdict import Comparison
from benchguard.errors import BenchguardError
from benchguard.progress import Reporter, Silent
from benchguard.push import ancestry, deciding, runs
from benchguard.push.budget import Deadline, seconds_text
from benchguard.push.measure import Measurement
from benchguard.push.outcome import Outcome, Prepared
from benchguard.push.ranges import Range
from benchguard.push.runner import RunSettings, RunSpec
from benchguard.push.selection import Selected, Selection
from benchguard.store.notes import NotesStore, Record
from benchguard.style import plural
from benchguard.tools import git, go
from benchguard.tools.packages import Snapshot


@dataclass(frozen=True)
class Pushed:
    """One of the range's first-parent commits."""

    sha: str
    subject: str
    author: str  # "Name <email>"
    position: int  # 1: the oldest of the range

    def describe(self, of: int) -> str:
        return f"{self.position}/{of} {self.sha[:12]} {self.subject[:60]!r} ({self.author})"


@dataclass
class Culprits:
    """What the search found for each blocking result of one range."""

    commits: tuple[Pushed, ...]  # the range's first-parent commits, oldest first
    found: dict[SeriesKey, Bisected] = field(default_factory=dict)
    thresholds: dict[SeriesKey, float] = field(default_factory=dict)
    measured: set[int] = field(default_factory=set)  # positions measured, for any result
    seconds: float = 0.0
    # per result, what ended its search early: the budget, a commit that could not be measured
    stopped: dict[SeriesKey, str] = field(default_factory=dict)

    def commit(self, position: int) -> Pushed:
        return self.commits[position - 1]


class Prober(Protocol):
    def estimates(self, commit: Pushed, keys: Sequence[SeriesKey]
                  ) -> dict[SeriesKey, Estimate] | None:
        """What ``commit`` gives for ``keys`` against the range's base (a key left out could
        not be measured there); None when the time budget did not let it be measured."""


def bisect(prepared: Prepared, outcome: Outcome, *, reporter: Reporter,
           enabled: bool = True) -> Outcome:
    """``outcome`` with the culprits of its regressions, when it is blocked by a regression
    over several commits and bisecting is on (``enabled``: not `--no-bisect`; `bisect` in
    benchguard.toml)."""
    config, found, measurement = prepared.config, prepared.range, prepared.measurement
    blocking = _blocking(outcome)
    if (not enabled or config is None or not config.bisect or not blocking
            or found.base is None or measurement is None or outcome.measured is None):
        return outcome
    commits = tuple(Pushed(sha, subject, author, position) for position, (sha, subject, author)
                    in enumerate(git.first_parent_commits(prepared.repo, found.base,
                                                          found.head), start=1))
    if len(commits) < 2:
        return outcome
    deadline = prepared.deadline or Deadline.starting(config.budget)
    shown = _Labelled(reporter)
    with contextlib.ExitStack() as stack:
        prober = SideBySide(prepared, config, measurement, outcome.measured.owners,
                            count=len(commits), stack=stack, deadline=deadline,
                            reporter=shown)
        bisector = Bisector(prepared, outcome, commits, blocking, prober=prober,
                            deadline=deadline, reporter=shown)
        culprits = bisector.run()
    return dataclasses.replace(outcome, culprits=culprits)


def _blocking(outcome: Outcome) -> list[Comparison]:
    if outcome.report is None or outcome.measured is None:
        return []
    return [c for c in outcome.report.comparisons
            if c.verdict == Verdict.REGRESSION and c.allowed_by is None
            and c.series.bench in outcome.measured.owners]


def estimate_of(comparison: Comparison) -> Estimate:
    """A result as the search reads it: blocked or not by the check's rule, and its change.
    A result is decided when it blocks, or is settled with its interval within the threshold:
    the rule also settles an estimate no worse than base however wide its interval (it cannot
    block), and the search then says the commit could not be decided either way."""
    made = comparison.decision
    if made is None:
        return Estimate(comparison.verdict == Verdict.REGRESSION, comparison.delta,
                        resolved=False)
    worst = made.high if not comparison.higher_is_better else (
        None if made.low is None or made.low <= -1 else 1 / (1 + made.low) - 1)
    within = worst is None or worst <= comparison.threshold
    return Estimate(made.state == State.BLOCK, made.change, made.low, made.high,
                    resolved=made.state == State.BLOCK or (made.state == State.SETTLED
                                                           and within))


class Bisector:
    """The searches of one range's blocking results, measured commit by commit."""

    def __init__(self, prepared: Prepared, outcome: Outcome, commits: Sequence[Pushed],
                 blocking: Sequence[Comparison], *, prober: Prober, deadline: Deadline,
                 reporter: Reporter) -> None:
        assert prepared.config is not None and prepared.range.base is not None
        assert outcome.measured is not None and prepared.tree is not None
        self.repo, self.config = prepared.repo, prepared.config
        self.base = prepared.range.base
        self.commits = tuple(commits)
        self.prober, self.deadline, self.reporter = prober, deadline, reporter
        self.owners = outcome.measured.owners
        self.base_samples = outcome.measured.base
        self.entries = prepared.measurement.entries if prepared.measurement else {}
        tree = prepared.tree
        self.head = Snapshot(prepared.repo, prepared.range.head, lambda: tree)
        self.fingerprint = go.fingerprint(tree)
        self.changed: dict[int, list[str]] = {}
        rule = deciding.rule_of(self.config)
        self.culprits = Culprits(self.commits)
        self.searches: dict[SeriesKey, Search] = {}
        for comparison in blocking:
            key = comparison.series
            self.culprits.thresholds[key] = comparison.threshold
            self.searches[key] = Search(
                self._candidates(self.owners[key.bench]), estimate_of(comparison),
                threshold=comparison.threshold, higher_is_better=comparison.higher_is_better,
                margin=rule.margin)

    def run(self) -> Culprits:
        started = time.monotonic()
        self._announce()
        while (asked := self._next()) is not None:
            position, keys = asked
            commit = self.commits[position - 1]
            settled = self._stored(commit, keys)
            for key, estimate in settled.items():
                self.searches[key].learn(position, estimate, measured=False)
            left = [key for key in keys if key not in settled]
            if not left:
                continue
            learned = None if self.deadline.passed() else self.prober.estimates(commit, left)
            if learned is None:
                self._stop(list(self.searches), f"the time budget {self.config.budget} ran out")
                break
            self.culprits.measured.add(position)
            for key in left:
                if key in learned:
                    self.searches[key].learn(position, learned[key])
                else:
                    self._stop([key], f"{git.short(commit.sha)} could not be measured")
        self.culprits.found = {key: search.result() for key, search in self.searches.items()}
        self.culprits.seconds = time.monotonic() - started
        self.reporter.progress(
            f"{plural(len(self.culprits.measured), 'commit')} of {len(self.commits)} measured "
            f"against the base in {seconds_text(self.culprits.seconds)}")
        return self.culprits

    def _next(self) -> tuple[int, list[SeriesKey]] | None:
        """The commit most searches ask for (the oldest of equals), and the results that ask."""
        wanted: dict[int, list[SeriesKey]] = {}
        for key, search in self.searches.items():
            position = search.next()
            if position is not None:
                wanted.setdefault(position, []).append(key)
        if not wanted:
            return None
        return max(wanted.items(), key=lambda item: (len(item[1]), -item[0]))

    def _stop(self, keys: Sequence[SeriesKey], why: str) -> None:
        for key in keys:
            if self.searches[key].next() is not None:
                self.culprits.stopped.setdefault(key, why)
            self.searches[key].stop()

    def _announce(self) -> None:
        for key, search in self.searches.items():
            self.reporter.progress(
                f"{key.bench.describe()} {key.unit} regressed over "
                f"{plural(len(self.commits), 'pushed commit')} "
                f"({len(search.candidates)} could have changed it): finding the first worse "
                f"than its {self.culprits.thresholds[key]:.0%} threshold")

    def _candidates(self, spec: RunSpec) -> list[int]:
        """The positions of the commits that change something ``spec``'s benchmarks are built
        from (as the head builds them); every commit when none seems to."""
        found = []
        for commit in self.commits:
            if commit.position not in self.changed:
                before = self.base if commit.position == 1 else \
                    self.commits[commit.position - 2].sha
                self.changed[commit.position] = git.changed_files(self.repo, before, commit.sha)
            if not ancestry.untouched(self.changed[commit.position], [spec], self.config,
                                      self.head):
                found.append(commit.position)
        return found or [commit.position for commit in self.commits]

    def _stored(self, commit: Pushed, keys: Sequence[SeriesKey]) -> dict[SeriesKey, Estimate]:
        """The results of ``keys`` a baseline stored on ``commit`` (this machine's, measured
        alike) settles against the base, by the check's rule: not worse than the threshold."""
        settings = RunSettings.from_config(self.config)
        stored = NotesStore(self.repo, self.config.notes_ref).baseline(
            commit.sha, self.fingerprint, reporter=Silent(),
            settings=settings.comparable())
        if stored is None:
            return {}
        series = ledger.against_stored(self.base_samples, stored, self._judging,
                                       wanted=lambda key: key in keys)
        if not series:
            return {}
        made = decision.decide_look(series, deciding.rule_of(self.config),
                                    rounds=self.config.count,
                                    family=ledger.family_of(series, self.config.correction))
        settled = {key: Estimate(False, one.change, one.low, one.high)
                   for key, one in made.items() if one.state == State.SETTLED}
        if settled:
            self.reporter.progress(
                f"{commit.describe(len(self.commits))}: its stored results settle "
                f"{plural(len(settled), 'result')} against the base (not worse than the "
                "threshold): not measured again")
        return settled

    def _judging(self, key: SeriesKey) -> Judging:
        entry = self.entries.get(self.owners[key.bench]) if key.bench in self.owners else None
        return Judging(self.culprits.thresholds[key],
                       self.config.min_effect_for(entry, key.unit))


class SideBySide:
    """The time instrument's prober: each commit measured against the range's base as the
    check measures its head (push.measure), only the benchmarks asked for."""

    def __init__(self, prepared: Prepared, config: Config, measurement: Measurement,
                 owners: Mapping[BenchKey, RunSpec], *, count: int,
                 stack: contextlib.ExitStack, deadline: Deadline, reporter: Reporter) -> None:
        self.repo, self.range, self.config = prepared.repo, prepared.range, config
        self.measurement, self.owners = measurement, owners
        self.stack, self.deadline, self.reporter = stack, deadline, reporter
        self.count = count  # the range's commits, for "3/6"
        self._base_tree: Path | None = measurement.runs.base_tree

    def estimates(self, commit: Pushed, keys: Sequence[SeriesKey]
                  ) -> dict[SeriesKey, Estimate] | None:
        names = runs.names_by_spec(keys, self.owners)
        chosen = Selection(tuple(self._selected(spec, wanted, commit)
                                 for spec, wanted in names.items()), ())
        config = dataclasses.replace(self.config,
                                     metrics=tuple(dict.fromkeys(key.unit for key in keys)))
        self.reporter.progress(f"measuring {commit.describe(self.count)} against the base: "
                               f"{', '.join(pattern_for(found) for found in names.values())}")
        assert self.range.base is not None
        with contextlib.ExitStack() as stack:
            tree = stack.enter_context(git.worktree(self.repo, commit.sha))
            measured = Measurement(
                self.repo, Range(self.range.ref, self.range.base, commit.sha, "bisect",
                                 forked=True),
                config, chosen, tree, stack, reporter=self.reporter,
                base_tree=self._base()).run(self.deadline)
            self._keep(commit, measured.head_records)
        if measured.unchecked:
            return None
        failed = set(measured.failures)
        return {c.series: estimate_of(c) for c in measured.report.comparisons
                if c.series in keys and self.owners.get(c.series.bench) not in failed}

    def _selected(self, spec: RunSpec, names: Sequence[str], commit: Pushed) -> Selected:
        return Selected(spec.package, pattern_for(names), spec.tags,
                        f"bisecting: {git.short(commit.sha)}",
                        entry=self.measurement.entries.get(spec), module=spec.module,
                        import_path=self.measurement.packages.get(spec.package, ""))

    def _base(self) -> Path:
        """The base, checked out once for every commit measured (the check's, when it had
        one)."""
        if self._base_tree is None:
            assert self.range.base is not None
            self._base_tree = self.stack.enter_context(git.worktree(self.repo,
                                                                    self.range.base))
        return self._base_tree

    def _keep(self, commit: Pushed, records: Sequence[Record]) -> None:
        """What was measured of ``commit``, in its note: `history` gains the point."""
        if not records:
            return
        try:
            NotesStore(self.repo, self.config.notes_ref).append(commit.sha, records)
        except BenchguardError as error:
            self.reporter.warn(f"could not record on {git.short(commit.sha)}: {error.message}")


class _Labelled:
    """Every line of the search, marked as the bisect's."""

    def __init__(self, reporter: Reporter) -> None:
        self.reporter = reporter

    def progress(self, message: str) -> None:
        self.reporter.progress(f"bisect: {message}")

    def warn(self, message: str) -> None:
        self.reporter.warn(f"bisect: {message}")

