"""Baselines and overrides stored in git notes, one JSON record a line (docs/notes-format.md).

Reads go through tools.git_objects (one tree lookup, no git process per note). Writes build the
new notes commit off the old one and move the ref with `git update-ref REF NEW OLD`, which fails
when another writer moved it first; then we retry on top of theirs, so concurrent writers never
lose a record. Sharing with a remote is benchguard.store.sync's.

The records themselves live in benchguard.store.records (imported here for the store's users). This
module never talks to the user: readers get skipped lines back as warnings or tell a Reporter.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from benchguard.config.values import check_notes_ref
from benchguard.engine.benchfmt import BenchKey, BenchmarkSet, SeriesKey
from benchguard.engine.simulation import SIMULATION, TIME, Identity
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
    utc_now,
)
from benchguard.tools import git, git_objects
from benchguard.tools.go import Fingerprint

__all__ = ["SIMULATION", "TIME", "Kind", "NoteLineError", "NotesStore", "Record", "Timing",
           "baseline_record", "baseline_samples", "baseline_sources", "check_ref", "decode",
           "encode", "incomparable", "incomparable_reason", "override_record", "same_identity",
           "unchecked_record"]

CAS_ATTEMPTS = 60  # compare-and-swap tries on the ref (also store.sync's)
# How far ahead of this machine's clock another machine's may be: a record dated later than
# that is not used (docs/notes-format.md).
CLOCK_SKEW = timedelta(days=1)


# --- which records count ------------------------------------------------------------------------


def baseline_sources(records: Iterable[Record], fingerprint: Fingerprint | None, *,
                     any_machine: bool = False, settings: Mapping[str, Any] | None = None,
                     instrument: str | None = None, identity: Identity | None = None
                     ) -> dict[BenchKey, Record]:
    """The one rule for which stored samples a benchmark is compared with (docs/notes-format.md,
    "Which records count"): the newest baseline record (by ``date``; on a tie, the later line)
    measured on ``fingerprint``'s machine that has the benchmark. With ``any_machine``, a
    benchmark this machine has no record of comes from the newest record of another machine.
    With ``settings`` (RunSettings.comparable()), only records measured so that their numbers
    compare with a measurement made now count (incomparable). A simulated record counts
    whichever machine made it: with ``identity``, when it has that identity (same_identity).
    ``instrument`` ("time", "simulation"): only that instrument's records; None: both."""
    baselines = sorted((record for record in records
                        if record.kind == Kind.BASELINE and record.samples is not None
                        and instrument in (None, record.instrument)
                        and (identity is None or not record.simulated
                             or same_identity(record.identity, identity))
                        and (settings is None or incomparable(record, settings) is None)),
                       key=lambda record: record.date)
    ours: dict[BenchKey, Record] = {}
    theirs: dict[BenchKey, Record] = {}
    for record in baselines:
        assert record.samples is not None
        into = ours if record.fingerprint == fingerprint or record.simulated else theirs
        for key in record.samples.samples:
            into[key.bench] = record
    if any_machine:
        ours.update({bench: record for bench, record in theirs.items() if bench not in ours})
    return ours


def same_identity(stored: Identity | None, wanted: Identity) -> bool:
    """Whether a simulated record's results compare with a simulation of ``wanted``: every part
    of the identity but the simulated CPU, which only a run shows (push.runs checks it then)."""
    return stored is not None and stored == Identity(**{**wanted.to_json(), "cpu": stored.cpu})


def incomparable(record: Record, settings: Mapping[str, Any]) -> str | None:
    """Why the numbers of ``record`` do not compare with a measurement made with ``settings``
    (RunSettings.comparable(): benchtime, and the environment that changes what go builds);
    None when they do. The machine is the fingerprint's business, build tags the benchmarks'
    own (BenchKey.tags); a simulated count does not depend on benchtime."""
    recorded = record.settings
    if not record.simulated and recorded.get("benchtime") != settings.get("benchtime"):
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
                          and not record.simulated
                          and (any_machine or record.fingerprint == fingerprint)),
                         key=lambda record: record.date, reverse=True):
        why = incomparable(record, settings)
        if why is not None:
            return why
    return None


def baseline_samples(records: Iterable[Record], fingerprint: Fingerprint | None, *,
                     any_machine: bool = False, settings: Mapping[str, Any] | None = None,
                     instrument: str | None = None, identity: Identity | None = None
                     ) -> BenchmarkSet | None:
    """Each benchmark's samples from the record baseline_sources picks for it; None when no
    record counts."""
    sources = baseline_sources(records, fingerprint, any_machine=any_machine,
                               settings=settings, instrument=instrument, identity=identity)
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
            for unit, exact in record.samples.assume_exact.items():
                result.assume_exact.setdefault(unit, exact)
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
        self._objects = git_objects.Repository(self.repo)

    def resolve(self, rev: str) -> str:
        """The full commit id of ``rev`` (a full id is taken as is: notes may name commits not
        fetched here)."""
        if len(rev) == 40 and all(char in "0123456789abcdef" for char in rev):
            return rev
        found = self._objects.commit_id(rev)
        if found is None:
            raise BenchguardError(f"unknown revision '{rev}': no such commit in {self.repo}")
        return found

    def tip(self) -> str | None:
        """The notes commit the ref points at, None when there are no notes yet."""
        return self._objects.ref_target(self.ref)

    def text(self, commit: str) -> str | None:
        """The raw note on ``commit``, None when it has none."""
        return self._text_at(self.tip(), self.resolve(commit))

    def read(self, commit: str) -> tuple[list[Record], list[str]]:
        """Every usable record on ``commit``, and one warning per line that was skipped."""
        sha = self.resolve(commit)
        return _records_in(self._text_at(self.tip(), sha) or "",
                           f"{self.ref} note on {sha[:12]}")

    def baseline(self, commit: str, fingerprint: Fingerprint | None, *, reporter: Reporter,
                 any_machine: bool = False, settings: Mapping[str, Any] | None = None,
                 instrument: str | None = None, identity: Identity | None = None
                 ) -> BenchmarkSet | None:
        """The stored samples of ``commit`` a comparison on this machine uses (baseline_samples);
        None when it has none. Skipped lines are told to ``reporter``; so is, with
        ``settings``, why this machine's newest record does not compare (incomparable)."""
        records, warnings = self.read(commit)
        for warning in warnings:
            reporter.warn(warning)
        found = baseline_samples(records, fingerprint, any_machine=any_machine,
                                 settings=settings, instrument=instrument, identity=identity)
        if settings is not None and instrument != SIMULATION:
            why = incomparable_reason(records, fingerprint, settings, any_machine=any_machine)
            if why is not None and found is None:
                reporter.progress(f"the stored baseline of {commit[:12]} was measured with "
                                  f"{why}: not comparable, so the base is measured afresh")
        return found

    def along_first_parents(self, commit: str, limit: int
                            ) -> Iterator[tuple[str, list[Record]]]:
        """Each commit with a note among ``commit`` and its first-parent ancestors (at most
        ``limit`` commits looked at), nearest first, with its records; lines that do not decode
        are left out (read() warns about them). Walked in process: no git process however far
        it goes."""
        tip = self.tip()
        if tip is None:
            return
        for found in self._objects.first_parents(commit, limit):
            text = self._text_at(tip, found)
            if text:
                yield found, _records_in(text, "")[0]

    def append(self, commit: str, records: Sequence[Record]) -> None:
        """Add ``records`` as new lines of ``commit``'s note without ever dropping another
        writer's lines: compare-and-swap on the ref, retried with jitter."""
        if not records:
            return
        sha = self.resolve(commit)
        lines = "".join(self._line(sha, record) + "\n" for record in records)
        last_error = ""
        for attempt in range(CAS_ATTEMPTS):
            old = self.tip()
            existing = self._text_at(old, sha) or ""
            if existing and not existing.endswith("\n"):
                existing += "\n"
            try:
                new = self._objects.notes_commit(old, sha, existing + lines,
                                                 f"benchguard: record on {sha}\n")
            except OSError as error:  # a read-only or full .git
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
                              f"({CAS_ATTEMPTS} attempts; last: {last_error})")

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
            return self._objects.note_text(tip, sha)
        except ValueError:
            raise BenchguardError(f"{self.ref} points at {tip[:12]}, which is not a notes "
                                  "commit; fix or delete that ref") from None


def _records_in(text: str, where: str) -> tuple[list[Record], list[str]]:
    """The records of one note, and a warning (naming ``where``) per line that was skipped: one
    that does not decode, or one dated more than CLOCK_SKEW ahead of this machine's clock."""
    records: list[Record] = []
    warnings: list[str] = []
    # The latest date a record written by now can have; a later one would otherwise be the
    # newest of its commit for as long as its date is ahead (docs/notes-format.md).
    latest = utc_now(ahead=CLOCK_SKEW)
    # "\n" only: git (and cat_sort_uniq) split lines there, str.splitlines also at \x1c, \x85…
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = decode(line)
        except NoteLineError as error:
            warnings.append(f"{where}, line {number}: {error}; skipped")
            continue
        if record.date > latest:
            warnings.append(f"{where}, line {number}: dated {record.date}, more than a day "
                            f"after this machine's clock ({latest[:10]} at the latest); not "
                            "used (a forged record, or a clock that is wrong)")
            continue
        records.append(record)
    return records, warnings

