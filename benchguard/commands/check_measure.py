"""The second half of `benchguard check`, loaded (commands.load) only when a push has something
to measure or a report to render: plan every triaged branch, say the plan (`--dry-run`) or
measure and decide each, then print what was checked and profile the regressions."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from benchguard import JSON_VERSION
from benchguard.commands import output
from benchguard.engine.status import Status
from benchguard.push import bisect, branch, ranges
from benchguard.push.budget import seconds_text
from benchguard.push.outcome import Outcome, Prepared
from benchguard.reports import benchmark_report, check, profile

# Hosted remotes close an SSH session left idle for a few minutes (about six on GitHub), and
# git holds it idle while the hook runs: a longer check makes the push fail after it passed.
SSH_IDLE_SECONDS = 5 * 60


def measure(args: argparse.Namespace, repo: Path, triaged: Sequence[Prepared],
            stack: contextlib.ExitStack, started: float) -> int:
    """Plan, then measure, every triaged branch of the push (``stack`` keeps their worktrees);
    the exit status of the worst."""
    prepared = _plan(triaged, args, stack, started)
    _warn_about_ssh(args, prepared)
    if args.dry_run:
        _emit_plans(args, prepared)
        return 0
    outcomes = [branch.finish(one, reporter=output.STDERR) for one in prepared]
    # every branch measured first, then the commits of its regressions: a blocked branch's
    # search spends only what the whole push's budget leaves
    outcomes = [bisect.bisect(one, outcome, reporter=output.STDERR, enabled=not args.no_bisect)
                for one, outcome in zip(prepared, outcomes, strict=True)]
    emit(args, outcomes)
    if args.profile:
        _profile(repo, outcomes, stream=sys.stderr if args.format == "json" else sys.stdout)
    if os.environ.get("GITHUB_STEP_SUMMARY"):
        benchmark_report.append_step_summary(
            "\n\n".join(check.render_markdown(one) for one in outcomes))
    return max((outcome.exit_code for outcome in outcomes), default=0)


def settled(args: argparse.Namespace, outcomes: Sequence[Outcome], message: str) -> None:
    """The report of a push that had nothing to measure, in a format other than text (or with a
    step summary to write)."""
    emit(args, outcomes, message)
    if outcomes and os.environ.get("GITHUB_STEP_SUMMARY"):
        benchmark_report.append_step_summary(
            "\n\n".join(check.render_markdown(one) for one in outcomes))


def emit(args: argparse.Namespace, outcomes: Sequence[Outcome], message: str = "") -> None:
    """What was checked on stdout: one JSON document (docs/json.md), markdown or text."""
    if args.format == "json":
        output.result(json.dumps(check.to_json(outcomes, message=message), indent=2))
    elif args.format == "markdown":
        output.result("\n\n".join([check.render_markdown(outcome) for outcome in outcomes]
                                  or [f"**benchguard**: {message}"]))
    else:
        colour = output.use_colour(sys.stdout)
        text = "\n".join(check.render_text(outcome, colour=colour) for outcome in outcomes)
        if text:
            output.result(text)


def _plan(triaged: Sequence[Prepared], args: argparse.Namespace, stack: contextlib.ExitStack,
          started: float) -> list[Prepared]:
    """Every branch up to its plan, before any is measured: each plan leaves the time the
    plans of the branches before it need."""
    prepared = []
    planned = 0.0
    for one in triaged:
        one = branch.plan(one, reporter=output.STDERR, stack=stack,
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
                          "checks": [check.plan_json(one) for one in prepared]}, indent=2))
    else:
        print("\n".join(check.render_plan(one) for one in prepared))


def _profile(repo: Path, outcomes: Sequence[Outcome], *, stream: TextIO) -> None:
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
