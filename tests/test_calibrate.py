"""`benchguard calibrate`: HEAD against itself, side by side, to see each benchmark's noise."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import DEFAULT_CONFIG, THRESHOLD, make_project

from benchguard import JSON_VERSION, config
from benchguard.engine.benchfmt import BenchKey, SeriesKey
from benchguard.engine.noise import Noise, noise

SUM = SeriesKey(BenchKey("example.com/demo/hashing", "BenchmarkSum"), "sec/op")


def judged(key: SeriesKey, first: list[float], second: list[float]) -> Noise:
    settings = config.Config(path=None, count=6)
    return noise(key, first, second, alpha=settings.alpha, count=settings.count,
                 smallest=config.smallest_count(settings.alpha), threshold=0.05)


def test_a_quiet_benchmark_needs_few_runs_and_a_noisy_one_many() -> None:
    quiet = judged(SUM, [100.0, 100.5, 99.5, 100.2], [99.8, 100.1, 100.3, 99.9])
    assert quiet.cv < 0.01 and quiet.count_for_change == 4  # the fewest that can be significant
    assert quiet.floor < 0.01 and not quiet.below_floor
    assert quiet.spread == pytest.approx(1.0 / 100.0, rel=0.01)

    jumpy = [100.0, 130.0, 80.0, 115.0, 90.0, 125.0]
    loud = judged(SUM, jumpy, list(reversed(jumpy)))
    assert loud.cv > 0.15
    assert loud.count_for_change > 50
    assert loud.floor > 0.05 and loud.below_floor
    assert loud.count_for_threshold > 6
    assert (loud.delta, loud.p) == (0.0, 1.0)

    exact = judged(SeriesKey(SUM.bench, "allocs/op"), [2.0] * 4, [2.0] * 4)
    assert (exact.cv, exact.floor, exact.count_for_change) == (0.0, 0.0, 4)


@pytest.mark.slow
def test_calibrate_says_its_estimate_then_a_short_summary_naming_what_needs_more(
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
    # its estimate comes first: nothing ran here before, so it says what it does not know
    first = proc.stderr.splitlines()[0]
    assert first.startswith("benchguard: calibrating ") and "4 rounds of 2 selections" in first
    assert "2 with no earlier run recorded" in first

    summary = project.benchguard("calibrate", "--rounds", "2")
    assert summary.returncode == 0, summary.stderr
    lines = summary.stdout.splitlines()
    assert lines[0].startswith("calibrated 2 benchmarks (6 results, 2×2 rounds): at count 6,")
    # one count per result: the count its threshold needs
    assert any("hashing.BenchmarkSum-" in line and " sec/op: noise " in line
               and ": needs count " in line for line in lines)
    assert lines[-1].startswith("with 2 rounds the noise estimates are rough")
    assert len(lines) <= 14  # a summary, not a table

    table = project.benchguard("calibrate", "--rounds", "2", "--bench", "Fields", "--full")
    assert table.returncode == 0, table.stderr
    assert "noise (CV)" in table.stdout and "count needed" in table.stdout
    assert "BenchmarkFields" in table.stdout and "BenchmarkSum" not in table.stdout


def test_calibrate_dry_run_says_what_it_would_measure_and_runs_nothing(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    assert project.benchguard("baseline").returncode == 0  # an earlier run: durations known
    proc = project.benchguard("calibrate", "--dry-run")
    assert proc.returncode == 0, proc.stderr
    assert "10 rounds of 2 selections, estimated ~" in proc.stderr
    assert "./hashing BenchmarkSum: ~" in proc.stderr and "unknown" not in proc.stderr
    assert "round 1/" not in proc.stderr and "building" not in proc.stderr
    assert proc.stdout == ""


def test_calibrate_needs_two_rounds(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    proc = project.benchguard("calibrate", "--rounds", "1")
    assert proc.returncode == 2 and "at least 2 rounds" in proc.stderr
