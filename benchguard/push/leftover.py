"""Nothing skipped stays skipped (docs/check.md): a push whose time budget left selections
unchecked went ahead with an `unchecked` record on its pushed commit (docs/notes-format.md); the
check that follows its commits — a pull request's, or a push of them to the default branch —
reads those records and measures what they name first, saying whose push left it."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from benchguard.config import Config
from benchguard.engine.benchmatch import pattern_for
from benchguard.engine.names import run_name
from benchguard.push.selection import Selected, Selection
from benchguard.store.notes import Kind, NotesStore
from benchguard.tools import git
from benchguard.tools.modules import Layout

# The relevance of what an earlier push left unchecked: before the changed files' own packages.
EARLIER = -1


@dataclass(frozen=True)
class Left:
    """One selection an earlier push left unchecked, as its record says."""

    commit: str  # the pushed commit whose note holds the record
    package: str
    pattern: str  # for a selection measured in part, exactly the benchmarks left out
    tags: tuple[str, ...]
    reason: str


def left_unchecked(store: NotesStore, commits: Sequence[str], *, until: str | None = None
                   ) -> list[Left]:
    """What the pushes of ``commits`` (oldest first) left unchecked, the newest push's first, one
    per (package, tags): of several records of one, the newest push's, its left-out benchmarks
    joined with the others'. Records dated after ``until`` do not count (the shards of one check
    must see the same)."""
    found: dict[tuple[str, tuple[str, ...]], list[dict[str, Any]]] = {}
    newest: dict[tuple[str, tuple[str, ...]], str] = {}
    for commit in reversed(commits):
        records, _ = store.read(commit)
        for record in records:
            if record.kind != Kind.UNCHECKED or record.unchecked is None or (
                    until is not None and record.date > until):
                continue
            for entry in record.unchecked.get("selections", []):
                key = (entry["package"], tuple(entry["tags"]))
                found.setdefault(key, []).append(entry)
                newest.setdefault(key, commit)
    left = []
    for (package, tags), entries in found.items():
        whole = next((entry["pattern"] for entry in entries if not entry.get("benchmarks")),
                     None)
        pattern = whole if whole is not None else pattern_for(sorted(
            {name for entry in entries for name in entry["benchmarks"]}))
        left.append(Left(newest[package, tags], package, pattern, tags, entries[0]["reason"]))
    return left


def first(chosen: Selection, left: Sequence[Left], config: Config, layout: Layout
          ) -> tuple[Selection, list[str]]:
    """``chosen`` with what earlier pushes ``left`` unchecked first: a selection of the same
    package and tags moves first, else one of its own is added (its [[bench]] entry's thresholds
    when an entry names the package). Also what is said about them: which are measured first,
    and which the head no longer has."""
    selected = list(chosen.selected)
    said = []
    ahead: list[Selected] = []
    for one in left:
        why = f"left unchecked by the push of {git.short(one.commit)} ({one.reason})"
        same = next((s for s in selected if (s.package, s.tags) == (one.package, one.tags)),
                    None)
        if same is not None:
            selected.remove(same)
            ahead.append(dataclasses.replace(same, reason=f"{why}; {same.reason}",
                                             hops=EARLIER, left_by=one.commit))
        elif layout.go_files(one.package):
            entry = next((e for e in config.benches
                          if one.package in e.packages and e.tags == one.tags), None)
            module = layout.module_of(one.package)
            ahead.append(Selected(one.package, one.pattern, one.tags, why, entry,
                                  module.directory if module else ".",
                                  layout.import_path(one.package) or "", EARLIER, one.commit))
        else:
            said.append(f"{run_name(one.package, one.pattern, one.tags)} was left unchecked "
                        f"by the push of {git.short(one.commit)}, but the head no longer has "
                        f"{one.package}: not measured")
            continue
        said.append(f"measuring first what the push of {git.short(one.commit)} left "
                    f"unchecked: {run_name(one.package, ahead[-1].pattern, one.tags)}")
    return dataclasses.replace(chosen, selected=(*ahead, *selected)), said
