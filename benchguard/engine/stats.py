"""benchstat's default statistics: the median with a binomial confidence interval, and a
two-sided Mann–Whitney U test with mid-ranks for ties.

This follows golang.org/x/perf/benchmath (AssumeNothing) and github.com/aclements/go-moremath
(stats/quantileci.go, utest.go, udist.go) step by step, including their floating-point
expressions, so medians and p-values come out as benchstat prints them. The exact U distribution
is counted with integers rather than floats, which only differs in the last bits.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

# Sample sizes up to which go-moremath uses the exact U distribution (MannWhitneyExactLimit and
# MannWhitneyTiesExactLimit); larger samples use the normal approximation.
EXACT_LIMIT = 50
TIES_EXACT_LIMIT = 25
# go-moremath's QuantileCI switches to a normal approximation above this sample size.
_QUANTILE_CI_APPROX_THRESHOLD = 30


@dataclass(frozen=True)
class Summary:
    """The median and its confidence interval; low/high are ±inf when the sample is too small."""

    center: float
    low: float
    high: float
    n: int


def summarize(values: Sequence[float], confidence: float = 0.95) -> Summary:
    xs = sorted(values)
    n = len(xs)
    if n == 0:
        raise ValueError("cannot summarize an empty sample")
    if xs[0] == xs[-1]:
        # B/op and allocs/op are mostly constant, with few distinct values: share one Summary
        key = (xs[0], math.copysign(1.0, xs[0]), n, confidence)  # 0.0 == -0.0
        known = _CONSTANT.get(key)
        if known is None:
            known = _CONSTANT[key] = _summarize_sorted(xs, n, confidence)
        return known
    return _summarize_sorted(xs, n, confidence)


_CONSTANT: dict[tuple[float, float, int, float], Summary] = {}


def _summarize_sorted(xs: list[float], n: int, confidence: float) -> Summary:
    k, fraction, low_order, high_order = _plan(n, confidence)
    if k <= 0:
        center = xs[0]
    elif k >= n:
        center = xs[-1]
    else:
        center = xs[k - 1] + fraction * (xs[k] - xs[k - 1])
    low = xs[low_order - 1] if low_order >= 1 else -math.inf
    high = xs[high_order - 1] if high_order - 1 < n else math.inf
    return Summary(center, low, high, n)


def summarize_exact(values: Sequence[float]) -> Summary:
    """benchmath.AssumeExact's summary: the most common value (the smallest of equally common
    ones), between the smallest and the largest value, which are equal when the assumption holds.
    """
    xs = sorted(values)
    if not xs:
        raise ValueError("cannot summarize an empty sample")
    if xs[0] == xs[-1]:
        key = (xs[0], math.copysign(1.0, xs[0]), len(xs))
        known = _EXACT_CONSTANT.get(key)
        if known is None:
            known = _EXACT_CONSTANT[key] = Summary(xs[0], xs[0], xs[0], len(xs))
        return known
    mode, mode_count = xs[0], 0
    for value, run in itertools.groupby(xs):
        count = sum(1 for _ in run)
        if count > mode_count:
            mode, mode_count = value, count
    return Summary(mode, xs[0], xs[-1], len(xs))


_EXACT_CONSTANT: dict[tuple[float, float, int], Summary] = {}


@cache
def samples_for_interval(confidence: float) -> tuple[str, int]:
    """benchmath's medianSamples: how many samples bound the median's confidence interval,
    as (">=", 6) at 0.95, or (">", 50) when not even 50 do."""
    for n in range(2, 51):
        low, high = _median_ci_orders(n, confidence)
        if low > 0 and high <= n:
            return ">=", n
    return ">", 50


@cache
def samples_to_detect(alpha: float) -> tuple[str, int]:
    """benchmath's uTestSamples: how many samples on each side the U test needs to reach
    `alpha`, as (">=", 4) at 0.05; benchstat looks no further than 9 (">", 9)."""
    for n in range(1, 10):
        if smallest_p(n, n) <= alpha:
            return ">=", n
    return ">", 9


@cache
def _plan(n: int, confidence: float) -> tuple[int, float, int, int]:
    """Where the median and its interval bounds sit in a sorted sample of n values."""
    # Hyndman & Fan's R8 estimator, as stats.Sample.Quantile computes it.
    position = 1 / 3.0 + 0.5 * (n + 1 / 3.0)
    fraction, whole = math.modf(position)
    return (int(whole), fraction, *_median_ci_orders(n, confidence))


def _go_choose(n: int, k: int) -> float:
    # mathx.Choose: exact below 21, exp(lgamma) above, which we mirror for identical intervals.
    if k in (0, n):
        return 1.0
    if k < 0 or n < k:
        return 0.0
    if n <= 20:
        return float(math.comb(n, k))
    return math.exp(math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1))


def _binomial_pmf(n: int, p: float, k: int) -> float:
    if k < 0 or k > n:
        return 0.0
    return _go_choose(n, k) * math.pow(p, k) * math.pow(1 - p, n - k)


def _inverse_normal_cdf(p: float) -> float:
    # Peter Acklam's algorithm with one refinement step, as NormalDist.InvCDF does.
    a = (-3.969683028665376e01, 2.209460984245205e02, -2.759285104469687e02,
         1.383577518672690e02, -3.066479806614716e01, 2.506628277459239e00)
    b = (-5.447609879822406e01, 1.615858368580409e02, -1.556989798598866e02,
         6.680131188771972e01, -1.328068155288572e01)
    c = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e00,
         -2.549732539343734e00, 4.374664141464968e00, 2.938163982698783e00)
    d = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e00,
         3.754408661907416e00)
    p_low = 0.02425
    if p <= 0:
        return -math.inf
    if p >= 1:
        return math.inf
    if p < p_low or 1 - p_low < p:
        q = math.sqrt(-2 * math.log(p if p < p_low else 1 - p))
        x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / \
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        if p >= p_low:
            x = -x
    else:
        q = p - 0.5
        r = q * q
        x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / \
            (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
    e = 0.5 * math.erfc(-x / math.sqrt(2)) - p
    u = e * math.sqrt(2 * math.pi) * math.exp(x * x / 2)
    return x - u / (1 + x * u / 2)


@cache
def _median_ci_orders(n: int, confidence: float) -> tuple[int, int]:
    """The 1-based order statistics bounding the median's interval (stats.QuantileCI)."""
    q = 0.5
    if confidence >= 1:
        return 0, n + 1
    if n <= _QUANTILE_CI_APPROX_THRESHOLD:
        # Start at the mode and add the larger neighbour (left on ties) until confident.
        x = math.ceil((n + 1) * q) - 1
        accumulated = _binomial_pmf(n, q, x)
        left, right = x, x + 1
        left_p, right_p = _binomial_pmf(n, q, left - 1), _binomial_pmf(n, q, right)
        while accumulated < confidence and (left_p > 0 or right_p > 0):
            if left_p >= right_p:
                accumulated += left_p
                left -= 1
                left_p = _binomial_pmf(n, q, left - 1)
            else:
                accumulated += right_p
                right += 1
                right_p = _binomial_pmf(n, q, right)
    else:
        mu = n * q
        sigma = math.sqrt(n * q * (1 - q))
        l1 = _inverse_normal_cdf((1 - confidence) / 2) * sigma + mu
        r1 = 2 * mu - l1
        left = math.floor(math.floor(l1 - 0.5) + 0.5) + 1
        right = math.floor(math.ceil(r1 - 0.5) + 0.5) + 1

        def cdf(lo: int, hi: int) -> float:
            def normal(x: float) -> float:
                return math.erfc(-(x - mu) / (sigma * math.sqrt(2))) / 2

            return normal(hi - 0.5) - normal(lo - 0.5)

        achieved = cdf(left, right)
        biased = cdf(left, right - 1)
        if biased >= confidence and biased < achieved:
            right -= 1
    return max(left, 0), min(right, n + 1)


def mann_whitney_p(a: Sequence[float], b: Sequence[float]) -> float:
    """Two-sided p-value that a and b come from one distribution; 1 when the test is meaningless."""
    n1, n2 = len(a), len(b)
    if n1 == 0 or n2 == 0:
        return 1.0
    total = n1 + n2
    merged = sorted([*a, *b])
    if merged[0] == merged[-1]:
        return 1.0  # all values equal: the test is meaningless
    # 0-based positions of each value's last and first occurrence; the mid-rank of a value is
    # (first + last)/2 + 1, so twice the rank sum is an integer and no float rounding creeps in.
    last = dict(zip(merged, range(total), strict=True))
    has_ties = len(last) < total
    if has_ties:
        first = dict(zip(reversed(merged), range(total - 1, -1, -1), strict=True))
        twice_rank_sum = sum(map(last.__getitem__, a)) + sum(map(first.__getitem__, a)) + 2 * n1
        ties = [last[value] - first[value] + 1 for value in last]
    else:
        twice_rank_sum = 2 * (sum(map(last.__getitem__, a)) + n1)
        ties = []
    u1 = (twice_rank_sum - n1 * (n1 + 1)) / 2
    u2 = n1 * n2 - u1
    u_small = min(u1, u2)

    limit = TIES_EXACT_LIMIT if has_ties else EXACT_LIMIT
    if n1 <= limit and n2 <= limit:
        if u1 == u2:
            return 1.0  # U sits at the centre: go-moremath does not double the middle mass
        tie_key = tuple(ties) if has_ties else None
        count = _count_at_most(n1, n2, tie_key, int(2 * u_small))
        # Doubling one tail of an asymmetric tied distribution can pass 1 (benchstat then
        # prints p=1.500); a p-value is at most 1.
        return min(1.0, count / math.comb(total, n1) * 2)

    tie_sum = float(sum(t * t * t - t for t in ties))  # 0 without ties
    n = float(total)
    sigma = math.sqrt(float(n1 * n2) * ((n + 1) - tie_sum / (n * (n - 1))) / 12)
    if sigma == 0:
        return 1.0
    numerator = u1 - float(n1 * n2) / 2
    numerator -= math.copysign(0.5, numerator) if numerator else 0.0
    z = numerator / sigma
    cdf = math.erfc(-z / math.sqrt(2)) / 2
    return 2 * min(cdf, 1 - cdf)


def _count_at_most(n1: int, n2: int, ties: tuple[int, ...] | None, two_u: int) -> int:
    """How many of the C(n1+n2, n1) labelings have 2·U1 <= two_u, given the tie groups."""
    if ties is None:
        cumulative = _cumulative_counts_without_ties(n1, n2)
        return cumulative[min(two_u // 2, len(cumulative) - 1)]
    return _count_at_most_with_ties(n1, ties, two_u)


@lru_cache(maxsize=4096)
def _count_at_most_with_ties(n1: int, ties: tuple[int, ...], two_u: int) -> int:
    if len(ties) == 2:
        # go-moremath's base case (makeUmemo, K == 2), including its division that truncates
        # towards zero: a U just below the smallest possible one still counts the arrangements
        # with every first-sample value in the first group. Matching it keeps p identical.
        first, second = ties
        numerator = two_u - n1 * (first - n1)
        highest = abs(numerator) // (first + second) * (1 if numerator >= 0 else -1)
        return sum(math.comb(first, n1 - taken) * math.comb(second, taken)
                   for taken in range(max(0, n1 - first), highest + 1))
    width = sum(ties) + 1  # every coefficient is below 2**(n1+n2)
    limit = two_u + n1 * (n1 + 1)  # 2·R1 = 2·U1 + n1(n1+1)
    packed = _rank_sum_polynomial(n1, ties, limit, width)
    # The sum of the slots equals the packed number modulo 2**width - 1 (it cannot overflow).
    return packed % ((1 << width) - 1)


@lru_cache(maxsize=256)
def _cumulative_counts_without_ties(n1: int, n2: int) -> tuple[int, ...]:
    """Labelings with U1 <= u, for every u: computed once per pair of sample sizes."""
    width = (n1 + n2 + 8) // 8 * 8
    lowest = n1 * (n1 + 1)
    limit = lowest + 2 * n1 * n2
    packed = _rank_sum_polynomial(n1, (1,) * (n1 + n2), limit, width)
    step = width // 8
    data = packed.to_bytes((limit + 1) * step, "little")
    cumulative = []
    total = 0
    for power in range(lowest, limit + 1, 2):
        total += int.from_bytes(data[power * step:(power + 1) * step], "little")
        cumulative.append(total)
    return tuple(cumulative)


def _rank_sum_polynomial(n1: int, groups: tuple[int, ...], limit: int, width: int) -> int:
    """The distribution of 2·R1 (twice the first sample's rank sum), by dynamic programming
    over the tie groups.

    ways[j] is a polynomial in x whose coefficient of x^(2·R) counts the ways to place j
    first-sample values among the groups seen so far with rank sum R. Each polynomial is packed
    into one Python int, one slot of `width` bits per power, so a step is a shift and an add done
    in C; powers above `limit` are dropped. Returns ways[n1].
    """
    keep = (1 << ((limit + 1) * width)) - 1
    ways = [1] + [0] * n1
    seen = 0
    remaining = sum(groups)
    for size in groups:
        twice_rank = 2 * seen + size + 1  # mid-rank of the group, doubled
        remaining -= size
        if size == 1:
            # An untied value: in place, from the top so ways[j] is still the old one.
            if twice_rank <= limit:
                shift = twice_rank * width
                for j in range(min(seen, n1 - 1), max(0, n1 - remaining - 1) - 1, -1):
                    if ways[j]:
                        ways[j + 1] = (ways[j + 1] + (ways[j] << shift)) & keep
            seen += 1
            continue
        new = [0] * (n1 + 1)
        for j in range(min(seen, n1), -1, -1):
            poly = ways[j]
            if not poly:
                continue
            # the groups after this one can hold at most `remaining` first-sample values
            for taken in range(max(0, n1 - remaining - j), min(size, n1 - j) + 1):
                if taken * twice_rank > limit:
                    break
                term = poly << (taken * twice_rank * width) if taken else poly
                if 0 < taken < size:
                    term *= math.comb(size, taken)
                new[j + taken] += term
        ways = [poly & keep for poly in new]
        seen += size
    return ways[n1]


@cache
def smallest_p(n1: int, n2: int) -> float:
    """The smallest two-sided p-value samples of these sizes can give: fully separated samples."""
    if n1 == 0 or n2 == 0:
        return 1.0
    if n1 <= EXACT_LIMIT and n2 <= EXACT_LIMIT:
        return min(1.0, 2 / math.comb(n1 + n2, n1))
    return mann_whitney_p([float(i) for i in range(n1)], [float(i) for i in range(n1, n1 + n2)])


def geomean(values: Sequence[float]) -> float:
    """The geometric mean as stats.GeoMean computes it; NaN when empty or any value is <= 0."""
    if not values:
        return math.nan
    mean_log = 0.0
    for i, value in enumerate(values):
        if value <= 0:
            return math.nan
        mean_log += (math.log(value) - mean_log) / (i + 1)
    return math.exp(mean_log)


def relative_change(base: float, head: float) -> float | None:
    """head/base - 1; 0 when both are equal (benchstat's 0/0 rule), None when base alone is 0."""
    if base == head:
        return 0.0
    if base == 0:
        return None
    return head / base - 1
