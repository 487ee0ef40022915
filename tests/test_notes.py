"""Baselines and overrides in refs/notes/benchguard: one JSON record a line, never lost."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import sh

from benchguard.engine.benchfmt import BenchKey, BenchmarkSet, SeriesKey
from benchguard.errors import BenchguardError
from benchguard.progress import Collector
from benchguard.store import notes
from benchguard.tools.go import Fingerprint

REF = "refs/notes/benchguard"
HERE = Fingerprint(goos="linux", goarch="amd64", cpu="Test CPU", go_version="go1.26.0",
                   gomaxprocs=2)
ELSEWHERE = Fingerprint(goos="darwin", goarch="arm64", cpu="Apple M3", go_version="go1.26.0",
                        gomaxprocs=8)
SUM = SeriesKey(BenchKey("example.com/demo/hashing", "BenchmarkSum", 2), "sec/op")
THROUGHPUT = SeriesKey(BenchKey("example.com/demo/hashing", "BenchmarkSum", 2), "B/s")


def samples(*values: float) -> BenchmarkSet:
    return BenchmarkSet(samples={SUM: list(values), THROUGHPUT: [1e9] * len(values)},
                        higher_is_better={"B/s": True})


def baseline(commit: str, fingerprint: Fingerprint, *values: float) -> notes.Record:
    return notes.baseline_record(commit, fingerprint, {"count": len(values), "benchtime": "1s",
                                                      "tags": []}, samples(*values))


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    sh(f"git init -q {root} && cd {root} && git commit -q --allow-empty -m one", cwd=tmp_path)
    return root


def head(repo: Path) -> str:
    return sh("git rev-parse HEAD", cwd=repo).stdout.strip()


def test_a_record_is_one_sorted_json_line_that_decodes_to_itself(repo: Path) -> None:
    record = baseline(head(repo), HERE, 1.0, 1.1, 1.2)
    line = notes.encode(record)
    assert "\n" not in line and " " not in line.replace("Test CPU", "")
    assert list(json.loads(line)) == sorted(json.loads(line))
    assert notes.decode(line) == record
    override = notes.override_record(head(repo), pattern="Sum", reason="accepted: new hash",
                                     user="user@example.com", benchmarks=["BenchmarkSum"])
    assert notes.decode(notes.encode(override)) == override
    assert json.loads(notes.encode(override))["benchmarks"] == ["BenchmarkSum"]


def test_appended_records_are_a_git_note_and_baselines_match_this_machine(repo: Path) -> None:
    store = notes.NotesStore(repo, REF)
    commit = head(repo)
    quiet = Collector()
    assert store.baseline(commit, HERE, reporter=quiet) is None
    store.append("HEAD", [baseline(commit, HERE, 1.0, 1.1)])
    store.append("HEAD", [baseline(commit, ELSEWHERE, 9.0)])

    shown = sh("git notes --ref=benchguard show HEAD", cwd=repo).stdout.splitlines()
    assert [json.loads(line)["fingerprint"]["goos"] for line in shown] == ["linux", "darwin"]
    here = store.baseline(commit, HERE, reporter=quiet)
    assert here is not None and here.samples[SUM] == [1.0, 1.1]
    assert here.higher_is_better == {"B/s": True}
    other = Fingerprint(**{**HERE.__dict__, "gomaxprocs": 4})
    assert store.baseline(commit, other, reporter=quiet) is None
    anywhere = store.baseline(commit, other, reporter=quiet, any_machine=True)
    assert anywhere is not None and anywhere.samples[SUM] in ([1.0, 1.1], [9.0])
    assert quiet.warnings == []


def record_at(date: str, fingerprint: Fingerprint, series: dict[SeriesKey, list[float]]
              ) -> notes.Record:
    return dataclasses.replace(
        notes.baseline_record("a" * 40, fingerprint, {"count": 1}, BenchmarkSet(series)),
        date=date)


FIELDS = SeriesKey(BenchKey("example.com/demo/parse", "BenchmarkFields", 2), "sec/op")
PARSE = SeriesKey(BenchKey("example.com/demo/parse", "BenchmarkParse", 2), "sec/op")


def test_per_benchmark_the_newest_run_of_this_machine_counts() -> None:
    monday = record_at("2026-11-23T09:00:00Z", HERE, {SUM: [1.0], FIELDS: [5.0]})
    tuesday = record_at("2026-11-24T09:00:00Z", HERE, {SUM: [2.0], THROUGHPUT: [3.0]})
    elsewhere = record_at("2026-11-25T09:00:00Z", ELSEWHERE, {SUM: [9.0], PARSE: [7.0]})
    records = [tuesday, elsewhere, monday]  # line order has no meaning: cat_sort_uniq sorts

    # Sum comes from Tuesday's run, all of its metrics; Fields only Monday's run has.
    found = notes.baseline_samples(records, HERE)
    assert found is not None and found.samples == {SUM: [2.0], THROUGHPUT: [3.0], FIELDS: [5.0]}
    assert notes.baseline_sources(records, HERE) == {SUM.bench: tuesday, FIELDS.bench: monday}
    # Another machine's numbers serve only where this machine has none.
    anywhere = notes.baseline_samples(records, HERE, any_machine=True)
    assert anywhere is not None and anywhere.samples[SUM] == [2.0]
    assert anywhere.samples[PARSE] == [7.0]
    assert picked(records, None, any_machine=True)[SUM] == [9.0]
    assert notes.baseline_samples(records, None) is None
    assert notes.baseline_samples([notes.override_record(
        "a" * 40, pattern="Sum", reason="", user="", benchmarks=[])], HERE) is None
    # Two runs in the same second: the later line wins, so every clone picks the same one.
    again = record_at(tuesday.date, HERE, {SUM: [4.0]})
    assert picked([tuesday, again], HERE)[SUM] == [4.0]


def picked(records: list[notes.Record], fingerprint: Fingerprint | None, *,
           any_machine: bool = False) -> dict[SeriesKey, list[float]]:
    found = notes.baseline_samples(records, fingerprint, any_machine=any_machine)
    assert found is not None
    return found.samples


def test_bad_lines_are_skipped_with_a_warning_and_never_deleted(repo: Path) -> None:
    commit = head(repo)
    good = notes.encode(baseline(commit, HERE, 1.0, 1.1))
    newer = json.dumps({**json.loads(good), "schema": 99})
    note = "\n".join([good, "{not json", newer, "Reviewed-by: someone else's tool"]) + "\n"
    sh(f"git notes --ref=benchguard add -F - {commit}", cwd=repo, input=note)

    store = notes.NotesStore(repo, REF)
    records, warnings = store.read(commit)
    assert len(records) == 1
    assert [warning.split(": ", 1)[1] for warning in warnings] == [
        "corrupt line (not valid JSON); skipped", "written with schema 99 by a newer benchguard "
        "(this one reads schema 1); skipped", "not a benchguard record; skipped"]
    assert all(commit[:12] in warning for warning in warnings)
    assert [warning.split(", ")[1].split(":")[0] for warning in warnings] == \
        ["line 2", "line 3", "line 4"]

    told = Collector()
    found = store.baseline(commit, HERE, reporter=told)
    assert found is not None and found.samples[SUM] == [1.0, 1.1]
    assert told.warnings == warnings

    store.append(commit, [baseline(commit, HERE, 1.2)])
    assert sh(f"git notes --ref=benchguard show {commit}", cwd=repo).stdout.startswith(note)


WRITER = """
import sys, time
from pathlib import Path
from benchguard.store import notes
from benchguard.errors import BenchguardError
from benchguard.tools.go import Fingerprint
from benchguard.engine.benchfmt import BenchKey, BenchmarkSet, SeriesKey
repo, commit, value, start_at = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
key = SeriesKey(BenchKey("example.com/demo/hashing", "BenchmarkSum", 2), "sec/op")
record = notes.baseline_record(commit, Fingerprint("linux", "amd64", "Test CPU", "go1.26.0", 2),
                               {"count": 1}, BenchmarkSet(samples={key: [value]}))
store = notes.NotesStore(Path(repo), "refs/notes/benchguard")
time.sleep(max(0.0, start_at - time.time()))
store.append(commit, [record])
"""


def test_concurrent_writers_on_one_commit_never_lose_a_record(repo: Path) -> None:
    commit = head(repo)
    rounds = 20
    for round_number in range(rounds):
        start_at = time.time() + 0.3  # both have imported pygit2 by then, and write together
        writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(repo), commit,
                                     str(round_number * 2 + writer), str(start_at)])
                   for writer in range(2)]
        assert [writer.wait() for writer in writers] == [0, 0]
    records, warnings = notes.NotesStore(repo, REF).read(commit)
    assert warnings == []
    assert sorted(value for record in records if record.samples is not None
                  for value in record.samples.samples[SUM]) == \
        [float(value) for value in range(rounds * 2)]


def load_benchmark_script() -> object:
    path = Path(__file__).parent.parent / "benchmarks" / "notes_lookup.py"
    spec = importlib.util.spec_from_file_location("notes_lookup", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_ten_thousand_fanned_out_notes_are_read_and_extended_like_git_does(
        tmp_path: Path) -> None:
    repo = tmp_path / "big"
    commits: list[str] = load_benchmark_script().build_notes(repo, 10_000)  # type: ignore[attr-defined]
    assert "/" in sh(f"git ls-tree -r --name-only {REF}", cwd=repo).stdout.split("\n", 1)[0]
    store = notes.NotesStore(repo, REF)
    fingerprint = Fingerprint("linux", "amd64", "Test CPU", "go1.26.0", 2)
    found = store.baseline(commits[1234], fingerprint, reporter=Collector())
    assert found is not None and len(found.samples) == 3

    sh("git commit -q --allow-empty -m unnoted", cwd=repo)
    store.append(commits[1234], [baseline(commits[1234], HERE, 2.0)])
    store.append("HEAD", [baseline(head(repo), HERE, 3.0)])
    assert len(sh(f"git notes --ref=benchguard show {commits[1234]}", cwd=repo)
               .stdout.splitlines()) == 2
    assert "Sum" in sh("git notes --ref=benchguard show HEAD", cwd=repo).stdout
    assert len(sh("git notes --ref=benchguard list", cwd=repo).stdout.splitlines()) == 10_001
    sh("git fsck --no-progress --no-dangling", cwd=repo)


def test_a_notes_ref_outside_refs_notes_is_a_usage_error(repo: Path) -> None:
    with pytest.raises(BenchguardError, match="must be a ref under refs/notes/"):
        notes.NotesStore(repo, "refs/heads/benchguard")


def test_show_lists_baselines_per_machine_and_overrides_and_warns_about_bad_lines(
        repo: Path) -> None:
    from conftest import benchguard

    commit = head(repo)
    store = notes.NotesStore(repo, REF)
    store.append(commit, [baseline(commit, ELSEWHERE, 1.0, 1.1, 1.2)])
    store.append(commit, [notes.override_record(commit, pattern="Sum", reason="new hash",
                                                user="user@example.com",
                                                benchmarks=["BenchmarkSum"])])
    text = benchguard("show", cwd=repo)
    assert text.returncode == 0, text.stderr
    assert "baseline on darwin/arm64, go1.26.0, GOMAXPROCS=8, Apple M3: 1 run" in text.stdout
    assert "override by user@example.com" in text.stdout and "new hash" in text.stdout
    data = json.loads(benchguard("show", "--format", "json", cwd=repo).stdout)
    assert data["baselines"][0]["this_machine"] is False
    assert data["overrides"][0]["benchmarks"] == ["BenchmarkSum"]

    sh("git commit -q --allow-empty -m two", cwd=repo)
    assert "no benchguard notes on" in benchguard("show", cwd=repo).stdout


def test_a_units_exact_declaration_survives_the_note() -> None:
    """`Unit allocs/op assume=exact` must mean the same when the base comes from a stored
    baseline as when it is measured now."""
    from benchguard.engine.benchfmt import parse
    from benchguard.store import notes
    from benchguard.tools.go import Fingerprint

    samples = parse("pkg: example.com/x\nUnit widgets assume=exact better=higher\n"
                    "BenchmarkA-2 10 5 widgets\n")
    record = notes.baseline_record("a" * 40, Fingerprint("linux", "amd64", "cpu", "go1", 2),
                                   {"count": 1}, samples)
    decoded = notes.decode(notes.encode(record)).samples
    assert decoded is not None
    assert decoded.assume_exact == {"widgets": True}
    assert decoded.higher_is_better == {"widgets": True}


FAST_SUM = SeriesKey(BenchKey("example.com/demo/hashing", "BenchmarkSum", 2, ("fast",)), "sec/op")


def test_build_tags_are_part_of_a_stored_benchmark_and_old_records_read_untagged() -> None:
    both = BenchmarkSet(samples={SUM: [1.0, 1.1], FAST_SUM: [0.5, 0.6]})
    record = notes.baseline_record("a" * 40, HERE, {"benchtime": "1s", "tags": ["fast"]}, both)
    line = notes.encode(record)
    rows = json.loads(line)["samples"]
    assert [row.get("tags") for row in rows] == [None, ["fast"]]  # absent when untagged
    assert notes.decode(line) == record
    # a record written before tags were kept per benchmark: its samples are untagged
    old = json.loads(line)
    for row in old["samples"]:
        row.pop("tags", None)
    decoded = notes.decode(json.dumps(old))
    assert decoded.samples is not None
    assert {key.bench.tags for key in decoded.samples.samples} == {()}
    with pytest.raises(notes.NoteLineError, match="build tag of BenchmarkSum"):
        notes.decode(line.replace('"tags":["fast"],"unit"', '"tags":["fa st"],"unit"'))


def test_only_a_baseline_measured_comparably_counts_for_a_check() -> None:
    now = {"benchtime": "1s", "environment": {"GOAMD64": "v3"}}
    same = notes.baseline_record("a" * 40, HERE, {"benchtime": "1s",
                                                  "environment": {"GOAMD64": "v3"}}, samples(1.0))
    shorter = dataclasses.replace(same, settings={"benchtime": "100x",
                                                  "environment": {"GOAMD64": "v3"}},
                                  date="2099-01-01T00:00:00Z")
    plain = dataclasses.replace(same, settings={"benchtime": "1s"}, date="2099-01-02T00:00:00Z")
    assert notes.incomparable(same, now) is None
    assert notes.incomparable(shorter, now) == "benchtime 100x (now 1s)"
    assert notes.incomparable(plain, now) == "GOAMD64='' (now 'v3')"
    # the newest records are not comparable: the older one that is counts
    assert notes.baseline_sources([same, shorter, plain], HERE, settings=now) == {
        SUM.bench: same, THROUGHPUT.bench: same}
    assert notes.baseline_sources([shorter, plain], HERE, settings=now) == {}
    assert notes.incomparable_reason([same, shorter, plain], HERE, now) == \
        "GOAMD64='' (now 'v3')"
    # readers that do not measure (report, history, show) take every record
    assert notes.baseline_sources([same, plain], HERE)[SUM.bench] is plain
    older = dataclasses.replace(same, settings={"benchtime": "1s", "tags": ["fast"],
                                                "environment": {"GOAMD64": "v3"}})
    assert "older benchguard" in (notes.incomparable(older, now) or "")
