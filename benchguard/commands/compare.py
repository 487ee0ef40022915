"""`benchguard compare OLD NEW`: benchstat's comparison of two files of `go test -bench` output,
with a verdict per benchmark and metric, and exit status 1 when anything regressed."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from benchguard import JSON_VERSION
from benchguard.commands import add_format, option_type, output
from benchguard.config import values
from benchguard.engine import benchfmt, verdict
from benchguard.engine.benchfmt import gc_paused, tidy_unit
from benchguard.engine.status import Status
from benchguard.errors import EXIT_OK, EXIT_REGRESSION, EXIT_USAGE, BenchguardError
from benchguard.reports import table
from benchguard.style import printable

if TYPE_CHECKING:
    from benchguard.engine.benchfmt import BenchmarkSet


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("old", metavar="OLD", help="`go test -bench` output before ('-': stdin)")
    parser.add_argument("new", metavar="NEW", help="`go test -bench` output after ('-': stdin)")
    parser.add_argument("--alpha", type=option_type(values.parse_alpha, "alpha"), default=0.05,
                        help="significance level of the Mann-Whitney U test (default 0.05)")
    parser.add_argument("--threshold", type=option_type(values.parse_threshold, "threshold"),
                        default=0.05,
                        help="smallest change that counts, e.g. 5%% or 0.05 (default 5%%)")
    parser.add_argument("--metric", action="append", metavar="UNIT",
                        help="compare only this unit, e.g. sec/op or B/op (repeatable; "
                             "default: every unit present)")
    add_format(parser, "text", "json", "markdown")


def _load(path: str, stdin_used: list[bool]) -> tuple[str, str]:
    """The text of OLD or NEW and the name warnings give it."""
    if path == "-":
        if stdin_used:
            raise BenchguardError("only one of OLD and NEW can be '-' (stdin)",
                                  exit_code=EXIT_USAGE)
        stdin_used.append(True)
        return sys.stdin.read(), "<stdin>"
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read(), path
    except OSError as error:
        raise BenchguardError(f"cannot read {path}: {error.strerror or error}",
                              exit_code=EXIT_USAGE) from None


def _checked(parsed: BenchmarkSet, source: str) -> BenchmarkSet:
    if not parsed.samples:
        raise BenchguardError(f"{source}: no benchmark results found "
                              "(expected `go test -bench` output)", exit_code=EXIT_USAGE,
                              detail="\n".join(parsed.warnings[:5]))
    return parsed


# The configuration lines benchstat prints above the tables when both files agree on them (`pkg`
# heads each package's tables).
CONFIGURATION = ("goos", "goarch", "cpu")


def _read_both(old: str, new: str) -> tuple[BenchmarkSet, BenchmarkSet]:
    """Both files; large ones are parsed at the same time, the new one in a second process."""

    stdin_used: list[bool] = []
    old_text, old_source = _load(old, stdin_used)
    try:
        new_text, new_source = _load(new, stdin_used)
    except BenchguardError as error:
        _checked(benchfmt.parse(old_text, source=old_source), old_source)  # reported first
        raise error from None
    parsing = benchfmt.parse_large(new_text, source=new_source)
    base = benchfmt.parse(old_text, source=old_source)
    head = parsing(base)  # collected before any error: no child is left waiting on its pipe
    return _checked(base, old_source), _checked(head, new_source)


def run(args: argparse.Namespace) -> int:
    # Nothing here forms reference cycles; a collector re-enabled between the steps would
    # sweep the 100,000s of objects of a large comparison once per step.
    with gc_paused():
        return _compare(args)


def _compare(args: argparse.Namespace) -> int:
    try:
        base, head = _read_both(args.old, args.new)
    except BenchguardError as error:
        if args.format == "json":
            print(json.dumps({"version": JSON_VERSION, "status": Status.ERROR,
                              "error": error.message, "benchmarks": [], "warnings": []},
                             indent=2))
        raise
    comparison = verdict.compare(base, head, alpha=args.alpha, threshold=args.threshold,
                                 metrics=args.metric)
    present = {c.series.unit for c in comparison.comparisons}
    for metric in args.metric or ():
        if tidy_unit(metric)[0] not in present:
            comparison.warnings.append(f"no results in unit {metric}")
    if args.format == "text":
        header = "".join(f"{key}: {printable(value)}\n" for key, value in
                         base.configuration.items()
                         if key in CONFIGURATION and head.configuration.get(key) == value)
        sys.stdout.write(header + table.render_text(
            comparison, colour=output.use_colour(sys.stdout), names=(args.old, args.new)))
    else:
        for warning in comparison.warnings:
            output.warn(warning)
        if args.format == "json":
            print(json.dumps(table.to_json(comparison), indent=2))
        else:
            sys.stdout.write(table.render_markdown(comparison))
    return EXIT_REGRESSION if comparison.status == Status.REGRESSION else EXIT_OK
