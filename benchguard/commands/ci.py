"""`benchguard ci`: read the CI environment and do what it asks — check a pull request (GitHub
`pull_request`) or merge request (GitLab), whole or in parts over several jobs (`--shard K/N`,
then `--merge DIR`), post a report a fork's check left as an artifact (`workflow_run`), or record
and share a baseline for a push to the default branch. See docs/ci.md.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from benchguard.ci import check, environment, post, record, shard, shard_merge
from benchguard.ci.environment import Merge, Nothing, Options, PostFromArtifact, PullRequest
from benchguard.commands import add_allow, add_instrument, instrument_of, output
from benchguard.config import values
from benchguard.errors import EXIT_USAGE, BenchguardError
from benchguard.push.outcome import Outcome
from benchguard.push.parts import Shard
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
    add_instrument(parser)
    parser.add_argument("--shard", metavar="K/N",
                        help="pull request: measure only the K-th of N parts of the check, of "
                             "about equal estimated time, and write it to --output for a "
                             "--merge job; no comment, and the exit status says only whether "
                             "it ran")
    parser.add_argument("--output", metavar="DIR",
                        help="with --shard: where to write its part "
                             "(benchguard-shard-K-of-N.json)")
    parser.add_argument("--merge", metavar="DIR",
                        help="pull request: decide the parts the --shard jobs wrote below DIR "
                             "as one check, and report it as a check would")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="also say which benchmarks were not selected, and why")


def run(args: argparse.Namespace) -> int:
    options = _options(args)
    environ = os.environ
    task = environment.detect(environ)
    if isinstance(task, Nothing):
        output.progress(task.reason)
        return 0
    if isinstance(task, PostFromArtifact):
        post.post(task, options, environ, reporter=output.STDERR)
        return 0
    if (options.shard or options.merge) and not isinstance(task, PullRequest):
        output.progress("--shard and --merge check pull and merge requests; a push to the "
                        "default branch records its baseline in one job: nothing to do here")
        return 0
    repo = git.toplevel()
    if isinstance(task, Merge):
        recorded = record.record(repo, task, options, environ, reporter=output.STDERR)
        output.result(recorded.summary, end="")
        return 0
    if options.shard is not None and options.output is not None:
        ran = shard.run(repo, task, options, options.shard, Path(options.output),
                        reporter=output.STDERR)
        output.result(f"benchguard: {ran.summary}")
        return 0
    if options.merge is not None:
        merged = shard_merge.merge(repo, task, options, Path(options.merge), environ,
                                   reporter=output.STDERR)
        _print(task, merged.outcome)
        return merged.exit_code
    checked = check.check(repo, task, options, environ, reporter=output.STDERR)
    _print(task, checked.outcome)
    return checked.outcome.exit_code if options.fail else 0


def _options(args: argparse.Namespace) -> Options:
    if args.budget is not None:
        try:
            values.check_duration(args.budget, "--budget")
        except ValueError as error:
            raise BenchguardError(str(error), exit_code=EXIT_USAGE) from None
    part = None if args.shard is None else Shard.parse(args.shard)
    if (part is None) != (args.output is None) or (part is not None and args.merge):
        raise BenchguardError("--shard K/N needs --output DIR (and --merge is the other job's)",
                              exit_code=EXIT_USAGE)
    return Options(config_path=args.config, budget=args.budget, fail=args.fail,
                   comment=args.comment,
                   comment_author=args.comment_author or environment.GITHUB_ACTIONS_BOT,
                   artifact_dir=args.artifact_dir, report_path=args.report,
                   remote=args.remote, allow_regression=tuple(args.allow_regression),
                   verbose=args.verbose, instrument=instrument_of(args), shard=part,
                   output=args.output, merge=args.merge)


def _print(request: PullRequest, outcome: Outcome) -> None:
    output.result(check_report.render_text(
        outcome, colour=output.use_colour(sys.stdout), blocked=request.name,
        how_to_allow=check.how_to_allow(request)))
