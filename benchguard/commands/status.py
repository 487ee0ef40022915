"""`benchguard status`: when benchmarks last ran on this branch, and what needs re-running."""

from __future__ import annotations

import argparse
import json

from benchguard.commands import add_format, output, repository
from benchguard.push.status import status_of
from benchguard.reports import status as status_report


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--any-machine", action="store_true",
                        help="accept a baseline recorded on any machine, not only this one")
    add_format(parser, "text", "json")


def run(args: argparse.Namespace) -> int:
    repo, settings = repository(args)
    status = status_of(repo, settings, any_machine=args.any_machine)
    for warning in status.warnings:
        output.warn(warning)
    if args.format == "json":
        print(json.dumps(status_report.to_json(status), indent=2))
    else:
        print(status_report.render_text(status), end="")
    return 0
