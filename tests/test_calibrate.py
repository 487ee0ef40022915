"""`benchguard calibrate`: HEAD against itself, side by side, to see each benchmark's noise."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import DEFAULT_CONFIG, THRESHOLD, make_project

from benchguard import JSON_VERSION, config
from benchguard.commands.calibrate import noise
from benchguard.engine.benchfmt import BenchKey, SeriesKey

SUM = SeriesKey(BenchKey("example.com/demo/hashing", "BenchmarkSum"), "sec/op")


def test_a_quiet_benchmark_needs_few_runs_and_a_noisy_one_many() -> None:
    settings = config.Config(path=None, count=6)
    quiet = noise(SUM, [100.0, 100.5, 99.5, 100.2], [99.8, 100.1, 100.3, 99.9], settings, 0.05)
    assert quiet.cv < 0.01 and quiet.count_for_change == 4  # the fewest that can be significant
    assert quiet.floor < 0.01 and not quiet.below_floor
    assert quiet.spread == pytest.approx(1.0 / 100.0, rel=0.01)

    jumpy = [100.0, 130.0, 80.0, 115.0, 90.0, 125.0]
    loud = noise(SUM, jumpy, list(reversed(jumpy)), settings, 0.05)
    assert loud.cv > 0.15
    assert loud.count_for_change > 50
    assert loud.floor > 0.05 and loud.below_floor
    assert loud.count_for_threshold > 6
    assert (loud.delta, loud.p) == (0.0, 1.0)

    exact = noise(SeriesKey(SUM.bench, "allocs/op"), [2.0] * 4, [2.0] * 4, settings, 0.05)
    assert (exact.cv, exact.floor, exact.count_for_change) == (0.0, 0.0, 4)


@pytest.mark.slow
def test_calibrate_measures_head_against_itself_and_warns_below_the_noise_floor(
    tmp_path: Path,
) -> None:
    # No timing is steady to 0.01%: this threshold is below any benchmark's noise floor.
    project = make_project(tmp_path, config=DEFAULT_CONFIG.replace(f'"{THRESHOLD}"', '"0.01%"'))
    proc = project.benchguard("calibrate", "--rounds", "4", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert (result["version"], result["commit"], result["rounds"], result["count"]) == \
        (JSON_VERSION, project.head(), 4, 6)
    rows = {(row["name"], row["metric"]): row for row in result["benchmarks"]}
    assert set(rows) == {(name, metric) for name in ("BenchmarkSum", "BenchmarkFields")
                         for metric in ("sec/op", "B/op", "allocs/op")}
    timing = rows["BenchmarkSum", "sec/op"]
    assert timing["runs"] == 4 and timing["cv"] > 0 and timing["floor"] > 0.0001
    assert timing["count_for_change"] >= 4
    assert "round 4/4: " in proc.stderr
    assert "BenchmarkSum" in proc.stderr and "sec/op: threshold 0.01% is below its noise " \
        "floor" in proc.stderr

    text = project.benchguard("calibrate", "--rounds", "2", "--bench", "Fields")
    assert text.returncode == 0, text.stderr
    assert "noise (CV)" in text.stdout and "BenchmarkFields" in text.stdout
    assert "BenchmarkSum" not in text.stdout


def test_calibrate_needs_two_rounds(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    proc = project.benchguard("calibrate", "--rounds", "1")
    assert proc.returncode == 2 and "at least 2 rounds" in proc.stderr
