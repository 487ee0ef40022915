"""Which commit of a range made one result worse than its threshold (docs/check.md, "Which
commit"): a search over the range's first-parent commits that could have changed it, each
measured against the range's base and decided by the check's own rule; and, when the first
commit past the threshold did not get there on its own, the commits the regression is spread
over. Plain data in, the next commit to measure out: push.bisect measures.

Positions: 0 is the base, 1…n the range's first-parent commits oldest first; ``candidates`` are
those that change something the benchmark is built from (the others cannot move it: each has
its parent's result). The head's result is the check's.

- **Bisect.** Between the last candidate known not to be worse than the threshold (``lo``, the
  base at first) and the first known to be (``hi``, the head's at first), measure the middle
  one; ⌈log2 (candidates)⌉ measurements find the first candidate worse than the threshold. A
  result the rule could not settle either way (unresolved) is not worse than the threshold, as
  in the check.
- **Its own change** is its result against the base over its predecessor's:
  (1 + c_hi) / (1 + c_lo) - 1, with an interval from both results' intervals (half-widths added
  in quadrature on the log scale). When that is past the threshold, or its interval reaches it,
  the commit is the culprit.
- **Spread.** Otherwise — its own change below the threshold by its whole interval (exact
  values: by its value) — each step was below the threshold and their sum above: between every
  two known results that differ by a step worth naming (``margin`` × the threshold, the rule's
  margin) with candidates between them, the middle one is measured too, until each such step
  sits on one commit or the budget ends; every commit (or run of commits) with such a step is
  named.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

MARGIN = 0.25  # a step worth naming, as a share of the threshold (decision.Rule.margin)


@dataclass(frozen=True)
class Estimate:
    """One commit's result against the range's base, as the decision rule saw it."""

    blocks: bool  # worse than the threshold, by the rule
    change: float | None  # head/base - 1; None: the commit does not have the benchmark
    low: float | None = None  # its interval; None: none (exact: both are change)
    high: float | None = None
    resolved: bool = True  # settled or blocked (else unresolved, or not measured)


BASE = Estimate(False, 0.0, 0.0, 0.0)


class Found(StrEnum):
    COMMIT = "commit"  # one commit's own change is past the threshold
    SPREAD = "spread"  # each commit's step below the threshold, their sum above
    UNRESOLVED = "unresolved"  # the time budget (or a commit that did not build) left it open


@dataclass(frozen=True)
class Step:
    """The change from the commit before ``first`` to ``last`` (positions; ``first == last``:
    one commit's own change), worse positive, as a share."""

    first: int
    last: int
    change: float
    low: float | None
    high: float | None


@dataclass(frozen=True)
class Bisected:
    found: Found
    culprit: int | None  # the first commit worse than the threshold (COMMIT, SPREAD)
    steps: tuple[Step, ...]  # COMMIT: the culprit's own; SPREAD: every step worth naming
    open: tuple[int, int] | None  # UNRESOLVED: the first and last commit it may be
    measured: tuple[int, ...]  # positions measured for it (not the base, not the head)
    total: Step  # from the base to the head
    # commits before the culprit whose results the rule could settle neither way: counted as
    # not worse than the threshold, as the check counts them, but it may be one of them
    undecided: tuple[int, ...] = ()


class Search:
    """The search for one result's culprit: next() says which commit to measure, learn() takes
    what it gave, result() says what was found."""

    def __init__(self, candidates: Sequence[int], head: Estimate, *, threshold: float,
                 higher_is_better: bool = False, margin: float = MARGIN) -> None:
        if not candidates:
            raise ValueError("no commit could have changed it")
        self.candidates = sorted(candidates)
        self.positions = [0, *self.candidates]
        self.known: dict[int, Estimate] = {0: BASE, self.candidates[-1]: head}
        self.threshold = threshold
        self.sign = -1.0 if higher_is_better else 1.0
        self.step = margin * threshold
        self.measured: list[int] = []
        self.stopped = False  # the budget ended, or a commit could not be measured

    def next(self) -> int | None:
        """The commit to measure next; None when nothing is left to learn."""
        if self.stopped:
            return None
        lo, hi = self._bounds()
        if hi - lo > 1:
            return self.positions[(lo + hi) // 2]
        culprit = self.positions[hi]
        if self._alone(self._own(self.positions[lo], culprit)):
            return None
        opened = self._open_steps()
        return self.positions[sum(opened[0]) // 2] if opened else None

    def learn(self, position: int, estimate: Estimate, *, measured: bool = True) -> None:
        self.known[position] = estimate
        if measured:
            self.measured.append(position)

    def stop(self) -> None:
        self.stopped = True

    def result(self) -> Bisected:
        lo, hi = self._bounds()
        total = self._own(0, self.candidates[-1], first=self.positions[1])
        measured = tuple(self.measured)
        undecided = tuple(position for position in self.positions[:hi]
                          if position in self.known and not self.known[position].resolved)
        if hi - lo > 1:
            return Bisected(Found.UNRESOLVED, None, (), (self.positions[lo + 1],
                                                         self.positions[hi]), measured, total,
                            undecided)
        culprit = self.positions[hi]
        own = self._own(self.positions[lo], culprit)
        if self._alone(own):
            return Bisected(Found.COMMIT, culprit, (own,), None, measured, total, undecided)
        steps = [self._own(self.positions[a], self.positions[b], first=self.positions[a + 1])
                 for a, b in self._known_pairs()]
        named = tuple(step for step in steps if step.change >= self.step)
        return Bisected(Found.SPREAD, culprit, named, None, measured, total, undecided)

    # -- the search

    def _alone(self, own: Step) -> bool:
        """Whether the culprit's own change can be past the threshold on its own: its estimate
        is, or its interval reaches it. Only a step shown below the threshold (its whole
        interval: exact values, or narrow enough) says the regression is spread."""
        return own.change >= self.threshold or (
            own.high is not None and own.high >= self.threshold)

    def _bounds(self) -> tuple[int, int]:
        """Indexes into ``positions``: the last known not to block before the first known to
        block."""
        hi = min(index for index, position in enumerate(self.positions)
                 if position in self.known and self.known[position].blocks)
        lo = max(index for index, position in enumerate(self.positions[:hi])
                 if position in self.known)
        return lo, hi

    def _known_pairs(self) -> list[tuple[int, int]]:
        """Neighbouring known results (indexes into ``positions``) whose changes are both known."""
        known = [index for index, position in enumerate(self.positions)
                 if position in self.known and self.known[position].change is not None]
        return list(itertools.pairwise(known))

    def _open_steps(self) -> list[tuple[int, int]]:
        """Neighbouring known results a step worth naming apart, with candidates between."""
        return [(a, b) for a, b in self._known_pairs() if b - a > 1 and self._own(
            self.positions[a], self.positions[b]).change >= self.step]

    def _own(self, before: int, after: int, *, first: int | None = None) -> Step:
        """The change from position ``before`` to ``after``, worse positive."""
        older, newer = self.known[before], self.known[after]
        start = after if first is None else first
        if older.change is None or newer.change is None:
            return Step(start, after, math.nan, None, None)
        change = _ratio(older.change, newer.change)
        low = high = None
        widths = [_half_width(one) for one in (older, newer)]
        if change is not None and change > -1 and None not in widths:
            spread = math.hypot(*(width or 0.0 for width in widths))
            center = math.log1p(change)
            low, high = math.expm1(center - spread), math.expm1(center + spread)
        return _worse(Step(start, after, math.nan if change is None else change, low, high),
                      self.sign)


def _ratio(before: float, after: float) -> float | None:
    """(1 + after) / (1 + before) - 1; None when ``before`` is -100% (a value of 0)."""
    if before <= -1:
        return None
    return (1 + after) / (1 + before) - 1


def _half_width(estimate: Estimate) -> float | None:
    """Half the width of ``estimate``'s interval on the log scale (0 when exact: low = high);
    None when it has none to go by."""
    low, high = estimate.low, estimate.high
    if low is None or high is None or low <= -1 or not math.isfinite(high):
        return None
    return (math.log1p(high) - math.log1p(low)) / 2


def _worse(step: Step, sign: float) -> Step:
    """``step`` with worse positive: a higher-is-better metric's change turned around."""
    if sign > 0:
        return step
    worse = (1 / (1 + step.change) - 1) if step.change > -1 else math.inf
    low = None if step.high is None else (1 / (1 + step.high) - 1)
    high = None if step.low is None or step.low <= -1 else (1 / (1 + step.low) - 1)
    return Step(step.first, step.last, worse, low, high)
