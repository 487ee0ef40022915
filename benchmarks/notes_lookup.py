"""How long a baseline lookup takes with 10,000 notes in refs/notes/benchguard.

    /tmp/venv/bin/python benchmarks/notes_lookup.py [COUNT]

Builds a throwaway repository with COUNT commits, each with a one-record note, in one
`git fast-import` run (git fans the notes tree out as `ab/cdef…`), then times
NotesStore.baseline() on random commits: opening the store plus the first lookup, and the
median and worst of many lookups.
"""

from __future__ import annotations

import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REF = "refs/notes/benchguard"


def record_line(commit_mark: int) -> str:
    """A realistic baseline record (fingerprint, settings, 6 samples of 3 units). Its `commit`
    is made up: fast-import gives commit ids only afterwards, and readers do not need it to be
    the noted commit (docs/notes-format.md)."""
    samples = ",".join(
        f'{{"name":"BenchmarkSum","package":"example.com/demo/hashing","procs":2,"unit":"{unit}",'
        f'"values":[{value},{value},{value},{value},{value},{value}]}}'
        for unit, value in (("sec/op", 1.5e-06), ("B/op", 0), ("allocs/op", 0))
    )
    return (
        f'{{"commit":"{commit_mark:040x}","date":"2026-01-01T00:00:00Z",'
        '"fingerprint":{"cpu":"Test CPU","go_version":"go1.26.0","goarch":"amd64",'
        '"gomaxprocs":2,"goos":"linux"},"higher_is_better":{},"kind":"baseline",'
        f'"samples":[{samples}],"schema":1,'
        '"settings":{"benchtime":"1s","count":6,"tags":[]},"version":"0.1.0"}'
    )


def build_notes(repo: Path, count: int, *, ref: str = REF) -> list[str]:
    """COUNT commits on `main`, each with a note in ``ref``; their ids, oldest first."""
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    chunks = []
    for mark in range(1, count + 1):
        message = f"commit {mark}\n"
        chunks.append(
            f"commit refs/heads/main\nmark :{mark}\n"
            f"committer Bench <bench@example.com> {1700000000 + mark} +0000\n"
            f"data {len(message)}\n{message}"
            + (f"from :{mark - 1}\n" if mark > 1 else "")
            + "\n"
        )
    notes = []
    for mark in range(1, count + 1):
        line = record_line(mark) + "\n"
        notes.append(f"N inline :{mark}\ndata {len(line.encode())}\n{line}")
    message = "notes\n"
    chunks.append(
        f"commit {ref}\ncommitter Bench <bench@example.com> 1800000000 +0000\n"
        f"data {len(message)}\n{message}" + "".join(notes) + "\n"
    )
    subprocess.run(["git", "fast-import", "--quiet"], cwd=repo, input="".join(chunks).encode(),
                   check=True)
    out = subprocess.run(["git", "rev-list", "--reverse", "main"], cwd=repo, check=True,
                         capture_output=True, text=True).stdout
    return out.split()


def main() -> int:
    from benchguard.progress import Collector
    from benchguard.store.notes import NotesStore
    from benchguard.tools.go import Fingerprint

    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    fingerprint = Fingerprint(goos="linux", goarch="amd64", cpu="Test CPU",
                              go_version="go1.26.0", gomaxprocs=2)
    with tempfile.TemporaryDirectory() as scratch:
        repo = Path(scratch) / "repo"
        started = time.perf_counter()
        commits = build_notes(repo, count)
        built = time.perf_counter() - started

        started = time.perf_counter()
        store = NotesStore(repo, REF)
        skipped = Collector()
        first = store.baseline(random.choice(commits), fingerprint, reporter=skipped)
        cold = time.perf_counter() - started
        assert first is not None

        timings = []
        for commit in random.sample(commits, min(500, len(commits))):
            started = time.perf_counter()
            found = store.baseline(commit, fingerprint, reporter=skipped)
            timings.append(time.perf_counter() - started)
            assert found is not None
        assert not skipped.warnings, skipped.warnings
    print(f"{count} notes built with git fast-import in {built:.2f} s")
    print(f"open store + first lookup: {cold * 1000:.2f} ms")
    print(f"lookup: median {statistics.median(timings) * 1000:.3f} ms, "
          f"worst {max(timings) * 1000:.3f} ms over {len(timings)} lookups")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
