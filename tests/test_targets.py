"""Absolute targets: [[target]] tables, checked by `baseline`, `report` and `check`."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from conftest import DEFAULT_CONFIG, THRESHOLD, Project, make_project

from benchguard import config
from benchguard.config import Target
from benchguard.engine.benchfmt import parse
from benchguard.errors import EXIT_USAGE, BenchguardError
from benchguard.push import targets
from benchguard.reports import targets as targets_report
from benchguard.tools import modules

# Sum is far faster than 1 op/s; no benchmark runs in 1 ns.
TARGETS = """
    [[target]]
    bench = "BenchmarkSum"
    package = "./hashing"
    min_ops_per_sec = 1

    [[target]]
    bench = "BenchmarkFields"
    max_ns_per_op = 1
    enforce = {enforce}
"""


def targeted_project(tmp_path: Path, *, enforce: bool = True) -> Project:
    # Only targets block here: a lenient threshold keeps a noisy machine from adding regressions.
    lenient = DEFAULT_CONFIG.replace(f'threshold = "{THRESHOLD}"',
                                     'threshold = "60%"\n    metrics = ["sec/op"]')
    text = lenient + TARGETS.format(enforce="true" if enforce else "false")
    return make_project(tmp_path, config=text)


def test_a_target_table_parses_with_its_line() -> None:
    parsed = config.parse(textwrap.dedent("""
        count = 6

        [[target]]
        bench = "BenchmarkIsBinary/large"    # regex over full benchmark names
        package = "./internal/algorithms"
        min_ops_per_sec = 500e6
        enforce = false
    """), filename="benchguard.toml")
    assert parsed.targets == (Target(bench="BenchmarkIsBinary/large", metric="min_ops_per_sec",
                                     limit=500e6, package="./internal/algorithms",
                                     enforce=False, line=4),)


@pytest.mark.parametrize(("text", "message"), [
    ('[[target]]\nbench = "X"\n',
     "benchguard.toml:1: [[target]] needs exactly one limit (min_ops_per_sec, max_ns_per_op, "
     "max_bytes_per_op, max_allocs_per_op, min_bytes_per_sec); got none"),
    ('[[target]]\nbench = "X"\nmin_ops_per_sec = 1\nmax_ns_per_op = 2\n',
     "benchguard.toml:4: [[target]] needs exactly one limit"),
    ('[[target]]\nmax_ns_per_op = 2\n', "benchguard.toml:1: [[target]] needs bench = "),
    ('[[target]]\nbench = "X("\nmax_ns_per_op = 2\n',
     "benchguard.toml:2: bench 'X(' is not a valid regular expression"),
    ('[[target]]\nbench = "X"\nmax_ns_per_op = "fast"\n',
     "benchguard.toml:3: max_ns_per_op must be a positive number, got 'fast'"),
    ('[[target]]\nbench = "X"\nmax_ns_per_op = 2\nenforced = true\n',
     "benchguard.toml:4: unknown key 'enforced' in [[target]] — did you mean 'enforce'?"),
    ('[[target]]\nbench = "X"\nmax_ns_per_op = 2\npackage = "internal"\n',
     "benchguard.toml:4: package must be \".\" or start with \"./\""),
    ('target = 1\n', "benchguard.toml:1: target must be an array of tables"),
])
def test_a_wrong_target_names_file_and_line(text: str, message: str) -> None:
    with pytest.raises(BenchguardError) as caught:
        config.parse(text, filename="benchguard.toml")
    assert caught.value.exit_code == EXIT_USAGE
    assert caught.value.message.startswith(message), caught.value.message


def test_ops_per_second_is_one_over_the_median_seconds_per_op() -> None:
    measured = parse(textwrap.dedent("""
        pkg: example.com/m/internal/algorithms
        BenchmarkIsBinary/large-8   1000   1.900 ns/op   0 B/op   0 allocs/op
        BenchmarkIsBinary/large-8   1000   2.000 ns/op   0 B/op   0 allocs/op
        BenchmarkIsBinary/large-8   1000   2.100 ns/op   0 B/op   0 allocs/op
        BenchmarkIsBinary/small-8   1000   1.000 ns/op   0 B/op   0 allocs/op
    """))
    wanted = (Target("BenchmarkIsBinary/large", "min_ops_per_sec", 400e6,
                     package="./internal/algorithms"),
              Target("BenchmarkIsBinary/large", "min_ops_per_sec", 600e6, enforce=False),
              Target("BenchmarkIsBinary", "max_allocs_per_op", 0),
              Target("BenchmarkParse", "max_ns_per_op", 10))
    layout = modules.from_files(["go.mod", "internal/algorithms/a.go"],
                                {"go.mod": b"module example.com/m\n"}.get, where="HEAD")
    evaluation = targets.evaluate(wanted, measured, layout=layout)
    met, missed, *allocs = evaluation.results
    assert met.value == pytest.approx(500e6) and met.met
    assert targets_report.describe_value(met) == "500.0M ops/sec (2 ns/op)"
    assert targets_report.describe_limit(met.target) == "≥ 400M ops/sec"
    assert not missed.met and not missed.blocking  # report only
    assert [r.bench.name for r in allocs] == ["BenchmarkIsBinary/large", "BenchmarkIsBinary/small"]
    assert evaluation.unmatched == (wanted[3],)
    assert [line.split()[0] for line in targets_report.render_text(evaluation)[2:]] == [
        "✓", "✗", "✓", "✓"]


@pytest.mark.slow
def test_a_met_and_a_missed_target_in_baseline_report_and_check(tmp_path: Path) -> None:
    project = targeted_project(tmp_path)
    recorded = project.benchguard("baseline")
    assert recorded.returncode == 0, recorded.stderr
    assert "✓  BenchmarkSum" in recorded.stdout
    assert "✗  BenchmarkFields" in recorded.stdout and "missed (enforced)" in recorded.stdout
    assert "ops/sec (" in recorded.stdout and "ns/op)" in recorded.stdout

    report = project.benchguard("report", "--format", "json")
    assert report.returncode == 0, report.stderr
    data = json.loads(report.stdout)
    assert data["status"] == "fail"
    assert [(t["name"], t["met"]) for t in data["targets"]] == [
        ("BenchmarkSum", True), ("BenchmarkFields", False)]
    markdown = project.benchguard("report").stdout
    assert "- Overall Status: **❌ FAIL**" in markdown
    assert "- Status: ✓" in markdown and "- Status: ✗" in markdown

    # A push that touches parse/ runs BenchmarkFields, which misses its enforced target.
    project.write({"parse/doc.go": "// Package parse counts fields.\npackage parse\n"})
    project.commit("document parse")
    summary = tmp_path / "step-summary.md"
    blocked = project.benchguard("check", env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert blocked.returncode == 1, blocked.stdout + blocked.stderr
    assert "✗  BenchmarkFields" in blocked.stdout and "missed (enforced)" in blocked.stdout
    assert "to push anyway: BENCHGUARD_ALLOW='^BenchmarkFields$'" in blocked.stdout
    assert "| ✗ | `BenchmarkFields" in summary.read_text(encoding="utf-8")
    allowed = project.benchguard("check", env={"BENCHGUARD_ALLOW": "Fields"})
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr
    assert "allowed by 'Fields'" in allowed.stdout


@pytest.mark.slow
def test_a_report_only_miss_does_not_block_and_a_target_matching_nothing_is_an_error(
        tmp_path: Path) -> None:
    project = targeted_project(tmp_path, enforce=False)
    project.write({"parse/doc.go": "// Package parse counts fields.\npackage parse\n"})
    project.commit("document parse")
    passed = project.benchguard("check")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "missed (report only)" in passed.stdout

    text = (project.root / "benchguard.toml").read_text(encoding="utf-8")
    (project.root / "benchguard.toml").write_text(
        text + '\n[[target]]\nbench = "BenchmarkGone"\nmax_ns_per_op = 5\n', encoding="utf-8")
    line = text.count("\n") + 2
    wrong = project.benchguard("baseline")
    assert wrong.returncode == 2
    assert (f"benchguard.toml:{line}: [[target]] bench = 'BenchmarkGone' matches no benchmark"
            in wrong.stderr)


@pytest.mark.slow
def test_a_target_is_matched_through_the_pushed_commits_go_mod_not_the_working_trees(
        tmp_path: Path) -> None:
    lenient = DEFAULT_CONFIG.replace(f'threshold = "{THRESHOLD}"',
                                     'threshold = "60%"\n    metrics = ["sec/op"]')
    project = make_project(tmp_path, config=lenient + """
    [[target]]
    bench = "BenchmarkFields"
    package = "./parse"
    max_ns_per_op = 1
    """)
    project.write({"parse/doc.go": "// Package parse counts fields.\npackage parse\n"})
    project.commit("document parse")
    # Renaming the module, not yet committed: the push is still of example.com/demo.
    project.write({"go.mod": "module example.com/renamed\n\ngo 1.21\n"})

    blocked = project.benchguard("check")

    assert blocked.returncode == 1, blocked.stdout + blocked.stderr
    assert "✗  BenchmarkFields" in blocked.stdout and "missed (enforced)" in blocked.stdout


@pytest.mark.slow
def test_report_matches_targets_through_the_reported_commits_go_mod(tmp_path: Path) -> None:
    project = targeted_project(tmp_path)
    project.write({"go.mod": "module example.com/renamed\n\ngo 1.21\n"})  # not committed

    report = project.benchguard("report", "--format", "json")

    assert report.returncode == 0, report.stderr
    assert [t["name"] for t in json.loads(report.stdout)["targets"]] == [
        "BenchmarkSum", "BenchmarkFields"]
