"""`benchguard ci`: read the CI environment and do what it asks — check a pull request (GitHub
`pull_request`) or merge request (GitLab), post a report a fork's check left as an artifact
(`workflow_run`), or record and share a baseline for a push to the default branch. See docs/ci.md.
"""

from __future__ import annotations

import argparse
import os
import sys

from benchguard.ci import check, environment, post, record
from benchguard.ci.environment import Merge, Nothing, Options, PostFromArtifact
from benchguard.commands import add_allow, output
from benchguard.config import values
from benchguard.errors import EXIT_USAGE, BenchguardError
from benchguard.reports import check as check_report
from benchguard.tools import git


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--budget", metavar="DURATION",
                        help="time budget for the check's measuring, replacing benchguard.toml's "
                             "`budget` (a Go duration; \"0\" means no limit)")
    parser.add_argument("--no-fail", dest="fail", action="store_false",
                        help="exit 0 on a regression (the status output still says it)")
    parser.add_argument("--no-comment", dest="comment", action="store_false",
                        help="do not comment on the pull request")
    parser.add_argument("--comment-author", metavar="LOGIN", default=None,
                        help="the account whose comment is updated: the one the token posts as "
                             "(default: github-actions[bot], GITHUB_TOKEN's)")
    parser.add_argument("--artifact-dir", metavar="DIR",
                        help="pull_request: also write report.md and benchguard.json into DIR "
                             "for a workflow_run to post; workflow_run: post them from DIR")
    parser.add_argument("--report", metavar="FILE",
                        help="write the markdown report to FILE (default: "
                             "$RUNNER_TEMP/benchguard-report.md on GitHub, "
                             "./benchguard-report.md elsewhere)")
    parser.add_argument("--remote", default="origin",
                        help="fetch commits and notes from, and share notes with, this remote "
                             "(default: origin)")
    add_allow(parser)
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="also say which benchmarks were not selected, and why")


def run(args: argparse.Namespace) -> int:
    if args.budget is not None:
        try:
            values.check_duration(args.budget, "--budget")
        except ValueError as error:
            raise BenchguardError(str(error), exit_code=EXIT_USAGE) from None
    options = Options(config_path=args.config, budget=args.budget, fail=args.fail,
                      comment=args.comment,
                      comment_author=args.comment_author or environment.GITHUB_ACTIONS_BOT,
                      artifact_dir=args.artifact_dir, report_path=args.report,
                      remote=args.remote, allow_regression=tuple(args.allow_regression),
                      verbose=args.verbose)
    environ = os.environ
    task = environment.detect(environ)
    if isinstance(task, Nothing):
        output.progress(task.reason)
        return 0
    if isinstance(task, PostFromArtifact):
        post.post(task, options, environ, reporter=output.STDERR)
        return 0
    repo = git.toplevel()
    if isinstance(task, Merge):
        recorded = record.record(repo, task, options, environ, reporter=output.STDERR)
        output.result(recorded.summary, end="")
        return 0

    checked = check.check(repo, task, options, environ, reporter=output.STDERR)
    output.result(check_report.render_text(
        checked.outcome, colour=output.use_colour(sys.stdout), blocked=task.name,
        how_to_allow=check.how_to_allow(task)))
    return checked.outcome.exit_code if options.fail else 0
