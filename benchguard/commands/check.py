"""`benchguard check`: measure the benchmarks a push affects and block it on a regression.

The pre-push hook runs `benchguard check --pre-push REMOTE URL` with git's ref lines on stdin;
pre-commit runs plain `benchguard check` with PRE_COMMIT_* variables; by hand it compares HEAD
with where it forked from its upstream. See docs/check.md.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from benchguard.commands import add_allow, add_format, add_instrument, instrument_of, load, output
from benchguard.errors import EXIT_USAGE, BenchguardError
from benchguard.push import changes, ranges
from benchguard.push.outcome import Outcome
from benchguard.store import overrides
from benchguard.tools import git


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--base", metavar="REV",
                        help="compare against REV (default: where HEAD forked from its upstream)")
    parser.add_argument("--head", metavar="REV", help="the commit to check (default: HEAD)")
    parser.add_argument("--pre-push", nargs="+", metavar=("REMOTE", "URL"),
                        help="run as git's pre-push hook: read the pushed refs from stdin")
    add_allow(parser)
    add_format(parser, "text", "json", "markdown")
    add_instrument(parser)
    parser.add_argument("--profile", action="store_true",
                        help="profile each regression at base and head and show which "
                             "functions got slower (files under .benchguard/profiles/)")
    parser.add_argument("--any-machine", action="store_true",
                        help="use a stored baseline recorded on another machine when this one "
                             "has none (a regression it shows is still confirmed side by side)")
    parser.add_argument("--dry-run", action="store_true",
                        help="print the plan: what would be measured, how, what it should cost "
                             "and what fits the time budget; builds and runs no benchmark")
    parser.add_argument("--no-bisect", action="store_true",
                        help="when a push of several commits is blocked, do not look for the "
                             "commit of each regression (bisect = false in benchguard.toml)")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="also say which benchmarks were not selected, and why, and name "
                             "every changed file no benchmark measures")


def run(args: argparse.Namespace) -> int:
    started = time.monotonic()  # the time budget is the whole push's, every branch's
    repo = git.toplevel()
    environ = os.environ
    if overrides.skip_requested(environ):
        output.progress("BENCHGUARD_SKIP is set: benchmarks not checked")
        return _nothing_to_measure(args, [], "BENCHGUARD_SKIP is set: benchmarks not checked")
    pushed = _ranges(repo, args, environ)
    given = overrides.from_invocation(repo, environ, args.allow_regression)
    if not pushed:
        output.progress("no branch updates in this push; nothing to check")
        return _nothing_to_measure(args, [], "no branch updates to check")
    instrument = instrument_of(args)
    with contextlib.ExitStack() as stack:
        triaged = [changes.triage(repo, found, given, config_path=args.config,
                                  verbose=args.verbose, reporter=output.STDERR, stack=stack,
                                  instrument=instrument)
                   for found in pushed]
        settled = [one.outcome for one in triaged if one.outcome is not None]
        if len(settled) == len(triaged) and not args.dry_run:
            return _nothing_to_measure(args, settled)
        second_half = load("check_measure")
        exit_code: int = second_half.measure(args, repo, triaged, stack, started)
        return exit_code


def _nothing_to_measure(args: argparse.Namespace, outcomes: Sequence[Outcome],
                        message: str = "") -> int:
    """A push with nothing to measure (docs, configuration, no new commits) says so in one line
    a branch; other formats and the step summary are the second half's to render."""
    if args.format == "text" and not (outcomes and os.environ.get("GITHUB_STEP_SUMMARY")):
        for outcome in outcomes:
            print(f"benchguard: {outcome.range.ref}: {outcome.message}")
        return 0
    load("check_measure").settled(args, outcomes, message)
    return 0


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
