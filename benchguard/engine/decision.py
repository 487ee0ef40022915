"""Decide one (benchmark, metric) from the rounds measured so far, as early as they allow: it
blocks, it is settled (no more rounds could make it block), it is undecided (more rounds earn
their keep) or unresolved (out of looks, or too noisy for any look to settle it).

The question is "is head more than `threshold` worse than base?", asked at looks after round
`first`, `first + step`, … up to `last` (count, every 2 rounds, max_count). At each look a result

- **blocks** when its estimated change is worse than the threshold (and than ``min_effect`` in
  absolute terms) and the one-sided test that it is worse than ``margin`` × the threshold gives
  p ≤ the look's level;
- is **settled** when its estimate is no worse than base, or the worse end of its interval (a
  one-sided ``settle_confidence`` bound) is within the threshold (or ``min_effect``);
- is **undecided** otherwise, or **unresolved** when no look is left or even the last could not
  settle it.

The look's level is the alpha the Lan–DeMets spending function gives this look,
A(t_k) - A(t_{k-1}) with t_k = rounds_k / last, split Holm-style over the family. Summed over
looks and results it is at most alpha: a check blocks a result that did not get more than
``margin`` × its threshold worse with probability at most alpha, however many looks it takes
(docs/decision.md). Boundary.GROUP_SEQUENTIAL uses the exact group-sequential level of each look
instead of the union bound over looks.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

from benchguard.engine import alpha_spending, effects
from benchguard.engine.effects import Effect
from benchguard.engine.stats import relative_change


class State(StrEnum):
    BLOCK = "block"
    SETTLED = "settled"
    UNDECIDED = "undecided"  # more rounds earn their keep
    UNRESOLVED = "unresolved"  # no block, but not settled either: out of looks, or too noisy
    # worse than the threshold by its whole interval, but the time budget ran out before a
    # look confirmed it: what happens to the push is on_budget's to say, as for what was not
    # measured at all
    UNCONFIRMED = "unconfirmed"


class Why(StrEnum):
    REGRESSION = "regression"  # block: significantly worse, by more than the threshold
    IMPROVEMENT = "improvement"  # settled: estimated better than base
    NO_CHANGE = "no change"  # settled
    WITHIN_THRESHOLD = "within threshold"  # settled: the interval excludes a worse change
    BELOW_MIN_EFFECT = "below min_effect"  # settled: worse by less than the absolute floor
    POSSIBLE_REGRESSION = "possible regression"  # undecided
    LIKELY_REGRESSION = "likely regression"  # undecided: its whole interval is beyond the bar
    OUT_OF_ROUNDS = "out of rounds"  # unresolved: no look left
    TOO_NOISY = "too noisy"  # unresolved: even the last look could not settle it


class Method(StrEnum):
    PAIRED_T = "paired t"
    TRIMMED_T = "trimmed t"
    SIGNED_RANK = "signed rank"
    RANK_SUM = "rank sum"
    EXACT = "exact"


class Spending(StrEnum):
    """Lan–DeMets alpha-spending functions A(t), t the share of `last` rounds run."""

    POCOCK = "pocock"  # alpha · ln(1 + (e - 1) t): spends early
    OBRIEN_FLEMING = "obrien-fleming"  # 2 - 2 Φ(z_{1-alpha/2} / √t): keeps alpha for the end
    LINEAR = "linear"  # alpha · t
    # Hwang–Shih–DeCani: alpha · (1 - e^(-γt)) / (1 - e^(-γ)); γ = 1 is near Pocock, larger γ
    # spends more at the first looks
    HWANG_SHIH_DECANI = "hwang-shih-decani"


class Boundary(StrEnum):
    """How a look's share of alpha becomes the level its p must reach."""

    # the exact group-sequential level: looks share their data, so later ones may test at
    # more than the alpha they spend (benchguard.engine.alpha_spending)
    GROUP_SEQUENTIAL = "group sequential"
    UNION = "union bound"  # each look tests at the alpha it spends (Bonferroni over looks)


@dataclass(frozen=True)
class Rule:
    """How results are decided: alpha over all looks and the whole family, the looks (rounds
    ``first``, ``first + step``, … and ``last``), the spending function, the confidence of the
    bound that settles a result, and the analysis of side-by-side rounds."""

    alpha: float = 0.05
    first: int = 6
    step: int = 2
    last: int = 30
    spending: Spending = Spending.POCOCK
    boundary: Boundary = Boundary.UNION
    gamma: float = 3.0  # Hwang–Shih–DeCani's parameter
    settle_confidence: float = 0.9
    method: Method = Method.TRIMMED_T
    # what a block must be significantly worse than, as a share of the threshold: 0 = worse than
    # base (benchstat's question; the estimate must still pass the threshold), 1 = worse than
    # the threshold itself
    margin: float = 0.25
    settle_improvements: bool = True  # an estimate no worse than base settles
    # stop measuring a result whose interval, narrowing as 1/√rounds, would at the last look
    # still be wider than this many thresholds (0: never give up)
    give_up: float = 1.5

    @property
    def looks(self) -> tuple[int, ...]:
        """The round counts at which results are decided."""
        looks = list(range(self.first, self.last + 1, max(self.step, 1)))
        if not looks or looks[-1] != max(self.last, self.first):
            looks.append(max(self.last, self.first))
        return tuple(looks)

    def next_look(self, rounds: int) -> int | None:
        """The round count of the next look after ``rounds``; None when none is left."""
        return next((look for look in self.looks if look > rounds), None)

    def spent(self, rounds: int, alpha: float | None = None) -> float:
        """The alpha this look spends: A(t) at ``rounds`` less A(t) at the previous look."""
        previous = max((look for look in self.looks if look < rounds), default=0)
        return self._spent_by(rounds, alpha) - self._spent_by(previous, alpha)

    def level(self, rounds: int, family: int) -> float:
        """The one-sided p a result must reach to block at the look after ``rounds`` rounds,
        when alpha is split over a family of ``family`` results."""
        alpha = self.alpha / max(family, 1)
        if self.boundary == Boundary.UNION:
            return self.spent(rounds, alpha)
        looks = [*(look for look in self.looks if look < rounds), rounds]
        if rounds in self.looks:  # one computation serves every look of the schedule
            looks = list(self.looks)
        spent = [self.spent(look, alpha) for look in looks]
        return alpha_spending.nominal_levels(spent, looks)[looks.index(rounds)]

    def _spent_by(self, rounds: int, alpha: float | None = None) -> float:
        alpha = self.alpha if alpha is None else alpha
        t = min(max(rounds / max(self.last, self.first), 0.0), 1.0)
        if t == 0:
            return 0.0
        if self.spending == Spending.POCOCK:
            return alpha * math.log(1 + (math.e - 1) * t)
        if self.spending == Spending.OBRIEN_FLEMING:
            z = statistics.NormalDist().inv_cdf(1 - alpha / 2)
            return 2 - 2 * statistics.NormalDist().cdf(z / math.sqrt(t))
        if self.spending == Spending.HWANG_SHIH_DECANI:
            return alpha * math.expm1(-self.gamma * t) / math.expm1(-self.gamma)
        return alpha * t


@dataclass(frozen=True)
class Decision:
    state: State
    why: Why
    method: Method
    change: float | None  # estimated head/base - 1 (verdict's delta); None when undefined
    low: float | None  # the interval of that change, at settle_confidence on each side
    high: float | None
    p: float | None  # one-sided p of "at most margin × threshold worse"; None when exact
    level: float | None  # what p had to reach at this look
    n: int  # pairs (or the smaller sample) it was decided on
    reason: str  # one line for people: "+12.3% (80% interval …), p=…: worse than the 5% …"

    @property
    def blocks(self) -> bool:
        return self.state == State.BLOCK


def decide(base: Sequence[float], head: Sequence[float], rule: Rule, *, threshold: float,
           family: int, rounds: int | None = None, higher_is_better: bool = False,
           min_effect: float | None = None, exact: bool = False, stored: bool = False
           ) -> Decision:
    """Decide one (benchmark, metric).

    Side by side (``stored=False``): ``base[i]`` and ``head[i]`` ran in round i, and ``rounds``
    (default: the number of pairs) is the look this is. Against a stored baseline
    (``stored=True``): two unpaired samples, one look. ``exact``: the unit is declared exact
    (benchfmt's assume=exact); a metric every run of each side gave one same value (at least
    twice each) is exact too. ``min_effect`` is in the metric's tidy unit ("sec/op": seconds).
    """
    if not base or not head:
        raise ValueError("nothing to decide: a side has no values")
    if exact or _constant(base, head):
        return _decide_exact(base, head, threshold=threshold, higher_is_better=higher_is_better,
                             min_effect=min_effect)
    limit = _worse_limit(threshold, higher_is_better)
    bar = max(limit, _floor(min_effect, base, higher_is_better))
    null = rule.margin * bar
    if stored or rule.method == Method.RANK_SUM:
        scale = _scale(base, head)
        effect = effects.rank_sum(_worse_logs(base, scale, higher_is_better),
                                  _worse_logs(head, scale, higher_is_better),
                                  rule.settle_confidence, null)
        method = Method.RANK_SUM
    else:
        if len(base) != len(head):
            raise ValueError(f"paired rounds need as many base values as head values, "
                             f"got {len(base)} and {len(head)}")
        analysis = {Method.SIGNED_RANK: effects.signed_rank,
                    Method.TRIMMED_T: effects.trimmed_t}.get(rule.method, effects.paired_t)
        effect = analysis(_worse_ratios(base, head, higher_is_better), rule.settle_confidence,
                          null)
        method = rule.method
    look = effect.n if rounds is None else rounds
    judged = _Judged(effect, method, rule, look, family, stored, threshold, limit, bar,
                     higher_is_better)
    return judged.stored() if stored else judged.side_by_side()


@dataclass(frozen=True)
class _Judged:
    effect: Effect
    method: Method
    rule: Rule
    rounds: int
    family: int
    from_stored: bool
    threshold: float
    limit: float  # the threshold on the worse-log scale
    bar: float  # what an estimate must pass to block: the threshold or min_effect, the larger
    higher_is_better: bool

    @property
    def level(self) -> float:
        if self.from_stored:
            return self.rule.alpha / max(self.family, 1)
        return self.rule.level(self.rounds, self.family)

    def side_by_side(self) -> Decision:
        effect, bar = self.effect, self.bar
        if blocked := self._blocked():
            return blocked
        if effect.estimate <= 0 and self.rule.settle_improvements:
            why = Why.NO_CHANGE if effect.estimate == 0 else Why.IMPROVEMENT
            return self._made(State.SETTLED, why, "no worse than base")
        if effect.high <= bar:
            return self._made(State.SETTLED, self._settled_why(),
                              f"cannot be {self._beyond()}")
        likely = effect.low > bar  # the whole interval is beyond the bar
        if self.rule.next_look(self.rounds) is None:
            said = f"{self._beyond()} by its whole interval, but not significant" if likely \
                else f"could still be {self._beyond()}"
            return self._made(State.UNRESOLVED, Why.OUT_OF_ROUNDS, f"{said}, and no look is left")
        if likely:
            return self._made(State.UNDECIDED, Why.LIKELY_REGRESSION,
                              f"{self._beyond()} by its whole interval, not yet significant "
                              f"(p={effect.p_worse:.2g} > {self.level:.2g})")
        if self._hopeless():
            return self._made(State.UNRESOLVED, Why.TOO_NOISY,
                              f"could be {self._beyond()}, but too noisy to tell in "
                              f"{self.rule.last} rounds")
        return self._made(State.UNDECIDED, Why.POSSIBLE_REGRESSION,
                          f"could still be {self._beyond()}")

    def stored(self) -> Decision:
        effect = self.effect
        if blocked := self._blocked():
            return blocked
        # Drift since the baseline was stored moves the whole head sample and can hide a
        # regression as an improvement: only a change bounded on both sides settles.
        better_limit = _worse_limit(self.threshold, not self.higher_is_better)
        if effect.high <= self.bar and -effect.low <= better_limit:
            return self._made(State.SETTLED, self._settled_why(),
                              "within the threshold either way")
        return self._made(State.UNDECIDED, Why.POSSIBLE_REGRESSION,
                          "not clearly unchanged against the stored baseline")

    def _blocked(self) -> Decision | None:
        effect, level = self.effect, self.level
        if effect.estimate > self.bar and effect.p_worse <= level:
            return self._made(State.BLOCK, Why.REGRESSION,
                              f"p={effect.p_worse:.2g} ≤ {level:.2g}, {self._beyond()}")
        return None

    def _hopeless(self) -> bool:
        """Neither settling nor blocking is within reach of the last look, were the interval to
        narrow as 1/√rounds around the present estimate: it could not settle (its upper half
        would still be wider than `give_up` bars), and not block either (the estimate, or the
        bar if larger, would still be less than z(1 - alpha/family) errors from no change)."""
        if not self.rule.give_up:
            return False
        normal = statistics.NormalDist()
        reach = (self.effect.high - self.effect.estimate) * math.sqrt(
            self.rounds / max(self.rule.last, self.rounds))
        if reach <= self.rule.give_up * self.bar:
            return False
        error = reach / normal.inv_cdf(self.rule.settle_confidence)
        significant = normal.inv_cdf(1 - self.rule.alpha / max(self.family, 1))
        return max(self.effect.estimate, self.bar) < significant * error

    def _settled_why(self) -> Why:
        if self.effect.high > self.limit:
            return Why.BELOW_MIN_EFFECT
        if self.effect.low == self.effect.high == 0:
            return Why.NO_CHANGE
        return Why.WITHIN_THRESHOLD

    def _beyond(self) -> str:
        floor = self.bar > self.limit
        return f"more than {'min_effect' if floor else f'the {self.threshold:.0%} threshold'} worse"

    def _made(self, state: State, why: Why, reason: str) -> Decision:
        effect, confidence = self.effect, self.rule.settle_confidence
        change, low, high = _as_change(effect.estimate, effect.low, effect.high,
                                       self.higher_is_better)
        shown = (f"{_percent(change)} ({2 * confidence - 1:.0%} interval {_percent(low)} to "
                 f"{_percent(high)}, {self.method}, n={effect.n})")
        return Decision(state, why, self.method, change, low, high, effect.p_worse, self.level,
                        effect.n, f"{shown}: {reason}")


def _decide_exact(base: Sequence[float], head: Sequence[float], *, threshold: float,
                  higher_is_better: bool, min_effect: float | None) -> Decision:
    """Every run of each side gave one value (or the unit is exact): a fact, not a sample."""
    before, after = statistics.median(base), statistics.median(head)
    change = relative_change(before, after)
    worse_by = after - before if not higher_is_better else before - after
    relative_worse = math.inf if change is None else (-change if higher_is_better else change)
    shown = f"{before:g} → {after:g}, exact"

    def made(state: State, why: Why, reason: str) -> Decision:
        return Decision(state, why, Method.EXACT, change, change, change, None, None,
                        min(len(base), len(head)), f"{shown}: {reason}")

    if worse_by <= 0:
        why = Why.NO_CHANGE if worse_by == 0 else Why.IMPROVEMENT
        return made(State.SETTLED, why, "no worse than base")
    if relative_worse <= threshold:
        return made(State.SETTLED, Why.WITHIN_THRESHOLD,
                    f"within the {threshold:.0%} threshold")
    if min_effect is not None and worse_by < min_effect:
        return made(State.SETTLED, Why.BELOW_MIN_EFFECT,
                    f"worse by {worse_by:g}, less than min_effect {min_effect:g}")
    return made(State.BLOCK, Why.REGRESSION, f"worse than the {threshold:.0%} threshold")


# -- one look at every result of a check


K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Series:
    """The rounds of one (benchmark, metric) and how to judge them (see decide())."""

    base: Sequence[float]
    head: Sequence[float]
    threshold: float
    higher_is_better: bool = False
    min_effect: float | None = None
    exact: bool = False
    stored: bool = False


def family_of(series: Mapping[K, Series]) -> int:
    """How many results a look tests: those not decided exactly (a constant on each side, or
    an exact unit), the family the first look splits alpha over."""
    return sum(1 for one in series.values()
               if not (one.exact or _constant(one.base, one.head)))


def decide_look(series: Mapping[K, Series], rule: Rule, *, rounds: int, family: int
                ) -> dict[K, Decision]:
    """Decide the results still open at the look after ``rounds`` rounds, with Holm's
    step-down across them: ``family`` is the number of results tested at the first look less
    those blocked at earlier looks, and every block at this look lowers it by one for the
    rest (results settled earlier stay counted: they can no longer block)."""
    decided: dict[K, Decision] = {}
    blocked = 0
    pending = list(series)
    while pending:
        for key in pending:
            one = series[key]
            decided[key] = decide(one.base, one.head, rule, threshold=one.threshold,
                                  family=max(family - blocked, 1), rounds=rounds,
                                  higher_is_better=one.higher_is_better,
                                  min_effect=one.min_effect, exact=one.exact, stored=one.stored)
        tested = [key for key in pending if decided[key].blocks
                  and decided[key].method != Method.EXACT]
        if not tested:
            break
        blocked += len(tested)
        pending = [key for key in pending if not decided[key].blocks]
    return decided


# -- planning the next round


@dataclass(frozen=True)
class NextRounds(Generic[K]):
    more: tuple[K, ...]  # undecided side-by-side results: measure them `rounds` more rounds
    rounds: int  # rounds to the next look; 0 when no look is left
    confirm: tuple[K, ...]  # results against a stored baseline that could block: measure
    # them side by side


def next_rounds(side_by_side: Mapping[K, Decision], stored: Mapping[K, Decision], *, rounds: int,
         rule: Rule) -> NextRounds[K]:
    """Which results earn more rounds (only undecided ones, while a look is left) and which
    results against a stored baseline need measuring side by side (only where a block is
    possible)."""
    upcoming = rule.next_look(rounds)
    more = tuple(key for key, decision in side_by_side.items()
                 if decision.state == State.UNDECIDED) if upcoming is not None else ()
    confirm = tuple(key for key, decision in stored.items()
                    if decision.state != State.SETTLED and key not in side_by_side)
    return NextRounds(more, upcoming - rounds if more and upcoming is not None else 0, confirm)


# -- the scale of a change


def _constant(base: Sequence[float], head: Sequence[float]) -> bool:
    return (len(base) >= 2 and len(head) >= 2 and base.count(base[0]) == len(base)
            and head.count(head[0]) == len(head))


def _worse_ratios(base: Sequence[float], head: Sequence[float],
                  higher_is_better: bool) -> list[float]:
    """Per round: log(head/base), positive when head is worse."""
    scale = _scale(base, head)
    if scale is None:
        ratios = [math.log(y / x) for x, y in zip(base, head, strict=True)]
    else:
        ratios = [(y - x) / scale for x, y in zip(base, head, strict=True)]
    return [-r for r in ratios] if higher_is_better else ratios


def _worse_logs(values: Sequence[float], scale: float | None,
                higher_is_better: bool) -> list[float]:
    """Unpaired values on the worse-log scale (or relative to ``scale``, see _scale)."""
    logs = [math.log(x) if scale is None else x / scale for x in values]
    return [-x for x in logs] if higher_is_better else logs


def _scale(base: Sequence[float], head: Sequence[float]) -> float | None:
    """None when every value has a logarithm; else (a value of 0 or below) the base median's
    size, which changes are then measured relative to."""
    if all(x > 0 for x in base) and all(y > 0 for y in head):
        return None
    return abs(statistics.median(base)) or 1.0


def _worse_limit(threshold: float, higher_is_better: bool) -> float:
    """The threshold on the worse-log scale: head/base - 1 > threshold, or below -threshold
    where higher is better (as verdict judges)."""
    if not higher_is_better:
        return math.log1p(threshold)
    return -math.log1p(-threshold) if threshold < 1 else math.inf


def _floor(min_effect: float | None, base: Sequence[float], higher_is_better: bool) -> float:
    """min_effect on the worse-log scale, at the base's median."""
    if not min_effect:
        return 0.0
    level = statistics.median(base)
    if level <= 0:
        return math.inf
    return _worse_limit(min_effect / level, higher_is_better)


def _as_change(estimate: float, low: float, high: float,
               higher_is_better: bool) -> tuple[float, float, float]:
    """Worse-log values as head/base - 1, in increasing order."""
    sign = -1 if higher_is_better else 1
    first, second = sorted(math.expm1(sign * value) for value in (low, high))
    return math.expm1(sign * estimate), first, second


def _percent(change: float | None) -> str:
    if change is None or math.isnan(change):
        return "?"
    if math.isinf(change):
        return "+∞" if change > 0 else "-∞"
    return f"{change * 100:+.1f}%"


