"""A pull request is code, configuration and commits written by someone the repository does not
have to trust, and `benchguard ci` runs that code. Each story here is an attack a pull request
can make on its own check, run for real: a repository with a bare remote, a tiny Go module, the
recording GitHub API, `benchguard ci` as the workflow step runs it."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import fake_github
import pytest
from ci_events import pull_request
from conftest import Project
from fake_github import TOKEN, FakeGitHub

# What a GitHub runner (and a GitLab one) hands the job besides GITHUB_TOKEN.
SECRETS = {
    "GITHUB_TOKEN": TOKEN,
    "GH_TOKEN": "gho_" + "Ghcli7oken" * 4,
    "ACTIONS_RUNTIME_TOKEN": "eyJ0eXAiOiJKV1Qi.runtime-token.c2lnbmF0dXJl",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "eyJ0eXAiOiJKV1Qi.oidc-request.c2lnbmF0dXJl",
    "CI_JOB_TOKEN": "glcbt-64_jobtokenjobtoken",
    "DEPLOY_PASSWORD": "hunter2-but-longer",
    "SIGNING_SECRET": "s1gning-s3cret-value",
}
# actions/checkout keeps the token in the checkout's git config (persist-credentials), where
# any code of the job can read it.
PERSISTED = "AUTHORIZATION: basic " + base64.b64encode(
    f"x-access-token:{TOKEN}".encode()).decode()


@pytest.fixture
def github_api() -> Iterator[FakeGitHub]:
    with fake_github.serve() as api:
        yield api


@dataclass
class Run:
    """One `benchguard ci` step of a pull request's check, and everything it wrote."""

    proc: subprocess.CompletedProcess[str]
    place: Path
    api: FakeGitHub
    number: int

    def sink(self, name: str) -> str:
        path = self.place / name
        return path.read_text(encoding="utf-8") if path.exists() else ""

    @property
    def comment(self) -> str:
        ours = self.api.ours(self.number)
        return ours[0]["body"] if ours else ""

    def everything(self) -> str:
        """What the step printed and every sink it wrote: the comment, the step summary, the
        step outputs, the report file and the artifact."""
        written = [self.proc.stdout, self.proc.stderr, self.comment, self.sink("summary.md"),
                   self.sink("outputs"), self.sink("benchguard-report.md")]
        written += [path.read_text(encoding="utf-8")
                    for path in sorted((self.place / "artifact").glob("*"))]
        return "\n".join(written)


def open_pull_request(project: Project, number: int, files: dict[str, str],
                      message: str = "the pull request") -> tuple[str, str]:
    """A branch with one commit writing ``files``, pushed as GitHub keeps a pull request
    (refs/pull/N/head); (base, head)."""
    base = project.head()
    project.sh("git checkout -q -b contribution")
    project.write(files)
    head = project.commit(message)
    project.sh(f"git push -q origin {head}:refs/pull/{number}/head && git checkout -q main")
    return base, head


def check_in_ci(project: Project, api: FakeGitHub, place: Path, number: int, base: str,
                head: str, *, event: dict[str, object] | None = None,
                env: dict[str, str] | None = None, report: str = "benchguard-report.md",
                artifact: str = "artifact") -> Run:
    """`benchguard ci --artifact-dir artifact` as the pull request's workflow step runs it, with
    the runner's secrets in its environment."""
    place.mkdir(exist_ok=True)
    event_path = place / "event.json"
    event_path.write_text(json.dumps(event or pull_request(number, base, head)),
                          encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "benchguard", "ci", "--artifact-dir", str(place / artifact),
         "--report", str(place / report)],
        cwd=project.root, capture_output=True, text=True, check=False, timeout=300,
        env={**os.environ, **SECRETS, "GITHUB_ACTIONS": "true", "CI": "true",
             "GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": str(event_path),
             "GITHUB_REPOSITORY": "octo/demo", "GITHUB_API_URL": api.url,
             "GITHUB_RUN_ID": "8123", "GITHUB_OUTPUT": str(place / "outputs"),
             "GITHUB_STEP_SUMMARY": str(place / "summary.md"), "RUNNER_TEMP": str(place),
             **(env or {})})
    return Run(proc, place, api, number)


def assert_no_secret_in(text: str) -> None:
    for name, value in SECRETS.items():
        assert value not in text, f"{name} leaked"
    assert PERSISTED.split()[-1] not in text, "the persisted checkout credentials leaked"


# A TestMain that prints the environment it was given and the checkout's credentials, then
# fails, so that the last line goes into the report as go's reason.
PRINTS_THE_ENVIRONMENT = """
    package hashing

    import (
        "fmt"
        "os"
        "os/exec"
        "strings"
        "testing"
    )

    func TestMain(m *testing.M) {
        dump := strings.Join(os.Environ(), "\\n")
        os.WriteFile(os.Getenv("ENVIRONMENT_DUMP"), []byte(dump), 0o644)
        for _, variable := range os.Environ() {
            fmt.Println(variable)
        }
        persisted, _ := exec.Command("git", "config", "--get-regexp", "extraheader").Output()
        fmt.Print(string(persisted))
        os.Exit(1)
    }
"""


@pytest.mark.slow
def test_a_test_main_that_prints_the_environment_finds_no_secret_to_publish(
        project: Project, github_api: FakeGitHub, tmp_path: Path) -> None:
    project.sh(f"git config http.https://github.com/.extraheader '{PERSISTED}'")
    base, head = open_pull_request(project, 21, {"hashing/main_test.go": PRINTS_THE_ENVIRONMENT})
    dump = tmp_path / "environment-of-the-test"

    run = check_in_ci(project, github_api, tmp_path / "run", 21, base, head,
                      env={"ENVIRONMENT_DUMP": str(dump)})

    assert run.proc.returncode == 3, run.proc.stderr
    seen = dump.read_text(encoding="utf-8")
    assert "ENVIRONMENT_DUMP=" in seen and "GOFLAGS=" in seen  # it did run, with go's settings
    assert_no_secret_in(seen)
    for name in SECRETS:
        assert f"{name}=" not in seen
    assert "could not check pull request #\u200b21" in run.comment
    assert "AUTHORIZATION: basic ***" in run.comment  # go's reason, with the credentials masked
    assert_no_secret_in(run.everything())
