"""`benchguard ci` where it must say no or stay quiet: refused events, forged artifacts, an API that
refuses or cannot be reached, untrusted text in a comment, tokens in error output; and docs/ci.md
and action.yml checked for what the end-to-end tests cannot see (permissions, script injection)."""

from __future__ import annotations

import html
import importlib.metadata
import json
import os
import re
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import ci_events
import fake_github
import github_markdown
import pytest
import test_ci_hostile
import test_crash_log
import workflow_runner
from conftest import Project, benchguard
from fake_github import TOKEN, FakeGitHub
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from benchguard import redact
from benchguard.ci import artifact, comment, github
from benchguard.engine.status import Status

HEAD = "9ab2" + "c" * 36
BASE = "3f1c" + "d" * 36
REPORT = "### benchguard: pull request #7\n\n**benchguard: ❌ regression**\n"


@pytest.fixture
def github_api() -> Iterator[FakeGitHub]:
    with fake_github.serve() as api:
        yield api


def github_env(tmp_path: Path, event_name: str, event: dict[str, Any], api_url: str = "",
               token: str | None = TOKEN) -> dict[str, str]:
    path = tmp_path / f"{event_name}-event.json"
    path.write_text(json.dumps(event), encoding="utf-8")
    env = {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": event_name,
           "GITHUB_EVENT_PATH": str(path), "GITHUB_REPOSITORY": "octo/demo",
           "GITHUB_API_URL": api_url or "http://127.0.0.1:9", "GITHUB_RUN_ID": "8123",
           "GITHUB_OUTPUT": str(tmp_path / "outputs"),
           "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"), "RUNNER_TEMP": str(tmp_path)}
    if token is not None:
        env["GITHUB_TOKEN"] = token
    return env


def write_artifact(directory: Path, *, number: int = 7, report: str = REPORT,
                   **changes: Any) -> Path:
    artifact.write(directory, artifact.Artifact(number, Status.REGRESSION, 1, BASE, HEAD), report)
    if changes:
        summary = directory / artifact.SUMMARY
        data = json.loads(summary.read_text(encoding="utf-8"))
        data.update(changes)
        summary.write_text(json.dumps(data), encoding="utf-8")
    return directory


def post(tmp_path: Path, api: FakeGitHub | None, *, pull_requests: tuple[int, ...] = (),
         token: str | None = TOKEN, api_url: str = "") -> subprocess.CompletedProcess[str]:
    """The workflow_run job: `benchguard ci --artifact-dir` in a directory with no repository
    (given a minute: an artifact must never make it wait forever)."""
    event = ci_events.workflow_run(8000, HEAD, pull_requests=pull_requests)
    env = github_env(tmp_path, "workflow_run", event, api_url or (api.url if api else ""), token)
    return subprocess.run([sys.executable, "-m", "benchguard", "ci", "--artifact-dir",
                           "artifact"], cwd=tmp_path, capture_output=True, text=True,
                          env={**os.environ, **env}, check=False, timeout=60)


def outputs(tmp_path: Path) -> dict[str, str]:
    return workflow_runner.parse_outputs((tmp_path / "outputs").read_text(encoding="utf-8"))


# --- events ----------------------------------------------------------------------------------


def test_pull_request_target_is_refused_before_anything_runs(tmp_path: Path,
                                                             github_api: FakeGitHub) -> None:
    event = ci_events.pull_request(7, BASE, HEAD, fork=True)
    proc = benchguard("ci", cwd=tmp_path,
                      env=github_env(tmp_path, "pull_request_target", event, github_api.url))
    assert proc.returncode == 2
    assert "refusing to run under pull_request_target" in proc.stderr
    assert "pwn request" in proc.stderr and "workflow_run" in proc.stderr
    assert github_api.requests == []
    assert not (tmp_path / "summary.md").exists() and not (tmp_path / "outputs").exists()


@pytest.mark.parametrize(("event_name", "event", "said"), [
    ("pull_request", ci_events.pull_request(7, BASE, HEAD, action="closed"),
     "pull request #7 was closed: nothing to check"),
    ("push", ci_events.push(BASE, HEAD, ref="refs/heads/feature"),
     "a push to refs/heads/feature, not to the default branch main: no baseline recorded"),
    ("workflow_run", ci_events.workflow_run(1, HEAD, event="push"),
     "triggered by 'push', not by a pull request: no report to post"),
])
def test_events_with_nothing_to_do_say_so_and_pass(tmp_path: Path, event_name: str,
                                                   event: dict[str, Any], said: str) -> None:
    proc = benchguard("ci", cwd=tmp_path, env=github_env(tmp_path, event_name, event))
    assert proc.returncode == 0, proc.stderr
    assert said in proc.stderr


def test_what_benchguard_ci_cannot_work_with_is_a_one_line_error(tmp_path: Path) -> None:
    outside = benchguard("ci", cwd=tmp_path)
    assert outside.returncode == 2
    assert "not running in GitHub Actions or GitLab CI" in outside.stderr

    scheduled = benchguard("ci", cwd=tmp_path, env=github_env(tmp_path, "schedule", {}))
    assert scheduled.returncode == 2
    assert "GitHub event 'schedule' is not one `benchguard ci` handles" in scheduled.stderr

    event = ci_events.pull_request(7, BASE, HEAD)
    del event["pull_request"]["head"]["sha"]
    broken = benchguard("ci", cwd=tmp_path, env=github_env(tmp_path, "pull_request", event))
    assert broken.returncode == 2
    assert "the GitHub event has no pull_request.head.sha" in broken.stderr

    event = ci_events.pull_request(7, BASE, HEAD)
    event["pull_request"]["number"] = True
    typed = benchguard("ci", cwd=tmp_path, env=github_env(tmp_path, "pull_request", event))
    assert typed.returncode == 2
    assert "pull_request.number is true, not a number" in typed.stderr

    gitlab = benchguard("ci", cwd=tmp_path, env={"GITLAB_CI": "true",
                                                 "CI_PIPELINE_SOURCE": "push"})
    assert gitlab.returncode == 0
    assert "GitLab pipeline source 'push'" in gitlab.stderr

    budget = benchguard("ci", "--budget", "soon", cwd=tmp_path)
    assert budget.returncode == 2
    assert '--budget must be a Go duration like "10m" or "90s", got '"'soon'" in budget.stderr


# --- posting from an artifact ----------------------------------------------------------------


def test_a_rate_limit_is_a_warning_and_the_summary_and_outputs_are_still_written(
        tmp_path: Path, github_api: FakeGitHub) -> None:
    write_artifact(tmp_path / "artifact")
    github_api.rate_limited = True

    proc = post(tmp_path, github_api)

    assert proc.returncode == 0, proc.stderr
    assert "warning: cannot tell which commit pull request #7 heads" in proc.stderr
    assert "rate limit was reached (resets at" in proc.stderr
    assert "no comment posted" in (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert outputs(tmp_path) == {"status": "regression", "regressions": "1",
                                 "report-path": str(tmp_path / "artifact" / "report.md")}
    assert TOKEN not in proc.stdout + proc.stderr


def test_an_unreachable_api_is_a_warning(tmp_path: Path) -> None:
    write_artifact(tmp_path / "artifact")
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    proc = post(tmp_path, None, pull_requests=(7,), api_url=f"http://127.0.0.1:{port}")
    assert proc.returncode == 0, proc.stderr
    assert f"could not comment on pull request #7: GET /repos/octo/demo/issues/7/comments: " \
           f"cannot reach http://127.0.0.1:{port}" in proc.stderr
    assert TOKEN not in proc.stderr


def test_without_a_token_nothing_is_posted_and_nothing_fails(tmp_path: Path,
                                                             github_api: FakeGitHub) -> None:
    write_artifact(tmp_path / "artifact")
    proc = post(tmp_path, github_api, token=None)
    assert proc.returncode == 0, proc.stderr
    assert "no GITHUB_TOKEN: no comment posted" in proc.stderr
    assert "warning" not in proc.stderr
    assert github_api.requests == []


def test_an_api_url_that_is_not_https_gets_no_token(tmp_path: Path) -> None:
    write_artifact(tmp_path / "artifact")
    proc = post(tmp_path, None, pull_requests=(7,), api_url="http://api.example.com")
    assert proc.returncode == 0
    assert "GITHUB_API_URL must be an https:// URL" in proc.stderr


def _symlinked_report(directory: Path) -> None:
    secret = directory.parent / "secret.txt"
    secret.write_text("runner secrets", encoding="utf-8")
    (directory / artifact.REPORT).unlink()
    (directory / artifact.REPORT).symlink_to(secret)


def _huge_report(directory: Path) -> None:
    (directory / artifact.REPORT).write_text("x" * (1024 * 1024 + 1), encoding="utf-8")


def _not_json(directory: Path) -> None:
    (directory / artifact.SUMMARY).write_text("{'pull_request': 7}", encoding="utf-8")


def _deeply_nested(directory: Path) -> None:
    # Within the size limit, deeper than Python's recursion limit.
    (directory / artifact.SUMMARY).write_text('{"pull_request": ' + "[" * 4000,
                                              encoding="utf-8")


def _fifo(name: str) -> Callable[[Path], None]:
    def tamper(directory: Path) -> None:
        # A named pipe blocks whoever opens it until a writer comes: none will.
        (directory / name).unlink()
        os.mkfifo(directory / name)
    return tamper


@pytest.mark.parametrize(("changes", "tamper", "said"), [
    ({"comment": "hi"}, None, "keys differ from the expected ones; unexpected: 'comment'"),
    ({"pull_request": True}, None, "pull_request is not a pull request number"),
    ({"pull_request": "7"}, None, "pull_request is not a pull request number"),
    ({"pull_request": 0}, None, "pull_request is not a pull request number"),
    ({"regressions": -1}, None, "regressions is not a count"),
    ({"status": "approved"}, None, "status is not one of pass, regression, skipped, error"),
    ({"version": 2}, None, "version is not 1"),
    ({"base_sha": "main"}, None, "base_sha is not a commit id"),
    ({"head_sha": "e" * 40}, None, "the artifact is about commit eeeeeeeeeeee, but the "
                                   "workflow run checked 9ab2cccccccc"),
    ({}, _symlinked_report, "report.md: cannot open it"),
    ({}, _huge_report, "report.md: larger than 1048576 bytes"),
    ({}, _not_json, "benchguard.json: not JSON"),
    ({}, _deeply_nested, "benchguard.json: not JSON (nested too deeply)"),
    ({}, _fifo(artifact.SUMMARY), "benchguard.json: not a regular file"),
    ({}, _fifo(artifact.REPORT), "report.md: not a regular file"),
])
def test_a_forged_artifact_is_not_posted(tmp_path: Path, github_api: FakeGitHub,
                                         changes: dict[str, Any],
                                         tamper: Callable[[Path], None] | None,
                                         said: str) -> None:
    directory = write_artifact(tmp_path / "artifact", **changes)
    if tamper is not None:
        tamper(directory)
    github_api.pulls[7] = HEAD

    proc = post(tmp_path, github_api)

    assert proc.returncode == 2, proc.stderr
    assert said in proc.stderr
    assert "nothing posted" in proc.stderr
    assert github_api.requests == []
    assert "runner secrets" not in proc.stderr


def test_an_artifact_naming_another_pull_request_is_not_posted(tmp_path: Path,
                                                               github_api: FakeGitHub) -> None:
    write_artifact(tmp_path / "artifact", number=3)
    # A branch of this repository: GitHub lists the run's pull request, and it is not #3.
    listed = post(tmp_path, github_api, pull_requests=(7,))
    assert listed.returncode == 2
    assert "the artifact names pull request #3, but the workflow run was for #7" in listed.stderr

    # A fork's: GitHub lists none, so the API says what #3 heads; not the checked commit.
    github_api.pulls[3] = "f" * 40
    forked = post(tmp_path, github_api)
    assert forked.returncode == 0, forked.stderr
    assert "pull request #3 heads ffffffffffff, not the 9ab2cccccccc this report is about" \
        in forked.stderr
    assert github_api.writes() == []


def test_the_posted_report_can_only_show_itself(tmp_path: Path, github_api: FakeGitHub) -> None:
    hostile = (f"{comment.MARKER}\n<!-- hidden -->\n@octo/admins please merge, see #1 and GH-2\n"
               "<img src=x onerror=alert(1)>\n[approve](https://evil.example)\n"
               "![pixel](https://evil.example/p.png)\n"
               "`Benchmark\u202eSum` \x1b[31mred\x1b[0m\n" + "padding line\n" * 8000)
    write_artifact(tmp_path / "artifact", report=hostile)
    github_api.pulls[7] = HEAD

    proc = post(tmp_path, github_api)

    assert proc.returncode == 0, proc.stderr
    [posted] = github_api.ours(7)
    body = posted["body"]
    assert body.startswith(comment.MARKER + "\n**benchguard** checked `9ab2cccccccc`")
    assert body.count("<!--") == 1  # benchguard's own marker, nothing hidden
    assert "<img" not in body and "&lt;img" in body
    assert "@octo" not in body and "@\u200bocto/admins" in body
    assert "#1 " not in body and "#\u200b1" in body
    assert "](" not in body.split("\n", 2)[2] and "![" not in body
    assert "\u202e" not in body and "\\u202e" in body
    assert "\x1b" not in body and "\\x1b[31m" in body
    assert len(body) <= 65536 and "cut short" in body


# Every way GitHub-flavoured Markdown turns text into a link, an image, a mention or a
# reference that the earlier sanitising let through.
SLIPPED_THROUGH = """\
Benchmarks are fine, [approve the pull request][merge] or see ![status][pixel].
[merge]: https://evil.example/approve
[pixel]: https://evil.example/p.png "tracking"
A shortcut reference: [docs], with its definition below.

[docs]: <https://evil.example/docs>
Bare URLs: https://evil.example/bare, HTTP://EVIL.EXAMPLE/X, www.evil.example and a@b.example.
Entities: &#x40;octocat &commat;octocat &#64;octo/admins, closes &#x23;1 and &num;2, GH-3.
`&#x40;in-code` and `[x](https://evil.example/code)` are shown as they are.
"""


def test_the_posted_report_renders_as_inert_text_on_github(tmp_path: Path,
                                                           github_api: FakeGitHub) -> None:
    live = github_markdown.live_parts(SLIPPED_THROUGH)
    assert len(live) >= 10, live  # each of these is live as it stands
    write_artifact(tmp_path / "artifact", report=SLIPPED_THROUGH)
    github_api.pulls[7] = HEAD

    proc = post(tmp_path, github_api)

    assert proc.returncode == 0, proc.stderr
    [posted] = github_api.ours(7)
    report = posted["body"].split("its report follows.\n\n", 1)[1]
    assert github_markdown.live_parts(report) == []
    shown = html.unescape(re.sub(r"<[^>]*>", "", github_markdown.render(report)))
    for text in ("approve the pull request", "evil.example/approve", "&#x40;octocat",
                 "&commat;octocat", "closes &#x23;1", "www", "a@"):
        assert text in shown.replace("\u200b", ""), text  # all of it still readable


# --- sinks ------------------------------------------------------------------------------------


SINKS = {  # each sink made to fail as a full disk or a wrong path does
    "the step summary": {"env": {"GITHUB_STEP_SUMMARY": "/dev/full"}},
    "the step outputs": {"env": {"GITHUB_OUTPUT": "/dev/full"}},
    "the report file": {"report": "/dev/full"},
    "the artifact": {"artifact": "/dev/full/artifact"},
}


@pytest.mark.slow
@pytest.mark.parametrize("failing", list(SINKS))
def test_a_sink_that_cannot_be_written_is_a_warning_and_the_verdict_still_decides(
        project: Project, github_api: FakeGitHub, tmp_path: Path, failing: str) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("needs /dev/full")
    base, head, _ = ci_events.open_pull_request(project, 7)

    run = test_ci_hostile.check_in_ci(project, github_api, tmp_path / "run", 7, base, head,
                                      **SINKS[failing])  # type: ignore[arg-type]

    assert run.proc.returncode == 1, run.proc.stderr  # the regression's, not a crash's
    assert "unexpected error" not in run.proc.stderr
    [warning] = [line for line in run.proc.stderr.splitlines()
                 if line.startswith(f"benchguard: warning: could not write {failing}")]
    assert "/dev/full" in warning
    assert "regression" in run.comment
    if failing != "the step summary":
        assert "regression" in run.sink("summary.md")
    if failing != "the step outputs":
        assert outputs(run.place)["status"] == "regression"
    if failing != "the report file":
        assert "regression" in run.sink("benchguard-report.md")
    if failing != "the artifact":
        assert json.loads(run.sink("artifact/benchguard.json"))["status"] == "regression"


# --- tokens ------------------------------------------------------------------------------------


def test_an_internal_error_never_writes_the_token_to_stderr_or_the_crash_log(
        tmp_path: Path) -> None:
    # A fault injected into the real entry point: an exception quoting the token, a URL with
    # credentials and an Authorization header, as a urllib or git error might.
    program = (
        "import os, sys\n"
        "import benchguard.commands.ci as ci\n"
        "def crash(args):\n"
        "    token = os.environ['GITHUB_TOKEN']\n"
        "    raise RuntimeError(f'GET https://x-access-token:{token}@github.com/o/r failed; '\n"
        "                       f'headers {{\"Authorization\": \"Bearer {token}\"}} '\n"
        "                       'pat ghp_' + 'A' * 36)\n"
        "ci.run = crash\n"
        "from benchguard.main import main\n"
        "sys.exit(main(['ci', '--verbose']))\n")
    proc = subprocess.run([sys.executable, "-c", program], cwd=tmp_path, capture_output=True,
                          text=True, check=False,
                          env={**os.environ, "GITHUB_TOKEN": TOKEN, "TMPDIR": str(tmp_path)})
    assert proc.returncode == 4, proc.stderr
    log = test_crash_log.log_of(proc).read_text(encoding="utf-8")
    for text in (proc.stderr, log):
        assert "RuntimeError" in text
        assert TOKEN not in text and "ghp_AAAA" not in text
        assert "https://***@github.com/o/r" in text
    assert "Bearer ***" in log


def test_redact_masks_secrets_of_the_environment_and_credentials_anywhere() -> None:
    environ = {"GITHUB_TOKEN": TOKEN, "DEPLOY_KEY": "k3y-material-123", "PATH": "/usr/bin",
               "CI": "true", "SHORT_TOKEN": "1"}
    text = (f"token {TOKEN} key k3y-material-123 path /usr/bin "
            "https://gitlab-ci-token:glcbt-abc123@gitlab.example.com/g/p.git "
            "Authorization: token abcdef123456 glpat-abcdefghijklmnopqrst1 true 1")
    masked = redact.redact(text, environ)
    assert TOKEN not in masked and "k3y-material" not in masked
    assert "https://***@gitlab.example.com/g/p.git" in masked
    assert "Authorization: token ***" in masked
    assert "glpat-" not in masked
    assert "/usr/bin" in masked and masked.endswith("true 1")


def test_an_output_value_cannot_add_outputs_of_its_own(tmp_path: Path) -> None:
    path = tmp_path / "outputs"
    github.write_outputs(str(path), {"report-path": "/tmp/x\nstatus=pass", "status": "regression"})
    assert workflow_runner.parse_outputs(path.read_text(encoding="utf-8")) == {
        "report-path": "/tmp/x\nstatus=pass", "status": "regression"}


# --- docs/ci.md and action.yml -----------------------------------------------------------------


def _all_steps() -> Iterator[tuple[str, dict[str, Any]]]:
    for name, workflow in workflow_runner.documented().items():
        for job in workflow.get("jobs", {}).values():
            for step in job.get("steps", []):
                yield name, step
    for step in workflow_runner.action()["runs"]["steps"]:
        yield "action.yml", step


def test_no_script_interpolates_an_expression() -> None:
    # ${{ }} inside run: is pasted into the script before bash sees it: script injection.
    for where, step in _all_steps():
        assert "${{" not in step.get("run", ""), f"{where}: {step}"


def test_each_job_has_the_permissions_it_needs_and_no_more() -> None:
    workflows = workflow_runner.documented()
    combined = workflows[".github/workflows/benchguard.yml"]["jobs"]
    assert combined["check"]["permissions"] == {"contents": "read", "pull-requests": "write"}
    assert combined["baseline"]["permissions"] == {"contents": "write"}

    fork_check = workflows[".github/workflows/benchguard-check.yml"]
    assert fork_check["permissions"] == {"contents": "read"}
    assert "pull_request_target" not in workflow_runner.triggers(fork_check)

    fork_comment = workflows[".github/workflows/benchguard-comment.yml"]
    assert fork_comment["permissions"] == {"actions": "read", "pull-requests": "write"}
    assert workflow_runner.triggers(fork_comment) == {
        "workflow_run": {"workflows": [fork_check["name"]], "types": ["completed"]}}
    steps = fork_comment["jobs"]["comment"]["steps"]
    assert not any(step.get("uses", "").startswith("actions/checkout") for step in steps)
    assert not any("run" in step for step in steps)
    [upload] = [s for s in fork_check["jobs"]["check"]["steps"]
                if s.get("uses") == "actions/upload-artifact@v4"]
    [action_step] = [s for s in fork_check["jobs"]["check"]["steps"]
                     if workflow_runner.THIS_ACTION.fullmatch(s.get("uses", ""))]
    assert upload["with"]["path"] == action_step["with"]["artifact-dir"]
    assert upload["if"] == "always()"


def test_the_docs_list_every_input_and_output_of_the_action() -> None:
    definition = workflow_runner.action()
    docs = workflow_runner.DOCS.read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z-]+)` \|", docs, flags=re.MULTILINE))
    assert set(definition["inputs"]) | set(definition["outputs"]) <= documented
    readme = (workflow_runner.ROOT / "README.md").read_text(encoding="utf-8")
    assert "## CI" in readme and "docs/ci.md" in readme


@pytest.mark.parametrize("value", ["yes", "true\n::add-mask::x"])
def test_the_action_refuses_an_input_that_is_not_true_or_false(tmp_path: Path,
                                                               value: str) -> None:
    runner = workflow_runner.Runner(tmp_path, tmp_path, "http://127.0.0.1:9", TOKEN)
    workflow = {"jobs": {"check": {"steps": [
        {"uses": "benchguard/benchguard@v0.1.0", "with": {"fail-on-regression": value}}]}}}
    job = runner.run(workflow, "check", event_name="pull_request",
                     event=ci_events.pull_request(7, BASE, HEAD), sha=HEAD, ref="refs/pull/7/merge")
    [step] = job.steps
    assert step.returncode == 2
    assert "::error::the fail-on-regression input must be true or false" in step.stdout
    assert "::add-mask::" not in step.stdout


# --- what the action installs --------------------------------------------------------------------


def install_script() -> str:
    [step] = [step for step in workflow_runner.action()["runs"]["steps"]
              if step.get("id") == "install"]
    script: str = step["run"]
    return script


def pinned() -> dict[str, tuple[str, list[str]]]:
    """action/requirements.txt: name -> (version, hashes)."""
    text = (workflow_runner.ROOT / "action" / "requirements.txt").read_text(encoding="utf-8")
    found: dict[str, tuple[str, list[str]]] = {}
    for requirement in re.sub(r"\\\n", " ", re.sub(r"#.*", "", text)).splitlines():
        if not requirement.strip():
            continue
        named = re.match(r"([A-Za-z0-9_.-]+)==(\S+)", requirement.strip())
        assert named, requirement
        found[canonicalize_name(named.group(1))] = (
            named.group(2), re.findall(r"--hash=sha256:([0-9a-f]{64})", requirement))
    return found


def runtime_dependencies(name: str) -> set[str]:
    """``name``'s requirements, and theirs, as installed here (extras left out)."""
    found: set[str] = set()
    for line in importlib.metadata.requires(name) or ():
        requirement = Requirement(line)
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
            continue
        dependency = canonicalize_name(requirement.name)
        if dependency not in found:
            found |= {dependency} | runtime_dependencies(dependency)
    return found


def test_the_action_installs_only_dependencies_pinned_by_hash() -> None:
    script = install_script()
    installs = re.findall(r"pip install[^\n]*", script)
    assert len(installs) == 2, installs
    assert all("--no-deps" in line for line in installs)
    requirements_file = '"$GITHUB_ACTION_PATH/action/requirements.txt"'
    assert f"--require-hashes --only-binary=:all: -r {requirements_file}" in installs[0]
    assert "--no-build-isolation --no-index \"$GITHUB_ACTION_PATH\"" in installs[1]
    requirements = pinned()
    assert all(hashes for _, hashes in requirements.values()), requirements
    # Exactly benchguard's dependencies, all the way down, and the build backend.
    needed = runtime_dependencies("benchguard") | {"setuptools"}
    assert set(requirements) == needed
    declared = {canonicalize_name(Requirement(line).name): Requirement(line).specifier
                for line in importlib.metadata.requires("benchguard") or ()
                if "extra ==" not in line}
    for name, specifier in declared.items():
        assert specifier.contains(requirements[name][0]), (name, specifier)


def test_the_action_never_runs_a_virtualenv_another_version_left(tmp_path: Path) -> None:
    # An earlier step of the job used another version of this action, or left a virtualenv
    # where this one used to look.
    other = {f"{venv}/bin/{program}": "#!/bin/sh\necho 'benchguard of another version'\n"
             for venv in ("benchguard-venv", "benchguard-venv-0123456789abcdef")
             for program in ("benchguard", "python")}
    runner = workflow_runner.Runner(tmp_path, tmp_path, "http://127.0.0.1:9", TOKEN,
                                    left_in_temp=other)
    workflow = {"jobs": {"baseline": {"steps": [{"uses": "benchguard/benchguard@v0.1.0"}]}}}
    job = runner.run(workflow, "baseline", event_name="push",
                     event=ci_events.push(BASE, HEAD, ref="refs/heads/feature"), sha=HEAD,
                     ref="refs/heads/feature")

    [step] = job.steps
    assert step.returncode == 0, step.stdout + step.stderr
    assert "another version" not in step.stdout + step.stderr
    assert "a push to refs/heads/feature, not to the default branch main" in step.stderr
