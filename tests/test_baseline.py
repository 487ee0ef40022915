"""`benchguard baseline`, `show` and `status` on a real Go module with a bare remote."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

from conftest import Project, interruptible, sh, slow_down

from benchguard import JSON_VERSION


def note_lines(project: Project, rev: str = "HEAD") -> list[dict[str, object]]:
    note = project.sh(f"git notes --ref=benchguard show {rev}").stdout
    return [json.loads(line) for line in note.splitlines()]


def benchmark_names(record: dict[str, object]) -> set[str]:
    samples = record["samples"]
    assert isinstance(samples, list)
    return {sample["name"] for sample in samples}


def test_a_baseline_is_a_note_on_head_that_show_and_status_read_back(project: Project) -> None:
    proc = project.benchguard("baseline")
    assert proc.returncode == 0, proc.stderr
    assert "Sum" in proc.stdout and "Fields" in proc.stdout and "sec/op" in proc.stdout
    [record] = note_lines(project)
    assert benchmark_names(record) == {"BenchmarkSum", "BenchmarkFields"}
    assert record["commit"] == project.head() and record["kind"] == "baseline"
    assert project.sh("git worktree list").stdout.count("\n") == 1

    shown = project.benchguard("show")
    assert shown.returncode == 0, shown.stderr
    assert "(this machine): 1 run" in shown.stdout and "Fields" in shown.stdout
    data = json.loads(project.benchguard("show", "HEAD", "--format", "json").stdout)
    [stored] = data["baselines"]
    assert stored["this_machine"] is True
    assert {bench["name"] for bench in stored["benchmarks"]} == {"BenchmarkSum",
                                                                 "BenchmarkFields"}

    assert "nothing needs re-running" in project.benchguard("status").stdout
    slow_down(project.root, "hashing/hash.go", 2)
    project.commit("slower hashing")
    status = project.benchguard("status")
    assert status.returncode == 0, status.stderr
    assert "changed since: 1 commit, 1 file" in status.stdout
    assert "./hashing  -bench BenchmarkSum" in status.stdout
    assert "./parse" not in status.stdout


def test_bench_filter_and_push_share_the_baseline_with_the_remote(project: Project) -> None:
    proc = project.benchguard("baseline", "--bench", "Fields", "--push")
    assert proc.returncode == 0, proc.stderr
    [record] = note_lines(project)
    assert benchmark_names(record) == {"BenchmarkFields"}
    remote_note = sh("git notes --ref=benchguard show main", cwd=project.remote).stdout
    assert "BenchmarkFields" in remote_note


def test_without_bench_entries_every_package_with_benchmarks_is_recorded(
        project: Project) -> None:
    project.write({"empty.toml": 'count = 6\nbenchtime = "2000x"\n'})
    proc = project.benchguard("--config", "empty.toml", "baseline")
    assert proc.returncode == 0, proc.stderr
    assert "no [[bench]] entries configured" in proc.stderr
    [record] = note_lines(project)
    assert benchmark_names(record) == {"BenchmarkSum", "BenchmarkFields"}


def test_two_baselines_recorded_at_once_are_both_kept(project: Project) -> None:
    command = [sys.executable, "-m", "benchguard", "baseline"]
    runs = [subprocess.Popen(command, cwd=project.root, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True) for _ in range(2)]
    for run in runs:
        _, stderr = run.communicate()
        assert run.returncode == 0, stderr
    assert len(note_lines(project)) == 2


def test_ctrl_c_during_a_baseline_leaves_no_worktree_and_no_record(project: Project) -> None:
    project.write({"parse/slow_test.go": """
        package parse

        import (
            "testing"
            "time"
        )

        func BenchmarkSlow(b *testing.B) {
            for i := 0; i < b.N; i++ {
                time.Sleep(time.Millisecond)
            }
        }
    """})
    project.commit("a slow benchmark")
    run = subprocess.Popen([sys.executable, "-m", "benchguard", "baseline"], cwd=project.root,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                           preexec_fn=interruptible)
    assert run.stderr is not None
    seen = []
    for line in run.stderr:
        seen.append(line)
        if "./parse: running" in line:
            break
    time.sleep(1.0)  # go is building or running the slow benchmark by now
    run.send_signal(signal.SIGINT)
    _, rest = run.communicate(timeout=60)
    assert run.returncode == 130, "".join(seen) + rest
    assert project.sh("git worktree list").stdout.count("\n") == 1
    assert project.sh("git notes --ref=benchguard list").stdout == ""


def test_baseline_status_and_show_answer_scripts_in_json(project: Project) -> None:
    nothing = json.loads(project.benchguard("status", "--format", "json").stdout)
    assert nothing["version"] == JSON_VERSION and nothing["baseline"] is None
    assert nothing["changed"] is None and nothing["needs_rerun"] is None

    proc = project.benchguard("baseline", "--bench", "Fields", "--push", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)  # nothing but the JSON on stdout
    assert data["version"] == JSON_VERSION and data["commit"] == project.head()
    assert [(row["name"], row["unit"]) for row in data["benchmarks"]] == [
        ("BenchmarkFields", "sec/op"), ("BenchmarkFields", "B/op"),
        ("BenchmarkFields", "allocs/op")]
    assert data["benchmarks"][0]["n"] == 6 and data["settings"]["count"] == 6
    [record] = note_lines(project)
    load = record["load"]  # taken as the run started
    assert data["load"] == load and isinstance(load, list) and len(load) == 3
    assert data["pushed"]["outcome"] == "synced" and data["pushed"]["remote"] == "origin"
    assert data["fingerprint"] == json.loads(project.benchguard(
        "status", "--format", "json").stdout)["machine"]
    assert "recorded a baseline for" in proc.stderr and "synced with origin" in proc.stderr

    status = json.loads(project.benchguard("status", "--format", "json").stdout)
    assert status["baseline"]["commit"] == project.head() and status["baseline"]["runs"] == 1
    assert status["changed"] == {"commits": 0, "files": []} and status["needs_rerun"] == []
    shown = json.loads(project.benchguard("show", "--format", "json").stdout)
    assert shown["version"] == JSON_VERSION
    assert shown["baselines"][0]["runs"][0]["used"] is True

    slow_down(project.root, "parse/parse.go", 2)
    project.commit("slower parsing")
    status = json.loads(project.benchguard("status", "--format", "json").stdout)
    assert status["changed"] == {"commits": 1, "files": ["parse/parse.go"]}
    [rerun] = status["needs_rerun"]
    assert (rerun["package"], rerun["pattern"], rerun["tags"]) == ("./parse", ".", [])

    broken = project.benchguard("status", "--format", "json", "--any-machine", "extra")
    assert broken.returncode == 2 and broken.stdout == ""
    missing = project.benchguard("--config", "nowhere.toml", "status", "--format", "json")
    assert missing.returncode == 2 and missing.stdout == ""
