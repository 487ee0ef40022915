"""`benchguard history`: a benchmark over the first-parent history, and where it stepped."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from conftest import Project, benchguard, sh, slow_down

from benchguard import JSON_VERSION
from benchguard.engine import benchfmt
from benchguard.reports import history as history_report
from benchguard.store import history, notes
from benchguard.tools import go

COMMITS = 12
SLOW_FROM = 7  # the commit (1-based, oldest first) that makes Sum 6x slower


def record_real_baseline(project: Project) -> None:
    """What `benchguard baseline` stores, from a real `go test` run at the checked-out commit
    (cheaper than a worktree per commit)."""
    out = project.sh("go test -run '^$' -bench BenchmarkSum -count 6 -benchtime 200x -benchmem "
                     "./hashing").stdout
    commit = project.head()
    store = notes.NotesStore(project.root, "refs/notes/benchguard")
    store.append(commit, [notes.baseline_record(commit, go.fingerprint(project.root),
                                                {"count": 6, "benchtime": "200x"},
                                                benchfmt.parse(out))])


@pytest.fixture
def measured_history(project: Project) -> list[str]:
    shas = [project.head()]
    record_real_baseline(project)
    for number in range(2, COMMITS + 1):
        if number == SLOW_FROM:
            slow_down(project.root, "hashing/hash.go", 6)
        else:
            project.write({f"docs/{number}.md": f"change {number}\n"})
        shas.append(project.commit(f"change {number}"))
        if number != 3:  # one commit without a baseline: history skips it
            record_real_baseline(project)
    return shas


@pytest.mark.slow
def test_history_shows_the_step_where_the_regression_landed(
        project: Project, measured_history: list[str]) -> None:
    proc = project.benchguard("history", "Sum")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("BenchmarkSum") and "sec/op, 11 commits" in lines[0]
    spark = lines[1].split()[0]
    levels = [history.SPARKS.index(char) for char in spark]
    assert len(levels) == 11 and max(levels[:5]) < min(levels[5:]), spark
    # A busy machine may add a noisy step elsewhere; the real one is always marked.
    assert lines[2][2 + 5] == "^", proc.stdout  # the 6th baselined commit, oldest first
    slowed = measured_history[SLOW_FROM - 1]
    [step] = [line for line in lines if line.startswith(f"  {slowed[:12]}")]
    assert "▲ +" in step and "regression (p=0.0" in step and "change 7" in step
    assert measured_history[2][:12] not in proc.stdout  # it has no baseline
    assert "Fields" not in proc.stdout

    rows = list(csv.DictReader(io.StringIO(project.benchguard(
        "history", "Sum", "--format", "csv", "--limit", "4").stdout)))
    assert [row["commit"] for row in rows] == [measured_history[i] for i in (8, 9, 10, 11)]
    assert rows[0]["metric"] == "sec/op" and rows[0]["step"] == "False"

    data = json.loads(project.benchguard("history", "^BenchmarkSum$", "--format", "json",
                                         "--metric", "ops/s").stdout)
    assert data["version"] == JSON_VERSION and data["metric"] == "ops/s"
    [stepped] = [row for row in data["rows"]
                 if row["commit"] == measured_history[SLOW_FROM - 1]]
    assert stepped["verdict"] == "regression" and stepped["change"] < -0.5  # ops/s fell

    chart = project.benchguard("history", "Sum", "--plot", "sum.svg")
    assert chart.returncode == 0, chart.stderr
    svg = (project.root / "sum.svg").read_text(encoding="utf-8")
    assert svg.startswith("<svg") and "<polyline" in svg and svg.count("<circle") == 11
    assert measured_history[SLOW_FROM - 1][:7] in svg and "#cf222e" in svg

    png = project.benchguard("history", "Sum", "--plot", "sum.png")
    assert png.returncode == 2 and "only SVG charts" in png.stderr


def test_a_sparkline_spans_the_eight_levels() -> None:
    assert history_report.sparkline([1, 2, 3, 4, 5, 6, 7, 8]) == "▁▂▃▄▅▆▇█"
    assert history_report.sparkline([5, 5, 5]) == "▁▁▁"


def test_history_in_ns_op_and_mb_s_shows_the_stored_numbers_in_those_units(
        tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    sh(f"git init -q {repo} && cd {repo} && git commit -q --allow-empty -m one "
       "&& git commit -q --allow-empty -m two", cwd=tmp_path)
    key = benchfmt.BenchKey("example.com/demo/hashing", "BenchmarkSum", 2)
    stored = benchfmt.BenchmarkSet(samples={benchfmt.SeriesKey(key, "sec/op"): [1.5e-6] * 4,
                                           benchfmt.SeriesKey(key, "B/s"): [2.0e9] * 4},
                                  higher_is_better={"B/s": True})
    machine = go.Fingerprint("linux", "amd64", "Test CPU", "go1.26.0", 2)
    store = notes.NotesStore(repo, "refs/notes/benchguard")
    for rev in ("HEAD~1", "HEAD"):
        commit = sh(f"git rev-parse {rev}", cwd=repo).stdout.strip()
        store.append(commit, [notes.baseline_record(commit, machine, {"count": 4}, stored)])

    for metric, expected in (("sec/op", 1.5e-6), ("ns/op", 1500.0), ("MB/s", 2000.0),
                             ("B/s", 2.0e9)):
        proc = benchguard("history", "Sum", "--any-machine", "--metric", metric,
                          "--format", "csv", cwd=repo)
        assert proc.returncode == 0, proc.stderr
        rows = list(csv.DictReader(io.StringIO(proc.stdout)))
        assert [float(row["median"]) for row in rows] == pytest.approx([expected] * 2), metric
        assert {row["metric"] for row in rows} == {metric}
    for metric, shown in (("ns/op", "1.500k → 1.500k"), ("MB/s", "2.000k → 2.000k")):
        text = benchguard("history", "Sum", "--any-machine", "--metric", metric, cwd=repo)
        assert f"  {shown} (+0.0%)" in text.stdout.splitlines()[1], text.stdout

    data = json.loads(benchguard("history", "Sum", "--any-machine", "--metric", "ns/op",
                                 "--format", "json", cwd=repo).stdout)
    assert (data["version"], data["rev"], data["metric"]) == (JSON_VERSION, "HEAD", "ns/op")
    assert [row["median"] for row in data["rows"]] == pytest.approx([1500.0] * 2)
    assert data["warnings"] == []
    nothing = benchguard("history", "Nothing", "--any-machine", "--format", "json", cwd=repo)
    assert json.loads(nothing.stdout)["rows"] == []
    assert "no baseline of HEAD's first-parent history" in json.loads(nothing.stdout)[
        "warnings"][0] and "warning: no baseline" in nothing.stderr
    usage = benchguard("history", "Sum", "--limit", "0", "--format", "json", cwd=repo)
    assert usage.returncode == 2 and usage.stdout == ""
