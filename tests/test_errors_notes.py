"""Rows of docs/errors.md about the notes: lines benchguard cannot use are skipped with a
warning, measured again, and kept as they were; a ref that is not a notes commit is an error."""

from __future__ import annotations

import json

import pytest
import test_errors
from conftest import Project
from test_errors import (
    NOTES_REF,
    assert_nothing_lost,
    error_line,
    snapshot,
    warnings,
)

from benchguard.store.notes import NotesStore

# A record as `benchguard baseline` writes it, but for a name that decodes to terminal escapes
# (retitle the terminal, clear the screen): anyone who can push notes can write one.
HOSTILE_LINE = json.dumps({
    "schema": 1, "kind": "baseline", "commit": "a" * 40, "date": "2026-11-26T17:40:54Z",
    "version": "0.1.0", "settings": {"count": 4}, "higher_is_better": {},
    "fingerprint": {"goos": "linux", "goarch": "amd64", "cpu": "CPU", "go_version": "go1.26.0",
                    "gomaxprocs": 2},
    "samples": [{"package": "example.com/demo/hashing", "name": "Benchmark\x1b]0;pwned\x07\x1b[2J",
                 "procs": 2, "unit": "sec/op", "values": [1e-06] * 4}]}, sort_keys=True)

UNUSABLE_LINES = {
    "a corrupt note": ('{"schema":1,"kind":"baseline","commit":"abc","samp',
                       "corrupt line (not valid JSON)"),
    "a note from a newer schema": ('{"schema":2,"kind":"baseline","commit":"abc"}',
                                   "written with schema 2 by a newer benchguard (this one reads "
                                   "schema 1)"),
    "a note written by another tool": ("Reviewed-by: Alice <alice@example.com>",
                                       "not a benchguard record"),
    "a note whose benchmark name holds terminal escapes": (
        HOSTILE_LINE, "malformed baseline record (benchmark name "
                      "'Benchmark\\x1b]0;pwned\\x07\\x1b[2J' holds a space or a control "
                      "character)"),
}

# the shared fixtures, used by name
fast_project = test_errors.fast_project
temp_dir = test_errors.temp_dir


@pytest.mark.parametrize("row", list(UNUSABLE_LINES))
def test_a_note_line_benchguard_cannot_use_is_skipped_kept_and_measured_again(
    row: str, fast_project: Project
) -> None:
    project = fast_project
    base = project.head()
    line, why = UNUSABLE_LINES[row]
    project.sh(f"git notes --ref benchguard add -m '{line}' {base}")
    project.write({"hashing/doc.go": "package hashing\n"})
    project.commit("doc")
    before = snapshot(project)

    proc = project.benchguard("check")

    assert proc.returncode == 0, proc.stderr
    assert f"{NOTES_REF} note on {base[:12]}, line 1: {why}; skipped" in warnings(proc)
    assert "\x1b" not in proc.stdout + proc.stderr
    assert_nothing_lost(project, before, notes="grown")
    note = project.sh(f"git notes --ref benchguard show {base}").stdout.splitlines()
    assert note[0] == line  # the other tool's line, untouched
    records, skipped = NotesStore(project.root, NOTES_REF).read(base)
    assert [record.kind for record in records] == ["baseline"] and len(skipped) == 1


def test_a_notes_ref_that_is_not_a_notes_commit_exits_2_and_is_left_alone(
    fast_project: Project,
) -> None:
    project = fast_project
    blob = project.sh("echo not notes | git hash-object -w --stdin").stdout.strip()
    project.sh(f"git update-ref {NOTES_REF} {blob}")
    project.write({"hashing/doc.go": "package hashing\n"})
    project.commit("doc")
    before = snapshot(project)

    proc = project.benchguard("check")

    assert proc.returncode == 2
    assert error_line(proc) == (f"{NOTES_REF} points at {blob[:12]}, which is not a notes "
                                "commit; fix or delete that ref")
    assert_nothing_lost(project, before)
