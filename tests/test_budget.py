"""A push that fits the time a push can take: the time budget, the plan, `--dry-run`, the head
kept for the next push, configuration-only pushes. Real repositories, real Go."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import DEFAULT_CONFIG, GO_MODULE, THRESHOLD, Project, fake_go, make_project
from test_check import checked, said

from benchguard.engine.benchfmt import BenchKey, BenchmarkSet, SeriesKey
from benchguard.push import plan, ranges
from benchguard.push.budget import Deadline, Spent
from benchguard.push.runner import RunSpec
from benchguard.store.notes import NotesStore, Record, Timing, decode, encode
from benchguard.store.records import baseline_record, unchecked_record

pytestmark = pytest.mark.skipif(shutil.which("go") is None, reason="go is not installed")

# Each run of a test binary notes when it started (TestMain runs first), in BENCH_LOG.
START_LOG = """
    package {package}

    import (
    	"fmt"
    	"os"
    	"testing"
    	"time"
    )

    func TestMain(m *testing.M) {{
    	if name := os.Getenv("BENCH_LOG"); name != "" {{
    		flags := os.O_APPEND | os.O_CREATE | os.O_WRONLY
    		if f, err := os.OpenFile(name, flags, 0o644); err == nil {{
    			fmt.Fprintf(f, "%d\\n", time.Now().UnixNano())
    			f.Close()
    		}}
    	}}
    	os.Exit(m.Run())
    }}
"""

# Time between benchguard deciding to start a test binary and its TestMain noting it: what a
# run logged after the deadline may have been started before it.
EXEC_SLACK_SECONDS = 1.0


def planned_steps(project: Project) -> list[dict[str, Any]]:
    """The steps of the plan `check --dry-run --format json` prints for the one branch."""
    proc = project.benchguard("check", "--dry-run", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    [check] = json.loads(proc.stdout)["checks"]
    return list(check["plan"]["steps"])


def installed_without_confirmations(tmp_path: Path) -> Project:
    """The demo module with the hook installed and a threshold noise never reaches: every
    result is clear, so a stored baseline is never re-measured side by side."""
    project = make_project(tmp_path, config=DEFAULT_CONFIG.replace(f'"{THRESHOLD}"', '"1000%"'))
    assert project.benchguard("install").returncode == 0
    return project


def records_on(project: Project, commit: str) -> list[Record]:
    records, warnings = NotesStore(project.root, "refs/notes/benchguard").read(commit)
    assert warnings == []
    return records


def slow_project(tmp_path: Path, settings: str) -> Project:
    """Two benchmarked packages whose runs take a while (benchtime 300ms), each run noting its
    start in BENCH_LOG."""
    files = {**GO_MODULE,
             "hashing/main_test.go": START_LOG.format(package="hashing"),
             "parse/main_test.go": START_LOG.format(package="parse")}
    config = DEFAULT_CONFIG.replace('benchtime = "2000x"', 'benchtime = "300ms"')
    return make_project(tmp_path, config=settings + config, files=files)


def change_both_packages(project: Project) -> str:
    project.write({"hashing/doc.go": "// Package hashing hashes.\npackage hashing\n",
                   "parse/doc.go": "// Package parse parses.\npackage parse\n"})
    return project.commit("document both packages")


def started_runs(log: Path) -> list[float]:
    """When each test binary run started, in seconds since the epoch."""
    if not log.exists():
        return []
    return [int(line) / 1e9 for line in log.read_text(encoding="utf-8").split()]


def assert_nothing_left(project: Project) -> None:
    worktrees = project.sh("git worktree list --porcelain").stdout
    assert worktrees.count("worktree ") == 1, worktrees
    stray = subprocess.run(["pgrep", "-f", str(project.root)], capture_output=True, text=True,
                           check=False).stdout
    assert stray == "", stray


def test_a_push_over_its_budget_stops_at_the_deadline_and_goes_ahead_saying_what_it_left(
    tmp_path: Path
) -> None:
    project = slow_project(tmp_path, 'budget = "2s"\n')
    head = change_both_packages(project)
    log = tmp_path / "runs.log"

    proc = project.benchguard("check", "--format", "json", env={"BENCH_LOG": str(log)})

    assert proc.returncode == 0, proc.stderr  # on_budget = "warn" by default
    check = checked(proc)
    assert check["status"] == "incomplete"
    assert check["budget"]["budget"] == "2s" and check["budget"]["on_budget"] == "warn"
    # Six side-by-side rounds of 300 ms runs cannot fit in 2 s: something was left, with why.
    unchecked = {(u["package"], u["pattern"]): u["reason"] for u in check["unchecked"]}
    assert unchecked, check
    assert all(u["tags"] == [] for u in check["unchecked"])
    assert all("stopped" in why or "not started" in why for why in unchecked.values())
    # What was not left unchecked was compared; nothing selected went unaccounted for.
    compared = {b["package"].rsplit("/", 1)[-1] for b in check["benchmarks"]}
    for selected in check["selected"]:
        key = (selected["package"], selected["pattern"])
        assert (key in unchecked) != (selected["package"].removeprefix("./") in compared)
    # No benchmark run started after the deadline (on a busy machine the builds may take it
    # all); no process, worktree or note left half-done.
    deadline = check["budget"]["deadline"]
    assert all(start < deadline + EXEC_SLACK_SECONDS for start in started_runs(log))
    assert_nothing_left(project)
    # Loudly: the text says so, and the pushed commit's note records what was left.
    assert "NOT checked" in proc.stderr
    [record] = [r for r in records_on(project, head) if r.kind == "unchecked"]
    assert record.unchecked is not None and record.unchecked["budget"] == "2s"
    assert {(s["package"], s["pattern"]) for s in record.unchecked["selections"]} == \
        set(unchecked)
    shown = project.benchguard("show", head)
    assert "NOT checked (time budget 2s)" in shown.stdout, shown.stderr


def test_with_on_budget_block_a_push_over_its_budget_is_refused_saying_how_to_get_through(
    tmp_path: Path
) -> None:
    project = slow_project(tmp_path, 'budget = "1s"\non_budget = "block"\n')
    assert project.benchguard("install").returncode == 0
    pushed = project.remote_sha()
    head = change_both_packages(project)

    push = project.sh("git push origin main", check=False)

    assert push.returncode != 0, said(push)
    assert project.remote_sha() == pushed
    assert "NOT CHECKED" in said(push)
    assert 'raise budget (now "1s")' in said(push)
    assert "BENCHGUARD_SKIP=1 git push" in said(push)
    assert not [r for r in records_on(project, head) if r.kind == "unchecked"]
    assert_nothing_left(project)


@pytest.mark.slow
def test_a_passing_push_keeps_its_head_and_the_next_push_measures_the_head_only(
    tmp_path: Path
) -> None:
    project = installed_without_confirmations(tmp_path)
    project.write({"hashing/doc.go": "// Package hashing hashes.\npackage hashing\n"})
    first = project.commit("document hashing")
    push = project.sh("git push origin main", check=False)
    assert push.returncode == 0, said(push)
    assert "round 6/6" in push.stderr  # no stored baseline yet: base and head side by side

    [kept] = [r for r in records_on(project, first) if r.kind == "baseline"]
    assert kept.commit == first and kept.settings["interleaved"] is True
    assert kept.samples is not None
    assert {key.bench.name for key in kept.samples.samples} == {"BenchmarkSum"}
    [timing] = kept.durations
    assert (timing.package, timing.pattern, timing.tags) == ("./hashing", "BenchmarkSum", ())
    assert timing.build > 0 and timing.run > 0

    project.write({"hashing/more.go": "package hashing\n\nconst Name = \"sum\"\n"})
    second = project.commit("name the hash")
    [step] = planned_steps(project)
    assert (step["baseline"], step["measure"]) == ("this machine", "head only")
    assert step["estimate"] > 0 and step["fits"] is True

    push = project.sh("git push origin main", check=False)
    assert push.returncode == 0, said(push)
    assert f"using the stored baseline of {first[:12]} for 1 of 1 selections\n" in push.stderr
    assert "[base " not in push.stderr and "round " not in push.stderr  # the head only
    [kept] = [r for r in records_on(project, second) if r.kind == "baseline"]
    assert kept.settings["interleaved"] is False and kept.settings["rounds"] == 6


@pytest.mark.slow
def test_pushes_in_between_that_change_nothing_a_benchmark_is_built_from_leave_its_head_serving(
    tmp_path: Path
) -> None:
    project = installed_without_confirmations(tmp_path)

    def push(files: dict[str, str], *, env: dict[str, str] | None = None) -> str:
        project.write(files)
        project.commit(", ".join(files))
        pushed = project.sh("git push origin main", env=env, check=False)
        assert pushed.returncode == 0, said(pushed)
        return said(pushed)

    push({"hashing/doc.go": "// Package hashing hashes.\npackage hashing\n"})
    measured = project.head()  # kept: ./hashing
    push({"README.md": "# demo\n"})  # measures nothing, keeps nothing
    push({"parse/more.go": "package parse\n\nconst Name = \"fields\"\n"})  # keeps ./parse
    base = project.head()
    # The base has no baseline of ./hashing; the push that measured it is three commits back,
    # and what came since (a readme, the parse package) is nothing ./hashing is built from.
    output = push({"hashing/more.go": "package hashing\n\nconst Name = \"sum\"\n"})
    assert (f"using the stored baseline of {measured[:12]} for 1 of 1 selections (the commits "
            f"since it up to {base[:12]} change none of them)") in output
    assert "[base " not in output

    # mathx, which ./hashing imports, pushed without a check: that baseline no longer serves.
    push({"mathx/doc.go": "// Package mathx mixes.\npackage mathx\n"},
         env={"BENCHGUARD_SKIP": "1"})
    project.write({"hashing/last.go": "package hashing\n\nconst Last = 1\n"})
    project.commit("one more constant")
    [step] = planned_steps(project)
    assert (step["package"], step["measure"], step["baseline"]) == \
        ("./hashing", "side by side", "none")


@pytest.mark.slow
def test_where_stored_baselines_keep_being_left_open_the_next_push_goes_side_by_side_at_once(
    project: Project
) -> None:
    """A machine whose speed drifts between pushes: its stored baselines settle nothing, so a
    head-only run only adds to the side-by-side confirmation that follows it. The check says
    so, records it, and the next plan measures side by side from the start."""
    assert project.benchguard("install").returncode == 0
    project.write({"hashing/doc.go": "// Package hashing hashes.\npackage hashing\n"})
    first = project.commit("document hashing")
    assert project.sh("git push origin main", check=False).returncode == 0
    # The machine was three times as fast when the head it kept was measured: far past any
    # threshold, so the stored baseline would block, and is confirmed side by side.
    store = NotesStore(project.root, "refs/notes/benchguard")
    [kept] = [r for r in records_on(project, first) if r.kind == "baseline"]
    assert kept.samples is not None and kept.fingerprint is not None
    faster = BenchmarkSet(samples={key: [value / 3 for value in values]
                                   for key, values in kept.samples.samples.items()})
    store.append(first, [baseline_record(first, kept.fingerprint, kept.settings, faster,
                                         durations=kept.durations)])

    project.write({"hashing/more.go": "package hashing\n\nconst Name = \"sum\"\n"})
    second = project.commit("name the hash")
    [step] = planned_steps(project)
    assert (step["measure"], step["trust"]) == ("head only", None)  # nothing known yet
    push = project.sh("git push origin main", check=False)
    assert push.returncode == 0, said(push)  # confirmed side by side: the code is the same
    assert "leaves 1 benchmark open" in push.stderr
    # The confirmation builds the base and runs the head's binary its head-only run built.
    assert push.stderr.count(f"[head {second[:12]}] ./hashing: building the test binary") == 1
    assert push.stderr.count(f"[base {first[:12]}] ./hashing: building the test binary") == 1
    [learned] = [r for r in records_on(project, second)
                 if r.kind == "baseline" and r.settings["interleaved"] is False]
    [timing] = learned.durations
    assert (timing.settled, timing.open) == (0, 1)

    project.write({"hashing/last.go": "package hashing\n\nconst Last = 1\n"})
    third = project.commit("one more constant")
    [step] = planned_steps(project)
    assert (step["baseline"], step["measure"], step["stored_at"]) == \
        ("this machine", "side by side", None)
    assert step["trust"] == {"settled": 0, "open": 1, "checks": 1, "scope": "selection",
                             "worth_it": False}
    dry = project.benchguard("check", "--dry-run")
    assert ("./hashing BenchmarkSum  side by side (the stored baselines of this selection left "
            "1 of 1 benchmark open in its last 1 check: a head-only run would cost more)"
            ) in dry.stdout

    push = project.sh("git push origin main", check=False)
    assert push.returncode == 0, said(push)
    assert ("measuring 1 selection side by side although a stored baseline serves: the stored "
            "baselines of this selection left 1 of 1 benchmark open in its last 1 check"
            ) in push.stderr
    assert "round 6/6" in push.stderr and "leaves 1 benchmark open" not in push.stderr
    # What the stored baseline would have done against this head is still learned.
    [kept] = [r for r in records_on(project, third) if r.kind == "baseline"]
    [timing] = kept.durations
    assert timing.settled + timing.open == 1 and kept.fingerprint is not None

    # With confirm = false a head-only run costs the head alone, whatever it leaves open.
    store.append(third, [baseline_record(third, kept.fingerprint, kept.settings, faster,
                                         durations=[dataclasses.replace(timing, settled=0,
                                                                        open=1)])])
    project.write({"benchguard.toml": "confirm = false\n" + DEFAULT_CONFIG,
                   "hashing/final.go": "package hashing\n\nconst Final = 1\n"})
    project.commit("trust stored baselines as they are")
    [step] = planned_steps(project)
    assert (step["measure"], step["trust"]) == ("head only", None)


def test_the_planner_trusts_stored_baselines_by_how_they_fared_on_this_machine_lately() -> None:
    from benchguard.tools.go import Fingerprint

    here = Fingerprint("linux", "amd64", "cpu", "go1.26", 2)
    there = Fingerprint("linux", "amd64", "another cpu", "go1.26", 2)
    samples = BenchmarkSet(samples={SeriesKey(BenchKey("m/a", "BenchmarkA", 2), "sec/op"): [1.0]})

    def check(fingerprint: Fingerprint, package: str, settled: int, open_: int) -> list[Record]:
        return [baseline_record("a" * 40, fingerprint, {"benchtime": "1s"}, samples,
                                durations=[Timing(package, ".", (), 1.0, 1.0,
                                                  settled=settled, open=open_)])]

    a, b, c = RunSpec("./a"), RunSpec("./b"), RunSpec("./c")
    history = [check(there, "./a", 9, 0),  # another machine's: not this one's drift
               check(here, "./a", 0, 2), check(here, "./b", 3, 0), check(here, "./a", 1, 1),
               check(here, "./a", 2, 0), check(here, "./a", 5, 0)]  # older than TRUST_DEPTH
    trust = plan.trust_from(history, [a, b, c], here)
    # ./a: its own last three checks; ./c, never measured with one: the machine's last three
    assert trust[a] == plan.Trust(settled=3, open=3, checks=3, scope="selection")
    assert not trust[a].worth_it  # 1 + 2 × ½ = 2: no cheaper than side by side
    assert trust[b] == plan.Trust(settled=3, open=0, checks=1, scope="selection")
    assert trust[b].worth_it
    assert trust[c] == plan.Trust(settled=4, open=3, checks=3, scope="machine")
    assert plan.Trust(settled=3, open=2, checks=1, scope="selection").worth_it
    assert plan.trust_from([check(there, "./a", 0, 5)], [a], here) == {}
    assert plan.trust_from([check(here, "./b", 0, 0)], [a], here) == {}  # told nothing


def go_that_only_lists(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """A `go` that records each call, passes `go list` and `go env` to the real go, and fails
    on anything else (a build, a test run)."""
    real = shutil.which("go")
    assert real is not None
    bin_dir = tmp_path / "listing-go"
    bin_dir.mkdir()
    calls = tmp_path / "go-calls"
    (bin_dir / "go").write_text(f"""#!/bin/sh
echo "go $*" >> "{calls}"
case "$1" in
    list|env) exec "{real}" "$@" ;;
esac
exit 1
""", encoding="utf-8")
    (bin_dir / "go").chmod(0o755)
    return {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}, calls


def test_a_dry_run_plans_without_building_or_running_a_benchmark(
    project: Project, tmp_path: Path
) -> None:
    env, calls = go_that_only_lists(tmp_path)
    project.write({"mathx/doc.go": "// Package mathx mixes.\npackage mathx\n",
                   "parse/doc.go": "// Package parse parses.\npackage parse\n"})
    project.commit("docs in code")

    proc = project.benchguard("check", "--dry-run", "--format", "json", env=env)

    assert proc.returncode == 0, proc.stderr
    document = json.loads(proc.stdout)
    assert document["version"] == 1 and document["dry_run"] is True
    [check] = document["checks"]
    assert (check["uncovered"], check["failed"]) == ([], [])
    assert [(s["package"], s["tags"]) for s in check["selected"]] == [("./parse", []),
                                                                      ("./hashing", [])]
    steps = check["plan"]["steps"]
    # paths matched first, then auto selections nearest first
    assert [(s["package"], s["measure"], s["baseline"]) for s in steps] == [
        ("./parse", "side by side", "none"), ("./hashing", "side by side", "none")]
    assert "mathx/doc.go: ./hashing imports example.com/demo/mathx" in steps[1]["reason"]
    assert all(s["estimate"] is None and s["fits"] for s in steps)  # nothing ran here before
    ran = calls.read_text(encoding="utf-8").splitlines()
    assert any(call.startswith("go list") for call in ran)
    assert not [call for call in ran if not call.startswith(("go list", "go env"))], ran

    text = project.benchguard("check", "--dry-run", env=env)
    assert text.returncode == 0, text.stderr
    assert "dry run: nothing is built or run" in text.stdout
    assert "./parse all benchmarks  side by side (no stored baseline)  unknown" in text.stdout
    assert not [c for c in calls.read_text(encoding="utf-8").splitlines()
                if not c.startswith(("go list", "go env"))]


def test_a_configuration_only_push_is_checked_and_measures_nothing(
    project: Project, tmp_path: Path
) -> None:
    env, calls = fake_go(tmp_path)
    project.benchguard("install")
    config = project.root / "benchguard.toml"
    config.write_text('budget = "90s"\n' + config.read_text(encoding="utf-8"), encoding="utf-8")
    head = project.commit("a longer budget")

    push = project.sh("git push origin main", env=env, check=False)

    assert push.returncode == 0, said(push)
    assert project.remote_sha() == head
    assert "only benchguard.toml changed: the new configuration is valid" in said(push)
    assert not calls.exists()  # no go at all

    config.write_text('on_budget = "ignore"\n' + config.read_text(encoding="utf-8"),
                      encoding="utf-8")
    project.commit("a broken on_budget")
    push = project.sh("git push origin main", env=env, check=False)
    assert push.returncode != 0 and project.remote_sha() == head
    assert 'benchguard.toml:1: on_budget must be "warn" or "block"' in push.stderr
    assert not calls.exists()


def test_an_ssh_remote_is_told_before_measuring_when_the_plan_outlasts_its_idle_limit(
    project: Project
) -> None:
    base = project.head()
    assert project.benchguard("baseline").returncode == 0
    # The same record, as if each run of BenchmarkSum had taken half a minute.
    record = json.loads(project.sh(f"git notes --ref benchguard show {base}").stdout)
    record["durations"] = [{"package": "./hashing", "pattern": "BenchmarkSum", "tags": [],
                            "build": 20.0, "run": 60.0}]
    project.sh(f"git notes --ref benchguard add -f -m '{json.dumps(record)}' {base}")
    project.write({"hashing/doc.go": "// Package hashing hashes.\npackage hashing\n"})
    head = project.commit("document hashing")
    config = project.root / "benchguard.toml"
    stdin = f"refs/heads/main {head} refs/heads/main {base}\n"

    def plan_for(url: str) -> subprocess.CompletedProcess[str]:
        return project.benchguard("check", "--dry-run", "--pre-push", "origin", url,
                                  input=stdin)

    over_ssh = plan_for("git@example.com:demo/demo.git")
    assert over_ssh.returncode == 0, over_ssh.stderr
    assert "~6m20s" in over_ssh.stdout  # 20 s to build, 6 runs of 60 s: head only
    assert "does not fit whole: measured in part" in over_ssh.stdout  # the default 4m
    assert "SSH" not in over_ssh.stderr  # what runs fits 4m

    config.write_text('budget = "10m"\n' + config.read_text(encoding="utf-8"), encoding="utf-8")
    project.commit("a budget of ten minutes")
    head = project.head()
    stdin = f"refs/heads/main {head} refs/heads/main {base}\n"
    over_ssh = plan_for("ssh://git@example.com/demo/demo.git")
    [line] = [line for line in over_ssh.stderr.splitlines() if "SSH" in line]
    assert "~6m20s" in line and 'budget in benchguard.toml (now "10m")' in line
    assert "SSH" not in plan_for(str(project.remote)).stderr


def test_which_remotes_git_reaches_over_ssh() -> None:
    for url in ("ssh://host/repo.git", "git+ssh://git@host/x", "git@github.com:o/r.git",
                "host:repo"):
        assert ranges.is_ssh(url), url
    for url in ("https://github.com/o/r.git", "/srv/git/repo.git", "./repo", "file:///x",
                "../x:y", "git://host/repo"):
        assert not ranges.is_ssh(url), url


# -- the planner and the deadline, alone


def test_the_plan_measures_in_order_of_relevance_and_a_step_that_does_not_fit_in_part(
) -> None:
    specs = [RunSpec("./a"), RunSpec("./b"), RunSpec("./c"), RunSpec("./d")]
    costs = {specs[0]: plan.Cost(build=1, run=1), specs[1]: plan.Cost(build=2, run=10),
             specs[2]: plan.Cost(build=1, run=0.5)}
    steps = [plan.Planned(spec, "why", plan.Source.NONE, plan.How.SIDE_BY_SIDE)
             for spec in specs[:3]]
    steps.append(plan.Planned(specs[3], "why", plan.Source.THIS_MACHINE, plan.How.HEAD_ONLY))

    made = plan.make(steps, costs, count=6, budget="1m", available=60)

    # a: 2 sides × (1 + 6 × 1) = 14 s; b: 2 × (2 + 60) = 124 s, too much: measured in part,
    # and c (2 × 4 = 8 s) would fit but is less relevant than b: not started, nor is d
    assert [(s.spec.package, s.estimate, s.fits, s.part) for s in made.steps] == [
        ("./a", 14, True, False), ("./b", 124, False, True), ("./c", 8, False, False),
        ("./d", None, False, False)]
    assert made.estimate == 60 and [s.spec for s in made.unknown] == [specs[3]]
    assert [s.spec for s in made.not_fitting] == specs[1:]


def test_costs_come_from_the_newest_run_of_this_machine_scaled_to_the_benchtime() -> None:
    from benchguard.tools.go import Fingerprint

    here = Fingerprint("linux", "amd64", "cpu", "go1.26", 2)
    there = Fingerprint("linux", "amd64", "another cpu", "go1.26", 2)
    samples = BenchmarkSet(samples={SeriesKey(BenchKey("m/a", "BenchmarkA", 2), "sec/op"): [1.0]})

    def run(fingerprint: Fingerprint, benchtime: str, seconds: float) -> Record:
        return baseline_record("a" * 40, fingerprint, {"benchtime": benchtime}, samples,
                               durations=[Timing("./a", "BenchmarkA", (), 2.0, seconds)])

    spec, other = RunSpec("./a", "."), RunSpec("./b")
    history = [[run(there, "1s", 9.0)], [run(here, "100ms", 0.2)], [run(here, "1s", 5.0)]]
    costs = plan.costs_from(history, [spec, other], here, "1s")
    # this machine's nearest run, at 100ms: ten times as long at 1s; another pattern's
    # timing of the same package stands in
    assert costs == {spec: plan.Cost(build=2.0, run=2.0)}
    assert plan.costs_from([[run(there, "2000x", 1.0)]], [spec], here, "4000x") == \
        {spec: plan.Cost(build=2.0, run=2.0)}


def test_nothing_starts_once_the_deadline_has_passed() -> None:
    assert Deadline.starting("0").limit(30.0) == 30.0  # no budget: no limit
    assert Deadline.starting("0").wall_clock() is None
    left = Deadline.starting("1m").limit(None)
    assert left is not None and 50 < left <= 60
    assert Deadline.starting("1m").limit(5.0) == 5.0
    spent = Deadline.starting("1m", started=0.0)  # a minute after the clock's start: long gone
    assert spent.passed() and not spent.fits(0.1)
    with pytest.raises(Spent):
        spent.limit(30.0)


def test_durations_and_unchecked_records_survive_the_notes_and_bad_ones_are_skipped() -> None:
    from benchguard.tools.go import Fingerprint

    samples = BenchmarkSet(samples={SeriesKey(BenchKey("m/a", "BenchmarkA", 2), "sec/op"): [1.0]})
    record = baseline_record("a" * 40, Fingerprint("linux", "amd64", "cpu", "go1.26", 2),
                             {"count": 6}, samples,
                             durations=[Timing("./a", ".", ("x",), 1.23456, 0.5),
                                        Timing("./b", ".", (), 1.0, 0.5, 6, 0.0, 1, 2)])
    assert decode(encode(record)).durations == (Timing("./a", ".", ("x",), 1.235, 0.5),
                                                Timing("./b", ".", (), 1.0, 0.5, 6, 0.0, 1, 2))
    left = unchecked_record("a" * 40, budget="4m", user="me@example.com",
                            selections=[("./a", ".", (), "not started: the budget was spent", ()),
                                        ("./b", "^BenchmarkX$", (), "not measured: 3 of 4 fit",
                                         ("BenchmarkX",))])
    assert decode(encode(left)).unchecked == {
        "budget": "4m", "user": "me@example.com",
        "selections": [{"package": "./a", "pattern": ".", "tags": [],
                        "reason": "not started: the budget was spent"},
                       {"package": "./b", "pattern": "^BenchmarkX$", "tags": [],
                        "reason": "not measured: 3 of 4 fit", "benchmarks": ["BenchmarkX"]}]}
    for bad in ([{"package": "./a", "pattern": ".", "build": -1, "run": 1}],
                [{"package": "./a", "pattern": ".", "build": "1s", "run": 1}], {"./a": 1},
                [{"package": "./a", "pattern": ".", "build": 1, "run": 1,
                  "stored": {"settled": 1, "open": -1}}],
                [{"package": "./a", "pattern": ".", "build": 1, "run": 1, "stored": [1, 2]}]):
        line = json.loads(encode(record))
        line["durations"] = bad
        with pytest.raises(ValueError, match="malformed baseline record"):
            decode(json.dumps(line))
