"""A pull request's check in parts over CI jobs (issue 22), through docs/ci.md's own sharded
workflows: shards that each measure a part in a working copy of their own, and the merge that
decides them as one check against a recording GitHub API. Real repositories, real Go."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import ci_events
import fake_github
import pytest
import workflow_runner
from conftest import DEFAULT_CONFIG, THRESHOLD, Project, make_project, slow_down
from fake_github import TOKEN, FakeGitHub
from test_check import checked
from workflow_runner import Job, Runner

pytestmark = pytest.mark.skipif(shutil.which("go") is None, reason="go is not installed")

WORKFLOWS = workflow_runner.documented()
SHARDED = WORKFLOWS[".github/workflows/benchguard-shards.yml"]
COMBINED = WORKFLOWS[".github/workflows/benchguard.yml"]
GITLAB_SHARDED = WORKFLOWS[".gitlab/benchguard-shards.yml"]
PACKAGES = [f"p{number}" for number in range(1, 10)]
SLOWER = "p3"

# Nine benchmarked packages that all import `core`: a change to core selects every one of them.
FILES: dict[str, str] = {
    "go.mod": "module example.com/nine\n\ngo 1.21\n",
    "core/core.go": """
        package core

        // Mix folds v into h.
        func Mix(h, v uint64) uint64 {
        	h ^= v
        	return h * 1099511628211
        }
    """,
    **{name: text for package in PACKAGES for name, text in {
        f"{package}/{package}.go": f"""
            package {package}

            import "example.com/nine/core"

            const rounds = 1

            func Work(data []byte) uint64 {{
            	var h uint64 = 14695981039346656037
            	for r := 0; r < rounds; r++ {{
            		for _, b := range data {{
            			h = core.Mix(h, uint64(b))
            		}}
            	}}
            	return h
            }}
        """,
        f"{package}/{package}_test.go": f"""
            package {package}

            import "testing"

            var sink uint64

            func BenchmarkWork(b *testing.B) {{
            	data := make([]byte, 2048)
            	for i := 0; i < b.N; i++ {{
            		sink = Work(data)
            	}}
            }}
        """}.items()},
}
CONFIG = f"""
    count = 6
    benchtime = "2000x"
    threshold = "{THRESHOLD}"
    timeout = "2m"
    auto_max_packages = 12
    metrics = ["sec/op"]  # one result a benchmark: the family is the number of packages
"""


@pytest.fixture
def github_api() -> Iterator[FakeGitHub]:
    with fake_github.serve() as api:
        yield api


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return make_project(tmp_path)


@pytest.fixture
def nine(tmp_path: Path) -> Project:
    return make_project(tmp_path, config=CONFIG, files=FILES)


def slower_p3(project: Project) -> None:
    """A change to core (a comment: every package is selected) that makes p3 3× slower."""
    core = project.root / "core" / "core.go"
    core.write_text(core.read_text(encoding="utf-8") + "\n// Mix is FNV-1a's step.\n",
                    encoding="utf-8")
    slow_down(project.root, f"{SLOWER}/{SLOWER}.go", 3)


def regressions(report: str) -> set[str]:
    """The packages whose rows in the report's tables have the verdict regression."""
    return set(re.findall(r"^\| `example\.com/nine/(p[0-9])\.Work-[0-9]+` \|.*\| regression "
                          r"\|$", report.replace("**regression**", "regression"), re.M))


def family(report: str) -> int:
    found = re.search(r"Holm over ([0-9]+) results", report)
    assert found, report
    return int(found.group(1))


def shard_job(runner: Runner, k: int, base: str, head: str, merge: str, run_id: int) -> Job:
    return runner.run(SHARDED, "shard", event_name="pull_request",
                      event=ci_events.pull_request(7, base, head), sha=merge,
                      ref="refs/pull/7/merge", matrix={"shard": k}, run_id=run_id)


def merge_job(runner: Runner, base: str, head: str, merge: str, run_id: int) -> Job:
    return runner.run(SHARDED, "merge", event_name="pull_request",
                      event=ci_events.pull_request(7, base, head), sha=merge,
                      ref="refs/pull/7/merge", run_id=run_id)


@pytest.mark.slow
def test_a_check_in_three_shards_is_decided_as_one_and_a_missing_shard_fails_it(
        nine: Project, github_api: FakeGitHub, tmp_path: Path) -> None:
    runner = Runner(tmp_path / "actions", nine.remote, github_api.url, TOKEN)
    base, head, merge = ci_events.open_pull_request(nine, 7, change=slower_p3)

    shards = [shard_job(runner, k, base, head, merge, 9001) for k in (1, 2, 3)]

    measured: list[str] = []
    for k, job in enumerate(shards, start=1):
        step = job.step("benchguard/benchguard")
        assert step.returncode == 0, job.log
        assert f"shard {k}/3 of pull request #7: measured" in step.stdout, job.log
        assert job.summary == "" and github_api.requests == []  # a shard says nothing there
        measured += re.findall(r"\./(p[0-9])", step.stderr.split(f"shard {k}/3: ", 1)[1]
                               .split("\n", 1)[0])
    assert sorted(measured) == PACKAGES  # each package in exactly one part

    merged = merge_job(runner, base, head, merge, 9001)

    step = merged.step("benchguard/benchguard")
    assert step.returncode == 1, merged.log
    assert step.outputs["status"] == "regression"
    [comment] = github_api.ours(7)
    body = comment["body"]
    assert regressions(body) == {SLOWER}, body
    assert "**Shards**" in body and "shard 3/3: " in body
    assert "Shards" in merged.summary and "regression" in merged.summary

    # The same pull request checked whole, by docs/ci.md's one-job workflow: the same verdicts,
    # and the family of the whole check.
    whole = runner.run(COMBINED, "check", event_name="pull_request",
                       event=ci_events.pull_request(8, base, head), sha=merge,
                       ref="refs/pull/7/merge")
    assert whole.step("benchguard/benchguard").returncode == 1, whole.log
    [unsharded] = github_api.ours(8)
    assert regressions(unsharded["body"]) == {SLOWER}
    assert family(body) == family(unsharded["body"]) == len(PACKAGES)

    # A run whose first shard (the one with ./p3) never reported: said, and the check fails;
    # the other parts are still decided. Running that shard again, then the merge, completes
    # the check (the same comment).
    for k in (2, 3):
        runner.artifacts[(9002, f"benchguard-shard-{k}")] = \
            runner.artifacts[(9001, f"benchguard-shard-{k}")]
    incomplete = merge_job(runner, base, head, merge, 9002)
    step = incomplete.step("benchguard/benchguard")
    assert step.returncode == 3, incomplete.log
    assert (step.outputs["status"], step.outputs["regressions"]) == ("error", "0")
    [comment] = github_api.ours(7)
    assert "shard 1/3 did not report" in comment["body"]
    assert "(./p3, ./p4, ./p7)" in comment["body"] and "the check fails" in comment["body"]
    assert regressions(comment["body"]) == set()

    again = shard_job(runner, 1, base, head, merge, 9002)
    assert again.step("benchguard/benchguard").returncode == 0, again.log
    completed = merge_job(runner, base, head, merge, 9002)
    assert completed.step("benchguard/benchguard").returncode == 1, completed.log
    [comment] = github_api.ours(7)
    assert "did not report" not in comment["body"] and regressions(comment["body"]) == {SLOWER}
    assert TOKEN not in "".join(job.log for job in (*shards, merged, incomplete, completed))


@pytest.mark.slow
def test_what_a_push_left_unchecked_is_measured_first_by_the_pull_requests_sharded_check(
        tmp_path: Path, github_api: FakeGitHub) -> None:
    # The team's budget is far too small for a push: the developer's push leaves ./parse
    # unchecked, and says so in the notes, which they share.
    project = make_project(tmp_path, config='budget = "1ms"\n' + DEFAULT_CONFIG)
    base = project.head()
    project.sh("git checkout -q -b slower")
    slow_down(project.root, "parse/parse.go", 3)
    head = project.commit("parse each field three times")
    pushed = project.benchguard("check", "--base", base, "--format", "json")
    assert pushed.returncode == 0, pushed.stderr
    assert [u["package"] for u in checked(pushed)["unchecked"]] == ["./parse"]
    assert project.benchguard("sync").returncode == 0
    project.sh(f"""
        git checkout -q --detach {base} && git merge -q --no-ff --no-edit {head}
        git push -q origin {head}:refs/pull/12/head HEAD:refs/pull/12/merge
        git checkout -q main
    """)
    merge = project.remote_sha("refs/pull/12/merge")
    runner = Runner(tmp_path / "actions", project.remote, github_api.url, TOKEN)
    event = ci_events.pull_request(12, base, head)

    # The pull request's check, in three shards of which one has nothing to measure.
    for k in (1, 2, 3):
        job = runner.run(SHARDED, "shard", event_name="pull_request", event=event, sha=merge,
                         ref="refs/pull/12/merge", matrix={"shard": k}, run_id=9100)
        assert job.step("benchguard/benchguard").returncode == 0, job.log
    merged = runner.run(SHARDED, "merge", event_name="pull_request", event=event, sha=merge,
                        ref="refs/pull/12/merge", run_id=9100)

    step = merged.step("benchguard/benchguard")
    assert step.returncode == 1, merged.log
    [comment] = github_api.ours(12)
    assert f"left unchecked by the push of {head[:12]}" in comment["body"]
    assert re.search(r"^\| `Fields-[0-9]+` .*\*\*regression\*\* \|$", comment["body"],
                     re.M), comment["body"]
    assert "- shard 2/3: nothing in its part" in comment["body"]
    assert "did not report" not in comment["body"]


@pytest.mark.slow
def test_a_gitlab_merge_request_checked_in_parallel_jobs_is_merged_into_one_report(
        project: Project, tmp_path: Path) -> None:
    base, head, _ = ci_events.open_pull_request(project, 4)
    shard, merge = GITLAB_SHARDED["benchguard-shard"], GITLAB_SHARDED["benchguard-merge"]
    variables = {"CI_PIPELINE_SOURCE": "merge_request_event", "CI_MERGE_REQUEST_IID": "4",
                 "CI_MERGE_REQUEST_DIFF_BASE_SHA": base, "CI_COMMIT_SHA": head,
                 "CI_PIPELINE_CREATED_AT": "2030-01-01T00:00:00Z"}
    count = shard["parallel"]
    workspaces = []
    for index in range(1, count + 1):
        workspace = tmp_path / f"gitlab-shard-{index}"
        proc = workflow_runner.run_gitlab_job(shard, remote=project.remote, workspace=workspace,
                                              variables={**variables,
                                                         "CI_NODE_INDEX": str(index),
                                                         "CI_NODE_TOTAL": str(count)})
        assert proc.returncode == 0, proc.stdout + proc.stderr
        workspaces.append(workspace)
    assert merge["needs"] == ["benchguard-shard"]

    proc = workflow_runner.run_gitlab_job(merge, remote=project.remote,
                                          workspace=tmp_path / "gitlab-merge",
                                          variables=variables, artifacts=workspaces)

    assert proc.returncode == 1, proc.stdout + proc.stderr
    [path] = merge["artifacts"]["paths"]
    report = (tmp_path / "gitlab-merge" / path).read_text(encoding="utf-8")
    assert "merge request !4" in report and "**regression**" in report
    assert f"- shard 1/{count}: `./hashing`" in report
    assert "GITHUB_TOKEN" not in proc.stderr


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("valgrind") is None, reason="valgrind is not installed")
def test_shards_simulate_where_configured_and_the_merge_decides_the_counts(
        project: Project, github_api: FakeGitHub, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BENCHGUARD_INSTRUMENT", "simulation")
    runner = Runner(tmp_path / "actions", project.remote, github_api.url, TOKEN)
    base, head, merge = ci_events.open_pull_request(project, 7)
    for k in (1, 2, 3):
        job = shard_job(runner, k, base, head, merge, 9200)
        assert job.step("benchguard/benchguard").returncode == 0, job.log

    merged = merge_job(runner, base, head, merge, 9200)

    step = merged.step("benchguard/benchguard")
    assert step.returncode == 1, merged.log
    [comment] = github_api.ours(7)
    assert "### est-cycles/op" in comment["body"], comment["body"]
    assert re.search(r"^\| `Sum(-[0-9]+)?` .*\*\*regression\*\* \|$", comment["body"], re.M)
    assert "./hashing: simulated (valgrind)" in comment["body"]
