"""What one pushed range changes and what that selects: the triage every check starts with. A
push whose changes select nothing (docs, a configuration-only push, no base to compare with) is
settled here, with nothing of the measuring pipeline imported (docs/design.md, "Start-up")."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from benchguard import config as configuration
from benchguard.config import Config
from benchguard.engine.names import run_name
from benchguard.errors import BenchguardError
from benchguard.progress import Reporter
from benchguard.push import leftover, selection
from benchguard.push.outcome import Outcome, Prepared, failed_outcome
from benchguard.push.ranges import Range
from benchguard.push.selection import Selection
from benchguard.store import overrides
from benchguard.store.notes import NotesStore
from benchguard.store.overrides import Override
from benchguard.style import plural
from benchguard.tools import git, git_objects, modules
from benchguard.tools.packages import Snapshot


def triage(repo: Path, found: Range, given: Sequence[Override], *, config_path: str | None,
           verbose: bool, reporter: Reporter, stack: contextlib.ExitStack,
           budget: str | None = None, config: Config | None = None,
           trailers: bool = True, instrument: str | None = None,
           until: str | None = None) -> Prepared:
    """What one pushed range changes, its configuration (checked: a broken one exits 2) and
    which benchmarks that selects — or its outcome already, when there is nothing to measure.
    Runs `go list` only when a changed file can build Go code; never builds or runs a
    benchmark. ``stack`` keeps the head's worktree until the check is finished; ``budget``
    replaces the configuration's `budget` (`benchguard ci --budget`). In CI, ``config`` is the
    one decided for a pull request (the base's, unless it trusts the head's) and ``trailers``
    whether its commits' Benchguard-Allow trailers count (benchguard.ci.gate); ``instrument``
    replaces every instrument the configuration sets (`--instrument`). What the pushes of its
    commits left unchecked comes first (push.leftover; records dated after ``until`` do not
    count)."""
    push = what_changed(repo, found, reporter)
    if isinstance(push, Outcome):
        return Prepared(repo, found, outcome=push)
    config, allow = _config_and_overrides(repo, push, given, config_path, reporter, config,
                                          trailers)
    if config_path is None:
        warn_if_uncommitted(repo, found.head, reporter)
    if budget is not None:
        config = dataclasses.replace(config, budget=budget)
    config = config.with_instrument(instrument)
    reporter.progress(push.summary)
    if _only_configuration(repo, push, config_path):
        return Prepared(repo, found, config=config, outcome=Outcome(
            found, "only benchguard.toml changed: the new configuration is valid, and no "
                   "benchmark changes with it; nothing to measure"))
    head = Checkout(repo, found.head, stack)
    try:
        chosen = _select(config, push, head, verbose, reporter, until)
        if not chosen.selected and not chosen.failed:
            return Prepared(repo, found, config=config, selection=chosen, outcome=Outcome(
                found, f"no benchmarks affected by {plural(len(push.changed), 'changed file')}"
                       "; nothing to check", selection=chosen))
        tree = head.path()
    except BenchguardError as error:
        return Prepared(repo, found, config=config,
                        outcome=failed_outcome(found, config, error, reporter))
    return Prepared(repo, found, config=config, allow=allow, selection=chosen, tree=tree)


@dataclass(frozen=True)
class Changes:
    """The commits a range brings and the files they change, from where head forked."""
    range: Range
    fork: str
    changed: list[str]
    commits: list[str]
    messages: dict[str, str]  # commit -> message

    @property
    def summary(self) -> str:
        found = self.range
        return (f"{found.ref}: checking {git.short(found.base)}..{git.short(found.head)} "
                f"({found.why}): {plural(len(self.commits), 'commit')}, "
                f"{plural(len(self.changed), 'changed file')}")


def what_changed(repo: Path, found: Range, reporter: Reporter) -> Changes | Outcome:
    """The new commits and changed files of ``found``, or why there is nothing to compare."""
    if found.base is None:
        if not git.output(["for-each-ref", "--count=1", "refs/remotes/"], cwd=repo):
            reporter.warn(f"{found.ref}: no remote-tracking refs to tell which commits are new "
                          "(git fetch first); not checked")
            return Outcome(found, "no remote-tracking refs")
        reporter.warn(f"{found.ref}: every commit is new (no earlier commit to measure "
                      "against); not checked")
        return Outcome(found, "no earlier commit to compare against")
    if found.base == found.head:
        return Outcome(found, "no new commits")
    fork = found.base if found.forked else \
        git.merge_base(repo, found.base, found.head) or found.base
    messages = git.commits_with_messages(repo, fork, found.head)
    return Changes(found, fork, git.changed_files(repo, fork, found.head), list(messages),
                 messages)


def _config_and_overrides(repo: Path, push: Changes, given: Sequence[Override],
                          config_path: str | None, reporter: Reporter, config: Config | None,
                          trailers: bool) -> tuple[Config, list[Override]]:
    """The pushed commit's configuration (unless ``config`` is given), and every override of
    this push: those given and (with ``trailers``) the trailers of its commits, their regexes
    checked before any benchmark runs."""
    if config is None:
        config = config_at(repo, push.range.head, config_path)
    _warn_unmatched_paths(repo, config, push.range.head, push.changed, config_path, reporter)
    found = overrides.from_messages(repo, push.messages) if trailers else []
    return config, [*given, *found]


@dataclass
class Checkout:
    """The pushed commit, checked out in a detached worktree on first use: the working tree may
    be dirty, or stashed by pre-commit, and a docs-only push needs no checkout at all."""
    repo: Path
    commit: str
    stack: contextlib.ExitStack
    checked_out: Path | None = None

    def path(self) -> Path:
        if self.checked_out is None:
            self.checked_out = self.stack.enter_context(git.worktree(self.repo, self.commit))
        return self.checked_out


def _select(config: Config, push: Changes, head: Checkout, verbose: bool,
            reporter: Reporter, until: str | None) -> Selection:
    """The benchmarks the push's changes select, each announced with its reason; what the
    pushes of its commits left unchecked first."""
    def head_tree() -> Path:
        # Go code changed, so the notes will be read: pygit2's import is done on the other
        # core while `go list` runs rather than after it.
        git_objects.preload()
        return head.path()

    base = Checkout(head.repo, push.fork, head.stack)  # checked out for deleted files only
    snapshot = Snapshot(head.repo, head.commit, head_tree)
    chosen = selection.select(config, push.changed, snapshot,
                              Snapshot(base.repo, base.commit, base.path))
    if chosen.selected or chosen.go_runs:  # Go code changed (a docs-only push reads no note)
        left = leftover.left_unchecked(NotesStore(head.repo, config.notes_ref), push.commits,
                                       until=until)
        if left:
            chosen, said = leftover.first(chosen, left, config, snapshot.layout)
            for line in said:
                reporter.progress(line)
    _explain(chosen, verbose, reporter)
    return chosen


def _only_configuration(repo: Path, push: Changes, config_path: str | None) -> bool:
    """Whether the push changes benchguard.toml and nothing else: configuration is not code,
    so no benchmark changes. The pushed file has been read and checked by then (a broken one
    would break every teammate's push: exit 2), and so are its [[bench]] packages, against the
    pushed commit's tree; with --config, the pushed file is checked here."""
    if not push.changed or any(path != configuration.FILENAME for path in push.changed):
        return False
    pushed = config_at(repo, push.range.head, None)
    layout = modules.at_commit(repo, push.range.head)
    for entry in pushed.benches:
        for package in entry.packages:
            selection.check_package(pushed, entry, package, layout, push.range.head)
    return True


def warn_if_uncommitted(repo: Path, head: str, reporter: Reporter) -> None:
    """A check reads the pushed commit's benchguard.toml: say so when the working tree's
    differs, so a setting raised there but not committed is not silently ignored."""
    path = repo / configuration.FILENAME
    try:
        here = path.read_bytes() if path.is_file() else None
    except OSError:
        return
    if here != git.blob(repo, head, configuration.FILENAME) \
            and git.try_resolve(repo, "HEAD") == head:  # another branch's may differ
        reporter.warn(f"{configuration.FILENAME} in the working tree differs from the one in "
                      f"{git.short(head)}, which this check uses: commit it to check with it")


def config_at(repo: Path, head: str, config_path: str | None) -> Config:
    """The pushed commit's benchguard.toml (not the working tree's), unless --config says."""
    if config_path is not None:
        return configuration.load(repo, Path(config_path))
    data = git.blob(repo, head, configuration.FILENAME)
    if data is None:
        return configuration.Config(path=None)
    text = configuration.decode(data, filename=configuration.FILENAME)
    return configuration.parse(text, filename=configuration.FILENAME)


def _warn_unmatched_paths(repo: Path, config: Config, head: str, changed: Sequence[str],
                          config_path: str | None, reporter: Reporter) -> None:
    """When a push changes benchguard.toml, name the `paths` patterns that match no file: a
    typo there would otherwise silently select nothing, ever."""
    if config_path is not None or configuration.FILENAME not in changed or not config.benches:
        return
    for entry, pattern in selection.unmatched_paths(config, git.tracked_files(repo, head)):
        reporter.warn(f"{configuration.FILENAME}:{entry.line}: paths pattern '{pattern}' "
                      f"matches no file in {git.short(head)}")


# How many files the one line on files that select nothing names without --verbose.
UNCOVERED_SHOWN = 3


def _explain(chosen: Selection, verbose: bool, reporter: Reporter) -> None:
    for selected in chosen.selected:
        reporter.progress(f"selected {run_name(selected.package, selected.pattern, selected.tags)}"
                          f": {selected.reason}")
    for failed in chosen.failed:
        reporter.warn(failed.message)
    for warning in chosen.warnings:
        reporter.warn(warning)
    if verbose:
        for line in chosen.skipped:
            reporter.progress(f"not selected: {line}")
    uncovered = chosen.uncovered
    if uncovered and verbose:
        for one in uncovered:
            reporter.warn(f"not covered by any benchmark: {one.path}: {one.why}")
    elif uncovered:
        shown = ", ".join(f"{one.path} ({one.why})" for one in uncovered[:UNCOVERED_SHOWN])
        more = (f" and {len(uncovered) - UNCOVERED_SHOWN} more (--verbose lists them)"
                if len(uncovered) > UNCOVERED_SHOWN else "")
        reporter.warn(f"{plural(len(uncovered), 'changed file')} can change "
                      f"Go code but no benchmark measures it: {shown}{more}")
