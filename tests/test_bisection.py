"""The culprit search on scripted results (engine.bisection): how many commits it measures, which
commit it names, a regression spread over several commits, and what an early stop leaves open.
tests/test_culprit.py does the same with real commits and real benchmarks."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

from benchguard.engine.benchfmt import BenchKey, SeriesKey
from benchguard.engine.bisection import Estimate, Found, Search
from benchguard.engine.decision import Decision, Method, State, Why
from benchguard.engine.status import Verdict
from benchguard.engine.verdict import Comparison
from benchguard.push.bisect import estimate_of

THRESHOLD = 0.05


def estimate(change: float, *, exact: bool = True, width: float = 0.0) -> Estimate:
    """What the rule would say of a result ``change`` worse than the base."""
    if exact:
        return Estimate(change > THRESHOLD, change, change, change)
    return Estimate(change - width > THRESHOLD, change, change - width, change + width)


def run(levels: list[float], candidates: list[int] | None = None,
        measure: Callable[[float], Estimate] = estimate) -> Search:
    """Search commits 1…n whose results against the base are ``levels[1:]`` (levels[0] is the
    base's, 0), the head's known from the start."""
    n = len(levels) - 1
    search = Search(candidates or list(range(1, n + 1)), measure(levels[n]), threshold=THRESHOLD)
    while (position := search.next()) is not None:
        search.learn(position, measure(levels[position]))
    return search


@pytest.mark.parametrize("culprit", range(1, 7))
def test_one_commit_of_six_is_found_in_at_most_log2_6_measurements(culprit: int) -> None:
    levels = [0.0] + [0.2 if commit >= culprit else 0.0 for commit in range(1, 7)]

    search = run(levels)
    found = search.result()

    assert (found.found, found.culprit) == (Found.COMMIT, culprit)
    assert len(found.measured) <= math.ceil(math.log2(6))
    [own] = found.steps
    assert (own.first, own.last) == (culprit, culprit)
    assert own.change == pytest.approx(0.2)


def test_a_commit_that_cannot_change_the_benchmark_is_never_measured() -> None:
    # commit 2 changes only docs: it is not a candidate, and the search runs over five
    levels = [0.0, 0.0, 0.0, 0.0, 0.2, 0.2, 0.2]

    found = run(levels, candidates=[1, 3, 4, 5, 6]).result()

    assert (found.found, found.culprit) == (Found.COMMIT, 4)
    assert 2 not in found.measured and len(found.measured) <= math.ceil(math.log2(5))


def test_a_regression_of_3_percent_in_each_of_three_commits_is_spread_over_them() -> None:
    levels = [0.0, 0.0, 0.03, 0.0609, 0.0927, 0.0927, 0.0927]

    found = run(levels).result()

    assert (found.found, found.culprit) == (Found.SPREAD, 3)
    assert [(step.first, step.last) for step in found.steps] == [(2, 2), (3, 3), (4, 4)]
    assert all(step.change == pytest.approx(0.03, abs=1e-3) for step in found.steps)
    assert found.total.change == pytest.approx(0.0927)


def test_own_change_has_an_interval_from_both_results() -> None:
    levels = [0.0, 0.0, 0.0, 0.2, 0.2]

    found = run(levels, measure=lambda change: estimate(change, exact=False, width=0.03)
                ).result()

    [own] = found.steps
    assert own.low is not None and own.high is not None
    assert own.low < own.change < own.high
    assert own.high - own.low > 0.06  # wider than either result's own interval


def test_a_step_is_spread_only_when_its_whole_interval_is_below_the_threshold() -> None:
    # +3% then +4%: the first past 5% has its own +4%, but ±3% around it reaches 5%
    levels = [0.0, 0.0, 0.03, 0.0712, 0.0712]

    noisy = run(levels, measure=lambda change: estimate(change, exact=False, width=0.02))
    narrow = run(levels, measure=lambda change: estimate(change, exact=False, width=0.002))

    assert (noisy.result().found, noisy.result().culprit) == (Found.COMMIT, 3)
    assert (narrow.result().found, narrow.result().culprit) == (Found.SPREAD, 3)


def test_an_unresolved_result_is_not_worse_than_the_threshold() -> None:
    levels = [0.0, 0.04, 0.2, 0.2, 0.2]

    def noisy(change: float) -> Estimate:
        return Estimate(change > 0.1, change, change - 0.05, change + 0.05,
                        resolved=change > 0.1)

    found = run(levels, measure=noisy).result()

    assert found.culprit == 2
    assert found.undecided == (1,)  # it is said: the culprit may be that one


def test_a_search_stopped_early_says_which_commits_it_may_be() -> None:
    search = Search(list(range(1, 9)), estimate(0.2), threshold=THRESHOLD)
    first = search.next()
    assert first == 4
    search.learn(4, estimate(0.0))
    search.stop()

    found = search.result()

    assert (found.found, found.culprit, found.open) == (Found.UNRESOLVED, None, (5, 8))
    assert search.next() is None


def test_a_slower_throughput_is_worse() -> None:
    # B/s, higher is better: -20% at commit 2
    def throughput(change: float) -> Estimate:
        return Estimate(change < -THRESHOLD, change, change, change)

    search = Search([1, 2, 3], throughput(-0.2), threshold=THRESHOLD, higher_is_better=True)
    while (position := search.next()) is not None:
        search.learn(position, throughput([0.0, 0.0, -0.2, -0.2][position]))

    found = search.result()

    assert (found.found, found.culprit) == (Found.COMMIT, 2)
    assert found.steps[0].change == pytest.approx(0.25)  # base / head - 1


def test_a_result_settled_as_no_worse_but_with_a_wide_interval_is_undecided() -> None:
    # the rule settles an estimate no worse than base however wide its interval: it cannot
    # block; the search counts it as not worse, but says it could not be decided
    def settled(low: float, high: float) -> Estimate:
        made = Decision(State.SETTLED, Why.IMPROVEMENT, Method.TRIMMED_T, -0.01, low, high,
                        0.9, 0.01, 6, "")
        return estimate_of(Comparison(SeriesKey(BenchKey("p", "BenchmarkX"), "sec/op"), None,
                                      None, -0.01, 0.9, False, Verdict.SAME, THRESHOLD,
                                      decision=made))

    assert settled(-0.03, 0.02).resolved
    wide = settled(-0.4, 0.3)
    assert not wide.resolved and not wide.blocks
