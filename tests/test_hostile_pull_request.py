"""A hostile pull request, end to end, through docs/ci.md's own workflows: it makes Sum three
times slower and tries everything a pull request controls to get away with it and to abuse the
check — benchmark names written to be links, mentions and markup, a TestMain that prints the
environment, a benchguard.toml that raises its own threshold, and (from a fork) a forged
artifact for the job that holds the write token. The comment stays inert, no secret appears
anywhere, and the gate reads the base's settings."""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import ci_events
import fake_github
import github_markdown
import pytest
import workflow_runner
from conftest import DEFAULT_CONFIG, THRESHOLD, Project, slow_down
from fake_github import TOKEN, FakeGitHub
from test_ci_hostile import prints_the_environment
from test_ci_safety import SLIPPED_THROUGH
from workflow_runner import Job, Runner

from benchguard.ci import artifact
from benchguard.ci.comment import MARKER
from benchguard.engine.status import Status

WORKFLOWS = workflow_runner.documented()
NUMBER = 31

# What else the runner hands the job, beside the token the action passes on.
RUNNER_SECRETS = {
    "ACTIONS_RUNTIME_TOKEN": "eyJ0eXAiOiJKV1Qi.runtime-token.c2lnbmF0dXJl",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "eyJ0eXAiOiJKV1Qi.oidc-request.c2lnbmF0dXJl",
    "DEPLOY_PASSWORD": "hunter2-but-longer",
}

# Sub-benchmark names are the code's to choose: each is written to become something live in a
# comment, or a command in the CI log.
NAMES = ["[approve](https://evil.example/approve)", "![pixel](https://evil.example/p.png)",
         "@octocat_please_merge", "closes_#1", "&#x40;admins", "<img_src=x_onerror=alert(1)>",
         "https://evil.example/bare", "www.evil.example", "::warning::all_good"]

HOSTILE_FILES = {
    "hashing/names_test.go": """
        package hashing

        import "testing"

        func BenchmarkSumNamed(b *testing.B) {
            data := make([]byte, 4096)
            for _, name := range []string{NAMES} {
                b.Run(name, func(b *testing.B) {
                    for i := 0; i < b.N; i++ {
                        sink = Sum(data)
                    }
                })
            }
        }
    """.replace("NAMES", ", ".join(json.dumps(name) for name in NAMES)),
    "hashing/main_test.go": prints_the_environment(then="os.Exit(m.Run())"),
    # Its own settings: nothing it does could block it.
    "benchguard.toml": DEFAULT_CONFIG.replace(
        f'threshold = "{THRESHOLD}"',
        'threshold = "1000%"\n    metrics = ["B/op"]\n    on_error = "warn"'),
}


@pytest.fixture
def github_api() -> Iterator[FakeGitHub]:
    with fake_github.serve() as api:
        yield api


def open_hostile_pull_request(project: Project) -> tuple[str, str, str]:
    """The pull request's one commit, pushed as GitHub keeps it; (base, head, merge)."""
    base = project.head()
    project.sh("git checkout -q -b hostile")
    project.write(HOSTILE_FILES)
    slow_down(project.root, "hashing/hash.go", 3)
    head = project.commit("Make Sum faster (trust me)")
    project.sh(f"git checkout -q --detach {base} && git merge -q --no-ff --no-edit {head}")
    merge = project.head()
    project.sh(f"git push -q origin {head}:refs/pull/{NUMBER}/head "
               f"{merge}:refs/pull/{NUMBER}/merge && git checkout -q main")
    return base, head, merge


def with_runner_secrets(workflow: dict[str, object], job: str, dump: Path) -> dict[str, object]:
    found = copy.deepcopy(workflow)
    found["jobs"][job]["env"] = {**RUNNER_SECRETS,  # type: ignore[index]
                                 "ENVIRONMENT_DUMP": str(dump)}
    return found


def everything_written(job: Job, api: FakeGitHub, *also: Path) -> str:
    """The job's log and summary, every output and file it reported, every request body."""
    texts = [job.log, job.summary, *(json.dumps(request.body) for request in api.requests)]
    for step in job.steps:
        texts += list(step.outputs.values())
        path = step.outputs.get("report-path")
        if path and Path(path).exists():
            texts.append(Path(path).read_text(encoding="utf-8"))
    texts += [path.read_text(encoding="utf-8") for place in also if place.exists()
              for path in sorted(place.rglob("*")) if path.is_file()]
    return "\n".join(texts)


def assert_no_secret_in(text: str) -> None:
    for name, value in {"GITHUB_TOKEN": TOKEN, **RUNNER_SECRETS}.items():
        assert value not in text, f"{name} leaked"


def report_part(body: str) -> str:
    """A comment without benchguard's own first lines (the marker and its links)."""
    assert body.startswith(MARKER)
    return body.split("\n\n", 1)[1]


@pytest.mark.slow
def test_a_hostile_pull_request_gets_an_inert_comment_no_secret_and_the_bases_gate(
        project: Project, github_api: FakeGitHub, tmp_path: Path) -> None:
    base, head, merge = open_hostile_pull_request(project)
    runner = Runner(tmp_path / "actions", project.remote, github_api.url, TOKEN)
    dump = tmp_path / "environment-of-the-test"
    combined = with_runner_secrets(WORKFLOWS[".github/workflows/benchguard.yml"], "check", dump)

    check = runner.run(combined, "check", event_name="pull_request",
                       event=ci_events.pull_request(NUMBER, base, head), sha=merge,
                       ref=f"refs/pull/{NUMBER}/merge")

    # The gate: the base's 50% threshold on sec/op blocks; the head's 1000% on B/op is reported.
    step = check.step("benchguard/benchguard")
    assert step.returncode == 1, check.log
    assert step.outputs["status"] == "regression"
    [posted] = github_api.ours(NUMBER)
    said = posted["body"].replace("\u200b", "")
    assert "`threshold` (0.5 → 10)" in said and "**the check used the base's settings**" in said
    assert "regression" in said and "Sum-" in said
    # The comment: every name shown, none of them live.
    assert github_markdown.live_parts(report_part(posted["body"])) == []
    for name in ("approve", "octocat_please_merge", "evil.example/bare", "all_good"):
        assert name in said
    # The code ran, and was given no secret; nothing it printed reached the log as a command.
    seen = dump.read_text(encoding="utf-8")
    assert "ENVIRONMENT_DUMP=" in seen
    assert_no_secret_in(seen)
    assert_no_secret_in(everything_written(check, github_api))
    assert not any(line.lstrip().startswith("::") for line in check.log.splitlines())

    # From a fork, the check uploads its artifact, and the fork forges it before the
    # workflow_run job (which holds the write token) posts it: first too deep to parse, then
    # a well-formed one claiming a pass with a report of its own.
    forged = tmp_path / "forged"
    run_id = 4242
    runner.artifacts[(run_id, "benchguard")] = forged
    github_api.pulls[NUMBER] = head
    artifact.write(forged, artifact.Artifact(NUMBER, Status.PASS, 0, base, head),
                   SLIPPED_THROUGH)
    summary = forged / artifact.SUMMARY
    good_summary = summary.read_text(encoding="utf-8")
    summary.write_text('{"pull_request": ' + "[" * 4000, encoding="utf-8")
    event = ci_events.workflow_run(run_id, head, conclusion="failure")
    comment_workflow = WORKFLOWS[".github/workflows/benchguard-comment.yml"]

    refused = runner.run(comment_workflow, "comment", event_name="workflow_run", event=event,
                         sha=project.remote_sha(), ref="refs/heads/main")
    assert refused.step("benchguard/benchguard").returncode == 2, refused.log
    assert "not JSON (nested too deeply)" in refused.log
    assert github_markdown.render(github_api.ours(NUMBER)[0]["body"]) == \
        github_markdown.render(posted["body"])  # nothing posted

    summary.write_text(good_summary, encoding="utf-8")
    shutil.rmtree(refused.workspace / "benchguard-artifact", ignore_errors=True)
    post = runner.run(comment_workflow, "comment", event_name="workflow_run", event=event,
                      sha=project.remote_sha(), ref="refs/heads/main")

    assert not post.failed, post.log
    [reposted] = github_api.ours(NUMBER)
    assert "(conclusion: failure)" in reposted["body"]  # GitHub's word, not the artifact's
    assert github_markdown.live_parts(reposted["body"].split("its report follows.\n\n")[1]) == []
    assert_no_secret_in(everything_written(post, github_api, forged))
