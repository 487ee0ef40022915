"""Where the nearest baseline of HEAD's first-parent history is, what changed since, and what a
check would measure for those changes (`benchguard status`)."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchguard.config import Config
from benchguard.push import selection
from benchguard.push.selection import Selected
from benchguard.store.notes import Kind, NotesStore, Record, baseline_sources
from benchguard.tools import git, go
from benchguard.tools.go import Fingerprint
from benchguard.tools.packages import Snapshot

# How far back along the first-parent history to look for a baseline.
SEARCH_DEPTH = 10_000


@dataclass(frozen=True)
class Found:
    commit: str
    distance: int  # first-parent commits from HEAD
    records: tuple[Record, ...]  # the runs a check takes benchmarks from (baseline_sources)
    # what the push of that commit left unchecked (its time budget): each a note's selection
    # (package, pattern, tags, reason, and benchmarks when it was measured in part)
    not_checked: tuple[dict[str, Any], ...] = ()


@dataclass
class BaselineStatus:
    """Where HEAD's nearest baseline is, and what changed since."""

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


def status_of(repo: Path, settings: Config, *, any_machine: bool) -> BaselineStatus:
    """HEAD's status against its nearest baseline (of this machine, unless ``any_machine``)."""
    store = NotesStore(repo, settings.notes_ref)
    status = BaselineStatus(head=git.resolve(repo, "HEAD"), here=go.fingerprint(repo),
                            any_machine=any_machine)
    status.found = _nearest(store, repo, status)
    if status.found is not None:
        found = status.found.commit
        status.subject = git.output(["log", "-1", "--format=%s", found], cwd=repo)
        if found != status.head:
            status.commits = len(git.commits_between(repo, found, status.head))
            status.files = git.changed_files(repo, found, status.head)
            status.needs_rerun = _needs_rerun(repo, settings, status)
    return status


def _nearest(store: NotesStore, repo: Path, status: BaselineStatus) -> Found | None:
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
            return Found(commit, distance, tuple(used.values()), unchecked_selections(records))
    return None


def unchecked_selections(records: Sequence[Record]) -> tuple[dict[str, Any], ...]:
    """The selections a push left unchecked, as its notes recorded them (each once)."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for record in records:
        if record.kind == Kind.UNCHECKED and record.unchecked is not None:
            for selection in record.unchecked.get("selections") or []:
                found.setdefault((str(selection.get("package")),
                                  str(selection.get("pattern"))), dict(selection))
    return tuple(found.values())


def _needs_rerun(repo: Path, settings: Config, status: BaselineStatus) -> list[Selected]:
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
