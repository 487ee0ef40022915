"""`benchguard sync [REMOTE]`: fetch, merge and push the benchmark notes of a remote."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from benchguard.commands import add_format, repository

if TYPE_CHECKING:
    from benchguard.store.notes import Synced


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("remote", nargs="?", default="origin",
                        help="the remote to sync with (default: origin)")
    add_format(parser, "text", "json")


def run(args: argparse.Namespace) -> int:
    import json

    from benchguard import JSON_VERSION
    from benchguard.commands import output
    from benchguard.store import notes

    repo, settings = repository(args)
    synced = notes.sync(repo, args.remote, settings.notes_ref, reporter=output.STDERR)
    output.progress(summary(synced))
    if args.format == "json":
        print(json.dumps({"version": JSON_VERSION, **to_json(synced)}, indent=2))
    return 0


def summary(synced: Synced) -> str:
    from benchguard.store.notes import SyncOutcome

    if synced.outcome == SyncOutcome.NOTHING:
        return f"no notes in {synced.ref} here or on {synced.remote}; nothing to sync"
    return f"notes in {synced.ref} synced with {synced.remote}"


def to_json(synced: Synced) -> dict[str, Any]:
    """docs/json.md, "sync"."""
    return {"remote": synced.remote, "ref": synced.ref, "outcome": str(synced.outcome),
            "tip": synced.tip, "retries": synced.retries}
