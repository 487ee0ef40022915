"""How noisy one benchmark is on this machine, from A/A runs (`benchguard calibrate`): its
spread, the change of medians noise alone gives, and the count at which a check can tell its
threshold from noise. Pure statistics over plain data."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

from benchguard.engine import stats
from benchguard.engine.benchfmt import SeriesKey
from benchguard.engine.stats import relative_change

# The change calibrate asks about: "can a check tell a 5% change from noise?"
CHANGE = 0.05
POWER = 0.95  # ... in 95 of 100 checks
# Mann–Whitney needs about π/3 times the runs a t-test needs on normal data.
_MANN_WHITNEY_FACTOR = math.pi / 3
# The standard error of a sample median is about 1.2533 σ/√n (normal data).
_MEDIAN_FACTOR = math.sqrt(math.pi / 2)
# A noise floor noise alone stays under in 99 of 100 A/A checks.
_FLOOR_QUANTILE = 0.995


@dataclass(frozen=True)
class Noise:
    """What the A/A runs of one (benchmark, metric) say."""

    package: str
    name: str
    procs: int
    metric: str
    runs: int  # per side
    cv: float  # coefficient of variation over every run of both sides
    spread: float  # (slowest - fastest) / median, over every run
    delta: float | None  # the A/A change of medians: pure noise
    p: float | None
    count_for_change: int  # runs per side to tell a CHANGE from noise in POWER of checks
    floor: float  # the change of medians noise alone stays under (99%) at the configured count
    threshold: float  # the configured threshold for this benchmark
    count_for_threshold: int  # the count at which the noise floor falls below the threshold
    tags: tuple[str, ...] = ()  # the build tags it was measured with

    @property
    def below_floor(self) -> bool:
        return self.threshold < self.floor


def noise(key: SeriesKey, first: Sequence[float], second: Sequence[float], *, alpha: float,
          count: int, smallest: int, threshold: float) -> Noise:
    """The noise of one series from its A/A runs, and what it means for a check at ``count``
    runs a side (``smallest``: the fewest runs that can ever be significant at ``alpha``)."""
    values = [*first, *second]
    mean = statistics.fmean(values)
    cv = statistics.stdev(values) / abs(mean) if len(values) > 1 and mean else 0.0
    median = statistics.median(values)
    spread = (max(values) - min(values)) / abs(median) if median else 0.0
    delta = p = None
    if first and second:
        delta = relative_change(stats.summarize(first).center, stats.summarize(second).center)
        p = stats.mann_whitney_p(first, second)
    z_alpha = NormalDist().inv_cdf(1 - alpha / 2)
    z_power = NormalDist().inv_cdf(POWER)
    needed = math.ceil(_MANN_WHITNEY_FACTOR * 2 * ((z_alpha + z_power) * cv / CHANGE) ** 2)
    z_floor = NormalDist().inv_cdf(_FLOOR_QUANTILE)
    floor = z_floor * _MEDIAN_FACTOR * cv * math.sqrt(2 / count)
    for_threshold = (math.ceil(2 * (z_floor * _MEDIAN_FACTOR * cv / threshold) ** 2)
                     if threshold > 0 else 0)
    return Noise(package=key.bench.package, name=key.bench.name, procs=key.bench.procs,
                 metric=key.unit, runs=min(len(first), len(second)), cv=cv, spread=spread,
                 delta=delta, p=p, count_for_change=max(needed, smallest), floor=floor,
                 threshold=threshold, count_for_threshold=max(for_threshold, smallest),
                 tags=key.bench.tags)
