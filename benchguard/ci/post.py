"""The second half of the fork-safe pattern: a `workflow_run` run, which holds a write token, posts
the report a pull request's `pull_request` run left as an artifact. It runs no code of the pull
request and checks nothing out: it reads two files, checks them strictly, makes sure they are
about the commit GitHub says was checked and the pull request that commit heads, and posts the
report as text that can mention, link or hide nothing."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from benchguard.ci import artifact, comment, environment, github, sinks
from benchguard.ci.artifact import Artifact
from benchguard.ci.environment import GitHub, Options, PostFromArtifact
from benchguard.engine.status import Status
from benchguard.errors import EXIT_USAGE, BenchguardError
from benchguard.progress import Reporter
from benchguard.style import plural


@dataclass(frozen=True)
class Posted:
    artifact: Artifact
    result: comment.Result | None  # None when nothing was posted (told to the reporter)


def post(run: PostFromArtifact, options: Options, environ: Mapping[str, str], *,
         reporter: Reporter) -> Posted:
    if not options.artifact_dir:
        raise BenchguardError("a workflow_run needs --artifact-dir DIR: where "
                              "actions/download-artifact put the check's artifact",
                              exit_code=EXIT_USAGE)
    directory = Path(options.artifact_dir)
    found, report = artifact.read(directory)
    if found.head_sha != run.head_sha:
        raise BenchguardError(f"the artifact is about commit {found.head_sha[:12]}, but the "
                              f"workflow run checked {run.head_sha[:12]}: nothing posted",
                              exit_code=EXIT_USAGE)
    if run.pull_requests and found.pull_request not in run.pull_requests:
        raise BenchguardError(f"the artifact names pull request #{found.pull_request}, but the "
                              "workflow run was for "
                              + ", ".join(f"#{n}" for n in run.pull_requests)
                              + ": nothing posted", exit_code=EXIT_USAGE)
    context = environment.github(environ)
    sinks.step_outputs(environ, found.status, found.regressions,
                       (directory / artifact.REPORT).absolute(), reporter)
    result = None
    if not options.comment:
        reporter.progress("--no-comment: nothing posted")
    elif _heads_pull_request(context, run, found, reporter):
        header = (f"**benchguard** checked `{found.head_sha[:12]}` in [a `pull_request` run]"
                  f"({_run_url(run)}) (conclusion: {run.conclusion or 'unknown'}). That run "
                  "ran this pull request's code; its report follows.\n\n")
        result = comment.post(context, found.pull_request, comment.body(report, header=header),
                              author=options.comment_author,
                              create=found.status != Status.SKIPPED, reporter=reporter)
    where = f"pull request #{found.pull_request}"
    sinks.step_summary(environ, f"benchguard: the check of {where} ({found.status.value}, "
                       f"{plural(found.regressions, 'regression')}): "
                       + (f"{result.posted} the comment" if result else "no comment posted"),
                       reporter)
    return Posted(found, result)


def _heads_pull_request(context: GitHub, run: PostFromArtifact, found: Artifact,
                        reporter: Reporter) -> bool:
    """Whether the artifact's pull request is the one the run checked. GitHub lists the run's
    pull requests only for branches of this repository; for a fork's, ask the API which commit
    the pull request heads (the artifact may name any number)."""
    if found.pull_request in run.pull_requests or context.token is None:
        return True  # without a token comment.post says nothing can be posted
    try:
        client = github.Client(context.api_url, context.repository, context.token)
        head = client.pull_request_head(found.pull_request)
    except github.ApiError as error:
        reporter.warn(f"cannot tell which commit pull request #{found.pull_request} heads "
                      f"({error.message}): nothing posted")
        return False
    if head != run.head_sha:
        reporter.warn(f"pull request #{found.pull_request} heads {head[:12]}, not the "
                      f"{run.head_sha[:12]} this report is about (pushed again since, or not "
                      "this pull request's report): nothing posted")
        return False
    return True


def _run_url(run: PostFromArtifact) -> str:
    return run.run_url if run.run_url.startswith("https://") else "#"
