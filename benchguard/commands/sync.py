"""`benchguard sync [REMOTE]`: fetch, merge and push the benchmark notes of a remote."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("remote", nargs="?", default="origin",
                        help="the remote to sync with (default: origin)")


def run(args: argparse.Namespace) -> int:
    from benchguard import config, git, notes

    repo = git.toplevel()
    settings = config.load(repo, Path(args.config) if args.config else None)
    notes.sync(repo, args.remote, settings.notes_ref)
    return 0
