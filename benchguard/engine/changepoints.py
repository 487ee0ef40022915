"""Change points in a benchmark's history: the commits from which its values sit at another level.

E-divisive means (Matteson & James, JASA 2014) with α = 1, on one value a commit (the median of
that commit's samples: the commit, not the sample, is the unit that varies from run to run):

- A segment's candidate is the split τ that maximises the energy statistic Q̂ between the values
  before τ and the values from τ to the segment's end. κ stays at the segment's end, as in MongoDB's
  signal_processing_algorithms; Matteson & James and Otava also search κ, which costs O(n²) a look.
  In one dimension the whole scan is O(n log n): a Fenwick tree over the values' ranks gives each
  value's distance to those before it.
- The candidate is kept when a permutation test says so: the segment is shuffled ``permutations``
  times, p = (1 + shuffles whose best split scores at least as high) / (1 + permutations), and it
  must be at most ``max_p``. Then both sides are searched the same way. A test stops as soon as p
  cannot reach ``max_p``, so segments without a change cost a few shuffles.
- When the whole segment shows nothing, a second look takes the best split over the windows from
  its start to each eighth of it (the shuffles scored the same way): a regression reverted ten
  commits later is drowned by the commits after the revert in the whole segment, not in a window
  that ends soon after it. It costs about four whole looks, only where the first found nothing.
- Both sides of every split hold at least ``min_segment`` commits, so a run of fewer commits is
  never a segment of its own and one slow commit never a change point (apache/otava#150; MongoDB's
  implementation and R's ecp have a minimum too). A burst of min_segment - 1 slow commits can
  still carry a segment of min_segment commits.
- A segment made of two constant runs (allocs/op going from 3 to 4) gets its exact permutation p,
  2 / C(n, τ), instead of a sampled one: a noise-free step needs no shuffles, only enough commits.
- Each segment's shuffles come from a ``random.Random`` seeded with (seed, start, end): the same
  values give the same points, whatever order segments are searched in.

A point's ``before`` and ``after`` are the medians of its two final segments (between its
neighbouring points), ``change`` is (after - before) / |before|, and ``low``-``high`` is a 95%
percentile bootstrap interval of that change (both segments resampled with replacement, 1,000
times, seeded like the test). A point is kept when its median moved: the interval leaves out 0
and a rank-sum test between the two segments agrees (benchstat's Mann–Whitney, engine.stats).
``p`` is the larger of that test's p-value and the permutation p-value of the split, so p <= max_p
for every point.

A slow drift has no commit to blame, and E-divisive cuts it into several small steps. A point is
``drift`` when a line through its two segments explains it — fitted together with a common slope
(least squares on ranks), the step itself is not significant — and it is not alone: a
neighbouring point moves the same way, or its slope is significant too. The level moved
gradually there, not at that commit. benchmarks/changepoints.py measures how often each kind is
told right.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import random
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from benchguard.engine.stats import mann_whitney_p

MIN_SEGMENT = 5
MAX_P = 0.01
PERMUTATIONS = 199
CONFIDENCE = 0.95
BOOTSTRAP = 1000
WINDOWS = 8  # the second look's windows end at each eighth of the segment
# Shuffles whose best split scores within this share of the segment's mean distance between two
# values of the observed one tie with it (a mirrored step scores the same, summed in another order).
TIE = 1e-9
# A point is drift when its step, fitted with a common slope through both segments, has a t
# statistic below this: the line explains the change. The split sits where noise makes the step
# look largest, so a drift's points reach t ≈ 2 (3.0 at the 90th percentile), real steps 3–9
# (benchmarks/changepoints.py measures both).
DRIFT_T = 3.0
# ... and, for a point with no neighbour moving the same way, its common slope has at least this
DRIFT_SLOPE_T = 2.0


@dataclass(frozen=True)
class ChangePoint:
    index: int  # the first commit of the new segment
    before: float  # median of the segment before
    after: float  # median of the segment from index on
    change: float  # (after - before) / |before|; ±inf when before is 0
    low: float  # bootstrap confidence interval of change
    high: float
    p: float  # the larger of the split's permutation p-value and the rank-sum test's
    # a line through both segments explains the step: a gradual change, not this commit's
    drift: bool = False


def find(values: Sequence[float], *, min_segment: int = MIN_SEGMENT, max_p: float = MAX_P,
         permutations: int = PERMUTATIONS, seed: int = 0) -> list[ChangePoint]:
    """The change points of ``values`` (one a commit, oldest first), by index."""
    series = _checked(values, min_segment, max_p, permutations)
    splits = _splits(series, min_segment=min_segment, max_p=max_p, permutations=permutations,
                     seed=seed)
    return _level_changes(series, splits, max_p=max_p, seed=seed)


def _level_changes(series: list[float], splits: dict[int, float], *, max_p: float, seed: int
                   ) -> list[ChangePoint]:
    """The splits, described between their neighbours, whose medians moved: the rank-sum test
    between the two segments has p <= max_p and the interval of the change leaves out 0. The
    energy statistic also splits where only the spread changed, as around a burst of slow
    commits; such a split is dropped, the weakest first, as in Hunter's merge step, and its
    neighbours are described anew over their longer segments."""
    described: dict[tuple[int, int, int], ChangePoint] = {}
    indexes = sorted(splits)
    while True:
        points = []
        bounds = [0, *indexes, len(series)]
        for previous, index, following in zip(bounds, bounds[1:], bounds[2:], strict=False):
            key = (previous, index, following)
            if key not in described:
                described[key] = _describe(series, key, splits[index], seed)
            points.append(described[key])
        weak = [point for point in points if point.p > max_p or point.low <= 0 <= point.high]
        if not weak:
            return _told_apart(series, points)
        indexes.remove(max(weak, key=lambda point: point.p).index)


def _describe(series: list[float], bounds: tuple[int, int, int], split_p: float, seed: int
              ) -> ChangePoint:
    """The change at bounds[1] between the segments on either side; its p is the larger of the
    split's and the rank-sum test's (both must pass: an intersection-union test)."""
    previous, index, following = bounds
    before, after = series[previous:index], series[index:following]
    low, high = _interval(before, after, random.Random(f"{seed}/interval/{bounds}"))
    median_before, median_after = statistics.median(before), statistics.median(after)
    return ChangePoint(index, median_before, median_after,
                       _relative(median_before, median_after), low, high,
                       max(split_p, mann_whitney_p(before, after)))


def _told_apart(series: list[float], points: list[ChangePoint]) -> list[ChangePoint]:
    """``points`` with each drift marked: a line through its two segments explains its step
    (_step_and_slope: the step is not significant beside a common slope), and either a
    neighbouring point moves the same way (a drift is cut into a run of them) or the slope is
    significant beside the step. A lone short step fits a line almost as well as a step, so a
    point alone needs its own slope to be drift."""
    bounds = [0, *(point.index for point in points), len(series)]
    told = []
    for number, point in enumerate(points):
        before = series[bounds[number]:bounds[number + 1]]
        after = series[bounds[number + 1]:bounds[number + 2]]
        step, slope = _step_and_slope(before, after)
        along = any((points[other].change > 0) == (point.change > 0)
                    for other in (number - 1, number + 1) if 0 <= other < len(points))
        told.append(dataclasses.replace(
            point, drift=step < DRIFT_T and (along or slope >= DRIFT_SLOPE_T)))
    return told


def _step_and_slope(before: list[float], after: list[float]) -> tuple[float, float]:
    """|t| of the step between ``before`` and ``after`` and of a slope common to both, fitted
    together (least squares, on the values' ranks so that one slow commit weighs no more than
    any other); infinite when the fit leaves no error (two constant runs)."""
    values = _ranks(before + after)
    n, cut = len(values), len(before)
    if n <= 3:
        return math.inf, 0.0
    steps = [0.0] * cut + [1.0] * (n - cut)
    # Frisch–Waugh: the step's coefficient is that of the step less its line fitted to the
    # values less theirs; the slope's, that of the positions less each segment's mean
    values_less_line, steps_less_line = _detrended(values), _detrended(steps)
    spread = math.fsum(step * step for step in steps_less_line)
    size = math.fsum(value * step for value, step
                     in zip(values_less_line, steps_less_line, strict=True)) / spread
    error = math.fsum((value - size * step) ** 2 for value, step
                      in zip(values_less_line, steps_less_line, strict=True)) / (n - 3)
    if error <= 0:
        return math.inf, 0.0
    positions = _centred([float(x) for x in range(n)], cut)
    within = math.fsum(x * x for x in positions)
    slope = math.fsum(x * y for x, y in zip(positions, _centred(values, cut), strict=True)) \
        / within
    return abs(size) / math.sqrt(error / spread), abs(slope) / math.sqrt(error / within)


def _centred(values: list[float], cut: int) -> list[float]:
    """``values`` less the mean of their segment (before ``cut``, from it)."""
    first, second = values[:cut], values[cut:]
    return [value - statistics.fmean(first) for value in first] + \
        [value - statistics.fmean(second) for value in second]


def _ranks(values: list[float]) -> list[float]:
    """Each value's rank among ``values``, ties given their mid-rank."""
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = [0.0] * len(values)
    for _, tied in itertools.groupby(enumerate(order), key=lambda pair: values[pair[1]]):
        group = list(tied)
        for _, index in group:
            ranks[index] = (group[0][0] + group[-1][0]) / 2
    return ranks


def _detrended(values: list[float]) -> list[float]:
    """``values`` less their least-squares line over their positions."""
    n = len(values)
    x_mean, y_mean = (n - 1) / 2, math.fsum(values) / n
    slope = (math.fsum((x - x_mean) * (y - y_mean) for x, y in enumerate(values))
             / math.fsum((x - x_mean) ** 2 for x in range(n)))
    return [y - y_mean - slope * (x - x_mean) for x, y in enumerate(values)]


def _checked(values: Sequence[float], min_segment: int, max_p: float, permutations: int
             ) -> list[float]:
    if min_segment < 2:
        # a segment's own spread (the energy statistic's within term) needs two values
        raise ValueError(f"min_segment must be at least 2, not {min_segment}")
    if not 0 < max_p < 1:
        raise ValueError(f"max_p must be between 0 and 1, not {max_p}")
    if permutations < 1 or 1 / (permutations + 1) > max_p:
        raise ValueError(f"{permutations} permutations cannot give a p-value of {max_p} or less: "
                         f"it takes at least {math.ceil(1 / max_p) - 1}")
    series = [float(value) for value in values]
    for index, value in enumerate(series):
        if not math.isfinite(value):
            raise ValueError(f"value {index} is {value}: change points need finite values")
    return series


def _splits(series: list[float], *, min_segment: int, max_p: float, permutations: int,
            seed: int) -> dict[int, float]:
    """The index of every kept split, with its p-value."""
    kept: dict[int, float] = {}
    segments = [(0, len(series))]
    while segments:
        start, end = segments.pop()
        if end - start < 2 * min_segment:
            continue
        rng = random.Random(f"{seed}/{start}/{end}")
        found = _test(series[start:end], min_segment, max_p, permutations, rng)
        if found is None:
            continue
        split, p = found
        kept[start + split] = p
        segments += [(start, start + split), (start + split, end)]
    return kept


def _test(segment: list[float], min_segment: int, max_p: float, permutations: int,
          rng: random.Random) -> tuple[int, float] | None:
    """The best split of ``segment`` and its p-value, or None when it is not significant.

    First the whole segment; when that finds nothing, the windows from its start to each eighth
    of it: a regression reverted a few commits later hides in the whole segment, where the commits
    after the revert outnumber those it slowed, but stands out in a window that ends soon after."""
    n = len(segment)
    if min(segment) == max(segment):
        return None
    found = _permutation_test(segment, [n], min_segment, max_p, permutations, rng)
    if found is None:
        ends = sorted({round(n * k / WINDOWS) for k in range(1, WINDOWS)})
        ends = [end for end in ends if end >= 2 * min_segment]
        if ends:
            found = _permutation_test(segment, ends, min_segment, max_p, permutations, rng)
    return found


def _permutation_test(segment: list[float], ends: list[int], min_segment: int, max_p: float,
                      permutations: int, rng: random.Random) -> tuple[int, float] | None:
    """The best split over the windows segment[:end], and its p-value when at most max_p: the
    share of shuffles of the segment whose best split over the same windows scores as high."""
    n = len(segment)
    split, observed = _best_of(segment, ends, min_segment)
    if ends == [n] and len(set(segment[:split])) == 1 and len(set(segment[split:])) == 1:
        # two constant runs: the exact p, as only they and their mirror image score that high
        p = 2 / math.comb(n, split)
        return (split, p) if p <= max_p else None
    whole = _Sorted(segment)
    shuffled = list(segment)

    def shuffle_and_score() -> float:
        if ends == [n]:  # a shuffle of the whole segment only reorders its ranks
            rng.shuffle(whole.ranks)
            return _best_split(whole, min_segment)[1]
        rng.shuffle(shuffled)
        return _best_of(shuffled, ends, min_segment)[1]

    bar = observed - TIE * whole.total / math.comb(n, 2)
    allowed = math.floor(max_p * (permutations + 1) + TIE) - 1  # shuffles that may reach the bar
    reached = 0
    for _ in range(permutations):
        if shuffle_and_score() >= bar:
            reached += 1
            if reached > allowed:  # p can no longer be at most max_p
                return None
    return split, (1 + reached) / (1 + permutations)


def _best_of(segment: list[float], ends: list[int], min_segment: int) -> tuple[int, float]:
    """The split with the largest Q̂ over the windows segment[:end], and that Q̂."""
    best, best_q = 0, -math.inf
    for end in ends:
        split, q = _best_split(_Sorted(segment[:end]), min_segment)
        if q > best_q:
            best, best_q = split, q
    return best, best_q


class _Sorted:
    """A window's values by rank (less their median: distances do not move with it, and rounding
    errors shrink), each one's summed distance to all of them, their total pairwise distance,
    and each commit's rank."""

    def __init__(self, window: list[float]) -> None:
        n = len(window)
        order = sorted(range(n), key=window.__getitem__)
        center = window[order[n // 2]]
        self.value = [window[i] - center for i in order]
        below = [0.0, *itertools.accumulate(self.value)]
        self.spread = [v * r - below[r] + (below[n] - below[r + 1]) - v * (n - r - 1)
                       for r, v in enumerate(self.value)]
        self.total = math.fsum(self.spread) / 2
        self.ranks = [0] * n
        for rank, i in enumerate(order):
            self.ranks[i] = rank


def _best_split(window: _Sorted, min_segment: int) -> tuple[int, float]:
    """The τ in [min_segment, n - min_segment] with the largest Q̂(window[:τ], window[τ:]), and
    that Q̂ = 2/n · (B - n2·W1/(n1 - 1) - n1·W2/(n2 - 1)), where B sums the distances between the
    sides, W1 and W2 those within each."""
    value, spread, total = window.value, window.spread, window.total
    n = len(value)
    count = [0] * (n + 1)  # Fenwick trees over ranks: how many values came before, their sum
    summed = [0.0] * (n + 1)
    within = between = seen = 0.0
    best, best_q = min_segment, -math.inf
    last = n - min_segment
    for tau, rank in enumerate(window.ranks):
        if tau >= min_segment:
            q = (between - (n - tau) * within / (tau - 1)
                 - tau * (total - within - between) / (n - tau - 1))
            if q > best_q:
                best, best_q = tau, q
            if tau == last:
                break
        v = value[rank]
        i, lower, lower_sum = rank, 0, 0.0
        while i:
            lower += count[i]
            lower_sum += summed[i]
            i &= i - 1
        # distance from v to the values before it: those below it, then those above
        near = v * lower - lower_sum + (seen - lower_sum) - v * (tau - lower)
        within += near
        between += spread[rank] - 2 * near
        seen += v
        i = rank + 1
        while i <= n:
            count[i] += 1
            summed[i] += v
            i += i & -i
    return best, 2 * best_q / n


def _interval(before: list[float], after: list[float], rng: random.Random) -> tuple[float, float]:
    before, after = sorted(before), sorted(after)
    changes = sorted(_relative(_resampled_median(before, rng), _resampled_median(after, rng))
                     for _ in range(BOOTSTRAP))
    tail = (1 - CONFIDENCE) / 2
    return changes[math.floor(tail * BOOTSTRAP)], changes[math.ceil((1 - tail) * BOOTSTRAP) - 1]


def _resampled_median(ordered: list[float], rng: random.Random) -> float:
    """The median of a resample of ``ordered`` (sorted), drawn without making the resample: it
    picks indexes floor(n·U), and the k-th smallest of n uniforms is Beta(k, n + 1 - k)."""
    n = len(ordered)
    k = (n + 1) // 2
    u = rng.betavariate(k, n + 1 - k)
    low = ordered[min(int(n * u), n - 1)]
    if n % 2:
        return low
    # the (k+1)-th: the smallest of the n - k uniforms above u
    u += (1 - u) * rng.betavariate(1, n - k)
    return (low + ordered[min(int(n * u), n - 1)]) / 2


def _relative(before: float, after: float) -> float:
    if before == 0:
        return 0.0 if after == 0 else math.copysign(math.inf, after)
    return (after - before) / abs(before)
