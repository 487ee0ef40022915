"""What a CI run asks of `benchguard ci`, read from the environment: GitHub Actions' event (name in
GITHUB_EVENT_NAME, payload at GITHUB_EVENT_PATH) or GitLab CI's merge-request variables."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from benchguard.ci import artifact
from benchguard.ci.event import Event, checked_sha
from benchguard.errors import EXIT_USAGE, BenchguardError
from benchguard.push.parts import Shard

ALLOW_LABEL = "benchguard:allow"
GITHUB_ACTIONS_BOT = "github-actions[bot]"  # the author of what GITHUB_TOKEN posts

_REPOSITORY = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")


class Provider(StrEnum):
    GITHUB = "github"
    GITLAB = "gitlab"


@dataclass(frozen=True)
class PullRequest:
    """A GitHub pull request or GitLab merge request: measure ``base`` against ``head``."""

    provider: Provider
    number: int
    base: str
    head: str
    labels: tuple[str, ...] = ()
    fork: bool = False  # the head lives in another repository: its token is read-only
    # the label whose applying started this run (GitHub's `labeled` event): it was applied to
    # ``head``, where the others may have been applied to an earlier one
    labelled: str | None = None
    # when the request was last updated (GitHub) or its pipeline created (GitLab), as a note
    # record's date: the same in every job of one run, so its shards read the notes alike
    as_of: str | None = None

    @property
    def kind(self) -> str:
        return "pull request" if self.provider == Provider.GITHUB else "merge request"

    @property
    def name(self) -> str:
        return f"{self.kind} {'#' if self.provider == Provider.GITHUB else '!'}{self.number}"


@dataclass(frozen=True)
class Merge:
    """A push to the default branch: record a baseline for ``commit`` and share it."""

    commit: str
    branch: str


@dataclass(frozen=True)
class PostFromArtifact:
    """A `workflow_run` after a pull request's check: post the report that run left as an
    artifact, without running (or checking out) the pull request's code."""

    run_id: int
    run_url: str
    head_sha: str  # the commit the checking run ran on: the artifact must say the same
    conclusion: str
    pull_requests: tuple[int, ...]  # empty for a fork's pull request (GitHub does not say)


@dataclass(frozen=True)
class Nothing:
    """Nothing to do here, and why."""

    reason: str


Task = PullRequest | Merge | PostFromArtifact | Nothing


@dataclass(frozen=True)
class GitHub:
    """Where a GitHub Actions run reports: the API, the repository, this run's page."""

    api_url: str
    repository: str
    run_url: str
    token: str | None


def detect(environ: Mapping[str, str]) -> Task:
    """The task of this CI run; a BenchguardError (exit 2) for a run benchguard must refuse or
    cannot tell what to do in."""
    if environ.get("GITHUB_ACTIONS") == "true":
        return _github(environ)
    if environ.get("GITLAB_CI") == "true":
        return _gitlab(environ)
    raise BenchguardError("not running in GitHub Actions or GitLab CI (neither "
                          "GITHUB_ACTIONS nor GITLAB_CI is \"true\"); outside CI, use "
                          "`benchguard check`", exit_code=EXIT_USAGE)


def github(environ: Mapping[str, str]) -> GitHub:
    repository = environ.get("GITHUB_REPOSITORY", "")
    if not _REPOSITORY.fullmatch(repository):
        raise BenchguardError(f"GITHUB_REPOSITORY is {repository!r}, not OWNER/NAME",
                              exit_code=EXIT_USAGE)
    server = environ.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
    run_id = environ.get("GITHUB_RUN_ID", "")
    run_url = f"{server}/{repository}/actions/runs/{run_id}" if run_id.isdigit() else ""
    return GitHub(api_url=environ.get("GITHUB_API_URL", "https://api.github.com").rstrip("/"),
                  repository=repository, run_url=run_url,
                  token=environ.get("GITHUB_TOKEN") or None)


def _github(environ: Mapping[str, str]) -> Task:
    name = environ.get("GITHUB_EVENT_NAME", "")
    if name == "pull_request_target":
        raise BenchguardError(
            "refusing to run under pull_request_target: that event gives the pull request's "
            "code the repository's write token and secrets, and checking a pull request runs "
            "its code (a \"pwn request\"). Check pull requests under `pull_request`; to comment "
            "on pull requests from forks, post from a `workflow_run` workflow (docs/ci.md)",
            exit_code=EXIT_USAGE)
    if name not in ("pull_request", "push", "workflow_run"):
        raise BenchguardError(f"GitHub event {name!r} is not one `benchguard ci` handles "
                              "(pull_request, push, workflow_run); in other workflows use "
                              "`benchguard check` or `benchguard baseline`", exit_code=EXIT_USAGE)
    event = Event.load(environ.get("GITHUB_EVENT_PATH", ""))
    if name == "pull_request":
        return _pull_request(event)
    if name == "push":
        return _push(event)
    return _workflow_run(event)


def _pull_request(event: Event) -> Task:
    number = event.integer("pull_request.number")
    if event.text("action", default="") == "closed":
        return Nothing(f"pull request #{number} was closed: nothing to check")
    labels = tuple(event.text(f"pull_request.labels.{i}.name")
                   for i in range(len(event.items("pull_request.labels", default=[]))))
    head_repository = event.text("pull_request.head.repo.full_name", default="")
    base_repository = event.text("pull_request.base.repo.full_name", default="")
    fork = event.flag("pull_request.head.repo.fork", default=False) or (
        bool(head_repository) and head_repository != base_repository)
    labelled = event.text("label.name", default=None) \
        if event.text("action", default="") == "labeled" else None
    return PullRequest(Provider.GITHUB, number, base=event.sha("pull_request.base.sha"),
                       head=event.sha("pull_request.head.sha"), labels=labels, fork=fork,
                       labelled=labelled,
                       as_of=_date(event.text("pull_request.updated_at", default="")))


def _push(event: Event) -> Task:
    ref = event.text("ref")
    default = event.text("repository.default_branch")
    if ref != f"refs/heads/{default}":
        return Nothing(f"a push to {ref}, not to the default branch {default}: no baseline "
                       "recorded")
    if event.flag("deleted", default=False):
        return Nothing(f"{ref} was deleted: no baseline recorded")
    return Merge(commit=event.sha("after"), branch=default)


def _workflow_run(event: Event) -> Task:
    triggered_by = event.text("workflow_run.event")
    if triggered_by != "pull_request":
        return Nothing(f"the workflow run was triggered by {triggered_by!r}, not by a pull "
                       "request: no report to post")
    numbers = tuple(event.integer(f"workflow_run.pull_requests.{i}.number")
                    for i in range(len(event.items("workflow_run.pull_requests", default=[]))))
    return PostFromArtifact(run_id=event.integer("workflow_run.id"),
                            run_url=event.text("workflow_run.html_url", default=""),
                            head_sha=event.sha("workflow_run.head_sha"),
                            conclusion=event.text("workflow_run.conclusion", default=""),
                            pull_requests=numbers)


def _gitlab(environ: Mapping[str, str]) -> Task:
    source = environ.get("CI_PIPELINE_SOURCE", "")
    if source != "merge_request_event":
        return Nothing(f"GitLab pipeline source {source!r}: benchguard ci checks merge request "
                       "pipelines (rules: - if: $CI_PIPELINE_SOURCE == \"merge_request_event\"); "
                       "record baselines with `benchguard baseline HEAD --push`")
    values = {}
    for name in ("CI_MERGE_REQUEST_IID", "CI_MERGE_REQUEST_DIFF_BASE_SHA", "CI_COMMIT_SHA"):
        values[name] = environ.get(name, "")
        if not values[name]:
            raise BenchguardError(f"{name} is not set in this merge request pipeline",
                                  exit_code=EXIT_USAGE)
    # In a merged-results pipeline CI_COMMIT_SHA is the merge GitLab made; the branch's own head
    # is CI_MERGE_REQUEST_SOURCE_BRANCH_SHA.
    head_name = "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA" \
        if environ.get("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA") else "CI_COMMIT_SHA"
    iid = values["CI_MERGE_REQUEST_IID"]
    if not (iid.isascii() and iid.isdigit()):
        raise BenchguardError(f"CI_MERGE_REQUEST_IID is {iid!r}, not a number",
                              exit_code=EXIT_USAGE)
    labels = tuple(label.strip() for label in environ.get("CI_MERGE_REQUEST_LABELS", "").split(",")
                   if label.strip())
    return PullRequest(Provider.GITLAB, int(iid),
                       base=checked_sha(values["CI_MERGE_REQUEST_DIFF_BASE_SHA"],
                                         "CI_MERGE_REQUEST_DIFF_BASE_SHA"),
                       head=checked_sha(environ[head_name], head_name), labels=labels,
                       as_of=_date(environ.get("CI_PIPELINE_CREATED_AT", "")))


def _date(value: str) -> str | None:
    """An ISO 8601 UTC time as a note record's date ("2026-11-26T17:40:54Z"), else None."""
    return value if _DATE.fullmatch(value) else None


@dataclass(frozen=True)
class Options:
    """What the command line asked of `benchguard ci` (see `benchguard ci --help`)."""

    config_path: str | None = None
    budget: str | None = None
    fail: bool = True
    comment: bool = True
    comment_author: str = GITHUB_ACTIONS_BOT
    artifact_dir: str | None = None
    report_path: str | None = None
    remote: str = "origin"
    allow_regression: tuple[str, ...] = ()
    verbose: bool = False
    instrument: str | None = None  # --instrument: replaces benchguard.toml's
    shard: Shard | None = None  # --shard K/N: measure that part and write it to ``output``
    output: str | None = None
    merge: str | None = None  # --merge DIR: decide the parts the shards wrote below DIR


def report_path(options: Options, environ: Mapping[str, str]) -> Path:
    """Where the markdown report goes: --report, else the artifact directory, else the runner's
    temporary directory on GitHub, else benchguard-report.md here (a GitLab artifact path)."""
    if options.report_path:
        return Path(options.report_path).absolute()
    if options.artifact_dir:
        return (Path(options.artifact_dir) / artifact.REPORT).absolute()
    if environ.get("GITHUB_ACTIONS") == "true" and environ.get("RUNNER_TEMP"):
        return Path(environ["RUNNER_TEMP"]) / "benchguard-report.md"
    return Path("benchguard-report.md").absolute()
