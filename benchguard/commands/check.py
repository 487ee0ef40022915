"""`benchguard check`: measure the benchmarks a push affects and block it on a regression.

The pre-push hook runs `benchguard check --pre-push REMOTE URL` with git's ref lines on stdin;
pre-commit runs plain `benchguard check` with PRE_COMMIT_* variables; by hand it compares HEAD
with where it forked from its upstream. See docs/check.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from benchguard import git, guard, hook, output, overrides
from benchguard.errors import EXIT_USAGE, BenchguardError
from benchguard.guard import Outcome, check_range


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--base", metavar="REV",
                        help="compare against REV (default: where HEAD forked from its upstream)")
    parser.add_argument("--head", metavar="REV", help="the commit to check (default: HEAD)")
    parser.add_argument("--pre-push", nargs="+", metavar=("REMOTE", "URL"),
                        help="run as git's pre-push hook: read the pushed refs from stdin")
    parser.add_argument("--allow-regression", action="append", default=[], metavar="REGEX",
                        help="let regressions of benchmarks matching REGEX through (repeatable)")
    parser.add_argument("--format", choices=("text", "json", "markdown"), default="text",
                        help="output format (default: text)")
    parser.add_argument("--profile", action="store_true",
                        help="profile each regression at base and head and show which "
                             "functions got slower (files under .benchguard/profiles/)")
    parser.add_argument("--any-machine", action="store_true",
                        help="use a stored baseline recorded on another machine when this one "
                             "has none (a regression it shows is still confirmed side by side)")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="also say which benchmarks were not selected, and why, and name "
                             "every changed file no benchmark measures")


def run(args: argparse.Namespace) -> int:
    repo = git.toplevel()
    environ = os.environ
    if overrides.skip_requested(environ):
        output.progress("BENCHGUARD_SKIP is set: benchmarks not checked")
        _emit(args, [], "BENCHGUARD_SKIP is set: benchmarks not checked")
        return 0
    ranges = _ranges(repo, args, environ)
    given = overrides.from_invocation(repo, environ, args.allow_regression)
    if not ranges:
        output.progress("no branch updates in this push; nothing to check")
        _emit(args, [], "no branch updates to check")
        return 0
    outcomes = [check_range(repo, found, given, config_path=args.config, verbose=args.verbose,
                            reporter=output.STDERR, any_machine=args.any_machine)
                for found in ranges]
    _emit(args, outcomes)
    if args.profile:
        _profile(repo, outcomes, stream=sys.stderr if args.format == "json" else sys.stdout)
    if environ.get("GITHUB_STEP_SUMMARY"):
        from benchguard import markdown_report

        markdown_report.append_step_summary("\n\n".join(o.render_markdown() for o in outcomes))
    return max(outcome.exit_code for outcome in outcomes)


def _ranges(repo: Path, args: argparse.Namespace, environ: Mapping[str, str]
            ) -> list[hook.Range]:
    if args.pre_push is not None:
        if len(args.pre_push) > 2:
            raise BenchguardError("--pre-push takes the remote name and, optionally, its URL",
                                  exit_code=EXIT_USAGE)
        return hook.ranges_for_push(repo, args.pre_push[0], hook.parse_ref_lines(sys.stdin.read()),
                                    reporter=output.STDERR)
    by_hand = args.base is not None or args.head is not None
    pre_commit = environ.get("PRE_COMMIT_TO_REF") or environ.get("PRE_COMMIT_REMOTE_BRANCH")
    if pre_commit and not by_hand:
        found = hook.pre_commit_range(repo, environ, reporter=output.STDERR)
        return [] if found is None else [found]
    return [hook.manual_range(repo, args.base, args.head)]


def _emit(args: argparse.Namespace, outcomes: list[Outcome], message: str = "") -> None:
    """What was checked on stdout: one JSON document (docs/json.md), markdown or text."""
    if args.format == "json":
        print(json.dumps(guard.to_json(outcomes, message=message), indent=2))
    elif args.format == "markdown":
        print("\n\n".join([outcome.render_markdown() for outcome in outcomes]
                           or [f"**benchguard**: {message}"]))
    else:
        colour = output.use_colour(sys.stdout)
        text = "\n".join(outcome.render_text(colour=colour) for outcome in outcomes)
        if text:
            print(text)


def _profile(repo: Path, outcomes: list[Outcome], *, stream: TextIO) -> None:
    """`check --profile`: profile each regression nobody allowed, at its range's base and head,
    and print which functions got slower."""
    from benchguard import profile
    from benchguard.verdict import Status

    for outcome in outcomes:
        found, report, measured = outcome.range, outcome.report, outcome.measured
        if (report is None or measured is None or found.base is None
                or report.status != Status.REGRESSION):
            continue
        wanted = profile.regressed_specs(report, measured.owners.get)
        if wanted:
            diffs = profile.profile(repo, found.base, found.head, wanted, reporter=output.STDERR)
            print(profile.render_text(diffs), end="", file=stream, flush=True)
