"""`benchguard sync`: two clones share their notes through a remote, nothing lost, never forced."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from conftest import benchguard, sh

from benchguard import JSON_VERSION
from benchguard.engine.benchfmt import BenchKey, BenchmarkSet, SeriesKey
from benchguard.store import notes
from benchguard.tools.go import Fingerprint

REF = "refs/notes/benchguard"
SUM = SeriesKey(BenchKey("example.com/demo/hashing", "BenchmarkSum", 1), "sec/op")


def record_on(clone: Path, cpu: str, value: float) -> None:
    """What `benchguard baseline` leaves behind, without running Go."""
    commit = sh("git rev-parse HEAD", cwd=clone).stdout.strip()
    fingerprint = Fingerprint("linux", "amd64", cpu, "go1.26.0", 2)
    record = notes.baseline_record(commit, fingerprint, {"count": 1},
                                   BenchmarkSet(samples={SUM: [value]}))
    notes.NotesStore(clone, REF).append(commit, [record])


def machines(clone: Path) -> list[str]:
    note = sh("git notes --ref=benchguard show HEAD", cwd=clone).stdout
    return sorted(json.loads(line)["fingerprint"]["cpu"] for line in note.splitlines())


@pytest.fixture
def clones(tmp_path: Path) -> tuple[Path, Path, Path]:
    remote = tmp_path / "remote.git"
    sh(f"""
        git init -q --bare {remote}
        git init -q alice && cd alice
        git commit -q --allow-empty -m initial
        git remote add origin {remote}
        git push -q origin main
        cd .. && git clone -q {remote} bob
    """, cwd=tmp_path)
    return tmp_path / "alice", tmp_path / "bob", remote


def test_two_clones_recording_on_one_commit_both_see_both_records(
        clones: tuple[Path, Path, Path]) -> None:
    alice, bob, remote = clones
    record_on(alice, "Alice CPU", 1.0)
    record_on(bob, "Bob CPU", 2.0)

    first = benchguard("sync", cwd=alice)
    assert first.returncode == 0, first.stderr
    alices_push = sh(f"git rev-parse {REF}", cwd=remote).stdout.strip()

    second = benchguard("sync", cwd=bob)  # the remote has diverged from bob's notes: merge
    assert second.returncode == 0, second.stderr
    assert benchguard("sync", "origin", cwd=alice).returncode == 0

    assert machines(alice) == machines(bob) == ["Alice CPU", "Bob CPU"]
    merged = sh(f"git rev-parse {REF}", cwd=remote).stdout.strip()
    sh(f"git merge-base --is-ancestor {alices_push} {merged}", cwd=remote)
    assert sh(f"git rev-parse {REF}", cwd=alice).stdout.strip() == merged


def test_a_remote_that_moves_during_sync_is_merged_again_not_overwritten(
        clones: tuple[Path, Path, Path], tmp_path: Path) -> None:
    alice, bob, remote = clones
    record_on(alice, "Alice CPU", 1.0)
    record_on(bob, "Bob CPU", 2.0)
    assert benchguard("sync", cwd=alice).returncode == 0
    carol = tmp_path / "carol"
    sh(f"git clone -q {remote} {carol}", cwd=tmp_path)
    assert benchguard("sync", cwd=carol).returncode == 0
    record_on(carol, "Carol CPU", 3.0)

    # A `git` that lets carol push her notes just before bob's first push lands.
    real_git = shutil.which("git")
    fake = tmp_path / "fake-bin"
    fake.mkdir()
    (fake / "git").write_text(f"""#!/bin/sh
if [ "$1" = push ] && [ ! -e {tmp_path}/raced ]; then
    touch {tmp_path}/raced
    {real_git} -C {carol} push -q --no-verify origin {REF}:{REF} || exit 99
fi
exec {real_git} "$@"
""", encoding="utf-8")
    (fake / "git").chmod(0o755)
    before = sh(f"git rev-parse {REF}", cwd=remote).stdout.strip()

    proc = benchguard("sync", cwd=bob, env={"PATH": f"{fake}{os.pathsep}{os.environ['PATH']}"})
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "raced").exists()
    assert "merging again" in proc.stderr
    assert machines(bob) == ["Alice CPU", "Bob CPU", "Carol CPU"]
    assert sh("git notes --ref=benchguard show HEAD", cwd=remote).stdout.count("\n") == 3
    sh(f"git merge-base --is-ancestor {before} {REF}", cwd=remote)


def test_sync_pushes_without_running_the_pre_push_hook(clones: tuple[Path, Path, Path]) -> None:
    alice, _, remote = clones
    hook = alice / ".git" / "hooks" / "pre-push"
    hook.write_text("#!/bin/sh\necho hook ran >&2\nexit 1\n", encoding="utf-8")
    hook.chmod(0o755)
    record_on(alice, "Alice CPU", 1.0)
    proc = benchguard("sync", cwd=alice)
    assert proc.returncode == 0, proc.stderr
    assert "hook ran" not in proc.stderr
    assert "Alice CPU" in sh("git notes --ref=benchguard show HEAD", cwd=remote).stdout


def test_sync_with_no_notes_anywhere_says_so(clones: tuple[Path, Path, Path]) -> None:
    alice, _, _ = clones
    proc = benchguard("sync", cwd=alice)
    assert proc.returncode == 0
    assert "nothing to sync" in proc.stderr
    data = json.loads(benchguard("sync", "--format", "json", cwd=alice).stdout)
    assert data == {"version": JSON_VERSION, "remote": "origin", "ref": REF,
                    "outcome": "nothing", "tip": None, "retries": 0}


def test_sync_tells_a_script_what_it_did_in_json(clones: tuple[Path, Path, Path]) -> None:
    alice, _, remote = clones
    record_on(alice, "Alice CPU", 1.0)
    proc = benchguard("sync", "origin", "--format", "json", cwd=alice)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    tip = sh(f"git rev-parse {REF}", cwd=remote).stdout.strip()
    assert data == {"version": JSON_VERSION, "remote": "origin", "ref": REF,
                    "outcome": "synced", "tip": tip, "retries": 0}
    assert f"benchguard: notes in {REF} synced with origin" in proc.stderr.splitlines()

    failed = benchguard("sync", "upstream", "--format", "json", cwd=alice)
    assert failed.returncode == 2 and failed.stdout == ""


def test_sync_with_an_unknown_remote_is_a_usage_error(clones: tuple[Path, Path, Path]) -> None:
    alice, _, _ = clones
    proc = benchguard("sync", "upstream", cwd=alice)
    assert proc.returncode == 2
    assert "no remote named 'upstream'" in proc.stderr
