"""A newcomer's first day on a real-shaped repository (issue 24): the changed package first, in
part when it does not fit, and every output honest about what was and was not checked."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import Project, make_project, slow_down
from test_check import said
from test_noise import RULE, decided

from benchguard import config
from benchguard.engine import decision, ledger, verdict
from benchguard.engine.benchfmt import BenchKey, BenchmarkSet, SeriesKey
from benchguard.push import ranges
from benchguard.push.outcome import Outcome
from benchguard.reports import check as check_report
from benchguard.store.notes import NotesStore

GO = pytest.mark.skipif(shutil.which("go") is None, reason="go is not installed")

# `core` is what a push changes: 60 table-driven sub-benchmarks, each a busy loop of its own
# size; `app` imports it and has two benchmarks of its own.
CORE_AND_APP = {
    "go.mod": "module example.com/shop\n\ngo 1.21\n",
    "core/core.go": """
        package core

        // Spin does n rounds of arithmetic; the benchmarks time it.
        func Spin(n int) uint64 {
        	var h uint64 = 14695981039346656037
        	for i := 0; i < n; i++ {
        		h ^= uint64(i)
        		h *= 1099511628211
        	}
        	return h
        }
    """,
    "core/core_test.go": """
        package core

        import (
        	"fmt"
        	"testing"
        )

        var sink uint64

        func BenchmarkSpin(b *testing.B) {
        	for n := 1; n <= 60; n++ {
        		b.Run(fmt.Sprintf("n=%02d", n), func(b *testing.B) {
        			for i := 0; i < b.N; i++ {
        				sink = Spin(n * 100)
        			}
        		})
        	}
        }
    """,
    "app/app.go": """
        package app

        import "example.com/shop/core"

        func Handle(n int) uint64 { return core.Spin(n) + 1 }
    """,
    "app/app_test.go": """
        package app

        import "testing"

        var sink uint64

        func BenchmarkHandle(b *testing.B) {
        	for i := 0; i < b.N; i++ {
        		sink = Handle(500)
        	}
        }

        func BenchmarkHandleSmall(b *testing.B) {
        	for i := 0; i < b.N; i++ {
        		sink = Handle(5)
        	}
        }
    """,
}

# The importer's entry comes first in the file: relevance, not the file's order, decides.
TIGHT = """
    count = 3
    benchtime = "30ms"
    threshold = "50%"
    budget = "20s"

    [[bench]]
    paths = ["app/**"]
    package = "./app"

    [[bench]]
    paths = ["core/**"]
    package = "./core"
"""


def shop(tmp_path: Path, config: str = TIGHT) -> Project:
    """The shop module, its test binaries already in go's build cache: a check's builds then
    take their usual second or two, not the budget."""
    project = make_project(tmp_path, config=config, files=CORE_AND_APP)
    project.sh("go test -count=1 -run '^$' ./... > /dev/null")
    return project


def change_core(project: Project) -> str:
    source = project.root / "core" / "core.go"
    source.write_text(source.read_text(encoding="utf-8").replace(
        "// Spin does", "// Spin, the hot loop, does"), encoding="utf-8")
    return project.commit("core: say which loop is hot")


def the_check(proc: Any) -> dict[str, Any]:
    [check] = json.loads(proc.stdout)["checks"]
    return dict(check)


@GO
@pytest.mark.slow
def test_a_push_changing_the_core_measures_it_first_in_part_and_no_importer_before_it(
        tmp_path: Path) -> None:
    project = shop(tmp_path)
    change_core(project)

    proc = project.benchguard("check", "--format", "json")

    assert proc.returncode == 0, said(proc)  # on_budget = "warn"
    check = the_check(proc)
    assert [s["package"] for s in check["selected"]] == ["./core", "./app"]
    assert check["status"] == "incomplete"
    measured = [b["name"] for b in check["benchmarks"] if b["metric"] == "sec/op"]
    assert measured and all(name.startswith("BenchmarkSpin/") for name in measured), said(proc)
    # what was measured is the start of the order go runs them in, the rest is named
    every = [f"BenchmarkSpin/n={n:02d}" for n in range(1, 61)]
    assert measured == every[:len(measured)]
    left = {u["package"]: u for u in check["unchecked"]}
    assert left["./core"]["benchmarks"] == every[len(measured):]
    assert "time budget 20s" in left["./core"]["reason"]
    assert left["./app"]["benchmarks"] == []
    assert "a more relevant selection" in left["./app"]["reason"]
    # no importer ran while a benchmark of the changed package was left out
    assert "app" not in proc.stderr.split("not checked")[0].split("measuring the first")[-1]


@GO
@pytest.mark.slow
def test_a_push_that_leaves_a_relevant_selection_unchecked_never_says_pass(
        tmp_path: Path) -> None:
    project = shop(tmp_path)
    change_core(project)

    proc = project.benchguard("check")

    assert proc.returncode == 0, said(proc)
    summary = [line for line in proc.stdout.splitlines()
               if line.startswith(("PASS", "INCOMPLETE", "REGRESSION"))]
    assert summary and summary[0].startswith("INCOMPLETE: "), proc.stdout
    assert "not checked: ./core" in summary[0] and "./app" in summary[0]
    assert "PASS" not in proc.stdout


# -- words that match the numbers


def test_a_result_beyond_the_threshold_by_its_whole_interval_is_never_said_to_could_still_be(
) -> None:
    made = decided(100, 115, spread=0.1)
    assert made.state == decision.State.UNDECIDED
    assert made.why == decision.Why.LIKELY_REGRESSION
    assert "worse by its whole interval, not yet significant (p=" in made.reason
    assert "could" not in made.reason


def test_when_the_budget_cuts_it_short_it_is_unconfirmed_and_on_budget_decides() -> None:
    key = SeriesKey(BenchKey("example.com/shop/core", "BenchmarkSpin", 2), "sec/op")
    near = SeriesKey(BenchKey("example.com/shop/core", "BenchmarkNear", 2), "sec/op")
    book = ledger.Ledger(RULE, family=2)
    book.give_up({key: decided(100, 115, spread=0.1), near: decided(100, 104.5)}, 6,
                 "the time budget 4m ran out after 6 rounds", out_of_time=True)
    unconfirmed = book.made[key]
    assert unconfirmed.state == decision.State.UNCONFIRMED
    assert unconfirmed.reason.endswith(
        ": worse than the threshold, not confirmed in time (the time budget 4m ran out after 6 "
        "rounds)")
    assert book.made[near].state == decision.State.UNRESOLVED  # it could still be either
    assert "could still be" in book.made[near].reason

    base = BenchmarkSet(samples={key: [100.0] * 6, near: [100.0] * 6})
    head = BenchmarkSet(samples={key: [115.0] * 6, near: [104.5] * 6})
    compared = verdict.compare(base, head, decided=book.made)
    verdicts = {c.series.bench.name: c.verdict for c in compared.comparisons}
    assert verdicts == {"BenchmarkSpin": "unconfirmed", "BenchmarkNear": "unresolved"}
    found = ranges.Range("refs/heads/main", "a" * 40, "b" * 40, "push")
    for on_budget, exit_code in (("warn", 0), ("block", 1)):
        outcome = Outcome(found, report=compared, on_budget=on_budget, budget="4m")
        assert outcome.status == "incomplete" and outcome.exit_code == exit_code
        text = check_report.render_text(outcome, colour=False)
        assert f'on_budget = "{on_budget}": the push ' + (
            "is blocked" if on_budget == "block" else "goes ahead") in text
        assert "INCOMPLETE: 1 unresolved, 1 unconfirmed" in text
        assert "NOT CONFIRMED: 1 result worse than the threshold" in text


# -- history on the right commit


@GO
@pytest.mark.slow
def test_a_blocked_hand_run_check_keeps_its_head_so_history_shows_the_commit_that_made_it(
        tmp_path: Path) -> None:
    project = make_project(tmp_path)
    base = project.head()
    assert project.benchguard("baseline").returncode == 0
    project.write({"NOTES.md": "What changed.\n"})
    project.commit("notes")
    slow_down(project.root, "hashing/hash.go", 4)
    culprit = project.commit("make Sum slower")

    blocked = project.benchguard("check", "--base", base, "--head", culprit)

    assert blocked.returncode == 1, said(blocked)
    records, _ = NotesStore(project.root, "refs/notes/benchguard").read(culprit)
    assert [r.kind for r in records] == ["baseline"]
    shown = project.benchguard("history", "BenchmarkSum$")
    assert shown.returncode == 0, shown.stderr
    [step] = [line for line in shown.stdout.splitlines() if "▲" in line]
    assert step.split()[0] == culprit[:12]
    assert "here or in the 1 commit before it with no data" in step


# -- configuration checked where it is written


def test_a_configuration_only_push_with_a_misspelt_package_is_refused_naming_the_line(
        project: Project) -> None:
    assert project.benchguard("install").returncode == 0
    pushed = project.remote_sha()
    config = project.root / "benchguard.toml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        'package = "./parse"', 'package = "./pasre"'), encoding="utf-8")
    project.commit("benchguard: measure parse")

    push = project.sh("git push origin main", check=False)

    assert push.returncode != 0, said(push)
    assert project.remote_sha() == pushed
    assert "benchguard.toml:12: [[bench]] package ./pasre has no Go files" in said(push)


def test_a_check_says_when_the_working_trees_configuration_is_not_the_one_it_uses(
        project: Project) -> None:
    project.write({"README.md": "# demo\n"})
    project.commit("docs")
    config = project.root / "benchguard.toml"
    config.write_text('budget = "6m"\n' + config.read_text(encoding="utf-8"), encoding="utf-8")

    proc = project.benchguard("check")

    assert proc.returncode == 0, said(proc)
    assert "benchguard.toml in the working tree differs from the one in" in proc.stderr
    assert "commit it to check with it" in proc.stderr
    project.commit("budget of 6m")
    assert "differs" not in project.benchguard("check").stderr


# -- init sizes the work to the budget


@GO
@pytest.mark.slow
def test_init_times_each_package_and_chooses_a_benchtime_with_which_a_core_push_fits(
        tmp_path: Path) -> None:
    project = make_project(tmp_path, config=None, files=CORE_AND_APP)

    proc = project.benchguard("init")

    assert proc.returncode == 0, proc.stderr
    assert "timing each package once at benchtime 50ms" in proc.stderr
    [chose] = [line for line in proc.stdout.splitlines() if "chose benchtime" in line]
    # 60 benchmarks of ./core, and ./app, which a change to it selects too: 1s would need
    # minutes side by side
    assert "a push touching ./core (it selects 2 packages)" in chose
    assert "within the 4m budget" in chose
    assert "a full baseline (`benchguard baseline`) should take ~" in proc.stdout
    written = config.load(project.root)
    assert written.benchtime == chose.split("chose benchtime ")[1].split(":")[0]
    assert written.benchtime != "1s"


# -- estimates before spending, progress while spending


@GO
@pytest.mark.slow
def test_baseline_says_its_estimate_first_and_a_dry_run_stops_there(project: Project) -> None:
    first = project.benchguard("baseline")
    assert first.returncode == 0, first.stderr
    told = first.stderr.splitlines()
    assert told[0].startswith("benchguard: measuring 2 selections at ")
    assert "2 with no earlier run recorded" in told[0]  # nothing ran here before

    dry = project.benchguard("baseline", "--dry-run")

    assert dry.returncode == 0, dry.stderr
    assert dry.stdout == ""
    assert "measuring 2 selections" in dry.stderr and "no earlier run" not in dry.stderr
    assert "./hashing BenchmarkSum: ~" in dry.stderr and "./parse all benchmarks: ~" in dry.stderr
    assert "running" not in dry.stderr
    records, _ = NotesStore(project.root, "refs/notes/benchguard").read(project.head())
    assert len(records) == 1  # the dry run recorded nothing


# -- report and status say what a push did not check


@GO
@pytest.mark.slow
def test_after_a_push_that_left_selections_unchecked_status_and_report_say_what(
        tmp_path: Path) -> None:
    project = shop(tmp_path)
    assert project.benchguard("install").returncode == 0
    head = change_core(project)
    push = project.sh("git push origin main", check=False)
    assert push.returncode == 0, said(push)  # on_budget = "warn"
    assert "INCOMPLETE" in said(push)

    status = project.benchguard("status")
    assert status.returncode == 0, status.stderr
    assert f"NOT CHECKED by the push of {head[:12]}" in status.stdout
    assert "./app all benchmarks (not started" in status.stdout
    assert "nothing needs re-running" not in status.stdout

    report = project.benchguard("report", "--base", head, "--format", "markdown")
    assert report.returncode == 0, report.stderr
    assert "- Overall Status: **⚠️ INCOMPLETE**" in report.stdout
    assert "- **Not checked** by its push: `./app`" in report.stdout
    assert "No action needed" not in report.stdout
    assert "Measure what the push left unchecked" in report.stdout
