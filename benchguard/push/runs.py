"""The runs of one range's check: the head alone (against a stored baseline) and base and head
side by side, each an interleaved session (push.session), within the push's deadline. Before each
round after the first it checks that the rounds still to run fit; what does not fit is left
unchecked (said, with why), and a selection whose binary does not build or run fails alone: the
others are still measured."""

from __future__ import annotations

import contextlib
import dataclasses
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from benchguard.engine.benchfmt import BenchKey, BenchmarkSet, SeriesKey, merge
from benchguard.engine.benchmatch import pattern_for
from benchguard.engine.names import run_name
from benchguard.errors import EXIT_BENCH_FAILED, BenchguardError
from benchguard.progress import Reporter
from benchguard.push import partial
from benchguard.push.budget import Deadline, Spent, Unchecked, seconds_text
from benchguard.push.runner import RunSettings, RunSpec
from benchguard.push.session import Session, Side
from benchguard.style import plural
from benchguard.tools import git

# The fewest complete rounds a selection the deadline stopped is decided on: an exact metric
# needs two a side.
FEWEST_ROUNDS = 2


class Runs:
    """The sessions of one range, and what they left unchecked or failed."""

    def __init__(self, repo: Path, base: str, head: str, tree: Path,
                 stack: contextlib.ExitStack, settings: RunSettings, *, budget: str,
                 reporter: Reporter) -> None:
        self.repo, self.base, self.head, self.tree = repo, base, head, tree
        self.stack = stack
        self.settings = settings
        self.budget = budget
        self.reporter = reporter
        self.deadline = Deadline(budget, None)  # Measurement.run sets the push's
        self.alone: Session | None = None  # the head alone, against a stored baseline
        self.side_by_side: Session | None = None  # base and head, round by round
        self.base_tree: Path | None = None
        self.packages: dict[str, str] = {}  # spec.package -> import path, from the runs
        self.extra: dict[RunSpec, int] = {}  # extra rounds of only the undecided
        self.undecided: dict[RunSpec, int] = {}  # benchmarks the first extra round ran
        self.unchecked: dict[RunSpec, str] = {}
        # measured in part: the benchmarks left out of a selection, and why
        self.left_out: dict[RunSpec, tuple[list[str], str]] = {}
        # the deadline stopped these after this many complete rounds (fewer than `count`)
        self.cut: dict[RunSpec, int] = {}
        self.failures: dict[RunSpec, BenchguardError] = {}

    # -- the sessions

    def head_alone(self) -> Session:
        if self.alone is None:
            self.alone = Session([Side("head", f"head {git.short(self.head)}", self.tree)],
                                 self.settings, workdir=self._workdir(), reporter=self.reporter,
                                 deadline=self.deadline)
        return self.alone

    def both(self) -> Session:
        if self.side_by_side is None:
            self.side_by_side = Session(
                [Side("base", f"base {git.short(self.base)}", self.checkout_base()),
                 Side("head", f"head {git.short(self.head)}", self.tree)],
                self.settings, workdir=self._workdir(), reporter=self.reporter,
                deadline=self.deadline)
        return self.side_by_side

    def checkout_base(self) -> Path:
        if self.base_tree is None:
            self.base_tree = self.stack.enter_context(git.worktree(self.repo, self.base))
        return self.base_tree

    def sessions(self) -> list[Session]:
        return [one for one in (self.alone, self.side_by_side) if one is not None]

    def _workdir(self) -> Path:
        return Path(self.stack.enter_context(
            tempfile.TemporaryDirectory(prefix="benchguard-bin-")))

    # -- measuring

    def first_rounds(self, spec: RunSpec, *, head_only: bool, estimate: float | None,
                     run: float | None = None) -> None:
        """The first `count` rounds of one selection: whole when they fit what the budget
        leaves, else in part (as many of its benchmarks as fit, in the order go runs them).
        ``run``: seconds one run of it took earlier (push.plan.Cost), when known."""
        if self.deadline.passed():
            self.skip(spec, f"not started: the time budget {self.budget} was spent")
            return
        session = self.head_alone() if head_only else self.both()
        if head_only:
            what = "all benchmarks" if spec.pattern == "." else spec.pattern
            self.reporter.progress(f"[head {git.short(self.head)}] {spec.package}: "
                                   f"running {what} (count {self.settings.count})…")
        if estimate is None and self.deadline.limited and partial.benchtime(self.settings):
            estimate = partial.whole(self, session, spec)
            if estimate is None:
                return
        if estimate is not None and not self.deadline.fits(estimate):
            partial.measure_in_part(self, session, spec, run)
        else:
            self.measure(session, spec, announce=not head_only)

    def leave_out(self, spec: RunSpec, names: Sequence[str], reason: str,
                  order: Sequence[str]) -> None:
        """``names`` of ``spec`` are not measured (the rest of it is), said and kept, in
        ``order`` (the order go runs them in)."""
        left = {*self.left_out.get(spec, ([], ""))[0], *names}
        self.left_out[spec] = ([name for name in order if name in left], reason)
        shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        self.reporter.warn(f"{run_name(spec.package, spec.pattern, spec.tags)}: "
                           f"{plural(len(names), 'benchmark')} not checked ({reason}): {shown}")

    def measure(self, session: Session, spec: RunSpec, *, announce: bool = True,
                doing: str = "", names: Sequence[str] | None = None,
                reuse: Mapping[tuple[str, RunSpec], Path] | None = None) -> None:
        """Build ``spec``'s binaries (``reuse``: those to use as they are, Session.add) and
        run its `count` rounds (of only the benchmarks ``names``, when given), stopping
        (unchecked) when the rounds still to run do not fit."""
        count = self.settings.count
        try:
            session.add([spec], reuse=reuse)
            for number in range(count):
                only = {spec: pattern_for(names)} if names is not None else None
                per_round = session.round_estimate(
                    [spec], only={spec: names} if names is not None else None) if number else None
                if per_round is not None and not self.deadline.fits(per_round * (count - number)):
                    names = partial.narrowed(self, session, spec, names, number, per_round,
                                             doing)
                    if names is None:
                        return
                    only = {spec: pattern_for(names)}
                session.one_round([spec], total=count, announce=announce, only=only)
        except Spent:
            done = session.rounds.get(spec)
            if done is not None and done >= FEWEST_ROUNDS and not doing:
                # fewer rounds where the decision rule allows: an exact metric (allocs/op) is
                # decided on two, and the rest is unconfirmed or unresolved, said so
                self.cut[spec] = done
                self.reporter.warn(f"{run_name(spec.package, spec.pattern, spec.tags)}: the "
                                   f"deadline (budget {self.budget}) stopped it after {done} of "
                                   f"{count} rounds: decided on those")
                return
            where = "while building" if done is None else f"in round {done + 1} of {count}"
            self.skip(spec, f"{doing}stopped at the deadline (budget {self.budget}) {where}")
        except BenchguardError as error:
            self.failed(spec, error)
        finally:
            self.packages.update(session.packages)

    def failed(self, spec: RunSpec, error: BenchguardError) -> None:
        """A selection that does not build or run fails alone; other errors stop the check."""
        if error.exit_code != EXIT_BENCH_FAILED:
            raise error
        self.reporter.warn(error.message)
        self.failures[spec] = error

    def confirm(self, spec: RunSpec, names: Sequence[str], doing: str) -> None:
        """Measure ``names`` of ``spec`` side by side (the head's binary of its head-only run
        used again: the head's tree has not changed since), when that fits."""
        needs = self.confirmation_estimate(spec, names)
        if self.deadline.passed() or not self.deadline.fits(needs):
            self.skip(spec, f"{doing}not started: it needs ~{seconds_text(needs)}, {self.left()}")
            return
        head = self.alone.built("head", spec) if self.alone is not None else None
        self.measure(self.both(), spec, doing=doing, names=names,
                     reuse={("head", spec): head} if head is not None else None)

    def confirmation_estimate(self, spec: RunSpec, names: Sequence[str]) -> float:
        """Seconds to build ``spec``'s base (the head's binary is used again) and run ``names``
        `count` rounds on both sides, from its head-only run."""
        if self.alone is None:
            return 0.0
        timing = self.alone.timing("head", spec)
        run = self.alone.run_estimate("head", spec, names)
        if timing is None or run is None:
            return 0.0
        return timing[0] + 2 * self.settings.count * run

    def extra_rounds(self, names: Mapping[RunSpec, list[str]], rounds: int, *, why: str,
                     total: int) -> int:
        """Up to ``rounds`` more side-by-side rounds of only the benchmarks ``names``, each run
        as part of the selection it came from (its results belong to that run); each round must
        fit the time budget. Returns how many rounds ran in full."""
        session = self.both()
        only = {spec: pattern_for(wanted) for spec, wanted in names.items()}
        for spec, wanted in names.items():
            self.undecided.setdefault(spec, len(wanted))
        for number in range(rounds):
            needs = session.round_estimate(list(names), only=names) or 0.0
            if not self.deadline.fits(needs):
                self._budget_spent()
                return number
            try:
                session.one_round(list(names), why=why, total=total, only=only)
            except Spent:  # the round's runs that finished still count
                self._budget_spent()
                return number
            finally:
                self.packages.update(session.packages)
            for spec in names:
                self.extra[spec] = self.extra.get(spec, 0) + 1
        return rounds

    def _budget_spent(self) -> None:
        assert self.side_by_side is not None
        self.reporter.progress(f"time budget {self.budget} spent: deciding on "
                               f"{max(self.side_by_side.rounds.values())} rounds")

    def skip(self, spec: RunSpec, reason: str) -> None:
        self.unchecked[spec] = reason
        self.reporter.warn(f"{run_name(spec.package, spec.pattern, spec.tags)}: not checked: "
                           f"{reason}")

    def left(self) -> str:
        return f"{seconds_text(self.deadline.remaining())} left of budget {self.budget}"

    # -- what they measured

    def not_checked(self, order: Sequence[RunSpec]) -> list[Unchecked]:
        """What the budget left unmeasured, in ``order`` (of relevance): whole selections, and
        the benchmarks left out of those measured in part."""
        found = []
        for spec in order:
            if spec in self.unchecked:
                found.append(Unchecked(spec.package, spec.pattern, spec.tags,
                                       self.unchecked[spec]))
            elif spec in self.left_out and spec not in self.failures:
                names, reason = self.left_out[spec]
                found.append(Unchecked(spec.package, pattern_for(names), spec.tags, reason,
                                       tuple(names)))
        return found

    def measured(self, spec: RunSpec, name: str) -> bool:
        """Whether benchmark ``name`` of ``spec`` was measured (not left out of it)."""
        return name not in self.left_out.get(spec, ([], ""))[0]

    def completed(self, session: Session | None, *, cut_too: bool = True) -> list[RunSpec]:
        """The selections ``session`` ran all `count` rounds of (none unchecked or failed) —
        and, ``cut_too``, those the deadline cut short after FEWEST_ROUNDS or more."""
        if session is None:
            return []
        return [spec for spec, rounds in session.rounds.items()
                if spec not in self.unchecked and spec not in self.failures
                and (rounds >= self.settings.count or (cut_too and spec in self.cut))]

    def sets(self, specs: Sequence[RunSpec], stored: Mapping[RunSpec, BenchmarkSet],
             owners: dict[BenchKey, RunSpec]) -> tuple[BenchmarkSet, BenchmarkSet]:
        """Base and head samples of every selection measured (none of those left unchecked or
        failed), each from where it was measured: what a run produced belongs to that run, and
        ``owners`` learns which run each benchmark came from. A series two overlapping
        selections both hold keeps the first's; a selection measured head only compares with
        its ``stored`` samples. A result confirmed side by side is that measurement's."""
        bases, heads = [], []
        for spec in specs:
            if spec in self.unchecked or spec in self.failures:
                continue
            parts = []
            if self.side_by_side is not None and spec in self.side_by_side.rounds:
                parts.append((self.side_by_side.benchmarks("base", [spec]),
                              self.side_by_side.benchmarks("head", [spec])))
            if self.alone is not None and spec in self.alone.rounds:
                parts.append((stored.get(spec, BenchmarkSet()),
                              self.alone.benchmarks("head", [spec])))
            left_out = set(self.left_out.get(spec, ([], ""))[0])
            for base, head in parts:
                if left_out:
                    base, head = without(base, left_out), without(head, left_out)
                for part in (base, head):
                    for key in part.samples:
                        owners.setdefault(key.bench, spec)
                bases.append(base)
                heads.append(head)
        return merge(bases, first_wins=True), merge(heads, first_wins=True)


def names_by_spec(keys: Iterable[SeriesKey], owners: Mapping[BenchKey, RunSpec]
                  ) -> dict[RunSpec, list[str]]:
    """The benchmark names of ``keys``, by the selection whose run they came from."""
    names: dict[RunSpec, list[str]] = {}
    for key in keys:
        spec = owners.get(key.bench)
        if spec is not None and key.bench.name not in names.setdefault(spec, []):
            names[spec].append(key.bench.name)
    return names


def without(samples: BenchmarkSet, names: set[str]) -> BenchmarkSet:
    """``samples`` less the benchmarks ``names`` (a selection's left out, measured too little)."""
    return dataclasses.replace(samples, samples={key: values for key, values
                                                  in samples.samples.items()
                                                  if key.bench.name not in names})
