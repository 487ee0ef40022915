"""Baselines and overrides stored in git notes, one JSON record a line (docs/notes-format.md).

Reads go through pygit2 (one tree lookup, no git process per note). Writes build the new notes
commit off the old one and move the ref with `git update-ref REF NEW OLD`, which fails when another
writer moved it first; then we retry on top of theirs, so concurrent writers never lose a record.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pygit2

from benchguard import __version__, git, machine, output
from benchguard.errors import EXIT_USAGE, BenchguardError
from benchguard.go import Fingerprint
from benchguard.results import BenchKey, BenchmarkSet, SeriesKey, merge
from benchguard.values import check_notes_ref

SCHEMA_VERSION = 1
KINDS = ("baseline", "override")
_COMMON_KEYS = ("schema", "kind", "commit", "date", "version")
_CAS_ATTEMPTS = 60
_SYNC_ATTEMPTS = 6


@dataclass(frozen=True)
class Record:
    """One measurement run ("baseline") or one accepted regression ("override") for a commit.

    A baseline has ``fingerprint``, ``settings`` (count, benchtime, tags, …) and ``samples``;
    an override has ``override`` = {"pattern", "reason", "user", "benchmarks": [names]}.
    """

    kind: str
    commit: str
    date: str
    version: str
    fingerprint: Fingerprint | None = None
    settings: dict[str, Any] = dataclasses.field(default_factory=dict)
    samples: BenchmarkSet | None = None
    override: dict[str, Any] | None = None
    # a baseline's load average (1, 5, 15 minutes) when its measurement started
    load: tuple[float, ...] | None = None


class NoteLineError(ValueError):
    """A note line benchguard cannot use; the message says why."""


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def baseline_record(commit: str, fingerprint: Fingerprint, settings: dict[str, Any],
                    samples: BenchmarkSet, *, load: Sequence[float] | None = None) -> Record:
    """``load``: the load average when the measurement started (default: now)."""
    if load is None:
        load = machine.load_average()
    return Record(kind="baseline", commit=commit, date=utc_now(), version=__version__,
                  fingerprint=fingerprint, settings=dict(settings), samples=samples,
                  load=None if load is None else tuple(round(value, 2) for value in load))


def override_record(commit: str, *, pattern: str, reason: str, user: str,
                    benchmarks: Sequence[str]) -> Record:
    return Record(kind="override", commit=commit, date=utc_now(), version=__version__,
                  override={"pattern": pattern, "reason": reason, "user": user,
                            "benchmarks": list(benchmarks)})


def encode(record: Record) -> str:
    """One JSON line, keys sorted, so identical records are identical lines for cat_sort_uniq."""
    if record.kind not in KINDS:
        raise ValueError(f"unknown record kind {record.kind!r}")
    data: dict[str, Any] = {"schema": SCHEMA_VERSION, "kind": record.kind,
                            "commit": record.commit, "date": record.date,
                            "version": record.version}
    if record.kind == "baseline":
        if record.fingerprint is None or record.samples is None:
            raise ValueError("a baseline record needs a fingerprint and samples")
        data["fingerprint"] = dataclasses.asdict(record.fingerprint)
        data["settings"] = record.settings
        data["samples"] = [
            {"package": key.bench.package, "name": key.bench.name, "procs": key.bench.procs,
             "unit": key.unit, "values": [value for value in values if math.isfinite(value)]}
            for key, values in record.samples.samples.items()
        ]
        data["higher_is_better"] = dict(record.samples.higher_is_better)
        if record.load is not None:
            data["load"] = list(record.load)
    else:
        extra = {key: value for key, value in (record.override or {}).items()
                 if key not in _COMMON_KEYS}
        data.update(extra)
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False)


def decode(line: str) -> Record:
    """The record on one note line; NoteLineError for a corrupt, foreign or newer-schema line."""
    if not line.lstrip().startswith("{"):
        raise NoteLineError("not a benchguard record")
    try:
        data = json.loads(line)
    except ValueError:
        raise NoteLineError("corrupt line (not valid JSON)") from None
    if not isinstance(data, dict) or not isinstance(data.get("schema"), int) \
            or data.get("kind") is None:
        raise NoteLineError("not a benchguard record")
    if data["schema"] > SCHEMA_VERSION:
        raise NoteLineError(f"written with schema {data['schema']} by a newer benchguard "
                            f"(this one reads schema {SCHEMA_VERSION})")
    kind = data["kind"]
    if kind not in KINDS:
        raise NoteLineError(f"unknown record kind {kind!r}")
    try:
        commit, date, version = (_text(data, "commit"), _text(data, "date"),
                                 str(data.get("version", "")))
        if kind == "override":
            override = {key: value for key, value in data.items() if key not in _COMMON_KEYS}
            _text(override, "pattern")
            if not all(isinstance(name, str) for name in override.get("benchmarks", [])):
                raise NoteLineError("override benchmarks must be names")
            return Record(kind=kind, commit=commit, date=date, version=version,
                          override=override)
        return Record(kind=kind, commit=commit, date=date, version=version,
                      fingerprint=_fingerprint(data.get("fingerprint")),
                      settings=dict(data.get("settings") or {}),
                      samples=_samples(data.get("samples"), data.get("higher_is_better")),
                      load=_load(data.get("load")))
    except (KeyError, TypeError, ValueError) as error:
        if isinstance(error, NoteLineError):
            raise
        raise NoteLineError(f"malformed {kind} record ({error})") from None


def _text(data: dict[str, Any], key: str) -> str:
    value = data[key]
    if not isinstance(value, str):
        raise NoteLineError(f"{key!r} must be a string")
    return value


def _load(data: Any) -> tuple[float, ...] | None:
    if not isinstance(data, list) or not all(
            isinstance(value, int | float) and not isinstance(value, bool) for value in data):
        return None
    return tuple(float(value) for value in data)


def _fingerprint(data: Any) -> Fingerprint:
    if not isinstance(data, dict):
        raise NoteLineError("missing fingerprint")
    names = {field.name for field in dataclasses.fields(Fingerprint)}
    return Fingerprint(**{key: value for key, value in data.items() if key in names})


def _samples(rows: Any, higher_is_better: Any) -> BenchmarkSet:
    if not isinstance(rows, list):
        raise NoteLineError("missing samples")
    result = BenchmarkSet()
    for row in rows:
        key = SeriesKey(BenchKey(_text(row, "package"), _text(row, "name"), int(row["procs"])),
                        _text(row, "unit"))
        values = row["values"]
        if not isinstance(values, list) or not all(
                isinstance(value, int | float) and not isinstance(value, bool) for value in values):
            raise NoteLineError(f"values of {key.bench.name} {key.unit} must be numbers")
        result.samples.setdefault(key, []).extend(float(value) for value in values)
    if isinstance(higher_is_better, dict):
        result.higher_is_better.update({str(unit): bool(flag)
                                        for unit, flag in higher_is_better.items()})
    return result


def check_ref(ref: str) -> str:
    """The config's notes_ref rule (benchguard.values), as a usage error."""
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
        text = self._text_at(self.tip(), sha)
        records: list[Record] = []
        warnings: list[str] = []
        for number, line in enumerate((text or "").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                records.append(decode(line))
            except NoteLineError as error:
                warnings.append(f"{self.ref} note on {sha[:12]}, line {number}: {error}; skipped")
        return records, warnings

    def baseline(self, commit: str, fp: Fingerprint, *,
                 any_machine: bool = False) -> BenchmarkSet | None:
        """The samples of every baseline measured on this machine (or any, if asked) merged into
        one set; None when there are none. Skipped lines are reported with output.warn."""
        records, warnings = self.read(commit)
        for warning in warnings:
            output.warn(warning)
        matching = [record.samples for record in records
                    if record.kind == "baseline" and record.samples is not None
                    and (any_machine or record.fingerprint == fp)]
        return merge(matching) if matching else None

    def append(self, commit: str, records: Sequence[Record]) -> None:
        """Add ``records`` as new lines of ``commit``'s note without ever dropping another
        writer's lines: compare-and-swap on the ref, retried with jitter."""
        if not records:
            return
        sha = self.resolve(commit)
        lines = "".join(encode(record) + "\n" for record in records)
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


def sync(repo: Path, remote: str, ref: str) -> None:
    """Fetch ``remote``'s notes, merge them into ours (union of lines, cat_sort_uniq) and push the
    result. Never forces: when the remote moved in between, fetch and merge again."""
    check_ref(ref)
    if git.run(["remote", "get-url", remote], cwd=repo, check=False).returncode != 0:
        raise BenchguardError(f"no remote named '{remote}' (see `git remote -v`)")
    tracking = tracking_ref(remote, ref)
    last_error = ""
    for attempt in range(_SYNC_ATTEMPTS):
        listed = git.output(["ls-remote", remote, ref], cwd=repo).split()
        if listed:
            git.run(["fetch", "--quiet", "--no-tags", remote, f"+{ref}:{tracking}"], cwd=repo)
            _merge(repo, ref, tracking)
        local = git.run(["rev-parse", "--verify", "--quiet", ref], cwd=repo, check=False)
        if local.returncode != 0:
            output.progress(f"no notes in {ref} here or on {remote}; nothing to sync")
            return
        proc = git.run(["push", "--quiet", "--no-verify", remote, f"{ref}:{ref}"], cwd=repo,
                       check=False)
        if proc.returncode == 0:
            output.progress(f"notes in {ref} synced with {remote}")
            return
        if "rejected" not in proc.stderr and "stale info" not in proc.stderr:
            raise git.GitError(["push", "--no-verify", remote, f"{ref}:{ref}"], proc.returncode,
                               proc.stdout, proc.stderr)
        last_error = (proc.stderr.strip().splitlines() or ["rejected"])[-1]
        output.progress(f"{remote} notes moved while syncing; merging again")
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
