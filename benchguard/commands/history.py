"""`benchguard history REGEX`: a benchmark's values over the first-parent history, with the
commits where a significant change happened (docs/report.md)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from benchguard.commands import add_format, output, repository
from benchguard.errors import EXIT_USAGE, BenchguardError
from benchguard.progress import Collector
from benchguard.reports import history as history_report
from benchguard.reports import plot
from benchguard.store import history
from benchguard.tools import go


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("regex", metavar="REGEX",
                        help="benchmarks whose name (or package.name) matches REGEX")
    parser.add_argument("--rev", default="HEAD", metavar="REV",
                        help="walk the first-parent history of REV (default: HEAD)")
    parser.add_argument("--limit", type=int, default=30, metavar="N",
                        help="the last N commits that have a baseline (default: 30)")
    parser.add_argument("--metric", default="sec/op", metavar="M",
                        help="sec/op (default), ns/op, ops/s, B/op, allocs/op, B/s, …")
    add_format(parser, "text", "csv", "json")
    parser.add_argument("--plot", metavar="FILE.svg", help="also draw a chart into FILE.svg")
    parser.add_argument("--any-machine", action="store_true",
                        help="use baselines measured on any machine, not only this one's")


def run(args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise BenchguardError("--limit must be at least 1", exit_code=EXIT_USAGE)
    if args.plot:
        plot.check(Path(args.plot))
    repo, settings = repository(args)
    fingerprint = None if args.any_machine else go.fingerprint(repo)
    skipped = Collector()
    series = history.collect(repo, args.rev, args.regex, ref=settings.notes_ref,
                             fingerprint=fingerprint, reporter=skipped,
                             any_machine=args.any_machine, limit=args.limit, metric=args.metric,
                             alpha=settings.alpha, threshold=settings.threshold)
    warnings = skipped.warnings
    if not series:
        where = "any machine" if args.any_machine else "this machine (try --any-machine)"
        warnings.append(f"no baseline of {args.rev}'s first-parent history measured on {where} "
                        f"has {args.metric} for a benchmark matching {args.regex!r}")
    for warning in warnings:
        output.warn(warning)
    if args.format == "json":
        print(json.dumps(history_report.to_json(series, rev=args.rev, metric=args.metric,
                                         any_machine=args.any_machine, warnings=warnings),
                         indent=2))
    elif args.format == "csv":
        print(history_report.render_csv(series), end="")
    elif series:
        print(history_report.render_text(series), end="")
    if args.plot:
        plot.write(Path(args.plot), series)
        output.progress(f"wrote {args.plot}")
    return 0
