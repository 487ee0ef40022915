"""`benchguard baseline [REV]`: run the configured benchmarks at a commit and record them in notes.

With no [[bench]] entries configured, every package of the module that has benchmarks is run:
a baseline is only useful if it covers what `check` may later select.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from typing import TYPE_CHECKING

from benchguard import JSON_VERSION
from benchguard.commands import add_format, add_instrument, output, repository
from benchguard.push import baseline, targets
from benchguard.reports import notes as notes_report
from benchguard.reports import targets as targets_report
from benchguard.store import sync
from benchguard.tools import git, modules

if TYPE_CHECKING:
    pass


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("rev", nargs="?", default="HEAD", metavar="REV",
                        help="the commit to measure (default: HEAD); it is checked out in a "
                             "temporary worktree, your working tree is not touched")
    parser.add_argument("--bench", metavar="REGEX",
                        help="run only benchmarks matching REGEX (replaces the pattern of every "
                             "[[bench]] entry)")
    parser.add_argument("--push", nargs="?", const="origin", metavar="REMOTE",
                        help="then share the notes with REMOTE (default: origin), as `sync` does")
    parser.add_argument("--dry-run", action="store_true",
                        help="say what it would measure and how long that should take; run "
                             "nothing")
    add_format(parser, "text", "json")
    add_instrument(parser)


def run(args: argparse.Namespace) -> int:
    repo, settings = repository(args)
    commit = git.resolve(repo, args.rev)
    layout = modules.at_commit(repo, commit)
    recorded = baseline.record_baseline(repo, settings, commit, bench=args.bench,
                                        reporter=output.STDERR, layout=layout,
                                        dry_run=args.dry_run)
    if recorded is None:  # --dry-run: the estimate was all
        return 0
    result, record = recorded
    if args.format == "text":
        print(notes_report.render_summary(result.benchmarks), end="")
    output.progress(notes_report.recorded_message(settings, commit, result.fingerprint))
    synced = None
    if args.push:
        synced = sync.sync(repo, args.push, settings.notes_ref, reporter=output.STDERR)
        output.progress(notes_report.sync_summary(synced))
    # Report-only here: a baseline records what is, an enforced miss blocks only `check`.
    evaluation = targets.evaluate(settings.targets, result.benchmarks,
                                  packages=result.packages, layout=layout)
    if args.format == "json":
        print(json.dumps({
            "version": JSON_VERSION, "commit": commit, "ref": settings.notes_ref,
            "date": record.date, "fingerprint": dataclasses.asdict(result.fingerprint),
            "settings": record.settings, "load": record.load,
            "benchmarks": notes_report.summary_json(result.benchmarks),
            "targets": targets_report.to_json(evaluation),
            "pushed": None if synced is None else notes_report.sync_json(synced),
            "warnings": result.warnings,
        }, indent=2))
    elif lines := targets_report.render_text(evaluation, hint=False):
        print("\n".join(lines))
    if args.bench is None:
        targets.require_matches(settings, evaluation, repo)
    return 0
