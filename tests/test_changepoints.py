from __future__ import annotations

import math
import os
import random
import subprocess
import sys
import time

import pytest

from benchguard.engine.changepoints import ChangePoint, find


def history(levels: list[float], *, noise: float, seed: int = 0) -> list[float]:
    """One value a commit: each level with Gaussian noise of ``noise`` times the level."""
    rng = random.Random(seed)
    return [level * (1 + rng.gauss(0, noise)) for level in levels]


def steps(length: int, at: dict[int, float], start: float = 100.0) -> list[float]:
    """Levels that start at ``start`` and are multiplied by at[i] from commit i on."""
    levels, level = [], start
    for i in range(length):
        level *= at.get(i, 1.0)
        levels.append(level)
    return levels


def near(points: list[ChangePoint], expected: list[int], tolerance: int = 2) -> bool:
    """The points are at the expected commits, give or take ``tolerance`` (noise blurs a step's
    first commit; evaluate.py counts such a point as a hit)."""
    return len(points) == len(expected) and all(
        abs(point.index - at) <= tolerance for point, at in zip(points, expected, strict=True))


def test_a_20_percent_step_after_commit_40_is_found_at_commit_40() -> None:
    values = history(steps(100, {40: 1.2}), noise=0.01)

    [point] = find(values)

    assert point.index == 40
    assert point.before == pytest.approx(100, rel=0.01)
    assert point.after == pytest.approx(120, rel=0.01)
    assert point.change == pytest.approx(0.2, abs=0.01)
    assert point.low < 0.2 < point.high
    assert point.p <= 0.01


def test_a_single_spike_is_not_a_change_point() -> None:
    # at either end of a long history a one-commit segment would pass the permutation test alone
    for at in (0, 1, 150, 298, 299):
        values = history([100.0] * 300, noise=0.01, seed=at)
        values[at] *= 3

        assert find(values) == [], at


def test_two_slow_commits_in_a_row_are_not_a_change_point() -> None:
    values = history([100.0] * 100, noise=0.01, seed=3)
    values[60] *= 1.5
    values[61] *= 1.5

    assert find(values) == []


def test_a_noisy_plateau_with_no_change_gives_no_points() -> None:
    for seed in range(10):
        assert find(history([100.0] * 100, noise=0.05, seed=seed)) == [], seed


def test_slow_outliers_on_a_plateau_give_no_points() -> None:
    rng = random.Random(7)
    values = [value * 1.3 if rng.random() < 0.05 else value
              for value in history([100.0] * 100, noise=0.05, seed=7)]

    assert find(values) == []


def test_two_steps_are_both_found() -> None:
    values = history(steps(100, {30: 1.1, 70: 0.8}), noise=0.02)

    points = find(values)

    assert [point.index for point in points] == [30, 70]
    assert points[0].change == pytest.approx(0.1, abs=0.02)
    assert points[1].change == pytest.approx(-0.2, abs=0.02)
    # the segment between them is the "after" of one and the "before" of the other
    assert points[0].after == points[1].before


def test_a_regression_reverted_ten_commits_later_is_found_at_both_ends() -> None:
    # the whole history hides it: the 50 commits after the revert outnumber the 10 it slowed
    values = history(steps(100, {40: 1.1, 50: 1 / 1.1}), noise=0.01, seed=0)

    assert [point.index for point in find(values)] == [40, 50]


def test_a_slow_drift_is_not_one_big_step() -> None:
    # +20% over 100 commits has no commit to blame: it comes out as several small steps, each a
    # slice of the drift, rather than one commit said to have made it 10% slower
    values = history([100 * (1 + 0.2 * i / 99) for i in range(100)], noise=0.01)

    points = find(values)

    assert len(points) >= 3
    assert all(0 < point.change < 0.1 for point in points)
    # and told as drift: a line through its two segments explains the step
    assert all(point.drift for point in points)


def test_most_points_of_a_slow_drift_are_told_as_drift() -> None:
    told = [point.drift for seed in range(10) for point in
            find(history([100 * (1 + 0.2 * i / 99) for i in range(100)], noise=0.01, seed=seed))]

    assert len(told) >= 30
    assert sum(told) / len(told) >= 0.8


def test_a_short_step_alone_is_not_drift() -> None:
    # five commits a side: a line fits them almost as well as a step, but nothing around it
    # moves the same way, and neither side has a slope of its own
    told = [point.drift for seed in range(20)
            for point in find(history(steps(10, {5: 1.25}), noise=0.01, seed=seed))]

    assert len(told) == 20
    assert sum(told) <= 2


def test_a_step_is_not_drift() -> None:
    for seed in range(5):
        values = history(steps(100, {40: 1.1, 70: 0.95}), noise=0.02, seed=seed)

        points = find(values)

        assert near(points, [40, 70]), seed
        assert not any(point.drift for point in points), seed


def test_the_same_history_gives_the_same_points() -> None:
    values = history(steps(200, {50: 1.05, 120: 1.1, 160: 0.9}), noise=0.03, seed=5)

    first = find(values)

    assert first == find(values)
    assert near(first, [50, 120, 160])


def test_the_same_history_gives_the_same_points_in_another_process() -> None:
    # seeds must not go through hash(), which PYTHONHASHSEED changes from run to run; a small
    # step, so that p (0.009) depends on the shuffles rather than sitting at 1/(1 + permutations)
    script = ("from benchguard.engine import changepoints; import random; r = random.Random(6); "
              "v = [100 * (1.02 if i >= 50 else 1) * (1 + r.gauss(0, 0.03)) for i in range(100)]; "
              "print(changepoints.find(v, max_p=0.05, permutations=999))")
    outputs = set()
    for hash_seed in ("1", "2"):
        environment = {**os.environ, "PYTHONHASHSEED": hash_seed}
        outputs.add(subprocess.run([sys.executable, "-c", script], capture_output=True,
                                   text=True, check=True, env=environment).stdout)

    assert len(outputs) == 1
    assert "index=50" in (output := outputs.pop())
    assert "p=0.009" in output


def test_one_more_allocation_is_a_change_in_an_exact_count() -> None:
    values = [3.0] * 40 + [4.0] * 60

    [point] = find(values)

    assert (point.index, point.before, point.after) == (40, 3.0, 4.0)
    assert point.change == point.low == point.high == pytest.approx(1 / 3)
    assert point.p == pytest.approx(2 / math.comb(100, 40))


def test_an_exact_step_needs_only_the_minimum_segment_on_each_side() -> None:
    # a shuffle test would put p near 2/252 + its own sampling error: the exact p is 0.0079
    [point] = find([3.0] * 5 + [4.0] * 5, min_segment=5)

    assert point.index == 5
    assert point.p == pytest.approx(2 / 252)


def test_an_exact_count_with_one_odd_commit_has_no_change_point() -> None:
    values = [3.0] * 100
    values[37] = 10.0

    assert find(values) == []


def test_an_allocation_where_there_was_none_is_an_infinite_change() -> None:
    [point] = find([0.0] * 20 + [1.0] * 20)

    assert point.index == 20
    assert point.change == point.low == point.high == math.inf


def test_a_constant_history_has_no_change_points() -> None:
    assert find([7.0] * 100) == []


def test_a_history_shorter_than_two_segments_has_no_change_points() -> None:
    assert find([1.0] * 4 + [100.0] * 5, min_segment=5) == []
    assert find([], min_segment=5) == []


def test_no_segment_is_shorter_than_the_minimum() -> None:
    # the first three commits are slower: too few to be a segment of their own
    values = history(steps(100, {0: 1.5, 3: 1 / 1.5}), noise=0.01)

    assert all(5 <= point.index <= 95 for point in find(values, min_segment=5))
    assert [point.index for point in find(values, min_segment=3)] == [3]


def test_a_change_in_seconds_is_found_like_one_in_nanoseconds() -> None:
    # a 0.3 ns/op benchmark: stored in seconds, its values are near 3e-10
    nanoseconds = history(steps(100, {60: 1.05}, start=0.3), noise=0.01, seed=2)
    seconds = [value * 1e-9 for value in nanoseconds]

    points = find(nanoseconds)
    assert [point.index for point in points] == [60]
    assert [point.index for point in find(seconds)] == [60]
    assert find(seconds)[0].change == pytest.approx(points[0].change)


def test_the_interval_covers_the_true_change_about_95_times_in_100() -> None:
    covered = []
    for seed in range(40):
        values = history(steps(60, {30: 1.1}), noise=0.05, seed=seed)
        points = [point for point in find(values) if abs(point.index - 30) <= 1]
        if points:
            covered.append(points[0].low <= 0.1 <= points[0].high)

    assert len(covered) >= 30
    assert 0.85 <= sum(covered) / len(covered) <= 1.0
    assert not all(point.low == point.high for point in find(history(steps(60, {30: 1.1}),
                                                                      noise=0.05)))


def test_a_thousand_commits_take_seconds_not_minutes() -> None:
    values = history(steps(1000, {300: 1.1, 700: 0.9}), noise=0.05)

    start = time.perf_counter()
    points = find(values)

    assert time.perf_counter() - start < 5  # about 1 s here; 14 s when a scan is O(n²)
    assert near(points, [300, 700])


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_values_that_are_not_numbers_are_refused(bad: float) -> None:
    values = [1.0] * 20
    values[12] = bad

    with pytest.raises(ValueError, match="value 12 is"):
        find(values)


@pytest.mark.parametrize(("options", "message"), [
    ({"min_segment": 1}, "min_segment must be at least 2"),
    ({"max_p": 0.0}, "max_p must be between 0 and 1"),
    ({"max_p": 1.0}, "max_p must be between 0 and 1"),
    ({"max_p": 0.01, "permutations": 50}, "it takes at least 99"),
])
def test_settings_that_cannot_work_are_refused(options: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        find([1.0] * 20, **options)  # type: ignore[arg-type]


def test_a_change_point_is_plain_data() -> None:
    point = ChangePoint(index=3, before=1.0, after=2.0, change=1.0, low=0.5, high=1.5, p=0.01)

    with pytest.raises(AttributeError):
        point.index = 4  # type: ignore[misc]
    assert point == ChangePoint(3, 1.0, 2.0, 1.0, 0.5, 1.5, 0.01)
