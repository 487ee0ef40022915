"""benchguard's numbers are benchstat's numbers: medians, p-values, deltas and significance are
checked against the benchstat binary on generated pairs of `go test -bench` files."""

from __future__ import annotations

import csv
import io
import random
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import BENCHSTAT

from benchguard.engine import benchfmt, stats, verdict
from benchguard.reports.table import bench_label, format_test

pytestmark = pytest.mark.skipif(BENCHSTAT is None, reason="benchstat is not installed")

PAIRS = int(__import__("os").environ.get("ORACLE_PAIRS", "36"))


@dataclass
class Sample:
    name: str
    unit: str
    old: list[str]
    new: list[str]


def _values(rng: random.Random, n: int, shape: str, centre: float, shift: float) -> list[str]:
    if shape == "constant":
        return [f"{centre:g}"] * n
    if shape == "zeros":
        return [rng.choice(["0", "0", "0", "1"]) for _ in range(n)]
    if shape == "ties":  # few distinct values, as integer ns/op or allocs/op give
        return [f"{round(centre * (1 + shift) + rng.randint(-2, 2)):d}" for _ in range(n)]
    return [f"{centre * (1 + shift) * rng.uniform(0.97, 1.03):.4g}" for _ in range(n)]


def generate_pair(seed: int) -> tuple[str, str, list[Sample]]:
    """Two files of benchmark output; sizes from 3 to 20 plus a few past the exact-test limits."""
    rng = random.Random(seed)
    samples = []
    for index in range(rng.randint(3, 6)):
        name = f"Benchmark{rng.choice(['Parse', 'Sum', 'Encode'])}{index}"
        if rng.random() < 0.4:
            name += f"/size={rng.choice([8, 64, 4096])}"
        if rng.random() < 0.8:
            name += f"-{rng.choice([2, 8])}"
        n_old = rng.randint(3, 20)
        n_new = n_old if rng.random() < 0.5 else rng.randint(3, 20)
        shift = rng.choice([0.0, 0.0, 0.02, 0.1, -0.1, 0.5])
        centre = rng.choice([12.5, 830.0, 15_000.0])
        shape = rng.choice(["noise", "noise", "ties", "constant"])
        if seed % 9 == 0 and index == 0:
            # either side of the cut-overs to the normal approximation (25 with ties, 50 without)
            n_old, n_new, shape = [(26, 30, "ties"), (51, 55, "noise"), (24, 25, "ties"),
                                   (50, 50, "noise")][seed // 9 % 4]
        units = [("ns/op", shape, centre)]
        if rng.random() < 0.5:
            units.append(("MB/s", "noise", 500.0))
        if rng.random() < 0.6:
            units += [("B/op", rng.choice(["constant", "ties", "zeros"]), 64.0),
                      ("allocs/op", rng.choice(["constant", "zeros"]), 2.0)]
        if rng.random() < 0.4:
            units.append(("hits/op", rng.choice(["noise", "ties", "zeros"]), 40.0))
        for unit, unit_shape, unit_centre in units:
            samples.append(Sample(
                name, unit,
                _values(rng, n_old, unit_shape, unit_centre, 0.0),
                _values(rng, n_new, unit_shape, unit_centre, shift),
            ))
    return _render(samples, "old"), _render(samples, "new"), samples


def _render(samples: list[Sample], side: str) -> str:
    lines = ["goos: linux", "goarch: amd64", "pkg: example.com/oracle", "cpu: Oracle CPU"]
    by_name: dict[str, list[Sample]] = {}
    for sample in samples:
        by_name.setdefault(sample.name, []).append(sample)
    for name, group in by_name.items():
        columns = [getattr(sample, side) for sample in group]
        for i in range(max(len(column) for column in columns)):
            pairs = [f"{column[i]} {sample.unit}" for sample, column in zip(group, columns,
                                                                          strict=True)]
            lines.append(f"{name}\t{1000}\t" + "\t".join(pairs))
    lines += ["PASS", "ok  \texample.com/oracle\t1.234s"]
    return "\n".join(lines) + "\n"


def benchstat_csv(old: Path, new: Path) -> dict[tuple[str, str], list[str]]:
    """(row label, unit) -> CSV cells, including the "geomean" row of each unit."""
    proc = subprocess.run([str(BENCHSTAT), "-format", "csv", str(old), str(new)],
                          capture_output=True, text=True, check=True)
    rows: dict[tuple[str, str], list[str]] = {}
    unit = ""
    for cells in csv.reader(io.StringIO(proc.stdout)):
        if len(cells) >= 3 and cells[0] == "" and cells[2] == "CI":
            unit = cells[1]
        elif cells and cells[0] and len(cells) > 1:
            rows[(cells[0], unit)] = cells
    return rows


@pytest.mark.parametrize("seed", range(PAIRS))
def test_matches_benchstat(seed: int, tmp_path: Path) -> None:
    old_text, new_text, samples = generate_pair(seed)
    (tmp_path / "old.txt").write_text(old_text, encoding="utf-8")
    (tmp_path / "new.txt").write_text(new_text, encoding="utf-8")
    expected = benchstat_csv(tmp_path / "old.txt", tmp_path / "new.txt")

    report = verdict.compare(benchfmt.parse(old_text), benchfmt.parse(new_text))
    assert len(report.comparisons) == len(samples)
    for comparison in report.comparisons:
        assert comparison.base is not None and comparison.head is not None
        cells = expected[(bench_label(comparison), comparison.series.unit)]
        where = f"seed {seed}: {bench_label(comparison)} {comparison.series.unit}: {cells}"
        base_median, head_median, delta, test = float(cells[1]), float(cells[3]), cells[5], cells[6]
        assert comparison.base.center == pytest.approx(base_median, rel=1e-12, abs=0), where
        assert comparison.head.center == pytest.approx(head_median, rel=1e-12, abs=0), where
        if test.startswith("p=") and float(test[2:7]) > 1:
            test = "p=1.000" + test[7:]  # benchstat's p can pass 1 with asymmetric ties
        assert test == format_test(comparison).strip("()"), where
        assert comparison.significant == (delta != "~"), where
        if delta not in ("~", "?"):
            assert comparison.delta is not None, where
            assert abs(comparison.delta * 100 - float(delta.rstrip("%"))) <= 0.01, where

    for row in report.geomeans:
        cells = expected[("geomean", row.unit)]
        where = f"seed {seed}: geomean {row.unit}: {cells}"
        if cells[1]:
            assert row.base == pytest.approx(float(cells[1]), rel=1e-12), where
        else:
            assert row.base is None, where
        if cells[5] != "?":
            assert row.delta is not None, where
            assert abs(row.delta * 100 - float(cells[5].rstrip("%"))) <= 0.01, where


def test_generated_pairs_cover_the_hard_cases() -> None:
    """The generator really produces ties, constant samples, zeros, unequal and large sizes."""
    kinds: set[str] = set()
    sizes: set[int] = set()
    for seed in range(PAIRS):
        old_text, new_text, _ = generate_pair(seed)
        report = verdict.compare(benchfmt.parse(old_text), benchfmt.parse(new_text))
        for c in report.comparisons:
            assert c.base is not None and c.head is not None
            sizes |= {c.base.n, c.head.n}
            kinds.add(c.series.unit)
            if c.base.n != c.head.n:
                kinds.add("unequal n")
            if c.p == 1.0:
                kinds.add("p=1")
            if c.significant:
                kinds.add("significant")
            if c.base.center == 0 or c.head.center == 0:
                kinds.add("zero")
    assert {"sec/op", "B/s", "B/op", "allocs/op", "hits/op", "unequal n", "p=1",
            "significant", "zero"} <= kinds
    assert {3, 20, 26, 51} <= sizes


def test_benchstats_documented_gob_example() -> None:
    """benchstat's documentation shows p=0.446 for this pair; SciPy's tie handling gives 0.481."""
    old = [3069, 3075, 3069, 3067, 3207, 3064, 3064, 3058, 3059, 3062]
    new = [3075, 3065, 3059, 3065, 3060, 3081, 3186, 3135, 3087, 3062]
    assert round(stats.mann_whitney_p(old, new), 3) == 0.446
