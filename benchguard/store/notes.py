"""Baselines and overrides stored in git notes, one JSON record a line (docs/notes-format.md).

Reads go through pygit2 (one tree lookup, no git process per note). Writes build the new notes
commit off the old one and move the ref with `git update-ref REF NEW OLD`, which fails when another
writer moved it first; then we retry on top of theirs, so concurrent writers never lose a record.

The records themselves live in benchguard.store.records (imported here for the store's users). This
module never talks to the user: readers get skipped lines back as warnings or tell a Reporter.
"""

from __future__ import annotations

import itertools
import os
import random
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import pygit2

from benchguard.config.values import check_notes_ref
from benchguard.engine.benchfmt import BenchKey, BenchmarkSet, SeriesKey
from benchguard.errors import EXIT_USAGE, BenchguardError
from benchguard.progress import Reporter
from benchguard.store.records import (
    Kind,
    NoteLineError,
    Record,
    Timing,
    baseline_record,
    decode,
    encode,
    override_record,
    unchecked_record,
)
from benchguard.tools import git
from benchguard.tools.go import Fingerprint

__all__ = ["Kind", "NoteLineError", "NotesStore", "Record", "SyncOutcome", "Synced", "Timing",
           "baseline_record", "baseline_samples", "baseline_sources", "check_ref", "decode",
           "encode", "fetch", "incomparable", "incomparable_reason", "override_record", "sync",
           "tracking_ref", "unchecked_record"]

_CAS_ATTEMPTS = 60
_SYNC_ATTEMPTS = 6


# --- which records count ------------------------------------------------------------------------


def baseline_sources(records: Iterable[Record], fingerprint: Fingerprint | None, *,
                     any_machine: bool = False, settings: Mapping[str, Any] | None = None
                     ) -> dict[BenchKey, Record]:
    """The one rule for which stored samples a benchmark is compared with (docs/notes-format.md,
    "Which records count"): the newest baseline record (by ``date``; on a tie, the later line)
    measured on ``fingerprint``'s machine that has the benchmark. With ``any_machine``, a
    benchmark this machine has no record of comes from the newest record of another machine.
    With ``settings`` (RunSettings.comparable()), only records measured so that their numbers
    compare with a measurement made now count (incomparable)."""
    baselines = sorted((record for record in records
                        if record.kind == Kind.BASELINE and record.samples is not None
                        and (settings is None or incomparable(record, settings) is None)),
                       key=lambda record: record.date)
    ours: dict[BenchKey, Record] = {}
    theirs: dict[BenchKey, Record] = {}
    for record in baselines:
        assert record.samples is not None
        into = ours if record.fingerprint == fingerprint else theirs
        for key in record.samples.samples:
            into[key.bench] = record
    if any_machine:
        ours.update({bench: record for bench, record in theirs.items() if bench not in ours})
    return ours


def incomparable(record: Record, settings: Mapping[str, Any]) -> str | None:
    """Why the numbers of ``record`` do not compare with a measurement made with ``settings``
    (RunSettings.comparable(): benchtime, and the environment that changes what go builds);
    None when they do. The machine is the fingerprint's business, build tags the benchmarks'
    own (BenchKey.tags)."""
    recorded = record.settings
    if recorded.get("benchtime") != settings.get("benchtime"):
        return f"benchtime {recorded.get('benchtime')} (now {settings.get('benchtime')})"
    then, now = recorded.get("environment") or {}, settings.get("environment") or {}
    for name in sorted({*then, *now}):
        if then.get(name) != now.get(name):
            return f"{name}={then.get(name, '')!r} (now {now.get(name, '')!r})"
    if recorded.get("tags") and record.samples is not None and not any(
            key.bench.tags for key in record.samples.samples):
        return (f"build tags {','.join(recorded['tags'])} by an older benchguard, which did not "
                "keep which benchmarks they built")
    return None


def incomparable_reason(records: Iterable[Record], fingerprint: Fingerprint | None,
                        settings: Mapping[str, Any], *, any_machine: bool = False) -> str | None:
    """Why the newest baseline record of this machine (any machine, with ``any_machine``) does
    not count for a measurement made with ``settings``; None when there is none such."""
    for record in sorted((record for record in records if record.kind == Kind.BASELINE
                          and (any_machine or record.fingerprint == fingerprint)),
                         key=lambda record: record.date, reverse=True):
        why = incomparable(record, settings)
        if why is not None:
            return why
    return None


def baseline_samples(records: Iterable[Record], fingerprint: Fingerprint | None, *,
                     any_machine: bool = False, settings: Mapping[str, Any] | None = None
                     ) -> BenchmarkSet | None:
    """Each benchmark's samples from the record baseline_sources picks for it; None when no
    record counts."""
    sources = baseline_sources(records, fingerprint, any_machine=any_machine,
                               settings=settings)
    if not sources:
        return None
    result = BenchmarkSet()
    by_record: dict[int, dict[BenchKey, list[SeriesKey]]] = {}
    for bench, record in sources.items():
        assert record.samples is not None
        series = by_record.get(id(record))
        if series is None:
            series = by_record[id(record)] = {}
            for key in record.samples.samples:
                series.setdefault(key.bench, []).append(key)
            for unit, higher in record.samples.higher_is_better.items():
                result.higher_is_better.setdefault(unit, higher)
        for key in series[bench]:
            result.samples[key] = list(record.samples.samples[key])
    return result


def check_ref(ref: str) -> str:
    """The config's notes_ref rule (benchguard.config.values), as a usage error."""
    try:
        return check_notes_ref(ref)
    except ValueError as error:
        raise BenchguardError(str(error), exit_code=EXIT_USAGE) from None


class NotesStore:
    """The notes of one ref in one repository."""

    def __init__(self, repo: Path, ref: str) -> None:
        self.repo = Path(repo)
        self.ref = check_ref(ref)
        try:
            self._git = pygit2.Repository(str(repo))
        except pygit2.GitError as error:
            raise BenchguardError(f"{repo}: cannot open the git repository ({error})") from None

    def resolve(self, rev: str) -> str:
        """The full commit id of ``rev`` (a full id is taken as is: notes may name commits not
        fetched here)."""
        if len(rev) == 40 and all(char in "0123456789abcdef" for char in rev):
            return rev
        try:
            return str(self._git.revparse_single(rev).peel(pygit2.Commit).id)
        except (KeyError, ValueError, pygit2.GitError):
            raise BenchguardError(f"unknown revision '{rev}': no such commit in {self.repo}") \
                from None

    def tip(self) -> str | None:
        """The notes commit the ref points at, None when there are no notes yet."""
        reference = self._git.references.get(self.ref)
        return None if reference is None else str(reference.resolve().target)

    def text(self, commit: str) -> str | None:
        """The raw note on ``commit``, None when it has none."""
        return self._text_at(self.tip(), self.resolve(commit))

    def read(self, commit: str) -> tuple[list[Record], list[str]]:
        """Every usable record on ``commit``, and one warning per line that was skipped."""
        sha = self.resolve(commit)
        return _records_in(self._text_at(self.tip(), sha) or "",
                           f"{self.ref} note on {sha[:12]}")

    def baseline(self, commit: str, fingerprint: Fingerprint | None, *, reporter: Reporter,
                 any_machine: bool = False, settings: Mapping[str, Any] | None = None
                 ) -> BenchmarkSet | None:
        """The stored samples of ``commit`` a comparison on this machine uses (baseline_samples);
        None when it has none. Skipped lines are told to ``reporter``; so is, with
        ``settings``, why this machine's newest record does not compare (incomparable)."""
        records, warnings = self.read(commit)
        for warning in warnings:
            reporter.warn(warning)
        found = baseline_samples(records, fingerprint, any_machine=any_machine,
                                 settings=settings)
        if settings is not None:
            why = incomparable_reason(records, fingerprint, settings, any_machine=any_machine)
            if why is not None and found is None:
                reporter.progress(f"the stored baseline of {commit[:12]} was measured with "
                                  f"{why}: not comparable, so the base is measured afresh")
        return found

    def along_first_parents(self, commit: str, limit: int
                            ) -> Iterator[tuple[str, list[Record]]]:
        """Each commit with a note among ``commit`` and its first-parent ancestors (at most
        ``limit`` commits looked at), nearest first, with its records; lines that do not decode
        are left out (read() warns about them). Walked with pygit2: no git process however far
        it goes."""
        tip = self.tip()
        if tip is None:
            return
        try:
            start = self._git.revparse_single(commit).peel(pygit2.Commit).id
        except (KeyError, ValueError, pygit2.GitError):
            return
        walker = self._git.walk(start, pygit2.enums.SortMode.TOPOLOGICAL)
        walker.simplify_first_parent()
        for found in itertools.islice(walker, limit):
            text = self._text_at(tip, str(found.id))
            if text:
                yield str(found.id), _records_in(text, "")[0]

    def append(self, commit: str, records: Sequence[Record]) -> None:
        """Add ``records`` as new lines of ``commit``'s note without ever dropping another
        writer's lines: compare-and-swap on the ref, retried with jitter."""
        if not records:
            return
        sha = self.resolve(commit)
        lines = "".join(self._line(sha, record) + "\n" for record in records)
        last_error = ""
        for attempt in range(_CAS_ATTEMPTS):
            old = self.tip()
            existing = self._text_at(old, sha) or ""
            if existing and not existing.endswith("\n"):
                existing += "\n"
            try:
                new = self._notes_commit(old, sha, existing + lines)
            except (OSError, pygit2.GitError) as error:  # a read-only or full .git
                raise BenchguardError(f"cannot write to {self.ref}: {error}") from None
            proc = git.run(["update-ref", "-m", f"benchguard: record on {sha[:12]}", self.ref,
                            new, old or git.ZERO_SHA], cwd=self.repo, check=False)
            if proc.returncode == 0:
                return
            last_error = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            if self.tip() == old and "File exists" not in proc.stderr:
                # nobody else moved or holds the ref: retrying would fail the same way
                raise BenchguardError(f"cannot write to {self.ref}: {last_error}")
            time.sleep(random.uniform(0.005, 0.02 * min(attempt + 1, 10)))
        raise BenchguardError(f"could not update {self.ref}: it kept moving "
                              f"({_CAS_ATTEMPTS} attempts; last: {last_error})")

    def _line(self, sha: str, record: Record) -> str:
        """The record's line, checked as every reader will check it: a line readers would skip
        is never written."""
        line = encode(record)
        try:
            decode(line)
        except NoteLineError as error:
            raise BenchguardError(f"cannot record on {sha[:12]} in {self.ref}: {error} "
                                  "(docs/notes-format.md)") from None
        return line

    def _text_at(self, tip: str | None, sha: str) -> str | None:
        if tip is None:
            return None
        try:
            tree = self._git[tip].peel(pygit2.Tree)
        except (KeyError, ValueError, pygit2.GitError):
            raise BenchguardError(f"{self.ref} points at {tip[:12]}, which is not a notes "
                                  "commit; fix or delete that ref") from None
        blob = _find_note(tree, sha)
        return None if blob is None else blob.data.decode("utf-8", errors="replace")

    def _notes_commit(self, old: str | None, sha: str, text: str) -> str:
        blob = self._git.create_blob(text.encode("utf-8"))
        old_tree = self._git[old].peel(pygit2.Tree) if old else None
        tree = _insert(self._git, old_tree, sha, blob)
        signature = _signature(self._git)
        parents = [pygit2.Oid(hex=old)] if old else []
        return str(self._git.create_commit(None, signature, signature,
                                           f"benchguard: record on {sha}\n", tree, parents))


def _records_in(text: str, where: str) -> tuple[list[Record], list[str]]:
    """The records of one note, and a warning (naming ``where``) per line that was skipped."""
    records: list[Record] = []
    warnings: list[str] = []
    # "\n" only: git (and cat_sort_uniq) split lines there, str.splitlines also at \x1c, \x85…
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            records.append(decode(line))
        except NoteLineError as error:
            warnings.append(f"{where}, line {number}: {error}; skipped")
    return records, warnings


def _signature(repo: pygit2.Repository) -> pygit2.Signature:
    try:
        return repo.default_signature
    except (KeyError, pygit2.GitError):
        return pygit2.Signature("benchguard", "benchguard@localhost")


def _entry(tree: pygit2.Tree, name: str) -> pygit2.Object | None:
    try:
        return tree[name]
    except KeyError:
        return None


def _find_note(tree: pygit2.Tree, sha: str) -> pygit2.Blob | None:
    """The note blob for ``sha``, flat (`abcd…`) or under git's fan-out (`ab/cd…`, `ab/cd/ef…`)."""
    rest = sha
    while rest:
        found = _entry(tree, rest)
        if found is not None:
            return found if isinstance(found, pygit2.Blob) else None
        subtree = _entry(tree, rest[:2])
        if not isinstance(subtree, pygit2.Tree):
            return None
        tree, rest = subtree, rest[2:]
    return None


def _insert(repo: pygit2.Repository, tree: pygit2.Tree | None, rest: str,
            blob: pygit2.Oid) -> pygit2.Oid:
    """``tree`` with the note for ``rest`` set to ``blob``: replaced where it already is, else
    placed at the fan-out depth the tree already uses (as git does)."""
    builder = repo.TreeBuilder(tree) if tree is not None else repo.TreeBuilder()
    if tree is not None and _entry(tree, rest) is None:
        prefix = rest[:2]
        subtree = _entry(tree, prefix)
        uses_fanout = isinstance(subtree, pygit2.Tree) or any(
            len(entry.name or "") == 2 and entry.type_str == "tree" for entry in tree)
        if uses_fanout and (subtree is None or isinstance(subtree, pygit2.Tree)):
            inner = _insert(repo, subtree, rest[2:], blob)
            builder.insert(prefix, inner, pygit2.GIT_FILEMODE_TREE)
            return builder.write()
    builder.insert(rest, blob, pygit2.GIT_FILEMODE_BLOB)
    return builder.write()


def tracking_ref(remote: str, ref: str) -> str:
    return f"refs/notes/remotes/{remote}/{ref.removeprefix('refs/notes/')}"


class SyncOutcome(StrEnum):
    SYNCED = "synced"  # both sides now hold the union of their notes
    NOTHING = "nothing"  # no notes here or on the remote


@dataclass(frozen=True)
class Synced:
    """What a sync did."""

    remote: str
    ref: str
    outcome: SyncOutcome
    tip: str | None  # the notes commit both sides now point at (None with nothing to sync)
    retries: int  # how often the remote moved during the sync and was merged again


def fetch(repo: Path, remote: str, ref: str) -> bool:
    """Merge ``remote``'s notes into ours (union of lines, cat_sort_uniq) without pushing: what a
    check needs to use the baselines others recorded. False when the remote has no notes."""
    check_ref(ref)
    if git.run(["remote", "get-url", remote], cwd=repo, check=False).returncode != 0:
        raise BenchguardError(f"no remote named '{remote}' (see `git remote -v`)")
    if not git.output(["ls-remote", remote, ref], cwd=repo).split():
        return False
    tracking = tracking_ref(remote, ref)
    git.run(["fetch", "--quiet", "--no-tags", remote, f"+{ref}:{tracking}"], cwd=repo)
    _merge(repo, ref, tracking)
    return True


def sync(repo: Path, remote: str, ref: str, *, reporter: Reporter) -> Synced:
    """Fetch ``remote``'s notes, merge them into ours (union of lines, cat_sort_uniq) and push the
    result. Never forces: when the remote moved in between, fetch and merge again (told to
    ``reporter``)."""
    last_error = ""
    for attempt in range(_SYNC_ATTEMPTS):
        fetch(repo, remote, ref)
        local = git.run(["rev-parse", "--verify", "--quiet", ref], cwd=repo, check=False)
        if local.returncode != 0:
            return Synced(remote, ref, SyncOutcome.NOTHING, None, attempt)
        proc = git.run(["push", "--quiet", "--no-verify", remote, f"{ref}:{ref}"], cwd=repo,
                       check=False)
        if proc.returncode == 0:
            return Synced(remote, ref, SyncOutcome.SYNCED, local.stdout.strip(), attempt)
        if "rejected" not in proc.stderr and "stale info" not in proc.stderr:
            raise git.GitError(["push", "--no-verify", remote, f"{ref}:{ref}"], proc.returncode,
                               proc.stdout, proc.stderr)
        last_error = (proc.stderr.strip().splitlines() or ["rejected"])[-1]
        reporter.progress(f"{remote} notes moved while syncing; merging again")
        time.sleep(random.uniform(0.05, 0.2 * (attempt + 1)))
    raise BenchguardError(f"could not push {ref} to {remote}: it kept moving "
                          f"({_SYNC_ATTEMPTS} attempts; last: {last_error})")


def _merge(repo: Path, ref: str, tracking: str) -> None:
    """Merge ``tracking`` into ``ref`` with `git notes merge -s cat_sort_uniq`, done on a private
    ref and moved into place with compare-and-swap (git notes merge itself forces the ref)."""
    theirs = git.output(["rev-parse", tracking], cwd=repo)
    for attempt in range(_CAS_ATTEMPTS):
        proc = git.run(["rev-parse", "--verify", "--quiet", ref], cwd=repo, check=False)
        ours = proc.stdout.strip() if proc.returncode == 0 else None
        if ours == theirs or (ours is not None and git.is_ancestor(repo, theirs, ours)):
            return
        if ours is None or git.is_ancestor(repo, ours, theirs):
            new = theirs
        else:
            new = _merge_commit(repo, ours, tracking, ref)
        moved = git.run(["update-ref", "-m", f"benchguard: merge {tracking}", ref, new,
                         ours or git.ZERO_SHA], cwd=repo, check=False)
        if moved.returncode == 0:
            return
        time.sleep(random.uniform(0.005, 0.02 * min(attempt + 1, 10)))
    raise BenchguardError(f"could not update {ref}: it kept moving")


def _merge_commit(repo: Path, ours: str, tracking: str, ref: str) -> str:
    scratch = f"{ref}-merge-{os.getpid()}-{random.randrange(1 << 30)}"
    identity: list[str] = []
    if not git.config_get(repo, "user.email") and not os.environ.get("GIT_COMMITTER_EMAIL"):
        identity = ["-c", "user.name=benchguard", "-c", "user.email=benchguard@localhost"]
    git.run(["update-ref", scratch, ours, git.ZERO_SHA], cwd=repo)
    try:
        git.run([*identity, "notes", f"--ref={scratch}", "merge", "--quiet", "-s",
                 "cat_sort_uniq", tracking], cwd=repo)
        return git.output(["rev-parse", scratch], cwd=repo)
    finally:
        git.run(["update-ref", "-d", scratch], cwd=repo, check=False)
