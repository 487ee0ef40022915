"""`benchguard ci` end to end: docs/ci.md's own workflows run against a real repository with a bare
remote, a tiny Go module, and a recording GitHub API on 127.0.0.1."""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ci_events
import fake_github
import pytest
import workflow_runner
from conftest import Project, sh
from fake_github import TOKEN, FakeGitHub
from workflow_runner import Job, Runner

from benchguard.ci.comment import MARKER

WORKFLOWS = workflow_runner.documented()
COMBINED = WORKFLOWS[".github/workflows/benchguard.yml"]
FORK_CHECK = WORKFLOWS[".github/workflows/benchguard-check.yml"]
FORK_COMMENT = WORKFLOWS[".github/workflows/benchguard-comment.yml"]
GITLAB = WORKFLOWS[".gitlab-ci.yml"]


@pytest.fixture
def github_api() -> Iterator[FakeGitHub]:
    with fake_github.serve() as api:
        yield api


@pytest.fixture
def runner(project: Project, github_api: FakeGitHub, tmp_path: Path) -> Runner:
    return Runner(tmp_path / "actions", project.remote, github_api.url, TOKEN)


def check_pull_request(runner: Runner, workflow: dict[str, Any], number: int, base: str,
                       head: str, merge: str, *, labels: tuple[str, ...] = (),
                       fork: bool = False, action: str = "synchronize") -> Job:
    event = ci_events.pull_request(number, base, head, labels=labels, fork=fork, action=action)
    return runner.run(workflow, "check", event_name="pull_request", event=event, sha=merge,
                      ref=f"refs/pull/{number}/merge")


def never_shows_the_token(job: Job) -> None:
    assert TOKEN not in job.log
    assert TOKEN[4:20] not in job.log


def recording(tmp_path: Path, name: str) -> tuple[Path, Path]:
    """A `name` on PATH that logs each call, then runs the real one (or fails, for go)."""
    bin_dir = tmp_path / "recording-bin"
    bin_dir.mkdir(exist_ok=True)
    calls = tmp_path / f"{name}-calls"
    real = shutil.which(name)
    tail = f'exec {real} "$@"' if name == "git" and real else "exit 1"
    (bin_dir / name).write_text(f'#!/bin/sh\necho "{name} $*" >> "{calls}"\n{tail}\n',
                                encoding="utf-8")
    (bin_dir / name).chmod(0o755)
    return bin_dir, calls


@pytest.mark.slow
def test_a_regressing_pull_request_fails_and_keeps_one_comment_up_to_date(
        project: Project, github_api: FakeGitHub, runner: Runner) -> None:
    # Others talk on the pull request too; one of them even quotes benchguard's marker.
    github_api.add_comment(7, "Looks good to me", "reviewer")
    github_api.add_comment(7, f"{MARKER}\nfake report: all fine", "contributor")
    github_api.add_comment(7, "Could you rebase?", "maintainer")
    base, head, merge = ci_events.open_pull_request(project, 7)

    first = check_pull_request(runner, COMBINED, 7, base, head, merge)

    assert first.failed, first.log
    step = first.step("benchguard/benchguard")
    assert step.returncode == 1, first.log
    assert step.outputs["status"] == "regression"
    assert step.outputs["regressions"] == "1"
    report = Path(step.outputs["report-path"]).read_text(encoding="utf-8")
    assert "BenchmarkSum" in report or "Sum" in report
    assert "regression" in first.summary and "pull request #7" in first.summary
    assert "fetching" in step.stderr and "shallow checkout" in step.stderr
    [comment] = github_api.ours(7)
    assert "regression" in comment["body"] and "Sum" in comment["body"]
    assert github_api.comments[7][1]["body"] == f"{MARKER}\nfake report: all fine"
    never_shows_the_token(first)

    # A maintainer accepts the slowdown: the label re-runs the check, which now passes and
    # updates the same comment.
    second = check_pull_request(runner, COMBINED, 7, base, head, merge,
                                labels=("benchguard:allow",), action="labeled")

    assert not second.failed, second.log
    step = second.step("benchguard/benchguard")
    assert (step.outputs["status"], step.outputs["regressions"]) == ("pass", "0")
    assert [r.method for r in github_api.writes()] == ["POST", "PATCH"]
    [comment] = github_api.ours(7)
    assert "the benchguard:allow label of pull request #\u200b7" in comment["body"]  # no link
    assert "Allowed regressions" in second.summary
    assert len(github_api.comments[7]) == 4


@pytest.mark.slow
def test_a_forks_read_only_token_is_a_warning_and_the_verdict_still_decides(
        project: Project, github_api: FakeGitHub, runner: Runner) -> None:
    github_api.refuse_writes = True
    base, head, merge = ci_events.open_pull_request(project, 8)

    job = check_pull_request(runner, COMBINED, 8, base, head, merge, fork=True)

    step = job.step("benchguard/benchguard")
    assert step.returncode == 1, job.log
    assert "warning: could not comment on pull request #8" in step.stderr
    assert "HTTP 403" in step.stderr and "read-only token" in step.stderr
    assert "regression" in job.summary
    assert step.outputs["status"] == "regression"
    assert github_api.comments.get(8) is None
    never_shows_the_token(job)

    # With fail-on-regression: false the step passes, and its outputs still say what it found.
    lenient = copy.deepcopy(COMBINED)
    [action_step] = [step for step in lenient["jobs"]["check"]["steps"]
                     if step.get("uses", "").startswith("benchguard/")]
    action_step["with"]["fail-on-regression"] = False
    reported = check_pull_request(runner, lenient, 8, base, head, merge, fork=True)
    assert not reported.failed, reported.log
    assert reported.step("benchguard/benchguard").outputs["status"] == "regression"


@pytest.mark.slow
def test_a_forks_pull_request_is_commented_on_from_workflow_run_without_its_code(
        project: Project, github_api: FakeGitHub, runner: Runner, tmp_path: Path) -> None:
    base, head, merge = ci_events.open_pull_request(project, 9)
    github_api.pulls[9] = head

    check = check_pull_request(runner, FORK_CHECK, 9, base, head, merge, fork=True)

    assert check.step("benchguard/benchguard").returncode == 1, check.log
    assert check.step("upload-artifact").skipped is False
    assert github_api.requests == []  # comment: false; the token is read-only anyway

    go_bin, go_calls = recording(tmp_path, "go")
    git_bin, git_calls = recording(tmp_path, "git")
    runner.path_prefix = [str(go_bin), str(git_bin)]
    event = ci_events.workflow_run(check.run_id, head)
    post = runner.run(FORK_COMMENT, "comment", event_name="workflow_run", event=event,
                      sha=project.remote_sha(), ref="refs/heads/main")

    assert not post.failed, post.log
    assert not go_calls.exists() and not git_calls.exists()  # no go, no git: no PR code
    assert [p.name for p in post.workspace.iterdir()] == ["benchguard-artifact"]
    [comment] = github_api.ours(9)
    assert comment["body"].startswith(MARKER)
    assert "ran this pull request's code" in comment["body"]
    assert "regression" in comment["body"]
    assert [(r.method, r.path) for r in github_api.requests][:2] == [
        ("GET", "/repos/octo/demo/pulls/9"), ("GET", "/repos/octo/demo/issues/9/comments")]
    step = post.step("benchguard/benchguard")
    assert (step.outputs["status"], step.outputs["regressions"]) == ("regression", "1")

    again = runner.run(FORK_COMMENT, "comment", event_name="workflow_run", event=event,
                       sha=project.remote_sha(), ref="refs/heads/main")
    assert not again.failed, again.log
    assert [r.method for r in github_api.writes()] == ["POST", "PATCH"]
    assert len(github_api.ours(9)) == 1


@pytest.mark.slow
def test_a_merge_records_and_shares_a_baseline_that_a_shallow_pull_request_check_uses(
        project: Project, github_api: FakeGitHub, runner: Runner, tmp_path: Path) -> None:
    # Someone else's note is already on the remote: the merge's note joins it, nothing is lost.
    other = tmp_path / "other"
    sh(f"""
        git clone -q {project.remote} {other}
        cd {other}
        git notes --ref benchguard add -m '{{"kind": "other clone"}}' HEAD~0
        git push -q origin refs/notes/benchguard
    """, cwd=tmp_path)
    before = project.head()
    project.write({"README.md": "demo\n"})
    merged = project.commit("merge a change")
    project.sh("git push -q origin main")

    recorded = runner.run(COMBINED, "baseline", event_name="push",
                          event=ci_events.push(before, merged), sha=merged,
                          ref="refs/heads/main")

    assert not recorded.failed, recorded.log
    note = sh(f"git notes --ref benchguard show {merged}", cwd=project.remote).stdout
    assert '"kind":"baseline"' in note.replace(" ", "")
    assert "other clone" in sh(f"git notes --ref benchguard show {before}",
                               cwd=project.remote).stdout
    assert "baseline for main" in recorded.summary
    assert recorded.step("benchguard/benchguard").outputs["status"] == "skipped"

    # A pull request forked from the merged commit, checked from a one-commit checkout: the base
    # commit and the notes are fetched, and the base's stored baseline serves.
    base, head, merge = ci_events.open_pull_request(project, 11, factor=1)
    assert base == merged
    runner.token = None  # and without a token: no comment, and no error

    job = check_pull_request(runner, COMBINED, 11, base, head, merge)

    step = job.step("benchguard/benchguard")
    assert step.returncode == 0, job.log
    assert f"using the stored baseline of {base[:12]}" in step.stderr
    assert "no GITHUB_TOKEN: no comment posted" in step.stderr
    assert "could not comment" not in step.stderr
    assert github_api.requests == []
    assert "(shallow checkout)" in step.stderr


@pytest.mark.slow
def test_a_gitlab_merge_request_pipeline_writes_its_report_for_an_artifact(
        project: Project, tmp_path: Path) -> None:
    base, head, _ = ci_events.open_pull_request(project, 3)
    job = GITLAB["benchguard"]
    assert job["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'}]

    proc = workflow_runner.run_gitlab_job(job, remote=project.remote,
                                          workspace=tmp_path / "gitlab", variables={
        "CI_PIPELINE_SOURCE": "merge_request_event", "CI_MERGE_REQUEST_IID": "3",
        "CI_MERGE_REQUEST_DIFF_BASE_SHA": base, "CI_COMMIT_SHA": head,
        "CI_MERGE_REQUEST_LABELS": "performance,benchguard:allow,needs-review",
    })

    assert proc.returncode == 1, proc.stdout + proc.stderr
    [path] = job["artifacts"]["paths"]
    report = (tmp_path / "gitlab" / path).read_text(encoding="utf-8")
    assert "merge request !3" in report and "regression" in report
    # GitLab does not say which head a label was applied to: only one naming it counts.
    assert f"the `benchguard:allow` label: **not counted** for `{head[:12]}`: a merge " \
           "request's labels do not say which head they were applied to" in report
    assert f"`benchguard:allow@{head[:12]}`" in report
    assert "GITHUB_TOKEN" not in proc.stderr  # GitLab: no comment is even tried


def test_a_check_that_cannot_fetch_its_base_says_how_to_fix_the_checkout(
        project: Project, tmp_path: Path) -> None:
    gone = "1234567890abcdef" * 2 + "12345678"
    head = project.head()
    event = tmp_path / "event.json"
    event.write_text(json.dumps(ci_events.pull_request(5, gone, head)), encoding="utf-8")
    shallow = tmp_path / "shallow"
    sh(f"git clone -q --depth 1 file://{project.remote} {shallow}", cwd=tmp_path)
    summary = tmp_path / "summary.md"
    proc = project.benchguard("-C", str(shallow), "ci", env={
        "GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event), "GITHUB_REPOSITORY": "octo/demo",
        "GITHUB_STEP_SUMMARY": str(summary), "RUNNER_TEMP": str(tmp_path)})
    assert proc.returncode == 2, proc.stderr
    assert f"cannot fetch {gone[:12]} from origin" in proc.stderr
    assert "fetch-depth: 0" in proc.stderr
    assert "could not check pull request #5" in summary.read_text(encoding="utf-8")
    assert "no GITHUB_TOKEN" in proc.stderr
