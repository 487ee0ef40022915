"""`benchguard bisect BENCH [--base REV] [--head REV]`: which commit between base and head made
BENCH worse than its threshold, by hand — what a blocked push does for each of its regressions
(docs/check.md, "Which commit")."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import sys
import time
from pathlib import Path

from benchguard.commands import add_format, option_type, output
from benchguard.config import Config, values
from benchguard.engine.status import Status
from benchguard.errors import EXIT_USAGE, BenchguardError
from benchguard.push import baseline, bisect, branch, changes, ranges
from benchguard.push.outcome import Outcome, Prepared
from benchguard.push.runner import RunSpec
from benchguard.push.selection import Selected, Selection
from benchguard.reports import check as check_report
from benchguard.tools import git, modules


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("bench", metavar="BENCH",
                        help="a go test -bench regular expression naming the benchmarks")
    parser.add_argument("--base", metavar="REV",
                        help="the commit before the range (default: where HEAD forked from its "
                             "upstream, as `check`)")
    parser.add_argument("--head", metavar="REV", help="the range's last commit (default: HEAD)")
    parser.add_argument("--package", metavar="DIR",
                        help="only this package (\"./dir\"; default: every [[bench]] package, "
                             "or every package with benchmarks)")
    parser.add_argument("--budget", metavar="DURATION",
                        type=option_type(values.check_duration, "budget"),
                        help="how long it may take in all (default: budget in benchguard.toml; "
                             "\"0\": no limit)")
    add_format(parser, "text", "json")


def run(args: argparse.Namespace) -> int:
    started = time.monotonic()
    repo = git.toplevel()
    found = ranges.manual_range(repo, args.base, args.head)
    assert found.base is not None
    config = changes.config_at(repo, found.head, args.config)
    config = dataclasses.replace(config, bisect=True,
                                 budget=args.budget if args.budget else config.budget)
    output.progress(f"bisect {args.bench!r}: {git.short(found.base)}..{git.short(found.head)} "
                    f"({found.why})")
    with contextlib.ExitStack() as stack:
        tree = stack.enter_context(git.worktree(repo, found.head))
        chosen = _selection(repo, config, found.head, tree, args)
        prepared = branch.plan(Prepared(repo, found, config=config, selection=chosen, tree=tree),
                               reporter=output.STDERR, stack=stack, started=started)
        outcome = branch.finish(prepared, reporter=output.STDERR)
        outcome = bisect.bisect(prepared, outcome, reporter=output.STDERR)
    _print(args, outcome)
    return 0


def _selection(repo: Path, config: Config, head: str, tree: Path,
               args: argparse.Namespace) -> Selection:
    """BENCH in the configured packages (each with its entry's thresholds), else in every
    package with benchmarks; only --package when given."""
    specs = baseline.configured_specs(config, args.bench, modules.at_commit(repo, head)) or \
        baseline.benchmarked_specs(repo, head, tree, args.bench)
    if args.package is not None:
        specs = [spec for spec in specs if spec.package == args.package]
        if not specs:
            raise BenchguardError(f"--package {args.package}: not a package with benchmarks "
                                  f"at {git.short(head)}", exit_code=EXIT_USAGE)
    return Selection(tuple(_selected(config, spec) for spec in specs), ())


def _selected(config: Config, spec: RunSpec) -> Selected:
    entry = next((entry for entry in config.benches
                  if spec.package in entry.packages and entry.tags == spec.tags), None)
    return Selected(spec.package, spec.pattern, spec.tags, "by hand", entry=entry,
                    module=spec.module)


def _print(args: argparse.Namespace, outcome: Outcome) -> None:
    if args.format == "json":
        print(json.dumps(check_report.to_json([outcome]), indent=2))
        return
    print(check_report.render_text(outcome, colour=output.use_colour(sys.stdout),
                                   blocked="the range", how_to_allow="(bisect blocks nothing)"))
    if outcome.culprits is not None or outcome.report is None:
        return
    found = outcome.range
    if outcome.status != Status.REGRESSION:
        print(f"nothing to bisect: no result of {args.bench!r} is worse than its threshold at "
              f"{git.short(found.head)} against {git.short(found.base)}")
    else:
        print(f"nothing to bisect: {git.short(found.base)}..{git.short(found.head)} has one "
              "first-parent commit")
