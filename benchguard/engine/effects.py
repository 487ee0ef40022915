"""How much worse is head than base: an estimate of the change on the log scale, a one-sided
p-value that head is worse, and distribution-free or t confidence bounds.

Every function takes "worse" values: log(head/base) for a metric where lower is better (its
sign flipped where higher is better), so a positive number always means a regression. Four
analyses of the same rounds, compared in benchmarks/decision_replay.py:

- ``paired_t``: round i's base and head ran seconds apart in a shuffled order, so the per-round
  log ratios d_i share the machine's drift and, when nothing changed, are symmetric about 0.
  Student's t on their mean.
- ``trimmed_t``: the same d_i, Tukey–McLaughlin's t on their 20%-trimmed mean, so a run that an
  interruption made slow does not move the estimate nor blow up its error (what
  benchguard.engine.decision uses).
- ``signed_rank``: the same d_i, Wilcoxon's signed-rank test (exact over the 2^n sign flips)
  and the Hodges–Lehmann estimate (median of the Walsh averages) with its distribution-free
  bounds. Valid with no assumption beyond the shuffled order, but with n pairs no p-value can
  be below 2^-n.
- ``rank_sum``: unpaired samples (a stored baseline against a fresh head): Mann–Whitney's p
  (benchstat's, halved towards "worse"), the Hodges–Lehmann shift (median of all differences)
  with Moses' distribution-free bounds.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

from benchguard.engine import stats


@dataclass(frozen=True)
class Effect:
    """The estimated change (log scale, positive = worse) with one-sided confidence bounds at
    ``confidence`` each, and the one-sided p-value of "head is no worse than base"."""

    estimate: float
    low: float  # lower confidence bound (-inf when the data cannot bound it)
    high: float  # upper confidence bound (+inf when the data cannot bound it)
    p_worse: float  # one-sided p of "the change is at most `null`"
    n: int  # pairs, or the smaller of the two sample sizes


def paired_t(worse: Sequence[float], confidence: float, null: float = 0.0) -> Effect:
    n = len(worse)
    if n < 2:
        return Effect(worse[0] if worse else 0.0, -math.inf, math.inf, 1.0, n)
    mean = math.fsum(worse) / n
    spread = statistics.stdev(worse, mean)
    if spread == 0:  # every round gave the same ratio
        return Effect(mean, mean, mean, 1.0 if mean <= null else 0.0, n)
    error = spread / math.sqrt(n)
    quantile = t_quantile(confidence, n - 1)
    return Effect(mean, mean - quantile * error, mean + quantile * error,
                  t_upper_tail((mean - null) / error, n - 1), n)


def trimmed_t(worse: Sequence[float], confidence: float, null: float = 0.0,
              trim: float = 0.2) -> Effect:
    """Tukey–McLaughlin's one-sample trimmed t: the mean of the d_i without the ``trim`` share
    at each end, its error from the winsorized variance (n - 2g - 1 degrees of freedom)."""
    n = len(worse)
    cut = int(trim * n)
    kept = n - 2 * cut
    if kept < 2:
        return paired_t(worse, confidence, null)
    ordered = sorted(worse)
    mean = math.fsum(ordered[cut:n - cut]) / kept
    winsorized = [min(max(value, ordered[cut]), ordered[n - cut - 1]) for value in ordered]
    spread = statistics.stdev(winsorized)
    if spread == 0:
        return Effect(mean, mean, mean, 1.0 if mean <= null else 0.0, n)
    error = spread / ((1 - 2 * cut / n) * math.sqrt(n))
    quantile = t_quantile(confidence, kept - 1)
    return Effect(mean, mean - quantile * error, mean + quantile * error,
                  t_upper_tail((mean - null) / error, kept - 1), n)


def signed_rank(worse: Sequence[float], confidence: float, null: float = 0.0) -> Effect:
    n = len(worse)
    walsh = sorted((worse[i] + worse[j]) / 2 for i in range(n) for j in range(i, n))
    if not walsh:
        return Effect(0.0, -math.inf, math.inf, 1.0, 0)
    estimate = statistics.median(walsh)
    # Tukey: the signed-rank statistic of d - θ counts the Walsh averages above θ, so the
    # bounds are order statistics of the Walsh averages at the null distribution's quantile.
    below = _signed_rank_critical(n, 1 - confidence)
    if below is None:
        low, high = -math.inf, math.inf
    else:
        low, high = walsh[below], walsh[len(walsh) - 1 - below]
    return Effect(estimate, low, high, signed_rank_p([value - null for value in worse]), n)


def rank_sum(base: Sequence[float], head: Sequence[float], confidence: float,
             null: float = 0.0) -> Effect:
    """Unpaired: ``base`` and ``head`` are worse-oriented log values (log(x), or -log(x) where
    higher is better), so head - base > 0 is a regression."""
    n1, n2 = len(base), len(head)
    if not n1 or not n2:
        return Effect(0.0, -math.inf, math.inf, 1.0, min(n1, n2))
    differences = sorted(y - x for x in base for y in head)
    estimate = statistics.median(differences)
    below = _rank_sum_critical(min(n1, n2), max(n1, n2), 1 - confidence)
    if below is None:
        low, high = -math.inf, math.inf
    else:
        low, high = differences[below], differences[len(differences) - 1 - below]
    two_sided = stats.mann_whitney_p(base, [value - null for value in head])
    p = two_sided / 2 if estimate > null else 1 - two_sided / 2
    return Effect(estimate, low, high, p, min(n1, n2))


# -- Wilcoxon's signed-rank test


def signed_rank_p(worse: Sequence[float]) -> float:
    """One-sided p that the d_i are not centred above 0: the share of the 2^n sign flips
    (zeros dropped, ties at mid-ranks) whose positive rank sum is at least the observed one."""
    nonzero = sorted((value for value in worse if value != 0), key=abs)
    n = len(nonzero)
    if n == 0:
        return 1.0
    # twice the mid-ranks, so ties keep integer rank sums
    twice_ranks: list[int] = []
    start = 0
    while start < n:
        end = start
        while end + 1 < n and abs(nonzero[end + 1]) == abs(nonzero[start]):
            end += 1
        twice_ranks.extend([start + end + 2] * (end - start + 1))
        start = end + 1
    observed = sum(rank for rank, value in zip(twice_ranks, nonzero, strict=True) if value > 0)
    counts = _sign_flip_counts(tuple(twice_ranks))
    return sum(counts[observed:]) / (1 << n)


@lru_cache(maxsize=1024)
def _sign_flip_counts(twice_ranks: tuple[int, ...]) -> tuple[int, ...]:
    """How many of the 2^n sign flips give each positive (doubled) rank sum."""
    counts = [1] + [0] * sum(twice_ranks)
    reached = 0
    for rank in twice_ranks:
        reached += rank
        for total in range(reached, rank - 1, -1):
            counts[total] += counts[total - rank]
    return tuple(counts)


@cache
def _signed_rank_critical(n: int, tail: float) -> int | None:
    """The largest c with P(T+ <= c) <= tail for n untied pairs, or None when even T+ = 0 is
    more likely than that: the bounds are then unbounded."""
    counts = _sign_flip_counts(tuple(2 * rank for rank in range(1, n + 1)))[::2]
    cumulative = 0
    best = None
    for c, count in enumerate(counts):
        cumulative += count
        if cumulative / (1 << n) > tail:
            break
        best = c
    return best


@cache
def _rank_sum_critical(n1: int, n2: int, tail: float) -> int | None:
    """The largest c with P(U <= c) <= tail under Mann–Whitney's null for untied samples."""
    # ways[k][u]: arrangements of k first-sample values among the values seen with U = u
    ways = [[0] * (n1 * n2 + 1) for _ in range(n1 + 1)]
    ways[0][0] = 1
    for seen in range(n1 + n2):
        for k in range(min(seen, n1 - 1), -1, -1):
            # the next value goes to the first sample: it is above the (seen - k) second ones
            shift = seen - k
            if shift > n2:
                continue
            row, into = ways[k], ways[k + 1]
            for u in range(n1 * n2 - shift, -1, -1):
                if row[u]:
                    into[u + shift] += row[u]
    total = math.comb(n1 + n2, n1)
    cumulative = 0
    best = None
    for c, count in enumerate(ways[n1]):
        cumulative += count
        if cumulative / total > tail:
            break
        best = c
    return best


# -- Student's t distribution


def t_upper_tail(t: float, df: int) -> float:
    """P(T > t) for Student's t with ``df`` degrees of freedom."""
    if math.isinf(t):
        return 0.0 if t > 0 else 1.0
    tail = 0.5 * _regularized_beta(df / 2, 0.5, df / (df + t * t))
    return tail if t >= 0 else 1 - tail


@cache
def t_quantile(probability: float, df: int) -> float:
    """The t with P(T <= t) = probability, by bisection (probability in (0.5, 1))."""
    low, high = 0.0, 1.0
    while t_upper_tail(high, df) > 1 - probability:
        high *= 2
    for _ in range(200):
        middle = (low + high) / 2
        if t_upper_tail(middle, df) > 1 - probability:
            low = middle
        else:
            high = middle
        if high - low < 1e-12 * high:
            break
    return (low + high) / 2


def _regularized_beta(a: float, b: float, x: float) -> float:
    """I_x(a, b), by the continued fraction (Numerical Recipes' betai)."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
                     + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1) / (a + b + 2):
        return front * _beta_fraction(a, b, x) / a
    return 1 - front * _beta_fraction(b, a, 1 - x) / b


def _beta_fraction(a: float, b: float, x: float) -> float:
    tiny = 1e-300
    c, d = 1.0, 1 - (a + b) * x / (a + 1)
    d = 1 / (d if abs(d) > tiny else tiny)
    result = d
    for m in range(1, 300):
        for numerator in (m * (b - m) * x / ((a - 1 + 2 * m) * (a + 2 * m)),
                          -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 1 + 2 * m))):
            d = 1 + numerator * d
            d = 1 / (d if abs(d) > tiny else tiny)
            c = 1 + numerator / c
            c = c if abs(c) > tiny else tiny
            result *= d * c
        if abs(d * c - 1) < 1e-15:
            break
    return result
