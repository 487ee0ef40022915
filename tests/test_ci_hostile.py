"""A pull request is code, configuration and commits written by someone the repository does not
have to trust, and `benchguard ci` runs that code. Each story here is an attack a pull request
can make on its own check, run for real: a repository with a bare remote, a tiny Go module, the
recording GitHub API, `benchguard ci` as the workflow step runs it."""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import fake_github
import pytest
from ci_events import pull_request
from conftest import DEFAULT_CONFIG, THRESHOLD, Project
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


def open_pull_request(project: Project, number: int, files: dict[str, str], *,
                      slower: int = 1, message: str = "the pull request") -> tuple[str, str]:
    """A branch with one commit writing ``files`` (and making Sum ``slower`` times slower),
    pushed as GitHub keeps a pull request (refs/pull/N/head); (base, head)."""
    base = project.head()
    project.sh("git checkout -q -b contribution")
    return base, push_to(project, number, files, slower=slower, message=message)


def push_to(project: Project, number: int, files: dict[str, str], *, slower: int = 1,
            message: str = "more") -> str:
    """One more commit on the pull request's branch (Sum ``slower`` times slower than at the
    base); its new head."""
    project.sh("git checkout -q contribution")
    project.write(files)
    if slower > 1:
        source = project.root / "hashing" / "hash.go"
        source.write_text(re.sub(r"const rounds = \d+", f"const rounds = {slower}",
                                 source.read_text(encoding="utf-8")), encoding="utf-8")
    project.sh("git add -A && git commit -q -F -", input=message)
    head = project.head()
    project.sh(f"git push -q -f origin {head}:refs/pull/{number}/head && git checkout -q main")
    return head


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


def prints_the_environment(*, then: str) -> str:
    """A TestMain that writes the environment it was given to $ENVIRONMENT_DUMP, prints it and
    the checkout's persisted credentials, then does ``then`` (`os.Exit(1)`: fail, so that the
    last line goes into the report as go's reason; `os.Exit(m.Run())`: run the benchmarks)."""
    return """
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
            fmt.Println(dump)
            persisted, _ := exec.Command("git", "config", "--get-regexp", "extraheader").Output()
            fmt.Print(string(persisted))
            THEN
        }
    """.replace("THEN", then)


@pytest.mark.slow
@pytest.mark.parametrize("on_error", ["block", "warn"])
def test_a_test_main_that_prints_the_environment_finds_no_secret_to_publish(
        project: Project, github_api: FakeGitHub, tmp_path: Path, on_error: str) -> None:
    project.sh(f"git config http.https://github.com/.extraheader '{PERSISTED}'")
    if on_error == "warn":  # the failure is then listed in the report the check prints
        project.write({"benchguard.toml": 'on_error = "warn"\n' + DEFAULT_CONFIG})
        project.commit("failures warn")
    base, head = open_pull_request(project, 21, {"hashing/main_test.go":
                                                prints_the_environment(then="os.Exit(1)")})
    dump = tmp_path / "environment-of-the-test"

    run = check_in_ci(project, github_api, tmp_path / "run", 21, base, head,
                      env={"ENVIRONMENT_DUMP": str(dump)})

    assert run.proc.returncode == (3 if on_error == "block" else 0), run.proc.stderr
    seen = dump.read_text(encoding="utf-8")
    assert "ENVIRONMENT_DUMP=" in seen and "GOFLAGS=" in seen  # it did run, with go's settings
    assert_no_secret_in(seen)
    for name in SECRETS:
        assert f"{name}=" not in seen
    # go's reason is in the report, with the credentials masked
    assert "AUTHORIZATION: basic ***" in run.comment
    assert "AUTHORIZATION: basic ***" in (run.proc.stdout if on_error == "warn"
                                          else run.proc.stderr)
    assert_no_secret_in(run.everything())


# --- a pull request cannot waive its own check ---------------------------------------------------

# What a pull request would write to let its own regression through.
WAIVING_CONFIG = DEFAULT_CONFIG.replace(
    f'threshold = "{THRESHOLD}"',
    'threshold = "1000%"\n    metrics = ["B/op"]\n    on_error = "warn"')


def trust_the_head(project: Project, what: str) -> None:
    """The base's benchguard.toml lets pull requests decide ``what`` (config or trailers)."""
    project.write({"benchguard.toml": DEFAULT_CONFIG + f"\n[ci]\ntrust_head_{what} = true\n"})
    project.commit(f"trust pull requests' {what}")
    project.sh("git push -q origin main")


@pytest.mark.slow
@pytest.mark.parametrize("trusted", [False, True], ids=["the base's", "trusted by the base"])
def test_a_pull_request_that_raises_its_own_threshold_is_checked_with_the_bases_settings(
        project: Project, github_api: FakeGitHub, tmp_path: Path, trusted: bool) -> None:
    if trusted:
        trust_the_head(project, "config")
    base, head = open_pull_request(project, 22, {"benchguard.toml": WAIVING_CONFIG
                                                 + ("\n[ci]\ntrust_head_config = true\n"
                                                    if trusted else "")}, slower=3)

    run = check_in_ci(project, github_api, tmp_path / "run", 22, base, head)

    said = run.comment.replace("\u200b", "")
    assert "this pull request changes benchguard.toml: `threshold` (0.5 → 10), `metrics`" \
           " (['sec/op', 'B/op', 'allocs/op'] → ['B/op']), `on_error` ('block' → 'warn')" in said
    if trusted:
        assert run.proc.returncode == 0, run.proc.stderr
        assert "the check used the pull request's settings" in said
    else:
        assert run.proc.returncode == 1, run.proc.stderr
        assert "**the check used the base's settings**" in said
        assert "regression" in said and "Sum" in said
        assert "used the base's settings" in run.proc.stderr


ALLOWED_BY_ITS_AUTHOR = "make Sum slower\n\nBenchguard-Allow: Sum the new hash is better"


@pytest.mark.slow
@pytest.mark.parametrize("trusted", [False, True], ids=["the base's", "trusted by the base"])
def test_a_pull_requests_own_trailer_does_not_let_its_regression_through(
        project: Project, github_api: FakeGitHub, tmp_path: Path, trusted: bool) -> None:
    if trusted:
        trust_the_head(project, "trailers")
    base, head = open_pull_request(project, 23, {}, slower=3, message=ALLOWED_BY_ITS_AUTHOR)

    run = check_in_ci(project, github_api, tmp_path / "run", 23, base, head)

    said = run.comment.replace("\u200b", "")
    trailer = f"`Sum` (the Benchguard-Allow trailer of commit {head[:12]}: the new hash is better)"
    if trusted:
        assert run.proc.returncode == 0, run.proc.stderr
        assert f"{trailer}: counted" in said
    else:
        assert run.proc.returncode == 1, run.proc.stderr
        assert f"{trailer}: **not counted**" in said
        assert "Allowed regressions" not in said


@pytest.mark.slow
def test_the_allow_label_counts_only_for_the_head_it_was_applied_to(
        project: Project, github_api: FakeGitHub, tmp_path: Path) -> None:
    base, first = open_pull_request(project, 24, {}, slower=3)
    # A maintainer accepts the slowdown: labelling re-runs the check on that head.
    labelled = pull_request(24, base, first, labels=("benchguard:allow",), action="labeled")
    accepted = check_in_ci(project, github_api, tmp_path / "labelled", 24, base, first,
                           event=labelled)
    assert accepted.proc.returncode == 0, accepted.proc.stderr
    assert f"counted for `{first[:12]}`" in accepted.comment

    # Then the author pushes a much slower Sum; the label is still on the pull request.
    second = push_to(project, 24, {}, slower=10)
    later = pull_request(24, base, second, labels=("benchguard:allow",), action="synchronize")
    pushed = check_in_ci(project, github_api, tmp_path / "pushed", 24, base, second,
                         event=later)

    assert pushed.proc.returncode == 1, pushed.proc.stderr
    said = pushed.comment.replace("\u200b", "")
    assert f"the `benchguard:allow` label: **not counted** for `{second[:12]}`" in said
    assert f"`benchguard:allow@{second[:12]}`" in said
    assert "Allowed regressions" not in said

    # Labelling it for this head, by name, lets it through.
    named = pull_request(24, base, second, labels=("benchguard:allow",
                                                   f"benchguard:allow@{second[:12]}"),
                         action="labeled")
    relabelled = check_in_ci(project, github_api, tmp_path / "named", 24, base, second,
                             event=named)
    assert relabelled.proc.returncode == 0, relabelled.proc.stderr


@pytest.mark.slow
def test_a_pull_request_that_moves_a_benchmarked_package_is_still_checked(
        project: Project, github_api: FakeGitHub, tmp_path: Path) -> None:
    # The base's benchguard.toml names ./parse; the pull request moves it to ./fields and says
    # so in its own file, which takes effect once merged.
    base = project.head()
    project.sh("git checkout -q -b contribution && git mv parse fields")
    config = (project.root / "benchguard.toml").read_text(encoding="utf-8")
    head = push_to(project, 25, {"benchguard.toml": config.replace("parse", "fields")},
                   message="move parse to fields")

    run = check_in_ci(project, github_api, tmp_path / "run", 25, base, head)

    assert run.proc.returncode == 0, run.proc.stderr
    said = run.comment.replace("\u200b", "")
    assert "names `./parse`, which the head no longer has: not measured" in said
    assert "**the check used the base's settings**" in said
