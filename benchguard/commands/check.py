"""`benchguard check`: measure the benchmarks a push affects and block it on a regression.

The pre-push hook runs `benchguard check --pre-push REMOTE URL` with git's ref lines on stdin;
pre-commit runs plain `benchguard check` with PRE_COMMIT_* variables; by hand it compares HEAD
with where it forked from its upstream. See docs/check.md.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TextIO

from benchguard import JSON_VERSION
from benchguard.commands import add_allow, add_format, output
from benchguard.engine.status import Status
from benchguard.errors import EXIT_USAGE, BenchguardError
from benchguard.push import branch, ranges
from benchguard.push.branch import Outcome, Prepared
from benchguard.push.budget import seconds_text
from benchguard.reports import benchmark_report, profile
from benchguard.store import overrides
from benchguard.tools import git

# Hosted remotes close an SSH session left idle for a few minutes (about six on GitHub), and
# git holds it idle while the hook runs: a longer check makes the push fail after it passed.
SSH_IDLE_SECONDS = 5 * 60


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--base", metavar="REV",
                        help="compare against REV (default: where HEAD forked from its upstream)")
    parser.add_argument("--head", metavar="REV", help="the commit to check (default: HEAD)")
    parser.add_argument("--pre-push", nargs="+", metavar=("REMOTE", "URL"),
                        help="run as git's pre-push hook: read the pushed refs from stdin")
    add_allow(parser)
    add_format(parser, "text", "json", "markdown")
    parser.add_argument("--profile", action="store_true",
                        help="profile each regression at base and head and show which "
                             "functions got slower (files under .benchguard/profiles/)")
    parser.add_argument("--any-machine", action="store_true",
                        help="use a stored baseline recorded on another machine when this one "
                             "has none (a regression it shows is still confirmed side by side)")
    parser.add_argument("--dry-run", action="store_true",
                        help="print the plan: what would be measured, how, what it should cost "
                             "and what fits the time budget; builds and runs no benchmark")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="also say which benchmarks were not selected, and why, and name "
                             "every changed file no benchmark measures")


def run(args: argparse.Namespace) -> int:
    started = time.monotonic()  # the time budget is the whole push's, every branch's
    repo = git.toplevel()
    environ = os.environ
    if overrides.skip_requested(environ):
        output.progress("BENCHGUARD_SKIP is set: benchmarks not checked")
        _emit(args, [], "BENCHGUARD_SKIP is set: benchmarks not checked")
        return 0
    pushed = _ranges(repo, args, environ)
    given = overrides.from_invocation(repo, environ, args.allow_regression)
    if not pushed:
        output.progress("no branch updates in this push; nothing to check")
        _emit(args, [], "no branch updates to check")
        return 0
    with contextlib.ExitStack() as stack:
        prepared = _prepare(repo, pushed, given, args, stack, started)
        _warn_about_ssh(args, prepared)
        if args.dry_run:
            _emit_plans(args, prepared)
            return 0
        outcomes = [branch.finish(one, reporter=output.STDERR) for one in prepared]
    _emit(args, outcomes)
    if args.profile:
        _profile(repo, outcomes, stream=sys.stderr if args.format == "json" else sys.stdout)
    if environ.get("GITHUB_STEP_SUMMARY"):
        benchmark_report.append_step_summary("\n\n".join(o.render_markdown() for o in outcomes))
    return max(outcome.exit_code for outcome in outcomes)


def _ranges(repo: Path, args: argparse.Namespace, environ: Mapping[str, str]
            ) -> list[ranges.Range]:
    if args.pre_push is not None:
        if len(args.pre_push) > 2:
            raise BenchguardError("--pre-push takes the remote name and, optionally, its URL",
                                  exit_code=EXIT_USAGE)
        return ranges.ranges_for_push(repo, args.pre_push[0],
                                      ranges.parse_ref_lines(sys.stdin.read()),
                                      reporter=output.STDERR)
    by_hand = args.base is not None or args.head is not None
    pre_commit = environ.get("PRE_COMMIT_TO_REF") or environ.get("PRE_COMMIT_REMOTE_BRANCH")
    if pre_commit and not by_hand:
        found = ranges.pre_commit_range(repo, environ, reporter=output.STDERR)
        return [] if found is None else [found]
    return [ranges.manual_range(repo, args.base, args.head)]


def _prepare(repo: Path, pushed: Sequence[ranges.Range], given: Sequence[overrides.Override],
             args: argparse.Namespace, stack: contextlib.ExitStack, started: float
             ) -> list[Prepared]:
    """Every branch up to its plan, before any is measured: each plan leaves the time the
    plans of the branches before it need."""
    prepared = []
    planned = 0.0
    for found in pushed:
        one = branch.prepare(repo, found, given, config_path=args.config,
                               verbose=args.verbose, reporter=output.STDERR, stack=stack,
                               any_machine=args.any_machine, started=started,
                               planned_before=planned)
        planned += one.plan.estimate if one.plan is not None else 0.0
        prepared.append(one)
    return prepared


def _warn_about_ssh(args: argparse.Namespace, prepared: Sequence[Prepared]) -> None:
    """One line before measuring when the push goes over SSH and its plan outlasts the idle
    time hosted remotes allow."""

    if args.pre_push is None or len(args.pre_push) < 2 or not ranges.is_ssh(args.pre_push[1]):
        return
    estimate = sum(one.plan.estimate for one in prepared if one.plan is not None)
    if estimate <= SSH_IDLE_SECONDS:
        return
    budget = next(one.config.budget for one in prepared if one.config is not None)
    output.warn(f"this check should take ~{seconds_text(estimate)} while git holds the SSH "
                f"connection to {args.pre_push[0]} idle; hosted remotes close idle SSH sessions "
                "after a few minutes, failing the push after the check: keep budget in "
                f'benchguard.toml (now "{budget}") under 5m')


def _emit_plans(args: argparse.Namespace, prepared: Sequence[Prepared]) -> None:
    """`--dry-run`: each branch's plan on stdout, as JSON (docs/json.md) or text."""
    if args.format == "json":

        print(json.dumps({"version": JSON_VERSION, "dry_run": True,
                          "checks": [one.to_json() for one in prepared]}, indent=2))
    else:
        print("\n".join(one.render_text() for one in prepared))


def _emit(args: argparse.Namespace, outcomes: list[Outcome], message: str = "") -> None:
    """What was checked on stdout: one JSON document (docs/json.md), markdown or text."""
    if args.format == "json":
        print(json.dumps(branch.to_json(outcomes, message=message), indent=2))
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

    for outcome in outcomes:
        found, report, measured = outcome.range, outcome.report, outcome.measured
        if (report is None or measured is None or found.base is None
                or report.status != Status.REGRESSION):
            continue
        wanted = profile.regressed_specs(report, measured.owners.get)
        if wanted:
            diffs = profile.profile(repo, found.base, found.head, wanted, reporter=output.STDERR)
            print(profile.render_text(diffs), end="", file=stream, flush=True)
