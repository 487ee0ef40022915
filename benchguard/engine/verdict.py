"""The gate: compare a base and a head BenchmarkSet metric by metric and give each a verdict."""

from __future__ import annotations

import dataclasses
import itertools
import math
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from benchguard.engine import stats
from benchguard.engine.benchfmt import (
    BenchKey,
    BenchmarkSet,
    SeriesKey,
    default_higher_is_better,
    gc_paused,
    tidy_unit,
)
from benchguard.engine.decision import State
from benchguard.engine.status import Status, Verdict
from benchguard.engine.units import go_float

if TYPE_CHECKING:
    from benchguard.engine.decision import Decision


CORRECTIONS = ("holm", "none")


@dataclass(frozen=True)
class Comparison:
    series: SeriesKey
    base: stats.Summary | None
    head: stats.Summary | None
    delta: float | None  # head/base - 1; None when undefined (base 0, or a side missing)
    p: float | None
    significant: bool
    verdict: Verdict
    threshold: float
    allowed_by: str | None = None  # set by `check` when an override covers a regression
    higher_is_better: bool = False
    # Holm–Bonferroni-adjusted p, which the verdict used; None when not corrected or not tested
    p_adjusted: float | None = None
    # decided by comparing exact values, without a test: the unit is declared exact
    # (`Unit <unit> assume=exact`), or every run of each side gave one value (allocs/op, B/op)
    exact: bool = False
    # `check`: how its rounds decided this result (benchguard.engine.decision), which the verdict
    # follows; None for `compare`, and for results only one side has
    decision: Decision | None = None


@dataclass(frozen=True)
class GeomeanRow:
    """benchstat's geomean row for one unit: geomeans of each side's medians, and of the ratios."""

    unit: str
    base: float | None
    head: float | None
    delta: float | None
    count: int
    # benchstat's footnotes on the row ("benchmark set differs from baseline; …")
    warnings: tuple[str, ...] = ()


@dataclass
class ComparisonReport:
    comparisons: list[Comparison]
    warnings: list[str]
    alpha: float
    geomeans: list[GeomeanRow] = field(default_factory=list)
    correction: str = "none"  # "holm": verdicts use p_adjusted over `family` comparisons
    family: int = 0
    # `check`: the instrument that measured each benchmark ("time", "simulation"); without it,
    # a benchmark with a simulated unit was simulated (engine.simulation.UNITS)
    instruments: dict[BenchKey, str] = field(default_factory=dict)

    @property
    def status(self) -> Status:
        for comparison in self.comparisons:
            if comparison.verdict == Verdict.REGRESSION and comparison.allowed_by is None:
                return Status.REGRESSION
        return Status.PASS

    @property
    def units(self) -> list[str]:
        return list(dict.fromkeys(c.series.unit for c in self.comparisons))


def compare(base: BenchmarkSet, head: BenchmarkSet, *, alpha: float = 0.05,
            threshold: float | Callable[[SeriesKey], float] = 0.05,
            metrics: Sequence[str] | None = None, correction: str = "none",
            decided: Mapping[SeriesKey, Decision] | None = None) -> ComparisonReport:
    """Compare every (benchmark, metric) found on either side; `metrics=None` means all units.

    ``correction="holm"`` adjusts the p-values of the tested pairs (Holm–Bonferroni) and judges
    by the adjusted ones; ``p`` stays benchstat's. Pairs decided exactly are not in the family.
    ``decided``: `check`'s decisions (benchguard.engine.decision), which the verdicts of their
    pairs follow (_follow); the numbers stay benchstat's.
    """
    wanted = None if metrics is None else {tidy_unit(metric)[0] for metric in metrics}
    declared = {**head.assume_exact, **base.assume_exact}
    exact_units = frozenset(unit for unit, exact in declared.items() if exact)
    threshold_of = threshold if callable(threshold) else (lambda _series: float(threshold))
    with gc_paused():
        selected = _pairs(base, head, wanted)
        measured = ([_measure_exact(pair) if pair[0].unit in exact_units else _measure(pair)
                     for pair in selected] if exact_units else list(map(_measure, selected)))
        exact = [_is_exact(pair, exact_units) for pair in selected]
        adjusted = _adjusted(measured, exact, alpha, correction)
        higher = {**head.higher_is_better, **base.higher_is_better}
        comparisons = []
        for index, pair in enumerate(selected):
            key = pair[0]
            base_summary, head_summary, p = measured[index]
            higher_is_better = higher.get(key.unit)
            if higher_is_better is None:
                higher_is_better = higher[key.unit] = default_higher_is_better(key.unit)
            judged = _judge(key, base_summary, head_summary, p, alpha=alpha,
                            threshold=threshold_of(key), higher_is_better=higher_is_better,
                            p_adjusted=adjusted.get(index), exact=exact[index])
            made = decided.get(key) if decided else None
            comparisons.append(judged if made is None else _follow(judged, made))
        geomeans = geomean_rows(comparisons)
        warnings = [*base.warnings, *head.warnings]
        warnings.extend(_one_sided_warnings(comparisons, base, head))
        warnings.extend(_footnotes(comparisons, exact_units, *_noted(selected, measured, exact)))
        warnings.extend(_insufficient_warnings(comparisons, alpha))
        warnings.extend(_exact_warnings(comparisons, exact_units))
        warnings.extend(f"{warning} ({row.unit})" for row in geomeans for warning in row.warnings)
        # the same bad line comes back once per run when runs are parsed one at a time
        warnings = list(dict.fromkeys(warnings))
        return ComparisonReport(comparisons=comparisons, warnings=warnings, alpha=alpha,
                                geomeans=geomeans, correction=correction, family=len(adjusted))


def _pairs(base: BenchmarkSet, head: BenchmarkSet, wanted: set[str] | None) -> list[_Pair]:
    """Each series of either side with its values on both (None where a side lacks it), base's
    order first; only the units ``wanted`` (None: all)."""
    if (len(base.samples) == len(head.samples)
            and all(map(operator.is_, base.samples, head.samples))):
        # the same series in the same order, sharing their keys (benchfmt.parse_large): no need
        # to hash 30,000 dataclass keys to pair them
        selected: list[_Pair] = list(zip(base.samples, base.samples.values(),
                                         head.samples.values(), strict=True))
    else:
        selected = [(key, values, head.samples.get(key))
                    for key, values in base.samples.items()]
    if sum(1 for pair in selected if pair[2] is not None) < len(head.samples):
        selected += [(key, None, values) for key, values in head.samples.items()
                     if key not in base.samples]
    if wanted is not None:
        selected = [pair for pair in selected if pair[0].unit in wanted]
    return selected


def _adjusted(measured: Sequence[_Measured], exact: Sequence[bool], alpha: float,
              correction: str) -> dict[int, float]:
    """With ``correction="holm"``, the adjusted p of each tested pair that could be significant
    at all (by index); nothing with "none"."""
    if correction == "none":
        return {}
    if correction != "holm":
        raise ValueError(f"unknown correction {correction!r}")
    family = [index for index, (base_summary, head_summary, p) in enumerate(measured)
              if p is not None and not exact[index] and base_summary and head_summary
              and stats.smallest_p(base_summary.n, head_summary.n) <= alpha]
    return dict(zip(family, holm([measured[i][2] or 0.0 for i in family]), strict=True))


def _noted(selected: Sequence[_Pair], measured: Sequence[_Measured], exact: Sequence[bool]
           ) -> tuple[list[SeriesKey], list[SeriesKey]]:
    """For benchstat's footnotes: medians known only to ±∞ (too few runs), and tests with
    nothing to say (every value the same)."""
    unbounded: list[SeriesKey] = []
    all_equal: list[SeriesKey] = []
    for index, pair in enumerate(selected):
        key = pair[0]
        base_summary, head_summary, p = measured[index]
        if ((base_summary and base_summary.low == -math.inf)
                or (head_summary and head_summary.low == -math.inf)):
            unbounded.append(key)
        if p == 1.0 and base_summary and head_summary and (
                base_summary.center == head_summary.center if exact[index]  # one value a side
                else _all_equal(pair)):
            all_equal.append(key)
    return unbounded, all_equal


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm–Bonferroni step-down adjusted p-values, in the order given: with p ascending,
    p_adj(i) = max over j ≤ i of min(1, (m - j + 1) · p(j))."""
    m = len(p_values)
    adjusted = [1.0] * m
    running = 0.0
    for rank, index in enumerate(sorted(range(m), key=lambda i: p_values[i])):
        running = max(running, min(1.0, (m - rank) * p_values[index]))
        adjusted[index] = running
    return adjusted


_Pair = tuple[SeriesKey, list[float] | None, list[float] | None]
_Measured = tuple[stats.Summary | None, stats.Summary | None, float | None]


def _measure(pair: _Pair) -> _Measured:
    _, base_values, head_values = pair
    if base_values and head_values:
        x, y = base_values[0], head_values[0]
        if base_values.count(x) == len(base_values) and head_values.count(y) == len(head_values):
            # constant sides (allocs/op, B/op) repeat a few values over thousands of benchmarks
            key = (x, math.copysign(1.0, x), len(base_values),
                   y, math.copysign(1.0, y), len(head_values))  # 0.0 == -0.0
            known = _CONSTANT_PAIRS.get(key)
            if known is None:
                known = _CONSTANT_PAIRS[key] = (stats.summarize(base_values),
                                                stats.summarize(head_values),
                                                stats.mann_whitney_p(base_values, head_values))
            return known
    base = stats.summarize(base_values) if base_values else None
    head = stats.summarize(head_values) if head_values else None
    if base_values and head_values:
        return base, head, stats.mann_whitney_p(base_values, head_values)
    return base, head, None


_CONSTANT_PAIRS: dict[tuple[float, float, int, float, float, int], _Measured] = {}


def _measure_exact(pair: _Pair) -> _Measured:
    """A unit declared exact: each side's value (its mode), and no test; p is 0, as benchstat's
    exact comparison has it (a change is a change)."""
    _, base_values, head_values = pair
    base = stats.summarize_exact(base_values) if base_values else None
    head = stats.summarize_exact(head_values) if head_values else None
    return base, head, 0.0 if base and head else None


def _is_exact(pair: _Pair, exact_units: frozenset[str]) -> bool:
    """Both sides are there, and their unit is declared exact or each side ran at least twice
    and every run of it gave the same value."""
    key, base_values, head_values = pair
    if not base_values or not head_values:
        return False
    return key.unit in exact_units or (
        len(base_values) >= 2 and len(head_values) >= 2
        and base_values.count(base_values[0]) == len(base_values)
        and head_values.count(head_values[0]) == len(head_values))


def _judge(key: SeriesKey, base: stats.Summary | None, head: stats.Summary | None,
           p: float | None, *, alpha: float, threshold: float,
           higher_is_better: bool, p_adjusted: float | None = None,
           exact: bool = False) -> Comparison:
    if base is None or head is None or p is None:
        missing = Verdict.MISSING if head is None else Verdict.NEW
        return Comparison(key, base, head, None, None, False, missing, threshold,
                          higher_is_better=higher_is_better)
    significant = (p if p_adjusted is None else p_adjusted) <= alpha
    delta = stats.relative_change(base.center, head.center)
    # A constant 2 allocs/op becoming a constant 3 is a fact, not a sample: no test (and no
    # correction for testing many) can make it noise.
    if exact:
        verdict = _direction(base, head, delta, threshold, higher_is_better)
    elif stats.smallest_p(base.n, head.n) > alpha:
        verdict = Verdict.INSUFFICIENT
    elif not significant:
        verdict = Verdict.SAME
    else:
        verdict = _direction(base, head, delta, threshold, higher_is_better)
    return _new_comparison(key, base, head, delta, p, significant, verdict, threshold, None,
                           higher_is_better, p_adjusted, exact, None)


_COMPARISON_FIELDS = tuple(item.name for item in dataclasses.fields(Comparison))


def _new_comparison(*values: object) -> Comparison:
    """Comparison(*values) without the frozen dataclass's __init__, which sets each of its
    fields through object.__setattr__: a third of the cost of judging 30,000 series."""
    made: Comparison = object.__new__(Comparison)
    made.__dict__.update(zip(_COMPARISON_FIELDS, values, strict=True))
    return made


def _follow(judged: Comparison, made: Decision) -> Comparison:
    """A check's verdict: a regression only when its decision blocks; an improvement where
    benchstat's test says so and the decision does not block; unresolved when the rounds could
    settle it neither way; else the same."""

    if made.blocks:
        verdict = Verdict.REGRESSION
    elif made.state == State.UNCONFIRMED:
        verdict = Verdict.UNCONFIRMED
    elif made.state in (State.UNRESOLVED, State.UNDECIDED):
        verdict = Verdict.UNRESOLVED
    else:
        verdict = Verdict.IMPROVEMENT if judged.verdict == Verdict.IMPROVEMENT else Verdict.SAME
    return dataclasses.replace(judged, verdict=verdict, decision=made,
                               significant=verdict in (Verdict.REGRESSION, Verdict.IMPROVEMENT))


def _direction(base: stats.Summary, head: stats.Summary, delta: float | None, threshold: float,
               higher_is_better: bool) -> Verdict:
    if base.center == head.center:
        return Verdict.SAME
    change = delta if delta is not None else math.copysign(math.inf, head.center)
    better = change if higher_is_better else -change
    if better > threshold:
        return Verdict.IMPROVEMENT
    return Verdict.REGRESSION if -better > threshold else Verdict.SAME


def _one_sided_warnings(comparisons: list[Comparison], base: BenchmarkSet,
                        head: BenchmarkSet) -> list[str]:
    if all(c.verdict not in (Verdict.NEW, Verdict.MISSING) for c in comparisons):
        return []
    base_benches = {key.bench for key in base.samples}
    head_benches = {key.bench for key in head.samples}
    warnings = []
    reported: set[BenchKey] = set()
    for comparison in comparisons:
        bench = comparison.series.bench
        if comparison.verdict not in (Verdict.NEW, Verdict.MISSING):
            continue
        if bench not in base_benches or bench not in head_benches:
            if bench in reported:
                continue
            reported.add(bench)
            if comparison.verdict == Verdict.NEW:
                warnings.append(f"{bench.describe()} is new: it has no base results to compare "
                                "with")
            else:
                warnings.append(f"{bench.describe()} is missing: it has base results but none now")
        else:
            side = "head" if comparison.verdict == Verdict.NEW else "base"
            warnings.append(f"{bench.describe()}: {comparison.series.unit} is only measured in "
                            f"the {side} results")
    return warnings


class _Named:
    """Warnings that name what they are about, one line per message however many rows share
    it: loud, but not a flood when a whole suite ran with -count 3."""

    def __init__(self) -> None:
        # message -> what it is about: a benchmark with its units, or a name as it is
        self.about: dict[str, dict[BenchKey | str, list[str]]] = {}

    def add(self, message: str, name: str) -> None:
        self.about.setdefault(message, {})[name] = []

    def add_series(self, message: str, series: Iterable[SeriesKey]) -> None:
        """Names each benchmark once, with every unit the message is about."""
        benches = self.about.setdefault(message, {})
        last: BenchKey | None = None
        units: list[str] = []
        for key in series:
            if key.bench is not last:  # a benchmark's units come one after another
                last = key.bench
                units = benches.setdefault(last, [])
            if key.unit not in units:
                units.append(key.unit)

    def lines(self) -> list[str]:
        lines = []
        for message, about in self.about.items():
            if not about:
                continue
            shown = ", ".join(f"{what.describe()} ({', '.join(units)})"
                              if isinstance(what, BenchKey) else what
                              for what, units in itertools.islice(about.items(), _NAMED))
            if len(about) > _NAMED:
                shown += f" and {len(about) - _NAMED} more"
            lines.append(f"{message}: {shown}")
        return lines


_NAMED = 5


def _footnotes(comparisons: list[Comparison], exact_units: frozenset[str],
               unbounded: list[SeriesKey], all_equal: list[SeriesKey]) -> list[str]:
    """benchstat's footnotes on summaries and tests, as warnings naming their rows."""
    notes = _Named()
    if exact_units:
        for c in comparisons:
            if c.series.unit in exact_units:
                for summary in (c.base, c.head):
                    if summary is not None and summary.low != summary.high:
                        notes.add_series(f"exact distribution expected, but values range from "
                                         f"{go_float(summary.low)} to {go_float(summary.high)}",
                                         [c.series])
    notes.add_series("need {} {} samples for confidence interval at level {}".format(
        *stats.samples_for_interval(_CONFIDENCE), go_float(_CONFIDENCE)), unbounded)
    notes.add_series("all samples are equal", all_equal)
    return notes.lines()


def _all_equal(pair: _Pair) -> bool:
    """Every value on both sides is the same (the U test cannot say anything)."""
    _, base_values, head_values = pair
    if not base_values or not head_values:
        return False
    first = base_values[0]
    return (base_values.count(first) == len(base_values)
            and head_values.count(first) == len(head_values))


_CONFIDENCE = 0.95  # of the medians' intervals (stats.summarize's default)


def _insufficient_warnings(comparisons: list[Comparison], alpha: float) -> list[str]:
    # Per pair of sample sizes. benchstat's own footnote leads where it prints one (too few
    # runs on both sides); benchguard's says why for uneven sizes too, and what to do.
    relation, needed = stats.samples_to_detect(alpha)
    notes = _Named()
    for comparison in comparisons:
        if comparison.verdict == Verdict.INSUFFICIENT:
            assert comparison.base is not None and comparison.head is not None
            n1, n2 = comparison.base.n, comparison.head.n
            never = f"{n1} and {n2} samples can never be significant"
            smallest = f"smallest possible p={stats.smallest_p(n1, n2):.3f}"
            if n1 < needed and n2 < needed:
                why = (f"need {relation} {needed} samples to detect a difference at alpha level "
                       f"{go_float(alpha)}: {never} ({smallest})")
            else:
                why = f"{never} at alpha {alpha:g} ({smallest})"
            notes.add_series(f"{why}; run more of them (-count)", [comparison.series])
    return notes.lines()


def _exact_warnings(comparisons: list[Comparison], exact_units: frozenset[str]) -> list[str]:
    # Values that happened to be constant decide a row without a test: say so. A unit declared
    # exact asked for that.
    notes = _Named()
    for c in comparisons:
        changed = c.verdict in (Verdict.REGRESSION, Verdict.IMPROVEMENT)
        if c.exact and changed and c.series.unit not in exact_units:
            assert c.base is not None and c.head is not None
            notes.add(f"{c.series.unit} is the same in every run of each side but changed: an "
                      f"exact {c.verdict}, whatever the sample size or p",
                      f"{c.series.bench.describe()} ({c.base.center:g} → {c.head.center:g})")
    return notes.lines()


def geomean_rows(comparisons: list[Comparison]) -> list[GeomeanRow]:
    """benchstat's geomean row per unit, over two rows or more: each side's geomean over its
    own medians; the change is the geomean of the per-benchmark ratios (0/0 counts as 1, x/0
    makes it undefined), with benchstat's footnotes (benchtab.summarizeCol)."""
    rows = []
    by_unit: dict[str, list[Comparison]] = {}
    for comparison in comparisons:
        by_unit.setdefault(comparison.series.unit, []).append(comparison)
    for unit, group in by_unit.items():
        if len(group) < 2:
            continue
        bases = [c.base.center for c in group if c.base is not None]
        heads = [c.head.center for c in group if c.head is not None]
        ratios: list[float] = []
        undefined = 0  # rows whose ratio is x/0
        for c in group:
            if c.base is None or c.head is None:
                continue
            if c.base.center == c.head.center:
                ratios.append(1.0)
            elif c.base.center == 0:
                undefined += 1
            else:
                ratios.append(c.head.center / c.base.center)
        warnings: list[str] = []
        if len(ratios) + undefined != len(bases):
            warnings.append("benchmark set differs from baseline; geomeans may not be comparable")
        base_gm, head_gm = stats.geomean(bases), stats.geomean(heads)
        if (bases and math.isnan(base_gm)) or (heads and math.isnan(head_gm)):
            warnings.append("summaries must be >0 to compute geomean")
        ratio_gm = math.nan if undefined else stats.geomean(ratios)
        if not undefined and ratios and math.isnan(ratio_gm):
            warnings.append("ratios must be >0 to compute geomean")
        rows.append(GeomeanRow(
            unit=unit,
            base=None if math.isnan(base_gm) else base_gm,
            head=None if math.isnan(head_gm) else head_gm,
            delta=None if math.isnan(ratio_gm) else ratio_gm - 1,
            count=len(group),
            warnings=tuple(warnings),
        ))
    return rows
