"""`benchguard status`: when benchmarks last ran on this branch, and what needs re-running."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from benchguard.config import Config
    from benchguard.go import Fingerprint
    from benchguard.notes import NotesStore, Record

# How far back along the first-parent history to look for a baseline.
SEARCH_DEPTH = 10_000


@dataclass(frozen=True)
class Found:
    commit: str
    distance: int  # first-parent commits from HEAD
    records: tuple[Record, ...]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--any-machine", action="store_true",
                        help="accept a baseline recorded on any machine, not only this one")


def run(args: argparse.Namespace) -> int:
    from benchguard import config, git, go, notes
    from benchguard.commands.baseline import describe_fingerprint

    repo = git.toplevel()
    settings = config.load(repo, Path(args.config) if args.config else None)
    store = notes.NotesStore(repo, settings.notes_ref)
    here = go.fingerprint(repo)
    head = git.resolve(repo, "HEAD")
    machine = "any machine" if args.any_machine else f"this machine ({describe_fingerprint(here)})"
    found = _nearest(store, repo, here, any_machine=args.any_machine)
    if found is None:
        print(f"no baseline for {machine} on the last {SEARCH_DEPTH} first-parent commits of "
              f"HEAD; run `benchguard baseline`")
        return 0
    latest = max(record.date for record in found.records)
    runs = "1 run" if len(found.records) == 1 else f"{len(found.records)} runs"
    subject = git.output(["log", "-1", "--format=%s", found.commit], cwd=repo)
    print(f"last baseline for {machine}:")
    print(f"  {found.commit[:12]} {subject!r}, recorded {_age(latest)} ({latest}), {runs}")
    if found.commit == head:
        print("HEAD has a baseline: nothing needs re-running")
        return 0
    commits = git.commits_between(repo, found.commit, head)
    files = git.changed_files(repo, found.commit, head)
    merged = f" ({found.distance} along the first-parent line)" \
        if found.distance != len(commits) else ""
    print(f"changed since: {_plural(len(commits), 'commit')}{merged}, "
          f"{_plural(len(files), 'file')}")
    for file in files:
        print(f"  {file}")
    print(_needs_rerun(repo, settings, files))
    return 0


def _nearest(store: NotesStore, repo: Path, here: Fingerprint, *,
             any_machine: bool) -> Found | None:
    from benchguard import git

    history = git.output(["rev-list", "--first-parent", f"--max-count={SEARCH_DEPTH}", "HEAD"],
                         cwd=repo).split()
    for distance, commit in enumerate(history):
        if store.text(commit) is None:
            continue
        records, _ = store.read(commit)
        matching = tuple(record for record in records if record.kind == "baseline"
                         and (any_machine or record.fingerprint == here))
        if matching:
            return Found(commit, distance, matching)
    return None


def _needs_rerun(repo: Path, settings: Config, files: list[str]) -> str:
    """What `check` would run for these changes: [[bench]] paths, `always`, and Go's import
    graph (selection.select), each with its reason."""
    from benchguard import go, output, selection

    chosen = selection.select(settings, files, lambda tags: go.list_packages(repo, tags))
    for warning in chosen.warnings:
        output.warn(warning)
    if not chosen.selected:
        return "needs re-running: nothing (no changed file selects a benchmark)"
    lines = ["needs re-running:"]
    for item in chosen.selected:
        tags = f" -tags={','.join(item.tags)}" if item.tags else ""
        lines.append(f"  {item.package}  -bench {item.pattern}{tags}  ({item.reason})")
    return "\n".join(lines)


def _age(date: str) -> str:
    try:
        then = datetime.strptime(date, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return "at an unknown time"
    seconds = max(0, int((datetime.now(UTC) - then).total_seconds()))
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            return f"{_plural(seconds // size, unit)} ago"
    return "just now"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
