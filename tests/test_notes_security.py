"""Notes are input from other people: they arrive from every clone and CI runner through `sync`.
What a record may hold is checked on every read; what fails is skipped with a warning, and no
stored text reaches a terminal raw."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import test_notes
from conftest import Project, benchguard, sh, slow_down

from benchguard.engine.benchfmt import BenchKey, BenchmarkSet, SeriesKey
from benchguard.errors import BenchguardError
from benchguard.store import notes, records
from benchguard.tools.go import Fingerprint

REF = "refs/notes/benchguard"
HERE = Fingerprint("linux", "amd64", "Test CPU", "go1.26.0", 2)
SUM = SeriesKey(BenchKey("example.com/demo/hashing", "BenchmarkSum", 2), "sec/op")
repo = test_notes.repo  # the shared fixture, used by name

# Retitles the terminal, then clears the screen of whoever prints it.
HOSTILE = "\x1b]0;pwned\x07\x1b[2J"
# The same in the C1 form, which JSON (unlike ESC) lets stand raw in a string.
CSI = "\x9b2J"


def good_record() -> dict[str, Any]:
    record = notes.baseline_record("a" * 40, HERE, {"count": 2, "benchtime": "1s", "tags": [],
                                                    "specs": [{"package": "./hashing",
                                                               "pattern": ".", "tags": []}]},
                                   BenchmarkSet({SUM: [1.0, 1.1]}, {"B/s": True}),
                                   load=(0.5, 0.25, 0.75))
    data: dict[str, Any] = json.loads(notes.encode(record))
    return data


def with_change(path: str, value: Any) -> str:
    """A good record's line with the field at ``path`` ("samples.0.name") set to ``value``."""
    data = good_record()
    *parents, last = path.split(".")
    target: Any = data
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    if isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value
    return json.dumps(data, ensure_ascii=False)


INVALID = {
    "a name with terminal escapes": ("samples.0.name", f"Benchmark{HOSTILE}",
                                     "benchmark name 'Benchmark\\x1b]0;pwned\\x07\\x1b[2J' "
                                     "holds a space or a control character"),
    "a name with a raw C1 escape": ("samples.0.name", f"Benchmark{CSI}",
                                    "benchmark name 'Benchmark\\x9b2J' holds"),
    "a name with a space": ("samples.0.name", "BenchmarkSum fast",
                            "holds a space or a control character"),
    "a name that is not a benchmark's": ("samples.0.name", "Sum",
                                         "benchmark name 'Sum' does not start with Benchmark"),
    "a bidi override in a package": ("samples.0.package", "example.com/\u202edemo",
                                     "package of BenchmarkSum 'example.com/\\u202edemo' holds"),
    "a unit with a newline": ("samples.0.unit", "sec/op\nfake", "unit of BenchmarkSum"),
    "an empty unit": ("samples.0.unit", "", "unit of BenchmarkSum is empty"),
    "a huge name": ("samples.0.name", "Benchmark" + "x" * records.MAX_NAME,
                    f"benchmark name is longer than {records.MAX_NAME} characters"),
    "a value that is not finite": ("samples.0.values", [1.0, float("nan")],
                                   "values of BenchmarkSum sec/op must be finite numbers"),
    "a value too large for a float": ("samples.0.values", [10 ** 400],
                                      "must be finite numbers"),
    "a boolean value": ("samples.0.values", [True], "must be finite numbers"),
    "too many values": ("samples.0.values", [1.0] * (records.MAX_ITEMS + 1),
                        f"values of BenchmarkSum sec/op has more than {records.MAX_ITEMS} "
                        "entries"),
    "negative procs": ("samples.0.procs", -1, "procs of BenchmarkSum must be a whole number"),
    "a non-string cpu": ("fingerprint.cpu", ["Test", "CPU"], "fingerprint cpu must be a string"),
    "a cpu with escapes": ("fingerprint.cpu", HOSTILE, "fingerprint cpu '\\x1b]0;pwned"),
    "a missing fingerprint field": ("fingerprint.goos", None,
                                    "fingerprint goos must be a string"),
    "a zero gomaxprocs": ("fingerprint.gomaxprocs", 0, "fingerprint gomaxprocs must be"),
    "a count that is text": ("settings.count", "6", "settings count must be a whole number"),
    "a benchtime with escapes": ("settings.benchtime", HOSTILE, "settings benchtime"),
    "a spec that is not an object": ("settings.specs.0", "./hashing",
                                     "settings specs entry must be an object"),
    "a higher_is_better that is not a flag": ("higher_is_better.B/s", "yes",
                                              "higher_is_better must map units to true or"),
    "a load that is text": ("load", "high", "load must be a list"),
    "a commit that is not an id": ("commit", f"abc{HOSTILE}", "commit 'abc\\x1b]0;pwned"),
    "a date that is not a time": ("date", "yesterday", "date 'yesterday' is not a UTC time"),
    "a version with escapes": ("version", HOSTILE, "version '\\x1b]0;pwned"),
}


@pytest.mark.parametrize("row", list(INVALID))
def test_a_record_holding_what_benchguard_never_writes_is_refused(row: str) -> None:
    path, value, why = INVALID[row]
    with pytest.raises(notes.NoteLineError) as refused:
        notes.decode(with_change(path, value))
    assert refused.value.args[0].startswith("malformed baseline record (")
    assert why in refused.value.args[0]
    assert "\x1b" not in refused.value.args[0] and "\u202e" not in refused.value.args[0]


def test_a_good_record_and_unknown_keys_are_accepted() -> None:
    line = with_change("settings.future_setting", {"anything": [1, "two"]})
    record = notes.decode(line)
    assert record.samples is not None and record.samples.samples == {SUM: [1.0, 1.1]}
    assert record.settings["future_setting"] == {"anything": [1, "two"]}
    assert record.load == (0.5, 0.25, 0.75)
    assert notes.decode(with_change("samples.0.package", "")).samples is not None


def test_an_over_long_or_deeply_nested_line_is_skipped_not_a_crash() -> None:
    with pytest.raises(notes.NoteLineError, match=f"at most {records.MAX_LINE}"):
        notes.decode("{" + " " * records.MAX_LINE + "}")
    with pytest.raises(notes.NoteLineError, match="corrupt line"):
        notes.decode('{"schema":1,"kind":"baseline","x":' + "[" * 100_000 + "]" * 100_000 + "}")


OVERRIDE = {"schema": 1, "kind": "override", "commit": "a" * 40, "date": "2026-11-26T18:02:11Z",
            "version": "0.1.0", "pattern": "Sum", "reason": "new hash", "user": "a@example.com",
            "benchmarks": ["example.com/demo/hashing.BenchmarkSum"]}


@pytest.mark.parametrize(("key", "value", "why"), [
    ("reason", f"fine{HOSTILE}", "reason 'fine\\x1b]0;pwned"),
    ("user", "\u202eevil", "user '\\u202eevil' holds a control character"),
    ("pattern", "Sum(", "pattern 'Sum(' is not a regular expression"),
    ("benchmarks", [HOSTILE], "benchmarks entry '\\x1b]0;pwned"),
    ("reason", ["not", "text"], "reason must be a string"),
])
def test_an_override_with_control_characters_or_a_broken_pattern_is_refused(
        key: str, value: Any, why: str) -> None:
    with pytest.raises(notes.NoteLineError, match=r"^malformed override record \(") as refused:
        notes.decode(json.dumps({**OVERRIDE, key: value}))
    assert why in refused.value.args[0]
    assert notes.decode(json.dumps({**OVERRIDE, "reason": "a\u00a0non-breaking space"}))


def test_an_override_recorded_with_control_characters_stores_them_escaped() -> None:
    record = notes.override_record("a" * 40, pattern="Sum\t", reason=f"why{HOSTILE}",
                                   user="\u202eevil", benchmarks=["x.BenchmarkSum"])
    line = notes.encode(record)
    assert "\x1b" not in line and "\u202e" not in line and "\t" not in line
    read = notes.decode(line).override
    assert read is not None
    assert read["reason"] == "why\\x1b]0;pwned\\x07\\x1b[2J"
    assert read["user"] == "\\u202eevil" and read["pattern"] == "Sum\\x09"


def test_a_record_readers_would_skip_is_never_written(repo: Path) -> None:
    store = notes.NotesStore(repo, REF)
    hostile = SeriesKey(SUM.bench, f"ns{HOSTILE}")  # Go's b.ReportMetric allows this unit
    record = notes.baseline_record("a" * 40, HERE, {}, BenchmarkSet({hostile: [1.0]}))
    with pytest.raises(BenchguardError, match=r"cannot record on .*unit of BenchmarkSum"):
        store.append("HEAD", [record])
    assert store.tip() is None


def hostile_notes(repo: Path) -> str:
    """On HEAD, as `git notes add` by anyone who can push notes leaves them: a good baseline,
    a baseline whose name decodes to terminal escapes (JSON's \\u001b and a raw C1 CSI), an
    override with escapes in its reason, and a line with a raw ESC; HEAD's id."""
    commit = sh("git rev-parse HEAD", cwd=repo).stdout.strip()
    good = with_change("commit", commit)
    hostile = with_change("samples.0.name", f"Benchmark{HOSTILE}{CSI}")
    override = json.dumps({**OVERRIDE, "reason": f"trust me{HOSTILE}"})
    raw = good.replace("Test CPU", f"Test{HOSTILE}CPU")
    sh(f"git notes --ref=benchguard add -F - {commit}", cwd=repo,
       input="\n".join([good, hostile, override, raw]) + "\n")
    stored = sh("git notes --ref=benchguard show HEAD", cwd=repo).stdout
    assert "\\u001b]0;pwned" in stored and CSI in stored and HOSTILE in stored
    return commit


def assert_skipped_and_escaped(proc: subprocess.CompletedProcess[str], commit: str) -> None:
    assert proc.returncode == 0, proc.stderr
    assert "\x1b" not in proc.stdout + proc.stderr and "\x07" not in proc.stdout + proc.stderr
    warned = [line for line in proc.stderr.splitlines() if line.startswith("benchguard: warn")]
    assert warned == [
        f"benchguard: warning: {REF} note on {commit[:12]}, line 2: malformed baseline record "
        "(benchmark name 'Benchmark\\x1b]0;pwned\\x07\\x1b[2J\\x9b2J' holds a space or a "
        "control character); skipped",
        f"benchguard: warning: {REF} note on {commit[:12]}, line 3: malformed override record "
        "(reason 'trust me\\x1b]0;pwned\\x07\\x1b[2J' holds a control character); skipped",
        f"benchguard: warning: {REF} note on {commit[:12]}, line 4: corrupt line (not valid "
        "JSON); skipped"]


def test_show_skips_a_hostile_record_with_a_warning_and_prints_no_escape(repo: Path) -> None:
    commit = hostile_notes(repo)

    text = benchguard("show", cwd=repo)
    assert_skipped_and_escaped(text, commit)
    assert "Sum-2" in text.stdout and "override" not in text.stdout

    shown = benchguard("show", "--format", "json", cwd=repo)
    assert_skipped_and_escaped(shown, commit)
    data = json.loads(shown.stdout)
    assert [row["name"] for row in data["baselines"][0]["benchmarks"]] == ["BenchmarkSum"]
    assert len(data["warnings"]) == 3 and data["overrides"] == []


def test_history_skips_a_hostile_record_with_a_warning_and_prints_no_escape(repo: Path) -> None:
    commit = hostile_notes(repo)
    for form in ("text", "csv", "json"):
        proc = benchguard("history", ".", "--any-machine", "--format", form, cwd=repo)
        assert_skipped_and_escaped(proc, commit)
        assert "BenchmarkSum" in proc.stdout


def test_text_a_check_recorded_with_escapes_shows_them_as_text(repo: Path) -> None:
    commit = sh("git rev-parse HEAD", cwd=repo).stdout.strip()
    notes.NotesStore(repo, REF).append(commit, [notes.override_record(
        commit, pattern="Sum", reason=f"why{HOSTILE}", user=f"eve{HOSTILE}@example.com",
        benchmarks=["example.com/demo/hashing.BenchmarkSum"])])
    proc = benchguard("show", cwd=repo)
    assert proc.returncode == 0 and proc.stderr == ""
    assert "\x1b" not in proc.stdout
    assert "reason: why\\x1b]0;pwned\\x07\\x1b[2J" in proc.stdout
    assert "override by eve\\x1b]0;pwned" in proc.stdout


def test_the_store_never_talks_to_the_user() -> None:
    code = ("import sys, benchguard.store.notes, benchguard.store.records; "
            "print(sorted(m for m in sys.modules if m == 'benchguard.commands.output'))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert proc.stdout.strip() == "[]"


# --- what someone who can push notes can do ------------------------------------------------------


def note_lines_of(project: Project, commit: str) -> list[str]:
    return project.sh(f"git notes --ref benchguard show {commit}").stdout.splitlines()


@pytest.mark.slow
def test_a_record_dated_in_the_future_cannot_stand_in_for_the_base(project: Project) -> None:
    base = project.head()
    assert project.benchguard("baseline").returncode == 0  # the base's genuine baseline
    slow_down(project.root, "hashing/hash.go", 3)
    head = project.commit("make Sum 3x slower")
    # Someone who can push notes measures the slow head, and writes its numbers into the base's
    # note dated 9999-12-31, so that they beat every genuine record of the base ever written.
    assert project.benchguard("baseline", "HEAD").returncode == 0
    [measured] = note_lines_of(project, head)
    forged = json.loads(measured) | {"commit": base, "date": "9999-12-31T23:59:59Z"}
    project.sh(f"git notes --ref benchguard append -F - {base} && "
               f"git notes --ref benchguard remove {head}",
               input=json.dumps(forged, sort_keys=True, separators=(",", ":")) + "\n")
    line = note_lines_of(project, base).index(json.dumps(forged, sort_keys=True,
                                                         separators=(",", ":"))) + 1
    named = (f"benchguard: warning: {REF} note on {base[:12]}, line {line}: dated "
             "9999-12-31T23:59:59Z, more than a day after this machine's clock")

    # (before the check: a check keeps its head's samples, and status would then stop there)
    for command in ("show", "status"):
        told = project.benchguard(command, *([base] if command == "show" else []))
        assert told.returncode == 0, told.stderr
        assert named in told.stderr, (command, told.stderr)

    check = project.benchguard("check")

    assert check.returncode == 1, check.stderr
    assert "BenchmarkSum" in check.stdout + check.stderr
    assert named in check.stderr
