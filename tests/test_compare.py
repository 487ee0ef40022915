"""`benchguard compare OLD NEW`: verdicts, exit codes, the output formats and their contract."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Project, benchguard, slow_down

from benchguard import JSON_VERSION
from benchguard.engine import stats, verdict
from benchguard.engine.benchfmt import SeriesKey, parse
from benchguard.engine.status import Verdict
from benchguard.reports import table

# Ten runs that differ a little, so a real change is significant and noise is not.
JITTER = [1.00, 1.01, 0.99, 1.02, 0.98, 1.005, 0.995, 1.015, 0.985, 1.0]


def bench_lines(name: str, ns: float, *, count: int = 10, extra: str = "") -> str:
    return "".join(f"{name}-8\t1000\t{ns * JITTER[i % 10]:.2f} ns/op{extra}\n"
                   for i in range(count))


def files(tmp_path: Path, old: str, new: str) -> tuple[str, str]:
    header = "goos: linux\ngoarch: amd64\npkg: example.com/demo\n"
    (tmp_path / "old.txt").write_text(header + old + "PASS\n", encoding="utf-8")
    (tmp_path / "new.txt").write_text(header + new + "PASS\n", encoding="utf-8")
    return str(tmp_path / "old.txt"), str(tmp_path / "new.txt")


def test_a_significant_slowdown_is_a_regression_and_exits_1(tmp_path: Path) -> None:
    old, new = files(tmp_path, bench_lines("BenchmarkSum", 100) + bench_lines("BenchmarkMix", 50),
                     bench_lines("BenchmarkSum", 130) + bench_lines("BenchmarkMix", 50))
    proc = benchguard("compare", old, new, cwd=tmp_path)

    assert proc.returncode == 1, proc.stderr
    lines = proc.stdout.splitlines()
    # benchstat's header: what both files agree on, then each package's tables headed by the
    # files' names
    assert lines[:3] == ["goos: linux", "goarch: amd64", "pkg: example.com/demo"]
    assert "old.txt" in lines[3] and "new.txt" in lines[3]
    assert "sec/op" in lines[4] and "vs base" in lines[4]
    sum_row = next(line for line in lines if line.startswith("Sum-8"))
    assert "100.0n ± 2%" in sum_row and "+30.00% (p=0.000 n=10)" in sum_row
    assert sum_row.endswith("regression")
    mix_row = next(line for line in lines if line.startswith("Mix-8"))
    assert "~ (p=1.000 n=10)" in mix_row and mix_row.endswith("same")
    assert any(line.startswith("geomean") and "+14.02%" in line for line in lines)
    assert "REGRESSION: 1 regression, 1 same" in proc.stdout


def test_faster_or_unchanged_code_passes(tmp_path: Path) -> None:
    old, new = files(tmp_path, bench_lines("BenchmarkSum", 100) + bench_lines("BenchmarkMix", 50),
                     bench_lines("BenchmarkSum", 70) + bench_lines("BenchmarkMix", 50.2))
    proc = benchguard("compare", old, new, cwd=tmp_path)

    assert proc.returncode == 0, proc.stdout
    assert "-30.00%" in proc.stdout and "improvement" in proc.stdout
    assert "PASS: 1 improvement, 1 same" in proc.stdout


def test_a_change_below_the_threshold_is_the_same_unless_the_threshold_is_lower(
        tmp_path: Path) -> None:
    old, new = files(tmp_path, bench_lines("BenchmarkSum", 100), bench_lines("BenchmarkSum", 103))

    default = benchguard("compare", old, new, "--format", "json", cwd=tmp_path)
    assert default.returncode == 0
    (entry,) = json.loads(default.stdout)["benchmarks"]
    assert entry["significant"] is True and entry["verdict"] == "same"
    assert entry["delta"] == pytest.approx(0.03, abs=1e-4)

    for threshold in ("2%", "0.02"):
        strict = benchguard("compare", old, new, "--threshold", threshold, cwd=tmp_path)
        assert strict.returncode == 1, threshold
    loose_alpha = benchguard("compare", old, new, "--alpha", "1e-6", "--threshold", "1%",
                             cwd=tmp_path)
    assert loose_alpha.returncode == 0
    assert "~ (p=0.000 n=10)" in loose_alpha.stdout


def test_throughput_and_declared_units_regress_downwards(tmp_path: Path) -> None:
    def run(ns: float, mbs: float, score: float) -> str:
        return "".join(f"BenchmarkCopy-8\t1000\t{ns:.1f} ns/op\t{mbs * j:.1f} MB/s\t"
                       f"{score * j:.2f} score/op\n" for j in JITTER)

    old, new = files(tmp_path, "Unit score/op better=higher\n" + run(10, 500, 40),
                     "Unit score/op better=higher\n" + run(10, 400, 30))
    proc = benchguard("compare", old, new, "--format", "json", cwd=tmp_path)

    assert proc.returncode == 1
    verdicts = {b["metric"]: (b["verdict"], b["better"])
                for b in json.loads(proc.stdout)["benchmarks"]}
    assert verdicts == {"sec/op": ("same", "lower"), "B/s": ("regression", "higher"),
                        "score/op": ("regression", "higher")}


def test_metric_option_limits_the_comparison(tmp_path: Path) -> None:
    old, new = files(tmp_path, bench_lines("BenchmarkSum", 100, extra="\t64 B/op"),
                     bench_lines("BenchmarkSum", 200, extra="\t64 B/op"))

    proc = benchguard("compare", old, new, "--metric", "B/op", "--format", "json", cwd=tmp_path)
    assert proc.returncode == 0
    assert [b["metric"] for b in json.loads(proc.stdout)["benchmarks"]] == ["B/op"]

    proc = benchguard("compare", old, new, "--metric", "ns/op", "--metric", "frobs",
                      "--format", "json", cwd=tmp_path)
    assert proc.returncode == 1
    document = json.loads(proc.stdout)
    assert [b["metric"] for b in document["benchmarks"]] == ["sec/op"]
    assert document["warnings"] == ["no results in unit frobs"]
    assert "no results in unit frobs" in proc.stderr


def test_new_results_can_come_from_stdin(tmp_path: Path) -> None:
    old, _ = files(tmp_path, bench_lines("BenchmarkSum", 100), "")
    piped = "pkg: example.com/demo\n" + bench_lines("BenchmarkSum", 150)
    proc = benchguard("compare", old, "-", cwd=tmp_path, input=piped)

    assert proc.returncode == 1
    assert "+50.00%" in proc.stdout


def test_too_few_samples_are_reported_loudly_not_as_same(tmp_path: Path) -> None:
    old, new = files(tmp_path, bench_lines("BenchmarkSum", 100, count=3),
                     bench_lines("BenchmarkSum", 300, count=3))
    proc = benchguard("compare", old, new, cwd=tmp_path)

    assert proc.returncode == 0
    row = next(line for line in proc.stdout.splitlines() if line.startswith("Sum-8"))
    assert row.endswith("insufficient")
    # benchstat's footnotes first, then why and what to do
    assert ("warning: need >= 6 samples for confidence interval at level 0.95: "
            "example.com/demo.BenchmarkSum-8 (sec/op)") in proc.stdout
    assert ("warning: need >= 4 samples to detect a difference at alpha level 0.05: 3 and 3 "
            "samples can never be significant (smallest possible p=0.100); run more of them "
            "(-count): example.com/demo.BenchmarkSum-8 (sec/op)") in proc.stdout
    Path(new).write_text("pkg: example.com/demo\n" + bench_lines("BenchmarkSum", 300, count=4),
                         encoding="utf-8")
    uneven = benchguard("compare", old, new, cwd=tmp_path)
    assert ("warning: 3 and 4 samples can never be significant at alpha 0.05 (smallest possible "
            "p=0.057); run more of them (-count): example.com/demo.BenchmarkSum-8 (sec/op)"
            ) in uneven.stdout


def test_benchmarks_on_one_side_only_are_warned_about(tmp_path: Path) -> None:
    old, new = files(tmp_path, bench_lines("BenchmarkSum", 100) + bench_lines("BenchmarkOld", 5),
                     bench_lines("BenchmarkSum", 100) + bench_lines("BenchmarkNew", 5))
    proc = benchguard("compare", old, new, "--format", "json", cwd=tmp_path)

    assert proc.returncode == 0
    document = json.loads(proc.stdout)
    by_name = {b["name"]: b for b in document["benchmarks"]}
    old_entry, new_entry = by_name["BenchmarkOld"], by_name["BenchmarkNew"]
    assert old_entry["verdict"] == "missing" and old_entry["head"] is None
    assert new_entry["verdict"] == "new" and new_entry["base"] is None
    assert document["warnings"] == [
        "example.com/demo.BenchmarkOld-8 is missing: it has base results but none now",
        "example.com/demo.BenchmarkNew-8 is new: it has no base results to compare with",
        "benchmark set differs from baseline; geomeans may not be comparable (sec/op)",
    ]
    assert "BenchmarkNew-8 is new" in proc.stderr


def test_json_output_follows_the_documented_contract(tmp_path: Path) -> None:
    old, new = files(tmp_path, bench_lines("BenchmarkParse/size=64", 100),
                     bench_lines("BenchmarkParse/size=64", 103.12, count=4))
    proc = benchguard("compare", old, new, "--format", "json", cwd=tmp_path)

    document = json.loads(proc.stdout)
    assert document["status"] == "pass"
    assert document["geomean"] == []
    (entry,) = document["benchmarks"]
    assert document["version"] == JSON_VERSION
    assert set(entry) == {"package", "name", "procs", "tags", "metric", "better", "base", "head",
                          "delta", "p", "significant", "verdict", "threshold", "allowed_by",
                          "exact", "instrument"}
    assert entry["instrument"] == "time"
    assert entry["tags"] == []  # `go test` output does not say which tags built it
    assert entry["package"] == "example.com/demo"
    assert entry["name"] == "BenchmarkParse/size=64" and entry["procs"] == 8
    assert entry["metric"] == "sec/op" and entry["threshold"] == 0.05
    assert entry["base"]["n"] == 10 and entry["base"]["median"] == pytest.approx(100e-9)
    low, high = entry["base"]["ci"]
    assert low < entry["base"]["median"] < high
    assert entry["head"]["n"] == 4 and entry["head"]["ci"] is None  # too few for an interval
    assert entry["delta"] == pytest.approx((103.12 + 104.15) / 2 / 100 - 1)  # +3.635%
    assert 0 < entry["p"] < 0.05 and entry["significant"] is True
    assert entry["verdict"] == "same" and entry["allowed_by"] is None


def test_markdown_output(tmp_path: Path) -> None:
    old, new = files(tmp_path, bench_lines("BenchmarkSum", 100) + bench_lines("BenchmarkMix", 5),
                     bench_lines("BenchmarkSum", 130) + bench_lines("BenchmarkMix", 5))
    proc = benchguard("compare", old, new, "--format", "markdown", cwd=tmp_path)

    assert proc.returncode == 1
    assert "**benchguard: ❌ regression**" in proc.stdout
    assert "| `Sum-8` | 100.0n ± 2% | 130.0n ± 1% | +30.00% | 0.000 | **regression** |" \
        in proc.stdout
    assert "| geomean |" in proc.stdout


@pytest.mark.parametrize(("content", "message"), [
    (None, "cannot read"),
    ("PASS\nok  \texample.com/demo\t0.1s\n", "no benchmark results found"),
    ("BenchmarkSum-8 100 fast ns/op\n", "new.txt:1: parsing measurement of BenchmarkSum-8"),
])
def test_bad_input_exits_2_with_a_message(tmp_path: Path, content: str | None,
                                          message: str) -> None:
    old, _ = files(tmp_path, bench_lines("BenchmarkSum", 100), "")
    missing = tmp_path / "new.txt"
    if content is None:
        missing.unlink()
    else:
        missing.write_text(content, encoding="utf-8")

    proc = benchguard("compare", old, str(missing), cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.startswith("benchguard: error: ") and message in proc.stderr

    proc = benchguard("compare", old, str(missing), "--format", "json", cwd=tmp_path)
    assert proc.returncode == 2
    document = json.loads(proc.stdout)
    assert document["status"] == "error" and document["version"] == JSON_VERSION


def test_bad_options_exit_2(tmp_path: Path) -> None:
    old, new = files(tmp_path, bench_lines("BenchmarkSum", 100), bench_lines("BenchmarkSum", 100))
    for option in (["--threshold", "lots"], ["--alpha", "0"], ["--format", "xml"]):
        assert benchguard("compare", old, new, *option, cwd=tmp_path).returncode == 2
    assert benchguard("compare", "-", "-", cwd=tmp_path, input="").returncode == 2


def test_verdicts_are_coloured_on_a_terminal(tmp_path: Path) -> None:
    old, new = files(tmp_path, bench_lines("BenchmarkSum", 100), bench_lines("BenchmarkSum", 130))
    plain = benchguard("compare", old, new, cwd=tmp_path)
    coloured = benchguard("compare", old, new, cwd=tmp_path,
                          env={"NO_COLOR": "", "FORCE_COLOR": "1"})

    assert "\x1b[" not in plain.stdout
    assert "\x1b[31mregression\x1b[0m" in coloured.stdout


def test_thresholds_per_benchmark_and_allowed_regressions() -> None:
    old = parse(bench_lines("BenchmarkSum", 100) + bench_lines("BenchmarkMix", 100))
    new = parse(bench_lines("BenchmarkSum", 110) + bench_lines("BenchmarkMix", 110))

    def threshold(series: SeriesKey) -> float:
        return 0.2 if series.bench.name == "BenchmarkMix" else 0.05

    result = verdict.compare(old, new, threshold=threshold)
    assert [(c.series.bench.name, c.verdict, c.threshold) for c in result.comparisons] == [
        ("BenchmarkSum", "regression", 0.05), ("BenchmarkMix", "same", 0.2)]
    assert result.status == "regression"

    result.comparisons[0] = dataclasses.replace(result.comparisons[0], allowed_by="Sum*")
    assert result.status == "pass"
    text = table.render_text(result, colour=False)
    assert "regression (allowed: Sum*)" in text
    assert "PASS: 1 same, 1 allowed regression" in text
    document = table.to_json(result)
    assert document["status"] == "pass"
    assert document["benchmarks"][0]["allowed_by"] == "Sum*"


def test_zero_medians_have_no_relative_change() -> None:
    old = parse("".join(f"BenchmarkA 1 {v} allocs/op\n" for v in [0, 0, 0, 0, 0, 0]))
    new = parse("".join(f"BenchmarkA 1 {v} allocs/op\n" for v in [2, 2, 2, 2, 3, 2]))
    (comparison,) = verdict.compare(old, new).comparisons

    assert comparison.delta is None and comparison.significant
    assert comparison.verdict == "regression"
    assert table.to_json(verdict.compare(old, new))["benchmarks"][0]["delta"] is None
    assert stats.relative_change(0.0, 0.0) == 0.0


@pytest.mark.slow
def test_a_real_go_slowdown_is_caught(project: Project) -> None:
    """The user story: benchmark, make Sum 3x slower, benchmark again, compare."""
    command = "go test -run '^$' -bench . -benchtime 2000x -count 6 -benchmem ./hashing"
    before = project.sh(command).stdout
    slow_down(project.root, "hashing/hash.go", 3)
    after = project.sh(command).stdout
    (project.root / "before.txt").write_text(before, encoding="utf-8")

    proc = project.benchguard("compare", "before.txt", "-", input=after)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    row = next(line for line in proc.stdout.splitlines() if line.startswith("Sum"))
    assert row.endswith("regression")
    assert "pkg: example.com/demo/hashing" in proc.stdout


def test_each_package_gets_its_own_tables_and_warnings_do_not_flood() -> None:
    text = "".join(f"pkg: example.com/{package}\nBenchmark{name} 1 10 ns/op\n"
                   for package, name in [("a", "X"), ("b", "X"), ("b", "Y"), ("a", "Z"),
                                         ("c", "P"), ("c", "Q"), ("c", "R")])
    result = verdict.compare(parse(text), parse(text))
    rendered = table.render_text(result, colour=False)

    assert [line for line in rendered.splitlines() if line.startswith("pkg: ")] == [
        "pkg: example.com/a", "pkg: example.com/b", "pkg: example.com/c"]
    assert rendered.count("geomean") == 3
    interval, equal, too_few = result.warnings
    assert interval.startswith("need >= 6 samples for confidence interval at level 0.95: ")
    assert equal.startswith("all samples are equal: ")
    assert too_few.startswith("need >= 4 samples to detect a difference at alpha level 0.05: "
                              "1 and 1 samples can never be significant")
    assert too_few.endswith("example.com/c.BenchmarkP (sec/op) and 2 more")


def table_rows(text: str, unit: str) -> list[str]:
    """The rows of the text table of `unit`."""
    lines = text.splitlines()
    start = next(index for index, line in enumerate(lines) if f" {unit} " in line) + 1
    end = next((index for index in range(start, len(lines)) if not lines[index]), len(lines))
    return lines[start:end]


def test_a_constant_change_shows_its_size_not_no_difference(tmp_path: Path) -> None:
    """2 allocs/op in each of 3 runs becoming 3: an exact regression, whatever p says; the row
    must not show benchstat's "~" next to it."""
    old, new = files(tmp_path, bench_lines("BenchmarkSum", 100, count=3, extra="\t2 allocs/op"),
                     bench_lines("BenchmarkSum", 100, count=3, extra="\t3 allocs/op"))
    proc = benchguard("compare", old, new, cwd=tmp_path)

    assert proc.returncode == 1
    (row,) = table_rows(proc.stdout, "allocs/op")
    assert "+50.00% (p=0.100 n=3)" in row and row.endswith("regression")
    assert "REGRESSION: 1 regression, 1 insufficient" in proc.stdout
    assert ("warning: allocs/op is the same in every run of each side but changed: an exact "
            "regression, whatever the sample size or p: example.com/demo.BenchmarkSum-8 (2 → 3)"
            ) in proc.stdout


def test_a_unit_declared_exact_is_compared_without_a_test_from_one_run(tmp_path: Path) -> None:
    """benchstat's `Unit <unit> assume=exact` (a binary's size): one run a side is enough and a
    change is a change; values that vary break the assumption, with benchstat's warning."""
    declared = "Unit instructions/op assume=exact\n"
    old, new = files(tmp_path,
                     declared + "BenchmarkSize 1 100 instructions/op\n"
                     + "".join(f"BenchmarkVaries 1 {v} instructions/op\n" for v in (100, 101, 101)),
                     declared + "BenchmarkSize 1 110 instructions/op\n"
                     + "BenchmarkVaries 1 101 instructions/op\n" * 3)
    proc = benchguard("compare", old, new, cwd=tmp_path)

    assert proc.returncode == 1
    size, varies, _geomean = table_rows(proc.stdout, "instructions/op")
    assert size.split() == ["Size", "100.0", "±", "0%", "110.0", "±", "0%", "+10.00%", "(n=1)",
                            "regression"]
    assert varies.split() == ["Varies", "101.0", "±", "1%", "101.0", "±", "0%", "0.00%", "(n=3)",
                              "same"]
    assert proc.stdout.count("warning:") == 1
    assert ("warning: exact distribution expected, but values range from 100 to 101: "
            "example.com/demo.BenchmarkVaries (instructions/op)") in proc.stdout

    document = json.loads(benchguard("compare", old, new, "--format", "json",
                                     cwd=tmp_path).stdout)
    entry = document["benchmarks"][0]
    assert (entry["exact"], entry["p"], entry["verdict"]) == (True, 0, "regression")
    assert entry["base"] == {"median": 100, "n": 1, "ci": [100, 100]}


def test_the_tally_counts_in_plurals(tmp_path: Path) -> None:
    old, new = files(tmp_path, bench_lines("BenchmarkSum", 100) + bench_lines("BenchmarkMix", 50)
                     + bench_lines("BenchmarkCopy", 10),
                     bench_lines("BenchmarkSum", 130) + bench_lines("BenchmarkMix", 65)
                     + bench_lines("BenchmarkCopy", 10))
    proc = benchguard("compare", old, new, cwd=tmp_path)

    assert "REGRESSION: 2 regressions, 1 same" in proc.stdout
    assert table.counted(1, Verdict.IMPROVEMENT) == "1 improvement"
    assert table.counted(138, Verdict.SAME) == "138 same"


def test_control_characters_from_the_input_print_escaped(tmp_path: Path) -> None:
    """A file (or a note from another clone) must not write to the reader's terminal: names,
    packages, units and warnings print with their control characters escaped."""
    evil = "\x1b]0;pwned\x07\x1b[2J"
    header = f"pkg: example.com/demo{evil}\n"
    old_text = header + bench_lines(f"BenchmarkSum{evil}", 100, count=3, extra=f"\t1 widgets{evil}")
    new_text = header + bench_lines(f"BenchmarkSum{evil}", 300, count=3, extra=f"\t1 widgets{evil}")
    (tmp_path / "old.txt").write_text(old_text, encoding="utf-8")
    (tmp_path / "new.txt").write_text(new_text, encoding="utf-8")
    escaped = "\\x1b]0;pwned\\x07\\x1b[2J"

    for output in ("text", "markdown"):
        proc = benchguard("compare", "old.txt", "new.txt", "--format", output, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        assert "\x1b" not in proc.stdout and "\x07" not in proc.stdout, output
        assert f"Sum{escaped}-8" in proc.stdout
        assert f"widgets{escaped}" in proc.stdout
        assert f"example.com/demo{escaped}.BenchmarkSum{escaped}-8 (sec/op" in proc.stdout
    text = benchguard("compare", "old.txt", "new.txt", cwd=tmp_path).stdout
    assert f"pkg: example.com/demo{escaped}" in text


def test_the_engine_touches_no_git_go_notes_runner_or_terminal() -> None:
    """results, stats, verdict, units and report compute and render; the outside world and
    the user are the command layer's."""
    code = ("import sys; import benchguard.engine.benchfmt, benchguard.engine.stats, "
            "benchguard.engine.verdict, benchguard.engine.units, benchguard.reports.table; "
            "print(*sorted(sys.modules))")
    loaded = set(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                check=True).stdout.split())
    outside = {"benchguard.tools.git", "benchguard.tools.go", "benchguard.store.notes",
               "benchguard.push.runner", "benchguard.commands.output", "subprocess"}
    assert not loaded & outside
