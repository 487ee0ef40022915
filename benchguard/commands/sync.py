"""`benchguard sync [REMOTE]`: fetch, merge and push the benchmark notes of a remote."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from benchguard import JSON_VERSION
from benchguard.commands import add_format, output, repository
from benchguard.reports import notes as notes_report
from benchguard.store import sync

if TYPE_CHECKING:
    pass


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("remote", nargs="?", default="origin",
                        help="the remote to sync with (default: origin)")
    add_format(parser, "text", "json")


def run(args: argparse.Namespace) -> int:
    repo, settings = repository(args)
    synced = sync.sync(repo, args.remote, settings.notes_ref, reporter=output.STDERR)
    output.progress(notes_report.sync_summary(synced))
    if args.format == "json":
        print(json.dumps({"version": JSON_VERSION, **notes_report.sync_json(synced)}, indent=2))
    return 0
