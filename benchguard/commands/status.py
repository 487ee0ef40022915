"""`benchguard status`: when benchmarks last ran on this branch, and what needs re-running."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchguard import JSON_VERSION
from benchguard.commands import add_format, output, repository
from benchguard.push import selection
from benchguard.reports.notes import describe_fingerprint
from benchguard.store import notes
from benchguard.store.notes import baseline_sources
from benchguard.style import plural, printable
from benchguard.tools import git, go
from benchguard.tools.packages import Snapshot

if TYPE_CHECKING:
    from benchguard.config import Config
    from benchguard.push.selection import Selected
    from benchguard.store.notes import NotesStore, Record
    from benchguard.tools.go import Fingerprint

# How far back along the first-parent history to look for a baseline.
SEARCH_DEPTH = 10_000


@dataclass(frozen=True)
class Found:
    commit: str
    distance: int  # first-parent commits from HEAD
    records: tuple[Record, ...]  # the runs a check takes benchmarks from (baseline_sources)


@dataclass
class Status:
    head: str
    here: Fingerprint
    any_machine: bool
    found: Found | None = None
    subject: str = ""
    commits: int = 0  # commits since the baseline (all parents)
    files: list[str] = field(default_factory=list)
    needs_rerun: list[Selected] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def latest(self) -> str:
        return max(record.date for record in self.found.records) if self.found else ""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--any-machine", action="store_true",
                        help="accept a baseline recorded on any machine, not only this one")
    add_format(parser, "text", "json")


def run(args: argparse.Namespace) -> int:
    repo, settings = repository(args)
    store = notes.NotesStore(repo, settings.notes_ref)
    status = Status(head=git.resolve(repo, "HEAD"), here=go.fingerprint(repo),
                    any_machine=args.any_machine)
    status.found = _nearest(store, repo, status)
    if status.found is not None:
        found = status.found.commit
        status.subject = git.output(["log", "-1", "--format=%s", found], cwd=repo)
        if found != status.head:
            status.commits = len(git.commits_between(repo, found, status.head))
            status.files = git.changed_files(repo, found, status.head)
            status.needs_rerun = _needs_rerun(repo, settings, status)
    for warning in status.warnings:
        output.warn(warning)
    if args.format == "json":
        print(json.dumps(to_json(status), indent=2))
    else:
        print(render_text(status), end="")
    return 0


def _nearest(store: NotesStore, repo: Path, status: Status) -> Found | None:
    history = git.output(["rev-list", "--first-parent", f"--max-count={SEARCH_DEPTH}", "HEAD"],
                         cwd=repo).split()
    for distance, commit in enumerate(history):
        if store.text(commit) is None:
            continue
        records, warnings = store.read(commit)
        status.warnings += warnings
        sources = baseline_sources(records, status.here, any_machine=status.any_machine)
        if sources:
            used = {id(record): record for record in sources.values()}
            return Found(commit, distance, tuple(used.values()))
    return None


def _needs_rerun(repo: Path, settings: Config, status: Status) -> list[Selected]:
    """What `check` would run for these changes: [[bench]] paths, `always`, and Go's import
    graph (selection.select), each with its reason."""


    assert status.found is not None
    found = status.found.commit
    with contextlib.ExitStack() as stack:
        # HEAD's packages as the working tree has them; the baseline's checked out only when a
        # file it has was deleted since
        chosen = selection.select(
            settings, status.files, Snapshot(repo, status.head, lambda: repo),
            Snapshot(repo, found, lambda: stack.enter_context(git.worktree(repo, found))))
    status.warnings += chosen.warnings
    return list(chosen.selected)


def render_text(status: Status) -> str:
    machine = ("any machine" if status.any_machine
               else f"this machine ({describe_fingerprint(status.here)})")
    found = status.found
    if found is None:
        return (f"no baseline for {machine} on the last {SEARCH_DEPTH} first-parent commits of "
                "HEAD; run `benchguard baseline`\n")
    runs = plural(len(found.records), "run")
    lines = [f"last baseline for {machine}:",
             f"  {found.commit[:12]} {status.subject!r}, recorded "
             f"{_age(status.latest)} ({status.latest}), {runs}"]
    if found.commit == status.head:
        lines.append("HEAD has a baseline: nothing needs re-running")
        return "\n".join(lines) + "\n"
    merged = f" ({found.distance} along the first-parent line)" \
        if found.distance != status.commits else ""
    lines.append(f"changed since: {plural(status.commits, 'commit')}{merged}, "
                 f"{plural(len(status.files), 'file')}")
    lines += [f"  {printable(file)}" for file in status.files]
    if not status.needs_rerun:
        lines.append("needs re-running: nothing (no changed file selects a benchmark)")
    else:
        lines.append("needs re-running:")
        for item in status.needs_rerun:
            tags = f" -tags={','.join(item.tags)}" if item.tags else ""
            lines.append(printable(f"  {item.package}  -bench {item.pattern}{tags}  "
                                   f"({item.reason})"))
    return "\n".join(lines) + "\n"


def to_json(status: Status) -> dict[str, Any]:
    """docs/json.md, "status"."""


    found = status.found
    baseline = None if found is None else {
        "commit": found.commit, "subject": status.subject, "date": status.latest,
        "runs": len(found.records), "distance": found.distance}
    changed = None if found is None else {"commits": status.commits, "files": status.files}
    return {
        "version": JSON_VERSION, "head": status.head,
        "machine": dataclasses.asdict(status.here), "any_machine": status.any_machine,
        "baseline": baseline, "changed": changed,
        "needs_rerun": None if found is None else [
            {"package": item.package, "pattern": item.pattern, "tags": list(item.tags),
             "reason": item.reason} for item in status.needs_rerun],
        "warnings": status.warnings,
    }


def _age(date: str) -> str:
    try:
        then = datetime.strptime(date, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return "at an unknown time"
    seconds = max(0, int((datetime.now(UTC) - then).total_seconds()))
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            return f"{plural(seconds // size, unit)} ago"
    return "just now"


